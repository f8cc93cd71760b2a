/**
 * Changes to a running Aurora stack: the program run before and after a config edit, and what `pulumi up` would do
 * between the two worked out from the provider's facts on which arguments replace a resource (test/support/
 * changePlan.ts; mocks have no diff engine). What adding and removing crossRegion creates, deletes and in which order;
 * which change replaces the cluster, and when the engine refuses it; and the table of changes the README shows.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  CLUSTER_JOINS_GLOBAL_ONLY_AT_CREATION,
  DELETION_PROTECTION_BLOCKS_DELETE,
  GLOBAL_FROM_EXISTING_CLUSTER,
  GLOBAL_TEARDOWN,
  PROTECTED_REPLACE_REFUSED,
} from "../../components/facts/aws/replacement";
import { CLUSTER_REPLACING_KEYS } from "../../components/aurora/protection";
import { GLOBAL_DATABASE } from "../../components/facts/aws/limits";
import { type ChangePlan, changePlan } from "../support/changePlan";
import { TYPES, one, providerUrn } from "../support/graph";
import { PROJECT, type ProgramRun, type Registered, resolve, runProgram } from "../support/pulumiMocks";

type Config = Record<string, string>;
type Edit = (config: Config) => Config;

const key = (name: string) => `${PROJECT}:${name}`;

/** Top-level keys set (undefined removes one) and aurora.* keys merged into the stack's aurora block. */
function edit(top: Record<string, unknown>, aurora: Record<string, unknown> = {}): Edit {
  return (config) => {
    const next = { ...config, [key("aurora")]: JSON.stringify({ ...JSON.parse(config[key("aurora")]!), ...aurora }) };
    for (const [name, value] of Object.entries(top)) {
      if (value === undefined) delete next[key(name)];
      else next[key(name)] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return next;
  };
}

const then =
  (...edits: Edit[]): Edit =>
  (config) =>
    edits.reduce((c, e) => e(c), config);

const withoutCrossRegion = edit({ crossRegion: undefined });
const allowingReplacement = edit({}, { allowReplacement: true });

/** One edit per key that feeds a replacing argument of the primary cluster. */
const REPLACING_EDITS: Record<(typeof CLUSTER_REPLACING_KEYS)[number], { edit: Edit; argument: string }> = {
  database: { edit: edit({ database: "orders" }), argument: "databaseName" },
  user: { edit: edit({ user: "orders" }), argument: "masterUsername" },
  "aurora.kmsKeyId": {
    edit: edit({}, { kmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-6789-0abc-def012345678" }),
    argument: "kmsKeyId",
  },
  restore: { edit: edit({ restore: { from: "orders-prod", latest: true } }), argument: "restoreToPointInTime" },
};

const STATEFUL = new Set<string>([TYPES.cluster, TYPES.instance, TYPES.global]);
const isRds = (r: Registered) => r.type.startsWith("aws:rds/");
const names = (resources: readonly Registered[]) => resources.map((r) => r.name).sort();
const replacedNames = (plan: ChangePlan) => names(plan.replaced.map((r) => r.resource));
const refusedNames = (plan: ChangePlan) => names(plan.replaced.filter((r) => r.refused).map((r) => r.resource));
const position = (order: readonly Registered[], name: string) => order.findIndex((r) => r.name === name);

/** Resources of both runs whose inputs differ (an in-place update, or a replacement). */
function changedInputs(before: ProgramRun, after: ProgramRun): string[] {
  const old = new Map(before.resources.map((r) => [r.urn, r]));
  return names(
    after.resources.filter((r) => {
      const previous = old.get(r.urn);
      return previous !== undefined && JSON.stringify(previous.inputs) !== JSON.stringify(r.inputs);
    }),
  );
}

describe("aurora-prod and its eu-west-1 region", () => {
  let single: ProgramRun;
  let global: ProgramRun;
  beforeAll(async () => {
    single = await runProgram("aurora-prod", withoutCrossRegion);
    global = await runProgram("aurora-prod");
  });

  describe("adding crossRegion to the running single-region stack", () => {
    let plan: ChangePlan;
    beforeAll(() => {
      plan = changePlan(single, global);
    });

    it("replaces nothing, deletes nothing, and changes no input of a resource it had but the checks'", () => {
      expect(plan.replaced).toEqual([]);
      expect(plan.deleted).toEqual([]);
      // The engine version gate runs again: the new region's cluster is created only if AWS offers the version there.
      expect(changedInputs(single, global)).toEqual(["pg-check", "pg-engine-version-check"]);
    });

    it("creates the global cluster from the running cluster, and the secondary region's clusters in eu-west-1", () => {
      const primary = one(single, TYPES.cluster, "pg-cluster");
      const made = one(global, TYPES.global, "pg-global");
      expect(plan.created).toContainEqual(made);
      // The running cluster's ARN, from the resource that existed before the edit: the global cluster wraps it.
      expect(made.propertyDependencies[GLOBAL_FROM_EXISTING_CLUSTER.value.sourceField]).toEqual([primary.urn]);
      expect(made.inputs.forceDestroy).toBe(GLOBAL_FROM_EXISTING_CLUSTER.value.forceDestroy);
      expect(made.inputs[GLOBAL_FROM_EXISTING_CLUSTER.value.conflictsWith]).toBeUndefined();
      const eu = one(global, "pulumi:providers:aws", "pg-eu-west-1").urn;
      const stateful = plan.created.filter((r) => STATEFUL.has(r.type) && r !== made);
      expect(names(stateful)).toEqual(["pg-eu-west-1-cluster", "pg-eu-west-1-reader-0", "pg-eu-west-1-reader-1"]);
      for (const resource of stateful) expect(providerUrn(resource), resource.name).toBe(eu);
    });

    it("replaces a secondary cluster delete-first: a Global Database takes one cluster per region", () => {
      expect(GLOBAL_DATABASE.oneClusterPerRegion.value).toBe(true);
      expect(one(global, TYPES.cluster, "pg-eu-west-1-cluster").deleteBeforeReplace).toBe(true);
    });

    it(`never asks the running cluster to join (${CLUSTER_JOINS_GLOBAL_ONLY_AT_CREATION.value})`, () => {
      for (const run of [single, global]) {
        const primary = one(run, TYPES.cluster, "pg-cluster");
        expect(primary.inputs.globalClusterIdentifier).toBeUndefined();
        expect(primary.ignoreChanges).toContain(GLOBAL_FROM_EXISTING_CLUSTER.value.memberIgnores);
      }
    });
  });

  describe("removing crossRegion from the running Global Database", () => {
    let plan: ChangePlan;
    beforeAll(() => {
      plan = changePlan(global, single);
    });

    it("replaces and creates nothing, and deletes only the secondary region and the global cluster", () => {
      expect(plan.replaced).toEqual([]);
      expect(plan.created).toEqual([]);
      const eu = one(global, "pulumi:providers:aws", "pg-eu-west-1").urn;
      const rds = plan.deleted.filter(isRds);
      expect(names(rds.filter((r) => providerUrn(r) !== eu))).toEqual(["pg-global"]);
      expect(names(plan.deleted)).not.toContain("pg-cluster");
    });

    it("deletes the secondary's readers, then its cluster, then the global cluster, whose deletion takes the primary out last", () => {
      const order = plan.deleted;
      const globalAt = position(order, "pg-global");
      const secondaryAt = position(order, "pg-eu-west-1-cluster");
      expect(secondaryAt).toBeGreaterThanOrEqual(0);
      for (const reader of ["pg-eu-west-1-reader-0", "pg-eu-west-1-reader-1"])
        expect(position(order, reader)).toBeLessThan(secondaryAt);
      expect(secondaryAt).toBeLessThan(globalAt);
      // Deleting a member cluster takes it out of the global cluster first; forceDestroy then removes the primary.
      expect(GLOBAL_TEARDOWN.value).toEqual({ forceDestroyRemovesWriterLast: true, memberLeavesOnDelete: true });
      expect(order[globalAt]!.inputs.forceDestroy).toBe(true);
    });

    it("deletes the region's provider after everything that runs through it", () => {
      const order = plan.deleted;
      const eu = one(global, "pulumi:providers:aws", "pg-eu-west-1").urn;
      const providerAt = order.findIndex((r) => r.urn === eu);
      for (const [at, resource] of order.entries())
        if (providerUrn(resource) === eu) expect(at, resource.name).toBeLessThan(providerAt);
    });

    it("deletes nothing that refuses deletion: no deletion protection, no protect", () => {
      expect(DELETION_PROTECTION_BLOCKS_DELETE.value).toBe(true);
      for (const resource of plan.deleted) {
        expect(resource.protect, resource.name).toBe(false);
        expect(resource.inputs.deletionProtection ?? false, resource.name).toBe(false);
      }
    });
  });
});

/**
 * A Global Database as this program made it before the global cluster was made from the primary: the global cluster
 * created empty (engine, encryption, deletion protection of its own) and the primary joining it by name.
 */
function madeTheOlderWay(run: ProgramRun): ProgramRun {
  const global = one(run, TYPES.global, "pg-global");
  const resources = run.resources.map((r): Registered => {
    if (r === global) {
      const { sourceDbClusterIdentifier: _, forceDestroy: __, ...inputs } = r.inputs;
      const older = { ...inputs, engine: "aurora-postgresql", storageEncrypted: true, deletionProtection: true };
      return { ...r, inputs: older, propertyDependencies: {}, dependencies: [] };
    }
    if (r.type === TYPES.cluster && r.name === "pg-cluster")
      return { ...r, inputs: { ...r.inputs, globalClusterIdentifier: "pg-global-id" }, dependencies: [global.urn] };
    return r;
  });
  return { ...run, resources };
}

describe("aurora-prod deployed before the global cluster was made from the primary", () => {
  it("keeps its global cluster and its primary's membership on the first up after the change", async () => {
    const current = await runProgram("aurora-prod");
    const plan = changePlan(madeTheOlderWay(current), current);
    expect(plan.replaced).toEqual([]);
    expect(plan.created).toEqual([]);
    expect(plan.deleted).toEqual([]);
    // What does change in place on that up: forceDestroy, so a later removal of crossRegion can take the primary out.
    expect(one(current, TYPES.global, "pg-global").inputs.forceDestroy).toBe(true);
  });
});

describe("a change that would replace the cluster", () => {
  it.each(CLUSTER_REPLACING_KEYS)("%s is refused on aurora-prod before anything is touched", async (name) => {
    const { edit: change, argument } = REPLACING_EDITS[name];
    const plan = changePlan(await runProgram("aurora-prod"), await runProgram("aurora-prod", change));
    expect(PROTECTED_REPLACE_REFUSED.value.refusedInPreview).toBe(true);
    expect(refusedNames(plan)).toEqual(["pg-cluster", "pg-cluster-id"]);
    const cluster = plan.replaced.find((r) => r.resource.name === "pg-cluster")!;
    expect(cluster.because).toContain(argument);
  });

  it("names, beside Pulumi's refusal, the keys that replace the cluster and the one that lifts its protection", async () => {
    const notes = (await resolve((await runProgram("aurora-prod")).program.notes)).value;
    const note = notes.find((n) => n.includes("aurora.allowReplacement"));
    expect(note).toBeDefined();
    for (const name of CLUSTER_REPLACING_KEYS) expect(note).toContain(name);
    expect(note).toContain("unable to replace resource");
  });

  it.each(CLUSTER_REPLACING_KEYS)(
    "%s replaces the cluster, its instances and endpoints once aurora.allowReplacement has been applied",
    async (name) => {
      const allowed = then(withoutCrossRegion, allowingReplacement);
      const before = await runProgram("aurora-prod", allowed);
      expect(one(before, TYPES.cluster, "pg-cluster")).toMatchObject({
        protect: false,
        inputs: { deletionProtection: false, skipFinalSnapshot: false },
      });
      const plan = changePlan(before, await runProgram("aurora-prod", then(allowed, REPLACING_EDITS[name].edit)));
      expect(refusedNames(plan)).toEqual([]);
      expect(replacedNames(plan)).toEqual([
        "pg-cluster",
        "pg-cluster-id",
        "pg-olap",
        "pg-oltp",
        "pg-pg-olap-0",
        "pg-pg-primary-0",
        "pg-pg-replica-0",
        "pg-pg-replica-1",
        "pg-pg-replica-2",
      ]);
    },
  );

  it("set in the same up as the change, passes Pulumi but meets RDS deletion protection on the old cluster", async () => {
    const before = await runProgram("aurora-prod", withoutCrossRegion);
    const change = then(withoutCrossRegion, allowingReplacement, REPLACING_EDITS.database.edit);
    const plan = changePlan(before, await runProgram("aurora-prod", change));
    // The engine allows unprotecting and replacing in one update; the old cluster's state still has deletion
    // protection on, so its delete would fail after the new, empty cluster went live: hence "apply it alone first".
    expect(PROTECTED_REPLACE_REFUSED.value.needsOldAndNew).toBe(true);
    expect(refusedNames(plan)).toEqual([]);
    expect(replacedNames(plan)).toContain("pg-cluster");
    expect(one(before, TYPES.cluster, "pg-cluster").inputs.deletionProtection).toBe(true);
  });

  it("goes through on aurora-dev, a scratch stack without deletion protection", async () => {
    const before = await runProgram("aurora-dev");
    expect(one(before, TYPES.cluster, "pg-cluster").protect).toBe(false);
    const plan = changePlan(before, await runProgram("aurora-dev", REPLACING_EDITS.database.edit));
    expect(refusedNames(plan)).toEqual([]);
    expect(replacedNames(plan)).toContain("pg-cluster");
  });
});

/** The README's table of Aurora changes ("Changing a running stack" → "On Aurora"), one row per change. */
const TABLE: Array<{ change: string; edit: Edit; replaced: string[]; created: string[]; deleted: string[] }> = [
  { change: "replicas 3 → 4", edit: edit({ replicas: "4" }), replaced: [], created: ["pg-pg-replica-3"], deleted: [] },
  { change: "replicas 3 → 2", edit: edit({ replicas: "2" }), replaced: [], created: [], deleted: ["pg-pg-replica-2"] },
  {
    change: "OLAP off",
    edit: edit({ olap: { enabled: false } }),
    replaced: [],
    created: [],
    deleted: ["pg-olap", "pg-oltp", "pg-params-olap", "pg-pg-olap-0"],
  },
  {
    change: "reader instance class",
    edit: (c) => {
      const aurora = JSON.parse(c[key("aurora")]!);
      return edit({}, { instanceClass: { ...aurora.instanceClass, reader: "db.r6g.2xlarge" } })(c);
    },
    replaced: [],
    created: [],
    deleted: [],
  },
  {
    change: "a PostgreSQL setting (maxConnections)",
    edit: edit({ postgresql: { maxConnections: 2000 } }),
    replaced: [],
    created: [],
    deleted: [],
  },
  {
    change: "engine minor (16.8 → 16.9)",
    edit: edit({}, { engineVersion: "16.9" }),
    replaced: [],
    created: [],
    deleted: [],
  },
  {
    change: "backup retention",
    edit: edit({}, { backupRetentionDays: 21 }),
    replaced: [],
    created: [],
    deleted: [],
  },
  {
    change: "aurora.subnetIds",
    edit: edit({}, { subnetIds: ["subnet-0a1b2c3d4e5f60021", "subnet-0a1b2c3d4e5f60022", "subnet-0a1b2c3d4e5f60024"] }),
    // aurora-prod's proxy is writeOnly: no READ_ONLY endpoint to replace with it.
    replaced: ["pg-proxy"],
    created: [],
    deleted: [],
  },
  {
    change: "crossRegion[0].kmsKeyId",
    edit: (c) => {
      const [region, ...others] = JSON.parse(c[key("crossRegion")]!);
      const kmsKeyId = "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-4e5f-6789-0abc-def012345678";
      return edit({ crossRegion: [{ ...region, kmsKeyId }, ...others] })(c);
    },
    replaced: ["pg-eu-west-1-cluster", "pg-eu-west-1-cluster-id", "pg-eu-west-1-reader-0", "pg-eu-west-1-reader-1"],
    created: [],
    deleted: [],
  },
  {
    change: "RDS Proxy off",
    edit: edit({}, { proxy: { enabled: false } }),
    replaced: [],
    created: [],
    deleted: ["pg-proxy", "pg-proxy-cluster", "pg-proxy-targets"],
  },
  {
    change: "aurora.proxy.mode none",
    edit: edit({}, { proxy: { mode: "none", requireTls: true, maxConnectionsPercent: 80 } }),
    replaced: [],
    created: [],
    deleted: ["pg-proxy", "pg-proxy-cluster", "pg-proxy-targets"],
  },
  {
    // Only the READ_ONLY endpoint is added: the proxy, its target and the cluster stay.
    change: "aurora.proxy.mode writeOnly to readWrite",
    edit: edit({}, { proxy: { mode: "readWrite", requireTls: true, maxConnectionsPercent: 80 } }),
    replaced: [],
    created: ["pg-proxy-ro"],
    deleted: [],
  },
];

describe("what each change to aurora-prod does to its RDS resources", () => {
  let before: ProgramRun;
  beforeAll(async () => {
    before = await runProgram("aurora-prod");
  });

  it.each(TABLE)("$change", async ({ edit: change, replaced, created, deleted }) => {
    const plan = changePlan(before, await runProgram("aurora-prod", change));
    expect(replacedNames(plan)).toEqual(replaced);
    expect(refusedNames(plan)).toEqual([]);
    expect(names(plan.created.filter(isRds))).toEqual(created);
    expect(names(plan.deleted.filter(isRds))).toEqual(deleted);
  });
});
