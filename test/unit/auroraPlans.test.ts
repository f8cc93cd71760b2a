/** The Aurora component's plain functions, called directly: instance arguments and the deploy check's expectation. */
import { describe, expect, it } from "vitest";
import { auroraExpectation } from "../../components/aurora/expectation";
import { clusterIdentifier } from "../../components/aurora/identifiers";
import { clusterArgs, instanceArgs, primaryClusterNodes } from "../../components/aurora/instances";
import { versionPolicy } from "../../components/aurora/versions";
import type { AuroraTopology } from "../../components/topology/types";
import { auroraBase, auroraSecondary } from "../support/configs";
import { auroraTopology as aurora } from "../support/topologies";

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

  const base = (topology: AuroraTopology) => ({
    clusterId: "pg-x-0a1b2c3d",
    password: "p",
    subnetGroupName: "s",
    securityGroupId: "sg",
    parameterGroupName: "cpg",
    writerParameterGroupName: "wpg",
    versions: versionPolicy(topology.aurora),
  });

  it("names the final snapshot after the cluster's own (random-suffixed) identifier, unless the stack skips it", () => {
    const topology = aurora();
    expect(clusterArgs(topology, base(topology))).toMatchObject({
      clusterIdentifier: "pg-x-0a1b2c3d",
      finalSnapshotIdentifier: "pg-x-0a1b2c3d-final",
    });
    const scratch = aurora({ aurora: { ...(auroraBase().aurora as object), skipFinalSnapshot: true } });
    expect(clusterArgs(scratch, base(scratch)).finalSnapshotIdentifier).toBeUndefined();
  });

  it("keeps cluster identifiers within RDS's 63 characters, region and suffix intact", () => {
    const id = clusterIdentifier("a-very-long-name-prefix-that-fills-forty", "0a1b2c3d", "ap-southeast-3");
    expect(id.length).toBeLessThanOrEqual(63);
    expect(id).toMatch(/^a-very-long-name-prefix-[a-z-]*-ap-southeast-3-0a1b2c3d$/);
    expect(id).not.toMatch(/--/);
  });

  it("sends the operational options users expect from terraform-aws-rds-aurora", () => {
    const topology = aurora({
      aurora: {
        ...(auroraBase().aurora as object),
        applyImmediately: true,
        preferredMaintenanceWindow: "Sun:05:00-Sun:06:00",
        preferredBackupWindow: "03:00-04:00",
        caCertIdentifier: "rds-ca-ecc384-g1",
      },
    });
    expect(clusterArgs(topology, base(topology))).toMatchObject({
      applyImmediately: true,
      preferredMaintenanceWindow: "sun:05:00-sun:06:00",
      preferredBackupWindow: "03:00-04:00",
      iamDatabaseAuthenticationEnabled: false,
    });
    const writer = instanceArgs(topology, topology.primary, ctx);
    expect(writer).toMatchObject({
      caCertIdentifier: "rds-ca-ecc384-g1",
      applyImmediately: true,
      preferredMaintenanceWindow: "sun:05:00-sun:06:00",
    });
    expect(writer.engineVersion).toBeUndefined();
  });

  it("lets RDS manage the master password: no password sent, the secret under the stack's key", () => {
    const key = "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-6789-0abc-def012345678";
    const topology = aurora({
      aurora: { ...(auroraBase().aurora as object), manageMasterUserPassword: true, kmsKeyId: key },
    });
    const { password: _unused, ...context } = base(topology);
    const args = clusterArgs(topology, context);
    expect(args).toMatchObject({
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: key,
      masterUsername: "app",
    });
    expect(args.masterPassword).toBeUndefined();
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
      {
        region: "us-east-1",
        clusterId: "main",
        primary: true,
        declaredWriter: "w",
        readers: [
          { id: "r0", role: "oltp" },
          { id: "r1", role: "oltp" },
          { id: "o", role: "olap" },
        ],
      },
      { region: "eu-west-1", clusterId: "eu", primary: false, readers: [{ id: "eu0", role: "oltp" }] },
    ]);
    expect(expectation.maxLagMs).toBe(topology.verification.maxLagMs);
  });
});
