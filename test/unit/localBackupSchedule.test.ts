/**
 * backup.schedule on the local stack: the next run of a 5-field cron (UTC) as a property against a brute-force
 * minute-by-minute search, and the scheduler's runs under an injected clock (no real minute waited).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BackupSchedule } from "../../components/local/backupSchedule";
import { CronError, firesAt, nextRun, parseCron } from "../../components/ground/cron";

const MINUTE = 60_000;

/** A cron field from its parts: `*`, `*\/step`, a value, a range, a list of those. */
function field(min: number, max: number): fc.Arbitrary<string> {
  const value = fc.integer({ min, max });
  const range = fc.tuple(value, value).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`);
  const step = fc.integer({ min: 1, max: Math.max(1, max - min) });
  const single = fc.oneof(
    fc.constant("*"),
    step.map((s) => `*/${s}`),
    value.map(String),
    range,
    fc.tuple(range, step).map(([r, s]) => `${r}/${s}`),
  );
  return fc.array(single, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(","));
}

/** Schedules that fire often enough for a brute-force check (day of month at most 28: every month has it). */
const schedules = fc
  .tuple(field(0, 59), field(0, 23), field(1, 28), field(1, 12), field(0, 7))
  .map((fields) => fields.join(" "));
const instants = fc.date({
  min: new Date("2000-01-01T00:00:00Z"),
  max: new Date("2100-01-01T00:00:00Z"),
  noInvalidDate: true,
});

const DAY = 24 * 60 * MINUTE;

/**
 * The first firing minute after `after`, enumerated independently of nextRun's skipping: day by day (up to `days`),
 * and on a day whose month and date fire, every listed hour and minute in order.
 */
function enumerated(text: string, after: number, days: number): number | undefined {
  const schedule = parseCron(text);
  const hours = [...schedule.hours].sort((a, b) => a - b);
  const minutes = [...schedule.minutes].sort((a, b) => a - b);
  const firstDay = Math.floor(after / DAY) * DAY;
  for (let d = 0; d <= days; d++) {
    const day = firstDay + d * DAY;
    if (!firesAt(schedule, new Date(day + hours[0]! * 60 * MINUTE + minutes[0]! * MINUTE))) continue;
    for (const h of hours)
      for (const m of minutes) {
        const at = day + h * 60 * MINUTE + m * MINUTE;
        if (at > after) return at;
      }
  }
  return undefined;
}

describe("the next run of a 5-field cron schedule (UTC)", () => {
  it("is the first firing minute strictly after the given time", () => {
    fc.assert(
      fc.property(schedules, instants, (text, date) => {
        const after = date.getTime();
        const next = nextRun(parseCron(text), after);
        expect(next).toBeGreaterThan(after);
        expect(next % MINUTE).toBe(0);
        expect(firesAt(parseCron(text), new Date(next))).toBe(true);
        // No firing minute in between: the independent enumeration finds the same one.
        expect(enumerated(text, after, Math.ceil((next - after) / DAY) + 1)).toBe(next);
      }),
      { numRuns: 200 },
    );
  });

  it("follows cron's day rule: day of month or weekday when both are restricted", () => {
    // 2026-12-06 is a Sunday: "0 3 1 * 1" (the 1st or a Monday) next fires Monday the 7th.
    const after = Date.parse("2026-12-06T05:00:00Z");
    expect(new Date(nextRun(parseCron("0 3 1 * 1"), after)).toISOString()).toBe("2026-12-07T03:00:00.000Z");
    expect(new Date(nextRun(parseCron("0 3 * * *"), after)).toISOString()).toBe("2026-12-07T03:00:00.000Z");
    expect(new Date(nextRun(parseCron("0 3 * * 7"), after)).toISOString()).toBe("2026-12-13T03:00:00.000Z");
    expect(new Date(nextRun(parseCron("30 2 29 feb *"), after)).toISOString()).toBe("2028-02-29T02:30:00.000Z");
  });

  it("refuses a schedule that never fires, and fields out of range, naming them", () => {
    expect(() => nextRun(parseCron("0 0 31 2 *"), 0)).toThrow(/never fires/);
    expect(() => parseCron("60 * * * *")).toThrow(CronError);
    expect(() => parseCron("0 24 * * *")).toThrow(/hour 24 is not in 0-23/);
    expect(() => parseCron("0 3 * *")).toThrow(/5 fields/);
  });
});

describe("scheduled base backups under an injected clock", () => {
  function scheduled(start: string) {
    let now = Date.parse(start);
    const runs: number[] = [];
    const log: string[] = [];
    let finish: () => void = () => undefined;
    const schedule = new BackupSchedule(
      () => {
        runs.push(now);
        return new Promise<void>((resolve) => (finish = resolve));
      },
      (message) => log.push(message),
      { now: () => now },
    );
    return {
      schedule,
      runs,
      log,
      finish: () => finish(),
      advance: (ms: number) => (now += ms),
    };
  }

  it("runs at the schedule's minute, once, and then waits for the next", async () => {
    const s = scheduled("2026-12-06T02:58:30Z");
    s.schedule.tick("0 3 * * *");
    expect(s.runs).toEqual([]);
    s.advance(60_000);
    s.schedule.tick("0 3 * * *");
    expect(s.runs).toEqual([]);
    s.advance(30_000); // 03:00:00
    const run = s.schedule.tick("0 3 * * *");
    expect(s.runs.map((t) => new Date(t).toISOString())).toEqual(["2026-12-06T03:00:00.000Z"]);
    s.finish();
    await run;
    s.advance(1000);
    s.schedule.tick("0 3 * * *");
    expect(s.runs).toHaveLength(1);
    expect(new Date(s.schedule.nextAt!).toISOString()).toBe("2026-12-07T03:00:00.000Z");
  });

  it("skips a run due while the previous one still runs, and says so", () => {
    const s = scheduled("2026-12-06T02:59:59Z");
    s.schedule.tick("*/5 * * * *");
    s.advance(1000); // 03:00
    s.schedule.tick("*/5 * * * *");
    s.advance(5 * MINUTE); // 03:05, the first still running
    s.schedule.tick("*/5 * * * *");
    expect(s.runs).toHaveLength(1);
    expect(s.log.join("\n")).toContain("skipped: the previous one still runs");
  });

  it("takes a changed schedule at once, and stops when backup is turned off", () => {
    const s = scheduled("2026-12-06T02:00:00Z");
    s.schedule.tick("0 3 * * *");
    s.schedule.tick("30 2 * * *");
    expect(new Date(s.schedule.nextAt!).toISOString()).toBe("2026-12-06T02:30:00.000Z");
    s.schedule.tick(undefined);
    s.advance(60 * MINUTE);
    s.schedule.tick(undefined);
    expect(s.runs).toEqual([]);
  });

  it("logs a schedule that never fires once and runs nothing", () => {
    const s = scheduled("2026-12-06T02:00:00Z");
    for (let i = 0; i < 3; i++) s.schedule.tick("0 0 31 2 *");
    expect(s.log.filter((line) => line.includes("never fires"))).toHaveLength(1);
    expect(s.runs).toEqual([]);
  });
});
