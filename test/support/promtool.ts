/** A promtool rules test written to `dir` and run; promtool's own report in the error when a case fails. */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { MONITORING_BINARIES } from "../../components/local/monitoring";

export function runPromtoolTest(dir: string, name: string, test: unknown): void {
  const file = join(dir, `${name.replace(/\W+/g, "-")}.yml`);
  writeFileSync(file, stringify(test));
  try {
    execFileSync(MONITORING_BINARIES.promtool, ["test", "rules", file], { encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool test rules (${name}) failed:\n${stdout ?? ""}${stderr ?? ""}`);
  }
}
