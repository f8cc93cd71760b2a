/**
 * What the exporters produce, for the versions that ship: Debian 12's
 * postgres_exporter (local), the pinned images (Kubernetes). The rules and the
 * dashboard may use only metrics every one of them produces.
 */
import { EXPORTER_IMAGES, tagVersion } from "../images";

interface ExporterFact<T> {
  value: T;
  source: string;
}
const fact = <T>(value: T, source: string): ExporterFact<T> => ({ value, source });

export const POSTGRES_EXPORTER = {
  versions: fact(
    { debian: "0.11.1", image: tagVersion(EXPORTER_IMAGES.postgresExporter) },
    "Debian 12 prometheus-postgres-exporter 0.11.1-3+b5; components/facts/images.ts",
  ),
  /** The queries file names each metric <namespace>_<column> in both versions. */
  queriesFileNaming: fact(
    "<namespace>_<column>",
    'github:prometheus-community/postgres_exporter v0.11.1 cmd/postgres_exporter/queries.go and v0.17.1 (makeDescMap: fmt.Sprintf("%s_%s", namespace, columnName))',
  ),
  /**
   * Read through this environment variable in both versions (flags differ between them and unknown flags are fatal).
   */
  queriesFileEnv: fact(
    "PG_EXPORTER_EXTEND_QUERY_PATH",
    "github:prometheus-community/postgres_exporter v0.11.1 and v0.17.1 cmd/postgres_exporter/main.go (kingpin Envar)",
  ),
  dataSourceEnv: fact(
    ["DATA_SOURCE_URI", "DATA_SOURCE_USER", "DATA_SOURCE_PASS"],
    'github:prometheus-community/postgres_exporter v0.11.1 and v0.17.1 cmd/postgres_exporter/datasource.go (os.Getenv("DATA_SOURCE_URI"), DATA_SOURCE_USER, DATA_SOURCE_PASS)',
  ),
  /** Produced by both whatever the collectors: the exporter's own health. */
  ownMetrics: fact(
    ["pg_up", "pg_exporter_user_queries_load_error"],
    "github:prometheus-community/postgres_exporter v0.11.1 and v0.17.1 cmd/postgres_exporter/postgres_exporter.go (Namespace pg, Subsystem exporter, Name user_queries_load_error; pg_up)",
  ),
  defaultPort: fact(
    9187,
    "github:prometheus-community/postgres_exporter README.md (--web.listen-address default :9187)",
  ),
} as const;

export const PGBOUNCER_EXPORTER = {
  version: fact(tagVersion(EXPORTER_IMAGES.pgbouncerExporter), "components/facts/images.ts"),
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
    "github:prometheus-community/pgbouncer_exporter v0.12.1 collector.go (metricMaps for POOLS, DATABASES, STATS_TOTALS, LISTS, CONFIG; pgbouncer_up, pgbouncer_version_info)",
  ),
  connectionEnv: fact(
    "PGBOUNCER_EXPORTER_CONNECTION_STRING",
    "github:prometheus-community/pgbouncer_exporter v0.12.1 pgbouncer_exporter.go (--pgBouncer.connectionString, Envar PGBOUNCER_EXPORTER_CONNECTION_STRING)",
  ),
  defaultPort: fact(
    9127,
    "github:prometheus-community/pgbouncer_exporter README.md (--web.listen-address default :9127)",
  ),
} as const;
