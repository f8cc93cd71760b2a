/**
 * The README's "Changing a running stack" tables are what the program does: every kind of change applied to each
 * backend's example stack, observed from the rendered objects (Kubernetes, Aurora) or the change plan (local).
 * `UPDATE_TRANSITIONS=1 npx vitest run --project components test/components/transitions.test.ts` rewrites them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OBSERVED_BACKENDS, observedTable } from "../support/transitions/observe";
import { renderTable, tableIn, withTable } from "../support/transitions/table";

describe.each(OBSERVED_BACKENDS)("changing a running %s stack", (backend) => {
  it("does what the README's table says, server by server and pool by pool", async () => {
    const observed = renderTable(await observedTable(backend));
    const readme = readFileSync("README.md", "utf8");
    if (process.env.UPDATE_TRANSITIONS === "1") writeFileSync("README.md", withTable(readme, backend, observed));
    else expect(tableIn(readme, backend), `README.md's transitions table for ${backend}`).toBe(observed);
  }, 120_000);
});
