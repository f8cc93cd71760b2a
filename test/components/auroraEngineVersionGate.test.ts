/**
 * Issue 24, item 12: the engine version is asked of AWS before any cluster is created. The gate runs the CLI's
 * aurora-engine-version-check with the version and every region the stack creates a cluster in, the primary cluster
 * and each secondary cluster wait for it, and it re-runs only when the version or the set of regions changes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parseEngineVersionExpectation } from "../../components/aurora/check/handover";
import { TYPES, ofType } from "../support/graph";
import { type ProgramRun, type Registered, runProgram } from "../support/pulumiMocks";

const gateOf = (run: ProgramRun): Registered => {
  const gates = ofType(run, TYPES.command).filter((c) => c.inputs.create?.includes("aurora-engine-version-check"));
  expect(gates).toHaveLength(1);
  return gates[0]!;
};

describe("the Aurora engine version gate", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("aurora-prod");
  }, 120_000);

  it("asks for the stack's version in its own region and every secondary's", () => {
    const gate = gateOf(run);
    const expectation = parseEngineVersionExpectation(
      gate.inputs.environment.PG_READ_REPLICAS_AURORA_ENGINE_VERSION,
      "the gate's environment",
    );
    const clusters = ofType(run, TYPES.cluster);
    expect(expectation.engineVersion).toBe(clusters[0]!.inputs.engineVersion);
    expect(expectation.regions.length).toBe(clusters.length);
    expect(expectation.regions.length).toBeGreaterThan(1);
    expect(new Set(expectation.regions).size).toBe(expectation.regions.length);
    expect(gate.inputs.triggers).toEqual([expectation.engineVersion, ...expectation.regions]);
  });

  it("holds back every cluster, the primary's and each secondary region's, until it passed", () => {
    const gate = gateOf(run);
    const clusters = ofType(run, TYPES.cluster);
    for (const cluster of clusters) expect(cluster.dependencies, cluster.name).toContain(gate.urn);
  });

  it("is on every Aurora stack, a single-region one included", async () => {
    const dev = await runProgram("aurora-dev");
    const gate = gateOf(dev);
    const [cluster] = ofType(dev, TYPES.cluster);
    expect(cluster!.dependencies).toContain(gate.urn);
    expect(
      parseEngineVersionExpectation(gate.inputs.environment.PG_READ_REPLICAS_AURORA_ENGINE_VERSION, "env").regions,
    ).toHaveLength(1);
  }, 120_000);
});
