/** Resolved (and admitted) config → Topology: every name, node, pool and setting assembled once. */
import type { ResolvedAurora, ResolvedConfig, ResolvedSelfHosted } from "../config/resolve";
import { MAX_REPLICAS } from "../config/schema";
import { parameterGroupFamily } from "../facts/aws/engine";
import { buildBackup, buildRestore } from "./backup";
import { hashed } from "./hash";
import { nodeName, olapGroupName, primaryGroupName, replicaGroupName, slotName } from "./names";
import { buildPool } from "./pools";
import { ROLES } from "./roles";
import { DEFAULT_MAX_PARALLEL_WORKERS, settingsFor } from "./settings";
import type {
  AuroraSettings,
  KubernetesSettings,
  NodeGroup,
  Pool,
  PrimaryGroup,
  Region,
  RemoteAccess,
  StandbyGroup,
  StandbyNode,
  StandbyRole,
  Topology,
} from "./types";

interface StandbyPlan {
  name: string;
  role: StandbyRole;
  region: string;
  remote: boolean;
  count: number;
}

function standbyPlans(config: ResolvedConfig): StandbyPlan[] {
  const { name, region: home, olap } = config;
  const olapIn = (region: string, remote: boolean): StandbyPlan[] =>
    olap.enabled && olap.region === region
      ? [{ name: olapGroupName(name), role: "olap", region, remote, count: 1 }]
      : [];
  return [
    {
      name: replicaGroupName(name, home, false),
      role: "oltp",
      region: home,
      remote: false,
      count: config.replicas.count,
    },
    ...olapIn(home, false),
    ...remoteRegions(config).flatMap((entry): StandbyPlan[] => [
      {
        name: replicaGroupName(name, entry.name, true),
        role: "oltp",
        region: entry.name,
        remote: true,
        count: entry.replicas,
      },
      ...olapIn(entry.name, true),
    ]),
  ];
}

function standbyMembers(plan: Pick<StandbyPlan, "name" | "role" | "region" | "remote">, count: number): StandbyNode[] {
  return Array.from({ length: count }, (_, ordinal) => {
    const node = nodeName(plan.name, ordinal);
    return {
      name: node,
      role: plan.role,
      group: plan.name,
      ordinal,
      region: plan.region,
      remote: plan.remote,
      slot: slotName(node),
    };
  });
}

/** synchronous_standby_names needs double quotes around names containing "-". */
function synchronousStandbyNames(config: ResolvedConfig, plans: StandbyPlan[]): string | undefined {
  const wanted = config.replication.synchronousReplicas;
  const local = plans.find((p) => p.role === "oltp" && !p.remote);
  if (wanted === 0 || !local) return undefined;
  // Every name the group may scale to, so scaling never changes (and restarts) the primary.
  const names = standbyMembers(local, MAX_REPLICAS).map((n) => `"${n.name}"`);
  return `ANY ${wanted} (${names.join(", ")})`;
}

function maxWorkerProcesses(config: ResolvedConfig): number {
  const overrides = [
    config.overrides.primary,
    config.overrides.replica,
    config.olap.enabled ? config.olap.settings : {},
  ];
  return Math.max(8, ...overrides.map((o) => Number(o.max_parallel_workers ?? DEFAULT_MAX_PARALLEL_WORKERS)));
}

interface GroupContext {
  config: ResolvedConfig;
  standbyCount: number;
  synchronousStandbyNames?: string;
}

function settingsOf(ctx: GroupContext, role: NodeGroup["role"]) {
  const { config } = ctx;
  const overrides =
    role === "primary"
      ? config.overrides.primary
      : role === "oltp"
        ? config.overrides.replica
        : config.olap.enabled
          ? config.olap.settings
          : {};
  return settingsFor({
    role,
    memoryBytes: config.resources[ROLES[role].configKey].memoryBytes,
    maxConnections: config.maxConnections,
    maxConnectionsFromStackConfig: config.maxConnectionsGiven,
    standbyCount: ctx.standbyCount,
    maxWorkerProcesses: maxWorkerProcesses(config),
    walKeepSizeBytes: config.replication.walKeepSizeBytes,
    maxSlotWalKeepSizeBytes: config.replication.maxSlotWalKeepSizeBytes,
    synchronousCommit: config.replication.synchronousCommit,
    ...(ctx.synchronousStandbyNames !== undefined ? { synchronousStandbyNames: ctx.synchronousStandbyNames } : {}),
    overrides,
  });
}

function primaryGroup(ctx: GroupContext): PrimaryGroup {
  const { config } = ctx;
  const name = primaryGroupName(config.name);
  return {
    name,
    role: "primary",
    region: config.region,
    remote: false,
    members: [
      { name: nodeName(name, 0), role: "primary", group: name, ordinal: 0, region: config.region, remote: false },
    ],
    resources: config.resources.primary,
    settings: settingsOf(ctx, "primary"),
  };
}

function standbyGroup(ctx: GroupContext, plan: StandbyPlan): StandbyGroup {
  const { name, role, region, remote, count } = plan;
  return {
    name,
    role,
    region,
    remote,
    members: standbyMembers(plan, count),
    resources: ctx.config.resources[ROLES[role].configKey],
    settings: settingsOf(ctx, role),
  };
}

