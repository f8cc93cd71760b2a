/**
 * What CloudNativePG 1.30.0 exports, for the rules the cloudnative-pg engine ships: the instance manager's own
 * collector (cnpg_collector_*), the metrics of its default monitoring queries (cnpg_<query>_<column>), and the
 * Pooler's PgBouncer exporter (cnpg_pgbouncer_*); each with the labels it carries. A rule may read only these
 * (test/components/cnpgMonitoring.test.ts), and the promtool tests write their synthetic series with these names and
 * labels. Scrape-time labels (namespace, pod, job, and what our PodMonitors add) come on top.
 */
import { cite, fact } from "../fact";

const DEFAULT_QUERIES = "config/manager/default-monitoring.yaml";
const COLLECTOR = "pkg/management/postgres/webserver/metricserver/pg_collector.go";
const POOLER_EXPORTER = "pkg/management/pgbouncer/metricsserver";

/** A metric and the labels it carries itself (before scrape labels). */
export interface ExportedMetric {
  readonly labels: readonly string[];
}

export const CNPG_METRICS = {
  /** Custom and default queries are exported as cnpg_<query name>_<column name>. */
  queryNaming: fact(
    "cnpg_<MetricName>_<ColumnName>",
    cite("cnpg", "docs/src/monitoring.md", "Output of a user defined metric"),
  ),
  /** The instance manager's collector, on every instance (port 9187, named "metrics"). */
  collector: fact(
    {
      cnpg_collector_up: { labels: ["cluster"] },
      cnpg_collector_last_collection_error: { labels: [] },
      cnpg_collector_collection_errors_total: { labels: ["collector"] },
      // value: count | size (bytes: wal_segment_size × count) | min | max | keep | slots_max | volume_size | volume_max
      cnpg_collector_pg_wal: { labels: ["value"] },
      cnpg_collector_pg_wal_archive_status: { labels: ["value"] },
      cnpg_collector_fencing_on: { labels: [] },
      cnpg_collector_replica_mode: { labels: [] },
    } satisfies Record<string, ExportedMetric>,
    cite("cnpg", `${COLLECTOR}:112-215`, "Namespace cnpg, Subsystem collector; up has the label cluster"),
    cite(
      "cnpg",
      "pkg/management/postgres/webserver/metricserver/wal.go:176-222",
      "pg_wal value=size is count × wal_segment_size",
    ),
    cite("cnpg", `${COLLECTOR}:345-354`, "a failing query sets last_collection_error to 1"),
  ),
  /** The default monitoring queries (ConfigMap cnpg-default-monitoring), unless disableDefaultQueries. */
  defaultQueries: fact(
    {
      // pg_replication: every instance. lag is 0 on a primary and when receive LSN = replay LSN (idle-safe).
      cnpg_pg_replication_lag: { labels: [] },
      cnpg_pg_replication_in_recovery: { labels: [] },
      cnpg_pg_replication_is_wal_receiver_up: { labels: [] },
      cnpg_pg_replication_streaming_replicas: { labels: [] },
      // pg_stat_replication: `primary: true`, one series per WAL sender; lags COALESCEd to 0 (idle: replay_lag NULL).
      cnpg_pg_stat_replication_replay_diff_bytes: {
        labels: ["usename", "application_name", "client_addr", "client_port"],
      },
      cnpg_pg_stat_replication_replay_lag_seconds: {
        labels: ["usename", "application_name", "client_addr", "client_port"],
      },
      // pg_replication_slots: non-temporary slots; pg_wal_lsn_diff = current (or receive) LSN - restart_lsn, bytes.
      cnpg_pg_replication_slots_active: { labels: ["slot_name", "slot_type", "database"] },
      cnpg_pg_replication_slots_pg_wal_lsn_diff: { labels: ["slot_name", "slot_type", "database"] },
      // pg_settings: integer, real and bool settings only (bool as 0/1), value in the setting's own unit.
      cnpg_pg_settings_setting: { labels: ["name"] },
    } satisfies Record<string, ExportedMetric>,
    cite(
      "cnpg",
      `${DEFAULT_QUERIES}`,
      "queries pg_replication, pg_stat_replication, pg_replication_slots, pg_settings",
    ),
  ),
  /** The Pooler's exporter, on every PgBouncer pod (port 9127, named "metrics"). */
  pooler: fact(
    {
      cnpg_pgbouncer_up: { labels: [] },
      cnpg_pgbouncer_last_collection_error: { labels: [] },
      cnpg_pgbouncer_pools_cl_waiting: { labels: ["database", "user"] },
      cnpg_pgbouncer_pools_sv_active: { labels: ["database", "user"] },
      cnpg_pgbouncer_lists_used_clients: { labels: [] },
    } satisfies Record<string, ExportedMetric>,
    cite(
      "cnpg",
      `${POOLER_EXPORTER}/pgbouncer_collector.go:36-90`,
      'PrometheusNamespace "cnpg", subsystem "pgbouncer": up',
    ),
    cite(
      "cnpg",
      `${POOLER_EXPORTER}/pools.go:90-130`,
      "SHOW POOLS columns as cnpg_pgbouncer_pools_<column>{database,user}",
    ),
    cite("cnpg", `${POOLER_EXPORTER}/lists.go:47-80`, "SHOW LISTS rows as cnpg_pgbouncer_lists_<list>: used_clients"),
    cite("cnpg", "docs/src/connection_pooling.md", "Monitoring: sample exposition"),
  ),
  /**
   * A query marked `primary: true` (pg_stat_replication) runs only where PGDATA has neither standby.signal nor
   * recovery.conf: on the writer, never on a replica cluster's designated primary. So a replica cluster's standbys
   * have no WAL sender series; their lag is read on each standby (pg_replication.lag, seconds only).
   */
  primaryOnlyQueries: fact(
    { runsOn: "no standby.signal" },
    cite("cnpg", "pkg/management/postgres/metrics/collector.go:202-203", "userQuery.Primary && !isPrimary: skipped"),
    cite("cnpg", "pkg/management/postgres/instance.go:985-999", "IsPrimary: false when standby.signal exists"),
  ),
  /** Both exporters' container port is named "metrics". */
  metricsPortName: fact(
    "metrics",
    cite("cnpg", "pkg/specs/podmonitor.go:62", 'metricsPort := "metrics"'),
    cite("cnpg", "pkg/specs/pgbouncer/podmonitor.go:67", 'metricsPort := "metrics"'),
  ),
  /**
   * 1.30 deprecates the operator-made PodMonitor (Cluster and Pooler `.spec.monitoring.enablePodMonitor`) and
   * recommends one PodMonitor per Cluster, made by the user, selecting cnpg.io/cluster (the operator's own adds
   * cnpg.io/podRole: instance) — and per Pooler, selecting cnpg.io/poolerName (+ cnpg.io/podRole: pooler).
   */
  podMonitorRecommended: fact(
    { instanceRole: "instance", poolerRole: "pooler" },
    cite("cnpg", "docs/src/monitoring.md", "Deprecation of Automatic PodMonitor Creation; Creating a PodMonitor"),
    cite("cnpg", "docs/src/connection_pooling.md", "a PodMonitor for a specific pooler: cnpg.io/poolerName"),
    cite("cnpg", "pkg/specs/podmonitor.go:93-98", "selector cnpg.io/cluster + cnpg.io/podRole=instance"),
    cite("cnpg", "pkg/specs/pgbouncer/podmonitor.go:104-109", "selector cnpg.io/poolerName + cnpg.io/podRole=pooler"),
  ),
  /**
   * How a WAL sender is named in pg_stat_replication: a Cluster's own standby by its pod name (primary_conninfo's
   * application_name); a replica cluster's designated primary by what its externalCluster's connection parameters
   * say (the stack sets the replica cluster's name, cnpg/cluster.ts).
   */
  walSenderNames: fact(
    { standby: "<pod name>", designatedPrimary: "externalClusters[].connectionParameters.application_name" },
    cite("cnpg", "pkg/management/postgres/instance.go:1506-1508", "buildPrimaryConnInfo(cluster-rw, GetPodName())"),
    cite(
      "cnpg",
      "pkg/management/postgres/instance_replica.go:77-93",
      "designated primary: the external cluster's conninfo",
    ),
  ),
} as const;

/** Every metric name a rule on the cloudnative-pg engine may read. */
export function cnpgMetricNames(): Set<string> {
  return new Set([
    ...Object.keys(CNPG_METRICS.collector.value),
    ...Object.keys(CNPG_METRICS.defaultQueries.value),
    ...Object.keys(CNPG_METRICS.pooler.value),
  ]);
}
