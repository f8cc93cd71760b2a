/**
 * `local up --timings` and the bench: how long each step of an up took, so that what is serial
 * and slow can be found (issue 27: the up path at the bare floor). Steps run as they would
 * without it; a step that fails is timed too, and the failure goes on.
 */
import type { Step } from "./upSteps";

export interface StepTiming {
  title: string;
  ms: number;
}

/** Wraps how each step runs (`run`, the CLI's progress display by default none) and records its duration. */
export function timedSteps(
  run: (step: Step) => Promise<void> = (step) => step.run(),
  now: () => number = () => performance.now(),
): { onStep: (step: Step) => Promise<void>; timings: StepTiming[] } {
  const timings: StepTiming[] = [];
  const onStep = async (step: Step) => {
    const started = now();
    try {
      await run(step);
    } finally {
      timings.push({ title: step.title, ms: Math.round(now() - started) });
    }
  };
  return { onStep, timings };
}

/** One line per step, slowest marked by its share of the total, then the total. */
export function timingsText(timings: readonly StepTiming[]): string {
  const total = timings.reduce((sum, t) => sum + t.ms, 0);
  const width = Math.max(4, ...timings.map((t) => t.title.length));
  const share = (ms: number) => (total > 0 ? `${Math.round((100 * ms) / total)}%` : "-");
  return [
    `${"step".padEnd(width)}  ${"ms".padStart(7)}  share`,
    ...timings.map((t) => `${t.title.padEnd(width)}  ${String(t.ms).padStart(7)}  ${share(t.ms).padStart(5)}`),
    `${"total".padEnd(width)}  ${String(total).padStart(7)}`,
  ].join("\n");
}
