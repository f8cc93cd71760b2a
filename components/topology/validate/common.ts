/** Rules every backend shares. */
import { INTERNAL_LOAD_BALANCER } from "../../config/kubernetesFields";
import type { ResolvedConfig, ResolvedSelfHosted } from "../../config/resolve";
import { reservedDatabase, reservedUser } from "../../config/reservedNames";
import { MAX_REPLICAS } from "../../config/schema";
import { formatDuration, formatPostgresSize, isOpenToEveryone, parseCidr } from "../../ground/units";
import { MAX_GROUP_NAME, replicaGroupName } from "../names";
import { POOL_NAMES } from "../roles";
import { type Check, type Findings, SYNCHRONOUS_MODES } from "./rule";

/** Server connections kept free on every node for admins, probes and the verifier. */
export const CONNECTION_HEADROOM = 10;

function replicaCount(config: ResolvedConfig): Check {
  return ({ issues, warnings }) => {
    const capacity = config.capacity;
    if (!capacity) return;
    if (config.replicas.from === "capacity" && capacity.requiredReplicas > MAX_REPLICAS) {
      issues.push({
        key: "capacity",
        value: {
          peakReadQps: capacity.peakReadQps,
          perNodeQps: capacity.perNodeQps,
          safetyFactor: capacity.safetyFactor,
        },
        problem: `needs ${capacity.formula} replicas, more than the ${MAX_REPLICAS} one primary can feed`,
        fix: "raise perNodeQps with larger replicas, or split the read load across clusters",
      });
    }
    if (config.replicas.from === "replicas" && config.replicas.count < capacity.requiredReplicas) {
      warnings.push(`replicas is ${config.replicas.count}, below what capacity asks for: ${capacity.formula}`);
    }
  };
}

function regions(config: ResolvedConfig): Check {
  return ({ issues }) => {
    const seen = new Map<string, number>();
    config.crossRegion.forEach((entry, index) => {
      const key = `crossRegion[${index}].region`;
      if (entry.region === config.region) {
        issues.push({
          key,
          value: entry.region,
          problem: "is the primary's own region",
          fix: "list only regions other than the primary's; add same-region replicas with replicas",
        });
      }
      const first = seen.get(entry.region);
      if (first !== undefined)
        issues.push({
          key,
          value: entry.region,
          problem: `repeats crossRegion[${first}].region`,
          fix: "list each region once and set its replicas count there",
        });
      else seen.set(entry.region, index);
    });
  };
}

function olap(config: ResolvedConfig): Check {
  return ({ issues }) => {
    const given = config.olapGiven;
    if (given?.region === undefined || given.region === config.region) return;
    if (!config.crossRegion.some((entry) => entry.region === given.region)) {
      const available = [config.region, ...config.crossRegion.map((e) => e.region)].join(", ");
      issues.push({
        key: "olap.region",
        value: given.region,
        problem: "has no cluster to replicate from: it is neither the primary's region nor a crossRegion entry",
        fix: `use one of ${available}, or add ${given.region} under crossRegion first`,
      });
    }
    if (!given.enabled)
      issues.push({
        key: "olap.region",
        value: given.region,
        problem: "is set while olap.enabled is false",
        fix: "remove olap.region or set olap.enabled to true",
      });
  };
}