/** Every region but the primary's: how its cluster is reached and who may connect there. */
function remoteRegions(config: ResolvedConfig): Array<{ name: string; replicas: number; access: RemoteAccess }> {
  switch (config.backend) {
    case "selfHosted":
      return config.crossRegion.map((entry) => ({
        name: entry.region,
        replicas: entry.replicas,
        access: {
          ...(entry.context !== undefined ? { context: entry.context } : {}),
          ...(entry.kubeconfig !== undefined ? { kubeconfig: entry.kubeconfig } : {}),
          cidrs: entry.cidrs,
          allowedCidrs: entry.allowedCidrs,
          allowedClients: entry.allowedClients,
          ...(entry.primaryHost !== undefined ? { primaryHost: entry.primaryHost } : {}),
        },
      }));
    case "aurora":
      // Secondaries replicate through the Global Database; only their clients need listing.
      return config.crossRegion.map(({ region, replicas, allowedCidrs }) => ({
        name: region,
        replicas,
        access: { cidrs: [], allowedCidrs },
      }));
    case "local":
      return [];
  }
}

function regionsFrom(config: ResolvedConfig, groups: NodeGroup[]): Region[] {
  const poolsFor = (region: string, home: boolean): Pool[] => [
    ...(home ? [buildPool(config, "write", region)] : []),
    buildPool(config, "read", region),
    ...(config.olap.enabled && config.olap.region === region ? [buildPool(config, "olap", region)] : []),
  ];
  const inRegion = (region: string) => groups.filter((g) => g.region === region);
  return [
    { name: config.region, primary: true, groups: inRegion(config.region), pools: poolsFor(config.region, true) },
    ...remoteRegions(config).map(({ name, access }): Region => ({
      name,
      primary: false,
      groups: inRegion(name),
      pools: poolsFor(name, false),
      access,
    })),
  ];
}

function kubernetesSettings(config: ResolvedSelfHosted): KubernetesSettings {
  const { writerGiven: _writerGiven, ...kubernetes } = config.kubernetes;
  return { ...kubernetes, pgbouncerResources: config.resources.pgbouncer };
}

function auroraSettings(config: ResolvedAurora): AuroraSettings {
  const { aurora } = config;
  const { autoscaling, kmsKeyId, ...rest } = aurora;
  return {
    ...rest,
    family: parameterGroupFamily(aurora.engineVersion.split(".")[0] ?? ""),
    ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
    ...(autoscaling ? { autoscaling } : {}),
    secondaries: config.crossRegion.map(({ instanceClass, ...entry }) => ({ ...entry, readerClass: instanceClass })),
    alarms: config.alarms,
  };
}

/** Only when set: a stack without them builds (and hashes) exactly as before. */
function backupParts(config: ResolvedConfig): Pick<Topology, "backup" | "restore"> {
  const backup = buildBackup(config);
  const restore = buildRestore(config);
  return { ...(backup ? { backup } : {}), ...(restore ? { restore } : {}) };
}

export function buildTopology(config: ResolvedConfig): Topology {
  const plans = standbyPlans(config);
  const standbyCount = plans.reduce((sum, p) => sum + p.count, 0);
  const syncNames = synchronousStandbyNames(config, plans);
  const ctx: GroupContext = {
    config,
    standbyCount,
    ...(syncNames !== undefined ? { synchronousStandbyNames: syncNames } : {}),
  };
  const primary = primaryGroup(ctx);
  const standbyGroups = plans.map((plan) => standbyGroup(ctx, plan));
  const regions = regionsFrom(config, [primary, ...standbyGroups]);
  const home = regions[0];
  const pool = (name: Pool["name"]) => home?.pools.find((p) => p.name === name);
  const olapPool = regions.flatMap((r) => r.pools).find((p) => p.name === "olap");
  const write = pool("write");
  const read = pool("read");
  if (!write || !read) throw new Error("buildTopology: the primary's region always has a write and a read pool");
  const base = {
    name: config.name,
    postgresVersion: config.postgresVersion,
    database: config.database,
    user: config.user,
    port: config.ports.postgres,
    poolPort: config.ports.pool,
    region: config.region,
    primary: primary.members[0],
    standbys: standbyGroups.flatMap((g) => g.members),
    regions,
    pools: { write, read, ...(olapPool ? { olap: olapPool } : {}) },
    access: {
      clientCidrs: config.allowedCidrs,
      replicationCidrs: config.replicationCidrs,
      requireTls: config.requireTls,
      tls: config.backend === "selfHosted",
    },
    replication: { user: config.replicationUser, ...config.replication },
    verification: config.verification,
    ...(config.capacity ? { capacity: config.capacity } : {}),
    labels: config.labels,
    ...backupParts(config),
  };
  switch (config.backend) {
    case "selfHosted":
      return hashed({
        ...base,
        backend: "selfHosted",
        kubernetes: kubernetesSettings(config),
        monitoring: config.monitoring,
      });
    case "aurora":
      return hashed({ ...base, backend: "aurora", aurora: auroraSettings(config) });
    case "local":
      return hashed({ ...base, backend: "local", monitoring: config.monitoring });
  }
}
