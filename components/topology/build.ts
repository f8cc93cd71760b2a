/** Stack config → Topology: parse, validate, then assemble every name, node, pool and setting once. */
import { createHash } from "node:crypto";
import { ConfigError } from "../config/errors";
import { parseStackConfig } from "../config/parse";
import { MAX_REPLICAS, type StackConfig } from "../config/schema";
import { requiredReplicas } from "./capacity";
import { DEFAULTS, resolveNodeResources } from "./defaults";
import { nodeName, olapGroupName, primaryGroupName, replicaGroupName, slotName } from "./names";
import { buildPool } from "./pools";
import { DEFAULT_MAX_PARALLEL_WORKERS, settingsFor } from "./settings";
import { auroraClusterParameters, auroraParametersFor } from "../aurora/parameters";
import type { AuroraSettings, DatabaseNode, NodeGroup, NodeRole, Pool, Region, Topology } from "./types";
import { oltpReplicaCount, primaryRegion, validateStackConfig } from "./validate";

export interface BuiltTopology {
  topology: Topology;
  /** Non-fatal findings (e.g. fewer replicas than capacity asks for) to show the user. */
  warnings: string[];
}

/** The one entry point: raw config values (strings or YAML-typed) to a frozen Topology, or a ConfigError. */
export function topologyFromConfig(raw: Record<string, unknown>, source = "stack config"): BuiltTopology {
  const parsed = parseStackConfig(raw);
  if (!parsed.ok) throw new ConfigError(parsed.issues, source);
  const findings = validateStackConfig(parsed.config);
  if (findings.issues.length > 0) throw new ConfigError(findings.issues, source);
  return { topology: buildTopology(parsed.config), warnings: findings.warnings };
}

interface GroupPlan {
  name: string;
  role: NodeRole;
  region: string;
  remote: boolean;
  count: number;
}

function planGroups(config: StackConfig, name: string, home: string): GroupPlan[] {
  const olapRegion = config.olap?.enabled ? (config.olap.region ?? home) : undefined;
  const plans: GroupPlan[] = [
    { name: primaryGroupName(name), role: "primary", region: home, remote: false, count: 1 },
    { name: replicaGroupName(name, home, false), role: "oltp", region: home, remote: false, count: oltpReplicaCount(config)! },
  ];
  if (olapRegion === home) plans.push({ name: olapGroupName(name), role: "olap", region: home, remote: false, count: 1 });
  for (const entry of config.crossRegion ?? []) {
    plans.push({ name: replicaGroupName(name, entry.region, true), role: "oltp", region: entry.region, remote: true, count: entry.replicas });
    if (olapRegion === entry.region) plans.push({ name: olapGroupName(name), role: "olap", region: entry.region, remote: true, count: 1 });
  }
  return plans;
}

function membersOf(plan: GroupPlan): DatabaseNode[] {
  return Array.from({ length: plan.count }, (_, ordinal) => {
    const node = nodeName(plan.name, ordinal);
    return {
      name: node,
      role: plan.role,
      group: plan.name,
      ordinal,
      region: plan.region,
      remote: plan.remote,
      ...(plan.role === "primary" ? {} : { slot: slotName(node) }),
    };
  });
}

/** synchronous_standby_names needs double quotes around names containing "-". */
function synchronousStandbyNames(config: StackConfig, plans: GroupPlan[]): string | undefined {
  const wanted = config.replication?.synchronousReplicas ?? DEFAULTS.replication.synchronousReplicas;
  if (wanted === 0) return undefined;
  const local = plans.find((p) => p.role === "oltp" && !p.remote)!;
  const names = membersOf({ ...local, count: MAX_REPLICAS }).map((n) => `"${n.name}"`);
  return `ANY ${wanted} (${names.join(", ")})`;
}

function maxWorkerProcesses(config: StackConfig): number {
  const requested = [config.postgresql?.primary, config.postgresql?.replica, config.olap?.settings]
    .map((overrides) => Number(overrides?.max_parallel_workers ?? DEFAULT_MAX_PARALLEL_WORKERS));
  return Math.max(8, ...requested);
}

