/** The primary's share of replica reads (components/client/budget.ts), with a clock of the test's own. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FallbackBudget } from "../../components/client/budget";
import { ClientConfigError, ReplicaClient } from "../../components/client";

const targets = {
  write: { label: "w", config: { host: "127.0.0.1", port: 1 } },
  read: { label: "r", config: { host: "127.0.0.1", port: 2 } },
};

describe("the primary's budget of replica reads", () => {
  it("admits fallbacks freely below minReads, then holds the window's share at or under the budget", () => {
    let now = 0;
    const budget = new FallbackBudget({ share: 0.25, windowMs: 1000, minReads: 4 }, () => now);
    expect([1, 2, 3].map(() => budget.admitFallback().admitted)).toEqual([true, true, true]);
    expect(budget.admitFallback()).toEqual({ admitted: false, reads: 4, fallbacks: 3 });
    for (let i = 0; i < 8; i++) budget.served();
    // 3 fallbacks of 13 reads: a fourth would make 4/13 > 0.25.
    expect(budget.admitFallback().admitted).toBe(false);
    for (let i = 0; i < 3; i++) budget.served();
    // Refused reads count as reads: 4 of 17.
    expect(budget.admitFallback()).toEqual({ admitted: true, reads: 17, fallbacks: 4 });
    // A window later everything before is forgotten.
    now += 1001;
    expect(budget.admitFallback()).toEqual({ admitted: true, reads: 1, fallbacks: 1 });
  });

  it("never lets the primary serve more than its share of a full window, whatever the traffic", () => {
    const event = fc.record({ gapMs: fc.integer({ min: 0, max: 300 }), fallback: fc.boolean() });
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(event, { maxLength: 300 }),
        (share, minReads, events) => {
          const windowMs = 1000;
          let now = 0;
          const budget = new FallbackBudget({ share, windowMs, minReads }, () => now);
          const log: Array<{ at: number; primary: boolean }> = [];
          for (const { gapMs, fallback } of events) {
            now += gapMs;
            if (!fallback) {
              budget.served();
              log.push({ at: now, primary: false });
              continue;
            }
            const { admitted } = budget.admitFallback();
            log.push({ at: now, primary: admitted });
            if (!admitted) continue;
            const recent = log.filter((entry) => entry.at > now - windowMs);
            const served = recent.filter((entry) => entry.primary).length;
            if (recent.length >= minReads) expect(served / recent.length).toBeLessThanOrEqual(share + 1e-9);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([
    [{ share: 0, windowMs: 1000, minReads: 1 }, /primaryBudget.share = 0: use a share of replica reads > 0 and ≤ 1/],
    [{ share: 1.5, windowMs: 1000, minReads: 1 }, /primaryBudget.share = 1.5/],
    [{ share: 0.2, windowMs: 0, minReads: 1 }, /primaryBudget.windowMs/],
    [{ share: 0.2, windowMs: 1000, minReads: 0.5 }, /primaryBudget.minReads = 0.5: use a whole number ≥ 1/],
  ])("refuses %o naming the field", (primaryBudget, message) => {
    expect(() => new ReplicaClient(targets, { primaryBudget })).toThrow(ClientConfigError);
    expect(() => new ReplicaClient(targets, { primaryBudget })).toThrow(message);
  });
});
