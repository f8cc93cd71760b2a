/**
 * The exact commands the Pulumi local backend runs (create, delete), executed
 * through a shell with the environment Pulumi's Command would set.
 */
import { exec } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { localCommands } from "../../components/local/commands";
import { CLI_ENTRY } from "../../components/ground/paths";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { parseOutputs } from "../../components/contract/outputsFile";
import { verifyStack } from "../../components/verify/verifier";
import { localBase, patched } from "../support/configs";

const sh = promisify(exec);
const scratch = mkdtempSync(join(tmpdir(), "pgrr-pl-"));
chmodSync(scratch, 0o755);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("pulumi up -s local's commands", () => {
  it("bring a verified topology up, print its outputs as JSON, and take it down", async () => {
    const { topology } = topologyFromConfig(
      patched(localBase(), { name: "pl", replicas: "1", olap: { enabled: false } }),
    );
    const stateDir = join(scratch, "state");
    const commands = localCommands(topology, "pl", stateDir, CLI_ENTRY);
    const created = await sh(commands.create, { env: { ...process.env, ...commands.environment } });
    const outputs = parseOutputs(JSON.parse(created.stdout), "create's stdout");
    expect(outputs.topologyHash).toBe(topology.hash);
    expect(outputs.readers.map((r) => r.name)).toEqual(["pl-replica-0"]);
    expect((await verifyStack(outputs, { timeoutMs: 30_000 })).ok).toBe(true);

    const again = await sh(commands.create, { env: { ...process.env, ...commands.environment } });
    expect(JSON.parse(again.stdout).writer).toEqual(outputs.writer);

    const edited = {
      ...commands.environment,
      PG_READ_REPLICAS_TOPOLOGY: commands.environment
        .PG_READ_REPLICAS_TOPOLOGY!.replace('"replicas"', '"replicaz"')
        .replace(/"database":"app"/, '"database":"other"'),
    };
    const refused = await sh(commands.create, { env: { ...process.env, ...edited } }).catch(
      (error: { stderr: string }) => error,
    );
    expect((refused as { stderr: string }).stderr).toContain("does not hold a topology whose contents match its hash");

    const deleted = await sh(commands.delete);
    expect(deleted.stderr).toContain("Stopped every process of stack pl");
  });
});
