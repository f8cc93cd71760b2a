/**
 * How the bench states a goal (bench/ratios.ts): a ratio per round of paired figures, and a verdict that is "met"
 * only when every round meets the goal, "not met" when none does, "undecided" otherwise: never met on a median whose
 * rounds straddle the goal (issue 27: three runs of the same command swung ±25%).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ratioStats, verdict } from "../../bench/ratios";

const positive = fc.double({ min: 0.01, max: 100, noNaN: true });

describe("bench goals", () => {
  it("takes one ratio per round, paired by index, and reports min, median and max", () => {
    expect(ratioStats([10, 30, 20], [10, 10, 10])).toEqual({ min: 1, median: 2, max: 3, rounds: 3 });
    expect(ratioStats([10, 30], [10])).toEqual({ min: 1, median: 1, max: 1, rounds: 1 });
    expect(ratioStats([], []).rounds).toBe(0);
  });

  it("says met only when every round meets the goal, and undecided when the rounds straddle it", () => {
    const goal = { bound: 1.2, direction: "at most" as const };
    expect(verdict(ratioStats([1.1, 1.0, 1.15], [1, 1, 1]), goal)).toBe("met");
    expect(verdict(ratioStats([1.1, 1.3, 1.0], [1, 1, 1]), goal)).toBe("undecided");
    expect(verdict(ratioStats([1.3, 1.4, 1.25], [1, 1, 1]), goal)).toBe("not met");
    expect(verdict(ratioStats([], []), goal)).toBe("undecided");
  });

  it("never says met when some round misses the goal, whichever its direction", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(positive, positive), { minLength: 1, maxLength: 9 }),
        positive,
        fc.constantFrom("at most" as const, "at least" as const),
        (pairs, bound, direction) => {
          const stats = ratioStats(
            pairs.map(([n]) => n),
            pairs.map(([, d]) => d),
          );
          const meets = (r: number) => (direction === "at most" ? r <= bound : r >= bound);
          const each = pairs.map(([n, d]) => meets(n / d));
          const said = verdict(stats, { bound, direction });
          if (each.every(Boolean)) expect(said).toBe("met");
          else if (!each.some(Boolean)) expect(said).toBe("not met");
          else expect(said).toBe("undecided");
        },
      ),
    );
  });
});
