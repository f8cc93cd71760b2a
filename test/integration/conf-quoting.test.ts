/**
 * postgresql.conf quoting, read back by a real PostgreSQL (`postgres -C`): what we write is what it reads.
 * Skipped against a deployed stack (STACK_OUTPUTS): it starts no server and reads the local postgres binary, not the
 * stack in the outputs file; npm test runs it.
 */
import fc from "fast-check";
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { againstADeployedStack } from "./support";
import { findPostgres } from "../../components/local/binaries";
import { run } from "../../components/local/exec";
import { resolveRunAs } from "../../components/local/identity";
import { quoteSetting } from "../../components/render/postgresqlConf";

const runAs = resolveRunAs();
const dir = mkdtempSync(join(tmpdir(), "pgrr-quote-"));
chmodSync(dir, 0o700);
if (runAs.switchUser) chownSync(dir, runAs.uid, runAs.gid);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What PostgreSQL makes of `log_line_prefix = <quoted>` in its config file. */
async function readBack(value: string): Promise<string> {
  const conf = join(dir, "postgresql.conf");
  writeFileSync(conf, `log_line_prefix = ${quoteSetting(value)}\n`);
  if (runAs.switchUser) chownSync(conf, runAs.uid, runAs.gid);
  const { stdout } = await run(join(findPostgres(15), "postgres"), ["-D", dir, "-C", "log_line_prefix"], { runAs });
  return stdout.slice(0, -1);
}

describe.skipIf(againstADeployedStack)("postgresql.conf quoting against a real PostgreSQL", () => {
  it("reads back exactly the value written, for awkward and generated values", async () => {
    for (const value of ["C:\\new", "it's", "a\nb", "%m [%p] %q%u@%d ", "tab\there"])
      expect(await readBack(value)).toBe(value);
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "grapheme-ascii", maxLength: 24 }).filter((s) => !s.includes("\0")),
        async (value) => {
          expect(await readBack(value)).toBe(value);
        },
      ),
      { numRuns: 40 },
    );
  });
});
