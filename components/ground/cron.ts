/**
 * A 5-field cron schedule (backup.schedule, as Kubernetes CronJobs read it), in UTC: the one parser of the code base,
 * the next minute it fires after a given time (the local stack's base backups run on it: local/backupSchedule.ts),
 * and the longest time between two runs (how old the newest base backup may be: monitoring/archiveRules.ts).
 *
 * Fields: minute 0-59, hour 0-23, day of month 1-31, month 1-12 (or jan-dec), day of week 0-7 (0 and 7 are Sunday,
 * or sun-sat); each `*`, a number, a range, a list, and `/step` on `*` or a range. As in cron(8) and Kubernetes, when
 * both day of month and day of week are restricted a day matching either fires.
 */

export interface CronSchedule {
  text: string;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
  /** Whether the field was `*` (unrestricted), which decides how days and weekdays combine. */
  anyDay: boolean;
  anyWeekday: boolean;
}

export class CronError extends Error {
  override name = "CronError";
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** The value a name's index maps to (months count from 1). */
  nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: "day of week", min: 0, max: 7, names: WEEKDAYS, nameBase: 0 },
];

function value(text: string, spec: FieldSpec, schedule: string): number {
  const index = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  const number = index >= 0 ? index + (spec.nameBase ?? 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(number) || number < spec.min || number > spec.max)
    throw new CronError(`${schedule}: ${spec.name} ${text} is not in ${spec.min}-${spec.max}`);
  return number;
}

function parsePart(part: string, spec: FieldSpec, schedule: string): number[] {
  const [range = "", stepText] = part.split("/");
  const step = stepText === undefined ? 1 : Number(stepText);
  if (!Number.isInteger(step) || step < 1) throw new CronError(`${schedule}: ${spec.name} step ${stepText} is not ≥ 1`);
  let from: number;
  let to: number;
  if (range === "*") [from, to] = [spec.min, spec.max];
  else if (range.includes("-")) {
    const [a = "", b = ""] = range.split("-");
    [from, to] = [value(a, spec, schedule), value(b, spec, schedule)];
    if (from > to) throw new CronError(`${schedule}: ${spec.name} range ${range} runs backwards`);
  } else {
    from = value(range, spec, schedule);
    to = stepText === undefined ? from : spec.max;
  }
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

function parseField(text: string, spec: FieldSpec, schedule: string): Set<number> {
  return new Set(text.split(",").flatMap((part) => parsePart(part, spec, schedule)));
}

export function parseCron(text: string): CronSchedule {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 5) throw new CronError(`${text}: a schedule has 5 fields (minute hour day month weekday)`);
  const [minutes, hours, days, months, weekdays] = fields.map((field, i) => parseField(field, FIELDS[i]!, text));
  // Sunday is 0 and 7.
  if (weekdays!.has(7)) weekdays!.add(0);
  return {
    text,
    minutes: minutes!,
    hours: hours!,
    days: days!,
    months: months!,
    weekdays: weekdays!,
    anyDay: fields[2]!.startsWith("*"),
    anyWeekday: fields[4]!.startsWith("*"),
  };
}

function dayMatches(schedule: CronSchedule, at: Date): boolean {
  const day = schedule.days.has(at.getUTCDate());
  const weekday = schedule.weekdays.has(at.getUTCDay());
  if (schedule.anyDay && schedule.anyWeekday) return true;
  if (schedule.anyDay) return weekday;
  if (schedule.anyWeekday) return day;
  return day || weekday;
}

/** Whether the schedule fires in the minute that starts at `at` (UTC). */
export function firesAt(schedule: CronSchedule, at: Date): boolean {
  return (
    schedule.months.has(at.getUTCMonth() + 1) &&
    dayMatches(schedule, at) &&
    schedule.hours.has(at.getUTCHours()) &&
    schedule.minutes.has(at.getUTCMinutes())
  );
}

const MINUTE = 60_000;
/** Every day-of-month/month combination recurs within 8 years (a 29 February at most 8 years apart). */
const HORIZON_MS = 8 * 366 * 24 * 60 * MINUTE;

/**
 * The first minute strictly after `after` (epoch ms) at which the schedule fires. Skips whole months, days and hours
 * that cannot match, so even a yearly schedule takes a few thousand steps. Throws for a schedule that never fires
 * (e.g. 31 February).
 */
export function nextRun(schedule: CronSchedule, after: number): number {
  const at = new Date(Math.floor(after / MINUTE) * MINUTE + MINUTE);
  const limit = after + HORIZON_MS;
  while (at.getTime() <= limit) {
    if (!schedule.months.has(at.getUTCMonth() + 1)) {
      at.setUTCMonth(at.getUTCMonth() + 1, 1);
      at.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(schedule, at)) {
      at.setUTCDate(at.getUTCDate() + 1);
      at.setUTCHours(0, 0, 0, 0);
    } else if (!schedule.hours.has(at.getUTCHours())) {
      at.setUTCHours(at.getUTCHours() + 1, 0, 0, 0);
    } else if (!schedule.minutes.has(at.getUTCMinutes())) {
      at.setUTCMinutes(at.getUTCMinutes() + 1, 0, 0);
    } else return at.getTime();
  }
  throw new CronError(`${schedule.text} never fires (no such date)`);
}

const DAY = 24 * 60 * MINUTE;
/** Four years from a leap year: every leap-day and month-length combination a schedule's gaps depend on. */
const GAP_HORIZON_DAYS = 4 * 366;

/**
 * The longest time between two runs in milliseconds, over four years from `from` (a leap year's 1 January by default);
 * undefined when the schedule never runs (e.g. `0 0 30 2 *`).
 */
export function longestCronGapMs(text: string, from: Date = new Date(Date.UTC(2024, 0, 1))): number | undefined {
  const schedule = parseCron(text);
  const times = [...schedule.hours]
    .flatMap((h) => [...schedule.minutes].map((m) => (h * 60 + m) * MINUTE))
    .sort((a, b) => a - b);
  let previous: number | undefined;
  let longest = 0;
  for (let d = 0; d < GAP_HORIZON_DAYS; d++) {
    const day = new Date(from.getTime() + d * DAY);
    if (!schedule.months.has(day.getUTCMonth() + 1) || !dayMatches(schedule, day)) continue;
    for (const offset of times) {
      const at = day.getTime() + offset;
      if (previous !== undefined) longest = Math.max(longest, at - previous);
      previous = at;
    }
  }
  return longest > 0 ? longest : undefined;
}
