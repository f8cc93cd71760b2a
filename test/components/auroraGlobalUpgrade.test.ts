/**
 * Why a Global Database's major upgrade cannot go through one `pulumi up` (the notes' runbook, issue 24 item 13):
 * the global cluster is made from the primary cluster, so Pulumi updates the primary first, sending it the new
 * family's cluster parameter group while its engine (which it ignores, the global cluster moving it) is still the old
 * major; RDS takes a group only on an engine of its family (GLOBAL_MAJOR_UPGRADE), and ModifyGlobalCluster could not
 * name the stack's groups anyway.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { globalMajorProblem } from "../../components/aurora/engineVersionCheck";
import { ENGINE_VERSION_ENV } from "../../components/aurora/check/handover";
import { GLOBAL_MAJOR_UPGRADE } from "../../components/facts/aws/clusterOptions";
import { TYPES, one } from "../support/graph";
import { PROJECT, type ProgramRun, type Registered, resolve, runProgram } from "../support/pulumiMocks";

const key = (name: string) => `${PROJECT}:${name}`;
const toSeventeen = (config: Record<string, string>) => ({
  ...config,
  [key("postgresVersion")]: "17",
  [key("aurora")]: JSON.stringify({ ...JSON.parse(config[key("aurora")]!), engineVersion: "17.4" }),
});

const groupOf = (run: ProgramRun, cluster: Registered): Registered => {
  const [urn] = cluster.propertyDependencies.dbClusterParameterGroupName ?? [];
  return run.resources.find((r) => r.urn === urn)!;
};

describe("aurora-prod's Global Database moving to PostgreSQL 17", () => {
  let after: ProgramRun;
  beforeAll(async () => {
    after = await runProgram("aurora-prod", toSeventeen);
  });

  it("updates the primary cluster before the global cluster that upgrades it", () => {
    const primary = one(after, TYPES.cluster, "pg-cluster");
    expect(one(after, TYPES.global, "pg-global").dependencies).toContain(primary.urn);
    expect(one(after, TYPES.global, "pg-global").inputs.engineVersion).toBe("17.4");
    expect(primary.ignoreChanges).toContain("engineVersion");
  });

  it("would send the primary the new family's group while its engine is the old major: refused", () => {
    const group = groupOf(after, one(after, TYPES.cluster, "pg-cluster"));
    expect(group.type).toBe(TYPES.clusterParameterGroup);
    expect(group.inputs.family).toBe("aurora-postgresql17");
    expect(GLOBAL_MAJOR_UPGRADE.groupMustMatchRunningFamily.value).toBe(true);
    expect(GLOBAL_MAJOR_UPGRADE.requestFields.value.some((f) => f.includes("ParameterGroup"))).toBe(false);
  });

  it("gates the primary cluster on a check that reads the global cluster's running major (and refuses the change)", () => {
    const gate = one(after, TYPES.command, "pg-engine-version-check");
    const primary = one(after, TYPES.cluster, "pg-cluster");
    expect(primary.dependencies).toContain(gate.urn);
    const asked = JSON.parse(gate.inputs.environment[ENGINE_VERSION_ENV]);
    expect(asked.engineVersion).toBe("17.4");
    expect(asked.globalCluster).toEqual({
      region: asked.regions[0], // the primary's region, where the global cluster is described
      identifier: one(after, TYPES.global, "pg-global").inputs.globalClusterIdentifier,
    });
    // What the check then says of a global cluster still on 16 (test/unit/auroraEngineVersion.test.ts runs it whole).
    expect(globalMajorProblem("17.4", asked.globalCluster.identifier, "16.8")).toContain("Nothing was changed");
  });

  it("says so in its notes, with the order that works and the window the defaults run", async () => {
    const notes = (await resolve(after.program.notes)).value.join("\n");
    expect(notes).toContain("cannot go through one pulumi up");
    expect(notes).toContain("aws rds modify-global-cluster");
    expect(notes).toContain("off from the upgrade until those reboots");
  });
});
