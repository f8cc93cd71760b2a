/**
 * Rules that relate one config key to another. Field-level shape and unit
 * checks are in config/schema.ts; these run on its output and report in the
 * same form, so the user sees one list of problems.
 */
import type { ConfigIssue } from "../config/errors";
import { MAX_REPLICAS, type StackConfig } from "../config/schema";
import { cidrContains, formatPostgresSize, isOpenToEveryone, parseCidr } from "../config/units";
import { requiredReplicas } from "./capacity";
import { CONNECTION_HEADROOM, DEFAULTS } from "./defaults";
import { MAX_GROUP_NAME, replicaGroupName } from "./names";
import { poolInstancesDefault, poolSizing } from "./pools";

export interface Findings {
  issues: ConfigIssue[];
  warnings: string[];
}

type Rule = (config: StackConfig, findings: Findings) => void;

const SYNCHRONOUS_MODES = new Set(["on", "remote_write", "remote_apply"]);

/** The OLTP replica count in the primary's region, from `replicas` or from `capacity`. */
export function oltpReplicaCount(config: StackConfig): number | undefined {
  if (config.replicas !== undefined) return config.replicas;
  if (config.capacity) {
    return requiredReplicas(config.capacity.peakReadQps, config.capacity.perNodeQps, config.capacity.safetyFactor).requiredReplicas;
  }
  return undefined;
}

export function primaryRegion(config: StackConfig): string | undefined {
  return config.region ?? (config.backend === "local" ? DEFAULTS.localRegion : undefined);
}

const replicaCount: Rule = (config, { issues, warnings }) => {
  if (config.replicas === undefined && config.capacity === undefined) {
    issues.push({
      key: "replicas",
      value: undefined,
      problem: "is required unless capacity is given",
      fix: "pulumi config set replicas 2, or set capacity.peakReadQps, capacity.perNodeQps and capacity.safetyFactor",
    });
    return;
  }
  if (!config.capacity) return;
  const { requiredReplicas: required, formula } = requiredReplicas(
    config.capacity.peakReadQps,
    config.capacity.perNodeQps,
    config.capacity.safetyFactor,
  );
  if (config.replicas === undefined && required > MAX_REPLICAS) {
    issues.push({
      key: "capacity",
      value: config.capacity,
      problem: `needs ${formula} replicas, more than the ${MAX_REPLICAS} one primary can feed`,
      fix: "raise perNodeQps with larger replicas, or split the read load across clusters",
    });
  }
  if (config.replicas !== undefined && config.replicas < required) {
    warnings.push(`replicas is ${config.replicas}, below what capacity asks for: ${formula}`);
  }
};

const regionRules: Rule = (config, { issues }) => {
  if (config.backend !== "local" && config.region === undefined) {
    issues.push({
      key: "region",
      value: undefined,
      problem: `is required for backend ${config.backend}`,
      fix: "pulumi config set region us-east-1 (the region of the primary)",
    });
  }
  const entries = config.crossRegion ?? [];
  if (entries.length > 0 && config.backend === "local") {
    issues.push({
      key: "crossRegion",
      value: entries,
      problem: "is not supported by the local backend, which runs every server on this machine",
      fix: "remove crossRegion from the local stack; keep it in the selfHosted or aurora stacks",
    });
  }
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const key = `crossRegion[${index}].region`;
    if (entry.region === config.region) {
      issues.push({ key, value: entry.region, problem: "is the primary's own region", fix: "list only regions other than the primary's; add same-region replicas with replicas" });
    }
    const first = seen.get(entry.region);
    if (first !== undefined) {
      issues.push({ key, value: entry.region, problem: `repeats crossRegion[${first}].region`, fix: "list each region once and set its replicas count there" });
    } else {
      seen.set(entry.region, index);
    }
    if (config.backend === "selfHosted") selfHostedRegionRules(entry, index, issues);
  });
};

function selfHostedRegionRules(entry: NonNullable<StackConfig["crossRegion"]>[number], index: number, issues: ConfigIssue[]): void {
  const base = `crossRegion[${index}]`;
  if ((entry.context === undefined) === (entry.kubeconfig === undefined)) {
    issues.push({
      key: `${base}.context`,
      value: entry.context ?? entry.kubeconfig,
      problem: "needs exactly one of context or kubeconfig to reach that region's cluster",
      fix: "set context to a kubeconfig context name, or kubeconfig to a kubeconfig path or its contents (as a secret)",
    });
  }
  if (!entry.cidrs || entry.cidrs.length === 0) {
    issues.push({
      key: `${base}.cidrs`,
      value: entry.cidrs,
      problem: "is required: the primary admits replication from that region only over TLS from these addresses",
      fix: `set ${base}.cidrs to the egress CIDRs of the ${entry.region} cluster, e.g. ["10.20.0.0/16"]`,
    });
  }
}

