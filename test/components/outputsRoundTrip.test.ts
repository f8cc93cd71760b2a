/**
 * The contract read back: each example stack's outputs, as `pulumi stack output --json
 * --show-secrets` prints them (every exported key resolved, secrets shown, JSON), go through
 * the outputs-file reader that `verify --outputs`, the suite and the client use, and come out
 * equal: no key dropped or changed, on every backend and both Kubernetes engines.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readOutputsFile } from "../../components/contract/outputsFile";
import { STACK_OUTPUT_KEYS } from "../../components/contract/stackOutputs";
import { resolve, runProgram } from "../support/pulumiMocks";

const scratch = mkdtempSync(join(tmpdir(), "pgrr-outputs-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What `pulumi stack output --json --show-secrets` writes: every key with a value, as JSON. */
async function stackOutputJson(stack: string): Promise<Record<string, unknown>> {
  const { program } = await runProgram(stack);
  const values: Record<string, unknown> = {};
  for (const key of STACK_OUTPUT_KEYS) {
    const { value } = await resolve<unknown>(program[key]);
    if (value !== undefined) values[key] = value;
  }
  return JSON.parse(JSON.stringify(values)) as Record<string, unknown>;
}

describe.each(["dev", "prod", "prod-cnpg", "aurora-dev", "aurora-prod", "local"])("stack %s", (stack) => {
  it("round-trips through the outputs file without loss", async () => {
    const printed = await stackOutputJson(stack);
    const path = join(scratch, `${stack}.json`);
    writeFileSync(path, JSON.stringify(printed, null, 2));
    expect(readOutputsFile(path)).toEqual(printed);
  });
});

it("keeps what the cloudnative-pg engine says of each reader's Cluster, which verify --outputs needs", async () => {
  const printed = await stackOutputJson("prod-cnpg");
  const path = join(scratch, "prod-cnpg-clusters.json");
  writeFileSync(path, JSON.stringify(printed));
  const clusters = readOutputsFile(path).readers.map((reader) => reader.cluster?.kind);
  expect(clusters).toContain("instances");
  expect(clusters).toContain("replicaCluster");
});
