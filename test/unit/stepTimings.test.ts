/** `local up --timings`: every step timed as it runs, a failing one too, and the table adds up. */
import { describe, expect, it } from "vitest";
import { timedSteps, timingsText } from "../../components/local/stepTimings";

describe("step timings", () => {
  it("times each step as it runs, a failing one too, and lets the failure through", async () => {
    let clock = 0;
    const ran: string[] = [];
    const { onStep, timings } = timedSteps(
      async (step) => {
        ran.push(step.title);
        await step.run();
      },
      () => clock,
    );
    await onStep({ title: "initdb", run: async () => void (clock += 1200) });
    await onStep({ title: "seed replicas", run: async () => void (clock += 3400) });
    await expect(
      onStep({
        title: "verify",
        run: async () => {
          clock += 50;
          throw new Error("not streaming");
        },
      }),
    ).rejects.toThrow("not streaming");
    expect(ran).toEqual(["initdb", "seed replicas", "verify"]);
    expect(timings).toEqual([
      { title: "initdb", ms: 1200 },
      { title: "seed replicas", ms: 3400 },
      { title: "verify", ms: 50 },
    ]);
    const text = timingsText(timings);
    expect(text).toMatch(/^seed replicas\s+3400\s+73%$/m);
    expect(text).toMatch(/^total\s+4650$/m);
  });
});
