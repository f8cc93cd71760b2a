/**
 * RDS maintenance and backup windows (UTC): `ddd:hh24:mi-ddd:hh24:mi` weekly,
 * `hh24:mi-hh24:mi` daily, each at least 30 minutes, the daily backup window
 * never overlapping the weekly maintenance window. Pure: the schema parses with
 * these, validation checks the overlap.
 */
import { WINDOWS } from "../facts/aws/limits";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const DAY_MINUTES = 24 * 60;
const WEEK_MINUTES = 7 * DAY_MINUTES;

/** A span in minutes from the start of the period (Monday 00:00 or midnight); `end` may pass the period's end. */
export interface Span {
  start: number;
  end: number;
}

function clock(text: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

function dayClock(text: string): number | undefined {
  const [day, ...rest] = text.toLowerCase().split(":");
  const index = DAYS.indexOf(day as (typeof DAYS)[number]);
  const minutes = clock(rest.join(":"));
  return index < 0 || minutes === undefined ? undefined : index * DAY_MINUTES + minutes;
}

function span(start: number, end: number, period: number): Span {
  return { start, end: end > start ? end : end + period };
}

/** The weekly maintenance window, or undefined when it is not `ddd:hh24:mi-ddd:hh24:mi`. */
export function parseMaintenanceWindow(text: string): Span | undefined {
  const [from, to, extra] = text.split("-");
  if (from === undefined || to === undefined || extra !== undefined) return undefined;
  const start = dayClock(from);
  const end = dayClock(to);
  return start === undefined || end === undefined ? undefined : span(start, end, WEEK_MINUTES);
}

/** The daily backup window, or undefined when it is not `hh24:mi-hh24:mi`. */
export function parseBackupWindow(text: string): Span | undefined {
  const [from, to, extra] = text.split("-");
  if (from === undefined || to === undefined || extra !== undefined) return undefined;
  const start = clock(from);
  const end = clock(to);
  return start === undefined || end === undefined ? undefined : span(start, end, DAY_MINUTES);
}

export const MINIMUM_WINDOW_MINUTES = WINDOWS.minimumMinutes.value;

export function minutes(window: Span): number {
  return window.end - window.start;
}

/** Whether any day's backup window meets the weekly maintenance window (both as minutes of the week, wrapping). */
export function windowsOverlap(backup: Span, maintenance: Span): boolean {
  const weekly = (s: Span): Span[] => [
    s,
    { start: s.start - WEEK_MINUTES, end: s.end - WEEK_MINUTES },
    { start: s.start + WEEK_MINUTES, end: s.end + WEEK_MINUTES },
  ];
  for (let day = 0; day < 7; day++) {
    const daily = { start: backup.start + day * DAY_MINUTES, end: backup.end + day * DAY_MINUTES };
    if (weekly(maintenance).some((m) => daily.start < m.end && m.start < daily.end)) return true;
  }
  return false;
}