const olapRules: Rule = (config, { issues }) => {
  if (!config.olap) return;
  const home = primaryRegion(config);
  const olapRegion = config.olap.region;
  if (olapRegion === undefined || olapRegion === home) return;
  const remote = (config.crossRegion ?? []).some((entry) => entry.region === olapRegion);
  if (!remote) {
    const available = [home, ...(config.crossRegion ?? []).map((e) => e.region)].filter(Boolean).join(", ");
    issues.push({
      key: "olap.region",
      value: olapRegion,
      problem: "has no cluster to replicate from: it is neither the primary's region nor a crossRegion entry",
      fix: `use one of ${available}, or add ${olapRegion} under crossRegion first`,
    });
  }
  if (!config.olap.enabled) {
    issues.push({ key: "olap.region", value: olapRegion, problem: "is set while olap.enabled is false", fix: "remove olap.region or set olap.enabled to true" });
  }
};

const synchronousRules: Rule = (config, { issues }) => {
  const mode = config.replication?.synchronousCommit ?? DEFAULTS.replication.synchronousCommit;
  const wanted = config.replication?.synchronousReplicas ?? DEFAULTS.replication.synchronousReplicas;
  const available = oltpReplicaCount(config);
  if (SYNCHRONOUS_MODES.has(mode) && wanted === 0) {
    issues.push({
      key: "replication.synchronousReplicas",
      value: config.replication?.synchronousReplicas,
      problem: `must be at least 1 when synchronousCommit is ${mode}: without synchronous standbys PostgreSQL silently behaves as local`,
      fix: "set replication.synchronousReplicas to 1, or synchronousCommit to local",
    });
  }
  if (!SYNCHRONOUS_MODES.has(mode) && wanted > 0) {
    issues.push({
      key: "replication.synchronousReplicas",
      value: wanted,
      problem: `has no effect with synchronousCommit ${mode}`,
      fix: "set replication.synchronousCommit to remote_write, on or remote_apply, or synchronousReplicas to 0",
    });
  }
  if (available !== undefined && wanted > available) {
    issues.push({
      key: "replication.synchronousReplicas",
      value: wanted,
      problem: `is more than the ${available} OLTP replicas in the primary's region: every commit would wait forever`,
      fix: `set it to at most ${available}, or raise replicas`,
    });
  }
};

const walRules: Rule = (config, { issues }) => {
  const keep = config.replication?.walKeepSize ?? DEFAULTS.replication.walKeepSizeBytes;
  const slotLimit = config.replication?.maxSlotWalKeepSize ?? DEFAULTS.replication.maxSlotWalKeepSizeBytes;
  if (slotLimit < keep) {
    issues.push({
      key: "replication.maxSlotWalKeepSize",
      value: formatPostgresSize(slotLimit),
      problem: `is below walKeepSize (${formatPostgresSize(keep)}): slots would be invalidated while the WAL they need is still on disk`,
      fix: `raise replication.maxSlotWalKeepSize to at least ${formatPostgresSize(keep)}`,
    });
  }
};

const poolRules: Rule = (config, { issues }) => {
  const maxConnections = config.postgresql?.maxConnections ?? DEFAULTS.maxConnections;
  const instances = config.pgbouncer?.instances ?? poolInstancesDefault(config);
  for (const pool of ["write", "read", "olap"] as const) {
    const sizing = poolSizing(config, pool);
    const given = config.pgbouncer?.pools?.[pool] ?? {};
    const prefix = given.defaultPoolSize !== undefined ? `pgbouncer.pools.${pool}` : "pgbouncer";
    if (sizing.defaultPoolSize + sizing.reservePoolSize > sizing.maxClientConn) {
      issues.push({
        key: `${prefix}.defaultPoolSize`,
        value: sizing.defaultPoolSize,
        problem: `plus reservePoolSize (${sizing.reservePoolSize}) exceeds maxClientConn (${sizing.maxClientConn}) for the ${pool} pool`,
        fix: `lower defaultPoolSize or raise maxClientConn to at least ${sizing.defaultPoolSize + sizing.reservePoolSize}`,
      });
    }
    // The read pool reaches replicas through a load-balanced Service: all of its
    // server connections can land on one replica, so each replica must fit them all.
    const serverConnections = instances * (sizing.defaultPoolSize + sizing.reservePoolSize);
    const budget = maxConnections - CONNECTION_HEADROOM;
    if (serverConnections > budget && (pool !== "olap" || config.olap?.enabled)) {
      issues.push({
        key: `${prefix}.defaultPoolSize`,
        value: sizing.defaultPoolSize,
        problem: `lets the ${pool} pool open ${instances} × (${sizing.defaultPoolSize} + ${sizing.reservePoolSize}) = ${serverConnections} server connections, more than the ${budget} a node allows (max_connections ${maxConnections} minus ${CONNECTION_HEADROOM} kept for admins and checks)`,
        fix: `lower pool sizes or pgbouncer.instances, or raise postgresql.maxConnections to at least ${serverConnections + CONNECTION_HEADROOM}`,
      });
    }
  }
};