function groupFrom(config: StackConfig, plan: GroupPlan, standbyCount: number, syncNames: string | undefined): NodeGroup {
  const resourceRole = plan.role === "oltp" ? "replica" : plan.role;
  const resources = resolveNodeResources(config, resourceRole);
  const overrides =
    plan.role === "primary" ? config.postgresql?.primary : plan.role === "oltp" ? config.postgresql?.replica : config.olap?.settings;
  const settings = settingsFor({
    role: plan.role,
    memoryBytes: resources.memoryBytes,
    maxConnections: config.postgresql?.maxConnections ?? DEFAULTS.maxConnections,
    standbyCount,
    maxWorkerProcesses: maxWorkerProcesses(config),
    walKeepSizeBytes: config.replication?.walKeepSize ?? DEFAULTS.replication.walKeepSizeBytes,
    maxSlotWalKeepSizeBytes: config.replication?.maxSlotWalKeepSize ?? DEFAULTS.replication.maxSlotWalKeepSizeBytes,
    synchronousCommit: config.replication?.synchronousCommit ?? DEFAULTS.replication.synchronousCommit,
    ...(syncNames !== undefined ? { synchronousStandbyNames: syncNames } : {}),
    overrides: overrides ?? {},
  });
  return { name: plan.name, role: plan.role, region: plan.region, remote: plan.remote, members: membersOf(plan), resources, settings };
}

function regionsFrom(config: StackConfig, name: string, home: string, groups: NodeGroup[]): Region[] {
  const olapGroup = groups.find((g) => g.role === "olap");
  const regionNames = [home, ...(config.crossRegion ?? []).map((e) => e.region)];
  return regionNames.map((regionName) => {
    const entry = config.crossRegion?.find((e) => e.region === regionName);
    const pools: Pool[] = regionName === home ? [buildPool(config, name, "write", home)] : [];
    pools.push(buildPool(config, name, "read", regionName));
    if (olapGroup?.region === regionName) pools.push(buildPool(config, name, "olap", regionName));
    return {
      name: regionName,
      primary: regionName === home,
      groups: groups.filter((g) => g.region === regionName),
      pools,
      ...(entry
        ? {
            access: {
              ...(entry.context !== undefined ? { context: entry.context } : {}),
              ...(entry.kubeconfig !== undefined ? { kubeconfig: entry.kubeconfig } : {}),
              cidrs: entry.cidrs ?? [],
              allowedCidrs: entry.allowedCidrs ?? entry.cidrs ?? [],
              ...(entry.primaryHost !== undefined ? { primaryHost: entry.primaryHost } : {}),
            },
          }
        : {}),
    };
  });
}

export function buildTopology(config: StackConfig): Topology {
  const name = config.name ?? DEFAULTS.name;
  const home = primaryRegion(config)!;
  const plans = planGroups(config, name, home);
  const standbyCount = plans.filter((p) => p.role !== "primary").reduce((sum, p) => sum + p.count, 0);
  const syncNames = synchronousStandbyNames(config, plans);
  const groups = plans.map((plan) => groupFrom(config, plan, standbyCount, syncNames));
  const regions = regionsFrom(config, name, home, groups);
  const allPools = regions.flatMap((r) => r.pools);
  const homePools = regions[0]!.pools;
  const olapPool = allPools.find((p) => p.name === "olap");
  const replication = config.replication ?? {};
  const withoutHash: Omit<Topology, "hash"> = {
    name,
    backend: config.backend,
    postgresVersion: config.postgresVersion,
    database: config.database,
    user: config.user,
    port: 5432,
    poolPort: 6432,
    region: home,
    primary: groups[0]!.members[0]!,
    standbys: groups.filter((g) => g.role !== "primary").flatMap((g) => g.members),
    regions,
    pools: {
      write: homePools.find((p) => p.name === "write")!,
      read: homePools.find((p) => p.name === "read")!,
      ...(olapPool ? { olap: olapPool } : {}),
    },
    access: {
      clientCidrs: config.allowedCidrs,
      replicationCidrs: config.replicationCidrs ?? config.allowedCidrs,
      requireTls: config.requireTls ?? false,
      tls: config.backend === "selfHosted",
    },
    replication: {
      user: "replicator",
      synchronousCommit: replication.synchronousCommit ?? DEFAULTS.replication.synchronousCommit,
      synchronousReplicas: replication.synchronousReplicas ?? DEFAULTS.replication.synchronousReplicas,
      walKeepSizeBytes: replication.walKeepSize ?? DEFAULTS.replication.walKeepSizeBytes,
      maxSlotWalKeepSizeBytes: replication.maxSlotWalKeepSize ?? DEFAULTS.replication.maxSlotWalKeepSizeBytes,
      maxLagBytes: replication.maxLagBytes ?? DEFAULTS.replication.maxLagBytes,
      basebackupMaxRate: replication.basebackupMaxRate ?? DEFAULTS.replication.basebackupMaxRate,
    },
    verification: {
      timeoutMs: config.verification?.timeout ?? DEFAULTS.verification.timeoutMs,
      maxLagBytes: config.verification?.maxLagBytes ?? replication.maxLagBytes ?? DEFAULTS.replication.maxLagBytes,
      maxLagMs: config.verification?.maxLag ?? DEFAULTS.verification.maxLagMs,
    },
    ...(config.capacity
      ? { capacity: requiredReplicas(config.capacity.peakReadQps, config.capacity.perNodeQps, config.capacity.safetyFactor) }
      : {}),
    ...(config.aurora ? { aurora: auroraSettings(config, groups) } : {}),
    ...(config.kubernetes
      ? {
          kubernetes: {
            namespace: config.kubernetes.namespace,
            createNamespace: config.kubernetes.createNamespace ?? DEFAULTS.kubernetes.createNamespace,
            ...(config.kubernetes.storageClass !== undefined ? { storageClass: config.kubernetes.storageClass } : {}),
            antiAffinity: config.kubernetes.antiAffinity ?? DEFAULTS.kubernetes.antiAffinity,
            images: {
              postgres: config.kubernetes.images?.postgres ?? DEFAULTS.kubernetes.postgresImage(config.postgresVersion),
              pgbouncer: config.kubernetes.images?.pgbouncer ?? DEFAULTS.kubernetes.pgbouncerImage,
            },
            pgbouncerResources: {
              cpu: config.resources?.pgbouncer?.cpu ?? DEFAULTS.resources.pgbouncer.cpu,
              memory: config.resources?.pgbouncer?.memory ?? DEFAULTS.resources.pgbouncer.memory,
            },
          },
        }
      : {}),
  };
  return deepFreeze({ ...withoutHash, hash: hashOf(withoutHash) });
}

