/**
 * What the exporters produce, for the versions that ship: Debian 12's
 * postgres_exporter (local), the pinned images (Kubernetes). The rules and the
 * dashboard may use only metrics every one of them produces.
 */
import { type SourceRef, cite, fact } from "../fact";

/** The same file in the version Debian ships and in the pinned image's. */
function inBoth(at: string, note?: string): [SourceRef, SourceRef] {
  return [cite("postgresExporter0111", at, note), cite("postgresExporter0171", at, note)];
}

export const POSTGRES_EXPORTER = {
  versions: fact(
    { debian: "0.11.1", image: "0.17.1" },
    cite("postgresExporterDebian"),
    cite("postgresExporter0171", undefined, "the tag pinned in components/facts/images.ts"),
  ),
  /** The queries file names each metric <namespace>_<column> in both versions. */
  queriesFileNaming: fact(
    "<namespace>_<column>",
    ...inBoth(
      "cmd/postgres_exporter/queries.go; makeDescMap in postgres_exporter.go",
      'fmt.Sprintf("%s_%s", namespace, columnName)',
    ),
  ),
  /**
   * Read through this environment variable in both versions (flags differ between them and unknown flags are fatal).
   */
  queriesFileEnv: fact("PG_EXPORTER_EXTEND_QUERY_PATH", ...inBoth("cmd/postgres_exporter/main.go", "kingpin Envar")),
  dataSourceEnv: fact(
    ["DATA_SOURCE_URI", "DATA_SOURCE_USER", "DATA_SOURCE_PASS"],
    ...inBoth(
      "cmd/postgres_exporter/datasource.go",
      'os.Getenv("DATA_SOURCE_URI"), DATA_SOURCE_USER, DATA_SOURCE_PASS',
    ),
  ),
  /** Produced by both whatever the collectors: the exporter's own health. */
  ownMetrics: fact(
    ["pg_up", "pg_exporter_user_queries_load_error"],
    ...inBoth(
      "cmd/postgres_exporter/postgres_exporter.go",
      "Namespace pg, Subsystem exporter, Name user_queries_load_error; pg_up",
    ),
  ),
  defaultPort: fact(9187, cite("postgresExporter0171", "README.md:174-175", "--web.listen-address default :9187")),
} as const;

export const PGBOUNCER_EXPORTER = {
  version: fact("0.12.1", cite("pgbouncerExporter", undefined, "the tag pinned in components/facts/images.ts")),
  /** Every metric name v0.12.1 emits (collector.go: pgbouncer_<SHOW namespace>_<metric>). */
  metrics: fact(
    [
      "pgbouncer_up",
      "pgbouncer_version_info",
      "pgbouncer_pools_client_active_connections",
      "pgbouncer_pools_client_waiting_connections",
      "pgbouncer_pools_server_active_connections",
      "pgbouncer_pools_server_idle_connections",
      "pgbouncer_pools_server_used_connections",
      "pgbouncer_pools_server_testing_connections",
      "pgbouncer_pools_server_login_connections",
      "pgbouncer_pools_client_maxwait_seconds",
      "pgbouncer_databases_pool_size",
      "pgbouncer_databases_reserve_pool",
      "pgbouncer_databases_max_connections",
      "pgbouncer_databases_current_connections",
      "pgbouncer_databases_paused",
      "pgbouncer_databases_disabled",
      "pgbouncer_stats_totals_queries_pooled_total",
      "pgbouncer_stats_totals_sql_transactions_pooled_total",
      "pgbouncer_stats_totals_received_bytes_total",
      "pgbouncer_stats_totals_sent_bytes_total",
      "pgbouncer_stats_totals_queries_duration_seconds_total",
      "pgbouncer_stats_totals_server_in_transaction_seconds_total",
      "pgbouncer_stats_totals_client_wait_seconds_total",
      "pgbouncer_databases",
      "pgbouncer_users",
      "pgbouncer_pools",
      "pgbouncer_free_clients",
      "pgbouncer_used_clients",
      "pgbouncer_login_clients",
      "pgbouncer_free_servers",
      "pgbouncer_used_servers",
      "pgbouncer_config_max_client_connections",
      "pgbouncer_config_max_user_connections",
    ],
    cite(
      "pgbouncerExporter",
      "collector.go",
      "metricMaps for POOLS, DATABASES, STATS_TOTALS, LISTS, CONFIG; pgbouncer_up, pgbouncer_version_info",
    ),
  ),
  connectionEnv: fact(
    "PGBOUNCER_EXPORTER_CONNECTION_STRING",
    cite(
      "pgbouncerExporter",
      "pgbouncer_exporter.go",
      "--pgBouncer.connectionString, Envar PGBOUNCER_EXPORTER_CONNECTION_STRING",
    ),
  ),
  defaultPort: fact(
    9127,
    cite("pgbouncerExporter", "README.md:5", "Exports metrics at `9127/metrics`"),
    cite(
      "pgbouncerExporter",
      "pgbouncer_exporter.go:53",
      'kingpinflag.AddFlags(kingpin.CommandLine, ":9127"): --web.listen-address default :9127',
    ),
  ),
} as const;