const accessRules: Rule = (config, { issues, warnings }) => {
  if (config.allowedCidrs.length === 0) {
    issues.push({ key: "allowedCidrs", value: [], problem: "is empty, so no client could connect", fix: 'list the CIDRs your applications connect from, e.g. ["10.0.0.0/8"]' });
  }
  for (const [key, list] of [["allowedCidrs", config.allowedCidrs], ["replicationCidrs", config.replicationCidrs ?? []]] as const) {
    for (const text of list) {
      if (isOpenToEveryone(parseCidr(text)!)) warnings.push(`${key} contains ${text}: the database accepts password logins from any address`);
    }
  }
};

const backendSectionRules: Rule = (config, { issues }) => {
  if (config.backend === "selfHosted" && !config.kubernetes) {
    issues.push({
      key: "kubernetes.namespace",
      value: undefined,
      problem: "is required for backend selfHosted",
      fix: "pulumi config set --path kubernetes.namespace pg-dev",
    });
  }
  if (config.backend !== "selfHosted" && config.kubernetes) {
    issues.push({
      key: "kubernetes",
      value: config.kubernetes,
      problem: `is set but backend ${config.backend} does not use it`,
      fix: "remove the kubernetes block, or set backend to selfHosted",
    });
  }
};

const verificationRules: Rule = (config, { issues }) => {
  const timeout = config.verification?.timeout;
  if (timeout !== undefined && (timeout < 30_000 || timeout > 3_600_000)) {
    issues.push({ key: "verification.timeout", value: `${timeout}ms`, problem: "must be from 30s to 1h", fix: "use a duration such as 5m" });
  }
  const maxLag = config.verification?.maxLag;
  if (maxLag !== undefined && maxLag < 100) {
    issues.push({ key: "verification.maxLag", value: `${maxLag}ms`, problem: "is below 100ms, which no network meets reliably", fix: "use at least 1s" });
  }
};

const nameRules: Rule = (config, { issues }) => {
  const name = config.name ?? DEFAULTS.name;
  for (const [index, entry] of (config.crossRegion ?? []).entries()) {
    const group = replicaGroupName(name, entry.region, true);
    if (group.length > MAX_GROUP_NAME) {
      issues.push({
        key: `crossRegion[${index}].region`,
        value: entry.region,
        problem: `makes the StatefulSet name ${group} (${group.length} characters), over Kubernetes' ${MAX_GROUP_NAME}`,
        fix: "shorten name (pulumi config set name pg) or use a shorter region name",
      });
    }
  }
};

const localRules: Rule = (config, { issues }) => {
  if (config.backend !== "local") return;
  if ((config.pgbouncer?.instances ?? 1) > 1) {
    issues.push({
      key: "pgbouncer.instances",
      value: config.pgbouncer?.instances,
      problem: "must be 1 for the local backend, which runs one PgBouncer per pool on this machine",
      fix: "remove pgbouncer.instances from the local stack",
    });
  }
  const loopback = parseCidr("127.0.0.1/32")!;
  for (const [key, list] of [["allowedCidrs", config.allowedCidrs], ["replicationCidrs", config.replicationCidrs ?? config.allowedCidrs]] as const) {
    if (list.length > 0 && !list.some((text) => cidrContains(parseCidr(text)!, loopback))) {
      issues.push({
        key,
        value: list,
        problem: "does not admit 127.0.0.1, where every local server and pool connects from",
        fix: `add "127.0.0.1/32" to ${key}`,
      });
    }
  }
};

