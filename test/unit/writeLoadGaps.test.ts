/** The change bench's figure: the longest stretch of a window with no acknowledged commit, and where it began. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StackOutputs } from "../../components/contract/stackOutputs";
import { WriteLoad } from "../../bench/writeLoad";

function loadWith(times: number[]): WriteLoad {
  const load = new WriteLoad({} as StackOutputs);
  times.forEach((at, id) => load.acknowledged.push({ id, at }));
  return load;
}

describe("WriteLoad.longestGapAt", () => {
  it("measures the gap between commits inside the window, and the edges to the first and last", () => {
    const load = loadWith([100, 110, 400, 420, 1000]);
    expect(load.longestGapAt(105, 500)).toEqual({ ms: 290, at: 110 });
    expect(load.longestGapAt(0, 90)).toEqual({ ms: 90, at: 0 });
    expect(load.longestGapAt(430, 1200)).toEqual({ ms: 570, at: 430 });
  });

  it("is never longer than the window, never shorter than any gap between commits inside it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 50 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 1, max: 5_000 }),
        (times, from, length) => {
          const to = from + length;
          const gap = loadWith(times).longestGapAt(from, to);
          expect(gap.ms).toBeLessThanOrEqual(length);
          expect(gap.at).toBeGreaterThanOrEqual(from);
          const inside = [...new Set(times.filter((t) => t > from && t < to))].sort((a, b) => a - b);
          for (let i = 1; i < inside.length; i++) expect(gap.ms).toBeGreaterThanOrEqual(inside[i]! - inside[i - 1]!);
        },
      ),
    );
  });
});