function auroraSettings(config: StackConfig, groups: NodeGroup[]): AuroraSettings {
  const a = config.aurora!;
  const roles = { writer: "primary", reader: "oltp", olap: "olap" } as const;
  const mapped = Object.fromEntries(
    Object.entries(roles).map(([key, role]) => {
      const group = groups.find((g) => g.role === role && !g.remote);
      return [key, group ? auroraParametersFor(role, group.settings) : { parameters: [], notes: [] }];
    }),
  ) as Record<keyof typeof roles, ReturnType<typeof auroraParametersFor>>;
  const readerClass = a.instanceClass.reader ?? a.instanceClass.writer;
  return {
    engineVersion: a.engineVersion,
    family: `aurora-postgresql${a.engineVersion.split(".")[0]}`,
    vpcId: a.vpcId,
    subnetIds: a.subnetIds,
    allowedSecurityGroupIds: a.allowedSecurityGroupIds ?? [],
    ...(a.kmsKeyId !== undefined ? { kmsKeyId: a.kmsKeyId } : {}),
    instanceClass: { writer: a.instanceClass.writer, reader: readerClass, ...(a.instanceClass.olap ? { olap: a.instanceClass.olap } : {}) },
    deletionProtection: a.deletionProtection ?? true,
    skipFinalSnapshot: a.skipFinalSnapshot ?? false,
    backupRetentionDays: a.backupRetentionDays ?? 7,
    performanceInsights: a.performanceInsights ?? false,
    monitoringInterval: a.monitoringInterval ?? 0,
    autoMinorVersionUpgrade: a.autoMinorVersionUpgrade ?? true,
    proxy: {
      enabled: a.proxy?.enabled ?? true,
      requireTls: a.proxy?.requireTls ?? true,
      maxConnectionsPercent: a.proxy?.maxConnectionsPercent ?? 90,
      idleClientTimeoutS: Math.round((a.proxy?.idleClientTimeout ?? 1_800_000) / 1000),
    },
    ...(a.autoscaling
      ? { autoscaling: { minReaders: a.autoscaling.minReaders, maxReaders: a.autoscaling.maxReaders, metric: a.autoscaling.metric ?? "cpu", target: a.autoscaling.target ?? 60 } }
      : {}),
    promotionTiers: { oltp: 1, olap: 15 },
    parameters: {
      cluster: auroraClusterParameters(config.requireTls ?? false),
      writer: mapped.writer.parameters,
      reader: mapped.reader.parameters,
      olap: mapped.olap.parameters,
    },
    notes: [...mapped.writer.notes, ...mapped.reader.notes, ...mapped.olap.notes],
    secondaries: (config.crossRegion ?? []).map((entry) => ({
      region: entry.region,
      vpcId: entry.vpcId!,
      subnetIds: entry.subnetIds!,
      kmsKeyId: entry.kmsKeyId!,
      readerClass: entry.instanceClass ?? readerClass,
      replicas: entry.replicas,
      allowedCidrs: entry.allowedCidrs ?? config.allowedCidrs,
    })),
  };
}

function hashOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 10);
}

/** Recomputes a topology's hash from its contents, to check one read back from a file. */
export function topologyHash(topology: Topology): string {
  const { hash: _hash, ...rest } = topology;
  return hashOf(rest);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
