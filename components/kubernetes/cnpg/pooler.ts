/**
 * postgresql.cnpg.io/v1 Pooler manifests: the product's pools (write, read, OLAP)
 * as CloudNativePG PgBouncer deployments, with the product's PgBouncer settings
 * where the Pooler takes them (facts/pooler.ts) and the rest said in notes. Pure.
 */
import type { IPooler } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Pooler";
import type { ConfigIssue } from "../../config/errors";
import type { Pool, SelfHostedTopology } from "../../topology/types";
import { LABEL_PREFIX, baseLabels } from "../conventions";
import { stackLabel } from "./access";
import { CNPG_POOLER, poolerParameterAllowed } from "../../facts/cnpg/pooler";
import { POOL_LINK } from "../../facts/postgres";
import { poolerTarget } from "./writerRegion";

export type PoolerSpec = IPooler["spec"];

export interface PoolerManifest {
  apiVersion: IPooler["apiVersion"];
  kind: IPooler["kind"];
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: PoolerSpec;
}

/** The same values the StatefulSet engine's pgbouncer.ini carries, as the Pooler's parameters. */
export function poolerParameters(topology: SelfHostedTopology, pool: Pool): Record<string, string> {
  return {
    max_client_conn: String(pool.maxClientConn),
    default_pool_size: String(pool.defaultPoolSize),
    reserve_pool_size: String(pool.reservePoolSize),
    reserve_pool_timeout: String(pool.reservePoolTimeoutMs / 1000),
    // Transaction pooling never runs a reset query; session pooling hands connections on clean.
    server_reset_query: pool.poolMode === "session" ? "DISCARD ALL" : "",
    max_prepared_statements: "200",
    server_login_retry: String(pool.serverLoginRetryMs / 1000),
    server_check_query: "select 1",
    server_check_delay: "30",
    // The read pool's 30 s (config/resolve.ts) also bounds how long it keeps connections to an instance the
    // operator promoted: nothing issues RECONNECT after a failover (CNPG_POOLER.keepsConnectionsAfterFailover).
    server_lifetime: String(pool.serverLifetimeS),
    server_idle_timeout: "600",
    server_round_robin: pool.serverRoundRobin ? "1" : "0",
    // A server whose node stops answering is dropped in seconds, not hours (facts/postgres/poolLink.ts).
    ...POOL_LINK.tcp.value,
    client_tls_sslmode: topology.access.requireTls ? "require" : "prefer",
    ignore_startup_parameters: "extra_float_digits",
    log_connections: "0",
    log_disconnections: "0",
    // The Pooler has only the `*` database, so no connect_query: PgBouncer cancels a query past this instead.
    ...(pool.statementTimeoutMs !== undefined
      ? { query_timeout: String(Math.ceil(pool.statementTimeoutMs / 1000)) }
      : {}),
  };
}

/** A pool mode the Pooler lacks (a config rule: checked before the topology is built). */
export function poolModeIssue(poolMode: string): ConfigIssue | undefined {
  if (CNPG_POOLER.poolModes.value.includes(poolMode)) return undefined;
  return {
    key: "pgbouncer.poolMode",
    value: poolMode,
    problem: `CloudNativePG's Pooler takes only ${CNPG_POOLER.poolModes.value.join(" or ")} pooling`,
    fix: "use transaction (or session), or kubernetes.engine statefulset",
  };
}

/** Parameters outside the Pooler's allow-list (its webhook would refuse the Pooler). */
export function poolerIssues(topology: SelfHostedTopology, pool: Pool): ConfigIssue[] {
  return Object.keys(poolerParameters(topology, pool))
    .filter((name) => !poolerParameterAllowed(name))
    .map((name) => ({
      key: "kubernetes.engine",
      value: "cloudnative-pg",
      problem: `PgBouncer's ${name} is not a parameter CloudNativePG's Pooler accepts`,
      fix: "use kubernetes.engine statefulset",
    }));
}

export function poolerManifest(topology: SelfHostedTopology, pool: Pool): PoolerManifest {
  const k = topology.kubernetes;
  const target = poolerTarget(topology, pool);
  const podLabels = { ...stackLabel(topology), [`${LABEL_PREFIX}/pool`]: pool.name };
  return {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Pooler",
    // Named like the StatefulSet engine's pool Services, never like the Cluster's own (-rw, -ro, -r).
    metadata: {
      name: pool.service,
      namespace: k.namespace,
      labels: { ...baseLabels(topology, "pgbouncer"), ...podLabels },
    },
    spec: {
      cluster: { name: target.cluster },
      type: target.type,
      instances: pool.instances,
      pgbouncer: {
        poolMode: pool.poolMode === "session" ? "session" : "transaction",
        parameters: poolerParameters(topology, pool),
      },
      template: {
        metadata: { labels: podLabels },
        spec: {
          containers: [
            {
              name: CNPG_POOLER.containerName.value,
              image: k.images.pgbouncer,
              resources: {
                requests: { cpu: k.pgbouncerResources.cpu, memory: k.pgbouncerResources.memory },
                limits: { memory: k.pgbouncerResources.memory },
              },
            },
          ],
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: { labelSelector: { matchLabels: podLabels }, topologyKey: "kubernetes.io/hostname" },
                },
              ],
            },
          },
        },
      },
    },
  };
}