const tlsRules: Rule = (config, { issues }) => {
  if (config.backend === "local" && config.requireTls) {
    issues.push({
      key: "requireTls",
      value: true,
      problem: "is not supported by the local backend, which listens on 127.0.0.1 only",
      fix: "remove requireTls from the local stack",
    });
  }
};

/** Aurora caps a cluster at 15 read replicas; the OLAP reader counts among them. */
export const AURORA_MAX_READERS = 15;
/** Aurora Global Database: at most 5 secondary regions. */
export const AURORA_MAX_SECONDARY_REGIONS = 5;
/**
 * The oldest minor Aurora still offers for new clusters, per major (AWS retires old
 * minors over time; raise these when it does). The deploy-time check confirms against AWS.
 */
export const AURORA_MINOR_FLOOR: Record<number, number> = { 15: 10, 16: 8, 17: 4 };
const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

const auroraRules: Rule = (config, { issues }) => {
  if (config.backend !== "aurora") {
    if (config.aurora) {
      issues.push({ key: "aurora", value: config.aurora, problem: `is set but backend ${config.backend} does not use it`, fix: "remove the aurora block, or set backend to aurora" });
    }
    (config.crossRegion ?? []).forEach((entry, index) => {
      for (const key of ["vpcId", "subnetIds", "kmsKeyId", "instanceClass"] as const) {
        if (entry[key] !== undefined) {
          issues.push({ key: `crossRegion[${index}].${key}`, value: entry[key], problem: "applies only to backend aurora", fix: `remove it; ${config.backend} regions are reached through context or kubeconfig` });
        }
      }
    });
    return;
  }
  const a = config.aurora;
  if (!a) {
    issues.push({ key: "aurora", value: undefined, problem: "is required for backend aurora", fix: "set aurora.engineVersion, aurora.vpcId, aurora.subnetIds and aurora.instanceClass.writer (see the README's Aurora keys)" });
    return;
  }
  for (const key of ["pgbouncer", "resources"] as const) {
    if (config[key]) {
      const instead = key === "pgbouncer" ? "RDS Proxy settings live under aurora.proxy" : "instance sizes live under aurora.instanceClass";
      issues.push({ key, value: config[key], problem: "is not used by backend aurora", fix: `remove it; ${instead}` });
    }
  }
  if (config.region !== undefined && !AWS_REGION.test(config.region)) {
    issues.push({ key: "region", value: config.region, problem: "is not an AWS region", fix: "use an AWS region such as us-east-1" });
  }
  const [major, minor] = a.engineVersion.split(".").map(Number) as [number, number];
  if (major !== config.postgresVersion) {
    issues.push({ key: "aurora.engineVersion", value: a.engineVersion, problem: `is PostgreSQL ${major}, but postgresVersion is ${config.postgresVersion}`, fix: `use a ${config.postgresVersion}.x version, or change postgresVersion` });
  } else if (minor < (AURORA_MINOR_FLOOR[major] ?? Infinity)) {
    issues.push({
      key: "aurora.engineVersion",
      value: a.engineVersion,
      problem: `is not offered by Aurora for new clusters (the oldest ${major}.x still offered is ${major}.${AURORA_MINOR_FLOOR[major]})`,
      fix: `use ${major}.${AURORA_MINOR_FLOOR[major]} or later; aws rds describe-db-engine-versions --engine aurora-postgresql lists them`,
    });
  }
  subnetRule("aurora.subnetIds", a.subnetIds, issues);
  if (config.olap?.enabled && !a.instanceClass.olap) {
    issues.push({ key: "aurora.instanceClass.olap", value: undefined, problem: "is required when olap.enabled is true", fix: "set aurora.instanceClass.olap, e.g. db.r6g.xlarge (analytics wants memory)" });
  }
  if (config.olap?.region !== undefined && config.olap.region !== config.region) {
    issues.push({ key: "olap.region", value: config.olap.region, problem: "must be the primary's region on Aurora: the OLAP reader joins the primary cluster", fix: "remove olap.region" });
  }
  const readers = (oltpReplicaCount(config) ?? 0) + (config.olap?.enabled ? 1 : 0);
  if (readers > AURORA_MAX_READERS) {
    issues.push({
      key: "replicas",
      value: config.replicas ?? config.capacity,
      problem: `makes ${readers} readers${config.olap?.enabled ? " (the OLAP reader included)" : ""}, more than the ${AURORA_MAX_READERS} an Aurora cluster allows`,
      fix: `use at most ${AURORA_MAX_READERS - (config.olap?.enabled ? 1 : 0)} replicas, or spread reads over crossRegion clusters`,
    });
  }
  const mode = config.replication?.synchronousCommit;
  if ((mode !== undefined && SYNCHRONOUS_MODES.has(mode)) || (config.replication?.synchronousReplicas ?? 0) > 0) {
    issues.push({
      key: "replication.synchronousCommit",
      value: mode,
      problem: "does not apply on Aurora: a commit is acknowledged once 4 of 6 storage copies in 3 zones have it, and readers share that storage",
      fix: "remove replication.synchronousCommit and synchronousReplicas from the Aurora stack",
    });
  }
  autoscalingRules(config, readers, issues);
  auroraRegionRules(config, issues);
};

