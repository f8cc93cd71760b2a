/**
 * Dotted versions compared as numbers, part by part (ground/versions.ts): the PgBouncer floor the local runner
 * accepts, the version PgBouncer verifies each host of a list from, and Aurora's engine versions all go through it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareVersions, versionAtLeast } from "../../components/ground/versions";
import { isRecentEnough } from "../../components/local/binaries";

const parts = fc.array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 4 });
const text = (p: number[]) => p.join(".");
/** The order of two part lists, missing parts as 0: what a version comparison must agree with. */
function tupleOrder(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

describe("compareVersions", () => {
  it("orders versions as their parts do, numerically (16.10 after 16.9), a missing part as 0", () => {
    fc.assert(
      fc.property(parts, parts, (a, b) => {
        expect(Math.sign(compareVersions(text(a), text(b)))).toBe(Math.sign(tupleOrder(a, b)));
        expect(Math.sign(compareVersions(text(b), text(a)))).toBe(-Math.sign(tupleOrder(a, b)));
      }),
    );
    expect(compareVersions("16.10", "16.9")).toBeGreaterThan(0);
    expect(compareVersions("1.25", "1.25.0")).toBe(0);
  });

  it("reads a part's leading number, so a build suffix does not make it NaN", () => {
    expect(versionAtLeast("1.25.1-p0", "1.25.0")).toBe(true);
    expect(versionAtLeast("1.24.1-1", "1.25.0")).toBe(false);
  });
});

describe("the local runner's PgBouncer floor (1.21: prepared statements in transaction pooling)", () => {
  it.each([
    ["1.18.0", false],
    ["1.20.9", false],
    ["1.21.0", true],
    ["1.24.1", true],
    ["2.0", true],
  ])("%s: %s", (version, accepted) => {
    expect(isRecentEnough(version)).toBe(accepted);
  });
});
