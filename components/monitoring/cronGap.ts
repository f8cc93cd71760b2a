/**
 * The longest time between two runs of a 5-field cron schedule (UTC, as a Kubernetes CronJob reads it): how old the
 * newest base backup may be before a run was missed. Pure; the schedule was checked by config (backupFields.ts).
 */

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldSpec {
  min: number;
  max: number;
  names?: readonly string[];
  /** The first name's number (months count from 1). */
  nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { min: 0, max: 7, names: DAYS, nameBase: 0 },
];

function value(text: string, spec: FieldSpec): number {
  const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  const n = named >= 0 ? named + (spec.nameBase ?? 0) : Number(text);
  if (!Number.isInteger(n) || n < spec.min || n > spec.max) throw new Error(`cron: ${text} is out of range`);
  return n;
}

/** The values one comma-separated part stands for: `*`, `n`, `a-b`, each optionally `/step`. */
function expandPart(part: string, spec: FieldSpec): number[] {
  const [range, stepText] = part.split("/");
  const step = stepText === undefined ? 1 : Number(stepText);
  if (!Number.isInteger(step) || step < 1) throw new Error(`cron: step ${stepText} is not a positive number`);
  const [from, to] =
    range === "*"
      ? [spec.min, spec.max]
      : range!.includes("-")
        ? range!.split("-").map((v) => value(v, spec))
        : [value(range!, spec), stepText === undefined ? value(range!, spec) : spec.max];
  const values: number[] = [];
  for (let v = from!; v <= to!; v += step) values.push(v);
  return values;
}

function expand(field: string, spec: FieldSpec): Set<number> {
  return new Set(field.split(",").flatMap((part) => expandPart(part, spec)));
}

/** Whether a day matches: cron ORs day-of-month and day-of-week when both are restricted. */
function dayMatches(date: Date, fields: readonly string[], days: Set<number>, weekdays: Set<number>): boolean {
  const dom = days.has(date.getUTCDate());
  const dow = weekdays.has(date.getUTCDay()) || (date.getUTCDay() === 0 && weekdays.has(7));
  const domAny = fields[2] === "*";
  const dowAny = fields[4] === "*";
  if (domAny && dowAny) return true;
  if (domAny) return dow;
  if (dowAny) return dom;
  return dom || dow;
}

/** Four years: every leap-day and month-length combination a schedule can depend on. */
const HORIZON_DAYS = 4 * 366;

/** The longest gap between runs in milliseconds; undefined when the schedule never runs (e.g. `0 0 30 2 *`). */
export function longestCronGapMs(schedule: string, from: Date = new Date(Date.UTC(2024, 0, 1))): number | undefined {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron: ${schedule} does not have 5 fields`);
  const [minutes, hours, days, months, weekdays] = fields.map((field, i) => expand(field, FIELDS[i]!));
  const times = [...hours!].flatMap((h) => [...minutes!].map((m) => (h * 60 + m) * 60_000)).sort((a, b) => a - b);
  let previous: number | undefined;
  let longest = 0;
  for (let d = 0; d < HORIZON_DAYS; d++) {
    const day = new Date(from.getTime() + d * 86_400_000);
    if (!months!.has(day.getUTCMonth() + 1) || !dayMatches(day, fields, days!, weekdays!)) continue;
    for (const offset of times) {
      const at = day.getTime() + offset;
      if (previous !== undefined) longest = Math.max(longest, at - previous);
      previous = at;
    }
  }
  return longest > 0 ? longest : undefined;
}
