/**
 * How the bench states a goal (issue 27: figures that hold): each ratio from rounds in which the product and its
 * baseline ran side by side, one ratio per round, reported as min / median / max; a goal is met only when every
 * round's ratio meets it, missed when none does, and otherwise undecided (the spread straddles it), never "met" on a
 * median alone. Pure.
 */
export interface RatioStats {
  min: number;
  median: number;
  max: number;
  rounds: number;
}

export interface Goal {
  bound: number;
  /** "at most": the ratio must stay ≤ bound (times, lag); "at least": ≥ bound (throughput). */
  direction: "at most" | "at least";
}

export type Verdict = "met" | "not met" | "undecided";

const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);

/** Per-round ratios of paired figures (round i of each); rounds missing either figure are left out. */
export function ratioStats(numerators: readonly number[], denominators: readonly number[]): RatioStats {
  const ratios = numerators.map((n, i) => n / (denominators[i] ?? Number.NaN)).filter((r) => Number.isFinite(r));
  if (ratios.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN, rounds: 0 };
  const s = sorted(ratios);
  return { min: s[0]!, median: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]!, rounds: s.length };
}

export function verdict(stats: RatioStats, goal: Goal): Verdict {
  if (stats.rounds === 0) return "undecided";
  const meets = (r: number) => (goal.direction === "at most" ? r <= goal.bound : r >= goal.bound);
  if (meets(stats.min) && meets(stats.max)) return "met";
  if (!meets(stats.min) && !meets(stats.max)) return "not met";
  return "undecided";
}

export function goalText(goal: Goal): string {
  return `${goal.direction === "at most" ? "≤" : "≥"} ${goal.bound}`;
}