function subnetRule(key: string, subnets: readonly string[] | undefined, issues: ConfigIssue[]): void {
  if (!subnets || subnets.length < 2 || new Set(subnets).size !== subnets.length) {
    issues.push({ key, value: subnets, problem: "needs at least two distinct subnets (an RDS subnet group spans two availability zones)", fix: "list private subnets in at least two zones" });
  }
}

function autoscalingRules(config: StackConfig, readers: number, issues: ConfigIssue[]): void {
  const scaling = config.aurora?.autoscaling;
  if (!scaling) return;
  if (scaling.minReaders > scaling.maxReaders) {
    issues.push({ key: "aurora.autoscaling.minReaders", value: scaling.minReaders, problem: `is above maxReaders (${scaling.maxReaders})`, fix: "lower minReaders or raise maxReaders" });
  }
  if (scaling.maxReaders > AURORA_MAX_READERS) {
    issues.push({ key: "aurora.autoscaling.maxReaders", value: scaling.maxReaders, problem: `is above the ${AURORA_MAX_READERS} readers an Aurora cluster allows`, fix: `use at most ${AURORA_MAX_READERS}` });
  } else if (scaling.maxReaders <= readers) {
    issues.push({
      key: "aurora.autoscaling.maxReaders",
      value: scaling.maxReaders,
      problem: `is not above the ${readers} readers the stack already declares (Application Auto Scaling counts them all), so it would never add one`,
      fix: `raise it above ${readers}, or remove aurora.autoscaling`,
    });
  }
}

function auroraRegionRules(config: StackConfig, issues: ConfigIssue[]): void {
  const entries = config.crossRegion ?? [];
  if (entries.length > AURORA_MAX_SECONDARY_REGIONS) {
    issues.push({ key: "crossRegion", value: entries.map((e) => e.region), problem: `lists ${entries.length} regions; an Aurora Global Database has at most ${AURORA_MAX_SECONDARY_REGIONS} secondaries`, fix: "keep at most 5" });
  }
  entries.forEach((entry, index) => {
    const base = `crossRegion[${index}]`;
    if (!AWS_REGION.test(entry.region)) issues.push({ key: `${base}.region`, value: entry.region, problem: "is not an AWS region", fix: "use an AWS region such as eu-west-1" });
    for (const key of ["context", "kubeconfig", "cidrs", "primaryHost"] as const) {
      if (entry[key] !== undefined) issues.push({ key: `${base}.${key}`, value: entry[key], problem: "applies only to backend selfHosted", fix: "remove it; Aurora secondaries replicate through the Global Database" });
    }
    if (!entry.vpcId) issues.push({ key: `${base}.vpcId`, value: undefined, problem: `is required: the ${entry.region} secondary cluster lives in a VPC of that region`, fix: "set the VPC id of that region" });
    subnetRule(`${base}.subnetIds`, entry.subnetIds, issues);
    if (!entry.kmsKeyId) {
      issues.push({
        key: `${base}.kmsKeyId`,
        value: undefined,
        problem: "is required: storage is encrypted, and an encrypted secondary needs a KMS key in its own region",
        fix: `set a KMS key of ${entry.region} (a multi-Region replica key, or alias/aws/rds)`,
      });
    }
  });
}

const RULES: Rule[] = [
  nameRules,
  auroraRules,
  localRules,
  tlsRules,
  replicaCount,
  regionRules,
  olapRules,
  synchronousRules,
  walRules,
  poolRules,
  accessRules,
  backendSectionRules,
  verificationRules,
];

export function validateStackConfig(config: StackConfig): Findings {
  const findings: Findings = { issues: [], warnings: [] };
  for (const rule of RULES) rule(config, findings);
  return findings;
}
