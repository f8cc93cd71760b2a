/** The Aurora component's plain functions, called directly: instance arguments and the deploy check's expectation. */
import { describe, expect, it } from "vitest";
import { auroraExpectation } from "../../components/aurora/expectation";
import { clusterArgs, instanceArgs, primaryClusterNodes } from "../../components/aurora/instances";
import { topologyFromConfig } from "../../components/topology/build";
import type { AuroraTopology } from "../../components/topology/types";
import { auroraBase, auroraSecondary, patched } from "../support/configs";

function aurora(patch: Record<string, unknown> = {}): AuroraTopology {
  const { topology } = topologyFromConfig(patched(auroraBase(), patch));
  if (topology.backend !== "aurora") throw new Error("expected an Aurora topology");
  return topology;
}

const ctx = { clusterId: "c", parameterGroupName: "pg", subnetGroupName: "sn" };

describe("Aurora plans", () => {
  it("puts the writer first, then local readers, never a secondary's", () => {
    const topology = aurora({ crossRegion: [auroraSecondary] });
    expect(primaryClusterNodes(topology).map((n) => [n.name, n.role])).toEqual([
      ["pg-primary-0", "primary"],
      ["pg-replica-0", "oltp"],
      ["pg-replica-1", "oltp"],
      ["pg-olap-0", "olap"],
    ]);
  });

  it("gives each role its class and promotion tier from the roles table", () => {
    const topology = aurora();
    const args = primaryClusterNodes(topology).map((node) => instanceArgs(topology, node, ctx));
    expect(args.map((a) => [a.instanceClass, a.promotionTier])).toEqual([
      ["db.r6g.large", 0],
      ["db.r6g.large", 1],
      ["db.r6g.large", 1],
      ["db.r6g.xlarge", 15],
    ]);
    expect(args.every((a) => a.monitoringRoleArn === undefined && a.publiclyAccessible === false)).toBe(true);
  });

  it("names a final snapshot unless the stack skips it", () => {
    const base = { identifierPrefix: "pg-x", password: "p", subnetGroupName: "s", securityGroupId: "sg", parameterGroupName: "cpg" };
    expect(clusterArgs(aurora(), base).finalSnapshotIdentifier).toBe("pg-x-final");
    const scratch = aurora({ aurora: { ...(auroraBase().aurora as object), skipFinalSnapshot: true } });
    expect(clusterArgs(scratch, base).finalSnapshotIdentifier).toBeUndefined();
  });

  it("expects every created instance in its role, and each secondary's readers", () => {
    const topology = aurora({ crossRegion: [auroraSecondary] });
    const nodes = primaryClusterNodes(topology);
    const expectation = auroraExpectation(topology, nodes, {
      clusterId: "main",
      instanceIds: ["w", "r0", "r1", "o"],
      secondaries: [{ clusterId: "eu", readerIds: ["eu0"] }],
    });
    expect(expectation.clusters).toEqual([
      { region: "us-east-1", clusterId: "main", primary: true, declaredWriter: "w", readers: [{ id: "r0", role: "oltp" }, { id: "r1", role: "oltp" }, { id: "o", role: "olap" }] },
      { region: "eu-west-1", clusterId: "eu", primary: false, readers: [{ id: "eu0", role: "oltp" }] },
    ]);
    expect(expectation.maxLagMs).toBe(topology.verification.maxLagMs);
  });
});