function synchronous(config: ResolvedConfig): Check {
  return ({ issues }) => {
    const { synchronousCommit: mode, synchronousReplicas: wanted } = config.replication;
    const available = config.replicas.count;
    if (SYNCHRONOUS_MODES.has(mode) && wanted === 0) {
      issues.push({
        key: "replication.synchronousReplicas",
        value: undefined,
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
    if (wanted > available) {
      issues.push({
        key: "replication.synchronousReplicas",
        value: wanted,
        problem: `is more than the ${available} OLTP replicas in the primary's region: every commit would wait forever`,
        fix: `set it to at most ${available}, or raise replicas`,
      });
    }
  };
}

function wal(config: ResolvedConfig): Check {
  return ({ issues }) => {
    const { walKeepSizeBytes: keep, maxSlotWalKeepSizeBytes: slotLimit } = config.replication;
    if (slotLimit >= keep) return;
    issues.push({
      key: "replication.maxSlotWalKeepSize",
      value: formatPostgresSize(slotLimit),
      problem: `is below walKeepSize (${formatPostgresSize(keep)}): slots would be invalidated while the WAL they need is still on disk`,
      fix: `raise replication.maxSlotWalKeepSize to at least ${formatPostgresSize(keep)}`,
    });
  };
}

/** PgBouncer pools (selfHosted and local; Aurora pools through RDS Proxy). */
export function pools(config: ResolvedConfig): Check {
  return ({ issues }) => {
    const { instances } = config.pgbouncer;
    const budget = config.maxConnections - CONNECTION_HEADROOM;
    for (const pool of POOL_NAMES) {
      const { defaultPoolSize, reservePoolSize, maxClientConn, configKey } = config.pgbouncer.pools[pool];
      if (defaultPoolSize + reservePoolSize > maxClientConn) {
        issues.push({
          key: `${configKey}.defaultPoolSize`,
          value: defaultPoolSize,
          problem: `plus reservePoolSize (${reservePoolSize}) exceeds maxClientConn (${maxClientConn}) for the ${pool} pool`,
          fix: `lower defaultPoolSize or raise maxClientConn to at least ${defaultPoolSize + reservePoolSize}`,
        });
      }
      // The read pool reaches replicas through a load-balanced Service: all of its
      // server connections can land on one replica, so each replica must fit them all.
      const serverConnections = instances * (defaultPoolSize + reservePoolSize);
      if (serverConnections > budget && (pool !== "olap" || config.olap.enabled)) {
        issues.push({
          key: `${configKey}.defaultPoolSize`,
          value: defaultPoolSize,
          problem: `lets the ${pool} pool open ${instances} × (${defaultPoolSize} + ${reservePoolSize}) = ${serverConnections} server connections, more than the ${budget} a node allows (max_connections ${config.maxConnections} minus ${CONNECTION_HEADROOM} kept for admins and checks)`,
          fix: `lower pool sizes or pgbouncer.instances, or raise postgresql.maxConnections to at least ${serverConnections + CONNECTION_HEADROOM}`,
        });
      }
    }
  };
}

function access(config: ResolvedConfig): Check {
  return ({ issues, warnings }) => {
    if (config.allowedCidrs.length === 0) {
      issues.push({
        key: "allowedCidrs",
        value: [],
        problem: "is empty, so no client could connect",
        fix: 'list the CIDRs your applications connect from, e.g. ["10.0.0.0/8"]',
      });
    }
    for (const [key, list] of cidrLists(config)) {
      for (const text of list) {
        const parsed = parseCidr(text);
        if (parsed && isOpenToEveryone(parsed)) openCidr(config, key, text, { issues, warnings });
      }
    }
    if (config.backend === "selfHosted") warnings.push(...publicLoadBalancer(config.kubernetes));
    if (config.backend === "selfHosted" && config.requireTls && config.kubernetes.appSecret?.sslmode === "require")
      warnings.push(
        `kubernetes.appSecret.sslmode is "require": the applications' uri encrypts without checking the pool's certificate, so a man in the middle on the pod network can read and change the traffic; mount the Secret's ca.crt in the applications, set kubernetes.appSecret.sslrootcert to its path and remove sslmode (verify-full is the default)`,
      );
    if (config.backend === "selfHosted") replicationSources(config, { issues, warnings });
    if (config.backend !== "local" && !config.requireTls)
      warnings.push(
        "requireTls is false: the database and pools accept plain-text connections, so passwords and data can cross the network unencrypted; remove requireTls (TLS is required by default)",
      );
  };
}

/** The exposed primary's Service made public: by publicLoadBalancer, or by overriding an internal-LB annotation. */
function publicLoadBalancer(kubernetes: ResolvedSelfHosted["kubernetes"]): string[] {
  const annotations = kubernetes.loadBalancerAnnotations;
  if (kubernetes.publicLoadBalancer)
    return [
      "kubernetes.publicLoadBalancer is true: the Service exposing the primary to other regions drops the internal-load-balancer annotations, so its load balancer may get a public address (loadBalancerSourceRanges still limits it to the regions' cidrs)",
    ];
  return Object.entries(INTERNAL_LOAD_BALANCER)
    .filter(([key, value]) => annotations[key] !== value)
    .map(
      ([key, value]) =>
        `kubernetes.loadBalancerAnnotations sets ${key} to "${annotations[key]}" over the internal default "${value}": the primary's load balancer may become public`,
    );
}

/** Every address list of the stack, by its config key; a region's allowedCidrs only when it is not its cidrs. */
function cidrLists(config: ResolvedConfig): Array<readonly [string, readonly string[]]> {
  const regions = (
    config.crossRegion as ReadonlyArray<{ allowedCidrs: readonly string[]; cidrs?: readonly string[] }>
  ).flatMap((entry, i) => [
    ...(entry.cidrs !== undefined ? [[`crossRegion[${i}].cidrs`, entry.cidrs] as const] : []),
    ...(entry.allowedCidrs !== entry.cidrs ? [[`crossRegion[${i}].allowedCidrs`, entry.allowedCidrs] as const] : []),
  ]);
  return [["allowedCidrs", config.allowedCidrs], ["replicationCidrs", config.replicationCidrs], ...regions];
}

/**
 * 0.0.0.0/0 or ::/0 admits password logins from any address: refused outside local (whose servers listen on loopback
 * only) unless allowOpenCidrs opts in, which warns.
 */
function openCidr(config: ResolvedConfig, key: string, text: string, { issues, warnings }: Findings): void {
  const risk = `${key} contains ${text}: the database accepts password logins from any address`;
  if (config.backend === "local" || config.allowOpenCidrs) {
    warnings.push(risk);
    return;
  }
  issues.push({
    key,
    value: text,
    problem: "admits every address, so the database accepts password logins from anywhere",
    fix: "list the CIDRs your applications and replicas connect from (e.g. 10.0.0.0/16), or set allowOpenCidrs: true to accept the risk",
  });
}

function verification(config: ResolvedConfig): Check {
  return ({ issues }) => {
    const { timeoutMs, maxLagMs } = config.verification;
    if (timeoutMs < 30_000 || timeoutMs > 3_600_000) {
      issues.push({
        key: "verification.timeout",
        value: formatDuration(timeoutMs),
        problem: "must be from 30s to 1h",
        fix: "use a duration such as 5m",
      });
    }
    if (maxLagMs < 100) {
      issues.push({
        key: "verification.maxLag",
        value: formatDuration(maxLagMs),
        problem: "is below 100ms, which no network meets reliably",
        fix: "use at least 1s",
      });
    }
  };
}

function identifiers(config: ResolvedConfig): Check {
  return ({ issues }) => {
    const user = reservedUser(config.user, config.replicationUser);
    if (user)
      issues.push({
        key: "user",
        value: config.user,
        problem: user.why,
        fix: "choose an application user of your own, e.g. app",
      });
    const database = reservedDatabase(config.database);
    if (database)
      issues.push({
        key: "database",
        value: config.database,
        problem: database.why,
        fix: "choose an application database of your own, e.g. app",
      });
  };
}

function names(config: ResolvedConfig): Check {
  return ({ issues }) => {
    config.crossRegion.forEach((entry, index) => {
      const group = replicaGroupName(config.name, entry.region, true);
      if (group.length <= MAX_GROUP_NAME) return;
      issues.push({
        key: `crossRegion[${index}].region`,
        value: entry.region,
        problem: `makes the StatefulSet name ${group} (${group.length} characters), over Kubernetes' ${MAX_GROUP_NAME}`,
        fix: "shorten name (pulumi config set name pg) or use a shorter region name",
      });
    });
  };
}

export function commonRules(config: ResolvedConfig): Check[] {
  return [
    identifiers(config),
    names(config),
    replicaCount(config),
    regions(config),
    olap(config),
    synchronous(config),
    wal(config),
    access(config),
    verification(config),
  ];
}

/**
 * Who may log in for replication to the primary is never inferred from the clients' networks: an unset
 * replicationCidrs is refused on a selfHosted stack. Listing a client network there is a choice the user makes (in a
 * Kubernetes cluster the in-cluster applications and the replicas often share the pod network), so it does not warn.
 */
function replicationSources(config: ResolvedSelfHosted, { issues }: Findings): void {
  if (config.replicationCidrsGiven) return;
  issues.push({
    key: "replicationCidrs",
    value: undefined,
    problem:
      "is not set; the primary's in-region replicas log in for replication from these networks only, and they are not inferred from allowedCidrs (the clients' networks)",
    fix: `set replicationCidrs to the pod network's CIDR of the primary's cluster (e.g. ["10.244.0.0/16"]); to keep admitting the clients' networks as before, set it to allowedCidrs' value (${JSON.stringify(config.allowedCidrs)})`,
  });
}
