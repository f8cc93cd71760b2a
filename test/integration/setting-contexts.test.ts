/**
 * The restart-or-reload classification of every setting the product renders (components/facts/postgres) against the
 * server the stacks run: `postgres --describe-config` prints each setting's context, as pg_settings shows it. Here,
 * not in the unit tier, because the integration tier runs after the tools are provisioned (test/provision.ts).
 * Skipped against a deployed stack (STACK_OUTPUTS): it reads the local postgres binary, not the stack in the outputs
 * file; npm test runs it.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { againstADeployedStack } from "./support";
import { SETTING_CONTEXTS } from "../../components/facts/postgres";
import { findPostgres } from "../../components/local/binaries";

function describedContexts(binDir: string): Record<string, string> {
  const out = execFileSync(join(binDir, "postgres"), ["--describe-config"], { encoding: "utf8" });
  return Object.fromEntries(
    out
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("\t"))
      .map(([name, context]) => [name!, context!]),
  );
}

describe.skipIf(againstADeployedStack)("setting contexts", () => {
  it("agree with the installed PostgreSQL 15's own table", () => {
    const described = describedContexts(findPostgres(15));
    const disagree = Object.entries(SETTING_CONTEXTS.value).filter(([name, context]) => described[name] !== context);
    expect(disagree).toEqual([]);
  });
});
