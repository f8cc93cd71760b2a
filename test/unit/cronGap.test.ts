/**
 * The one cron module (components/ground/cron.ts) answers both questions from one parse: when the schedule next fires
 * (the local scheduler) and the longest wait between runs (the base backup alert's bound). The two must agree: no run
 * of the schedule, followed with nextRun, waits longer than longestCronGapMs says.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { longestCronGapMs, nextRun, parseCron } from "../../components/ground/cron";

const item = (min: number, max: number) =>
  fc.oneof(
    fc.constant("*"),
    fc.integer({ min, max }).map(String),
    fc
      .tuple(fc.integer({ min, max }), fc.integer({ min: 1, max: Math.max(1, max - min) }))
      .map(([v, s]) => `${v}/${s}`),
  );
const field = (min: number, max: number) =>
  fc.array(item(min, max), { minLength: 1, maxLength: 2 }).map((parts) => parts.join(","));

/** Hourly to monthly schedules: few enough runs to follow over a year. */
const schedules = fc
  .tuple(fc.integer({ min: 0, max: 59 }), field(0, 23), field(1, 28), field(1, 12), field(0, 7))
  .map(([minute, ...rest]) => [String(minute), ...rest].join(" "));

describe("longestCronGapMs and nextRun, from one parse", () => {
  it("no run followed with nextRun over a year waits longer than the longest gap", { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(schedules, (text) => {
        const longest = longestCronGapMs(text);
        expect(longest).toBeDefined();
        const schedule = parseCron(text);
        const start = Date.UTC(2024, 0, 1);
        let at = nextRun(schedule, start);
        let seen = 0;
        while (at < start + 366 * 24 * 3_600_000) {
          const next = nextRun(schedule, at);
          seen = Math.max(seen, next - at);
          at = next;
        }
        expect(seen).toBeLessThanOrEqual(longest!);
      }),
      { numRuns: 25 },
    );
  });

  it("refuses a schedule the scheduler refuses, with the same error", () => {
    expect(() => longestCronGapMs("0 3 * *")).toThrow(/5 fields/);
    expect(() => parseCron("0 3 * *")).toThrow(/5 fields/);
    expect(() => longestCronGapMs("0 24 * * *")).toThrow(/hour 24 is not in 0-23/);
  });
});
