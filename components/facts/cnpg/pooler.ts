/**
 * CloudNativePG's Pooler (PgBouncer): the parameters its webhook accepts (an
 * allow-list: any other key is "Invalid or reserved parameter"), and the ones the
 * operator writes itself. Read at tag v1.30.0; the allow-list is the same since v1.27.
 */
import { cite, fact } from "../fact";

const CONFIG = "pkg/management/pgbouncer/config/config.go";
const TYPES = "api/v1/pooler_types.go";

const ALLOWED = [
  "application_name_add_host",
  "auth_type",
  "autodb_idle_timeout",
  "cancel_wait_timeout",
  "client_idle_timeout",
  "client_login_timeout",
  "client_tls_ciphers",
  "client_tls_sslmode",
  "client_tls13_ciphers",
  "default_pool_size",
  "disable_pqexec",
  "dns_max_ttl",
  "dns_nxdomain_ttl",
  "idle_transaction_timeout",
  "ignore_startup_parameters",
  "listen_backlog",
  "log_connections",
  "log_disconnections",
  "log_pooler_errors",
  "log_stats",
  "max_client_conn",
  "max_db_connections",
  "max_packet_size",
  "max_prepared_statements",
  "max_user_connections",
  "min_pool_size",
  "pkt_buf",
  "query_timeout",
  "query_wait_timeout",
  "reserve_pool_size",
  "reserve_pool_timeout",
  "sbuf_loopcnt",
  "server_check_delay",
  "server_check_query",
  "server_connect_timeout",
  "server_fast_close",
  "server_idle_timeout",
  "server_lifetime",
  "server_login_retry",
  "server_reset_query",
  "server_reset_query_always",
  "server_round_robin",
  "server_tls_ciphers",
  "server_tls13_ciphers",
  "server_tls_protocols",
  "server_tls_sslmode",
  "stats_period",
  "suspend_timeout",
  "tcp_defer_accept",
  "tcp_socket_buffer",
  "tcp_keepalive",
  "tcp_keepcnt",
  "tcp_keepidle",
  "tcp_keepintvl",
  "tcp_user_timeout",
  "track_extra_parameters",
  "verbose",
] as const;

export const CNPG_POOLER = {
  allowedParameters: fact(
    ALLOWED as readonly string[],
    cite("cnpg", "internal/webhook/v1/pooler_webhook.go:38-97", "AllowedPgbouncerGenericConfigurationParameters"),
    cite("cnpg", "internal/webhook/v1/pooler_webhook.go:303-316", "refuses the rest"),
  ),
  /** Written by the operator into pgbouncer.ini whatever the Pooler says. */
  operatorForced: fact(
    [
      "unix_socket_dir",
      "listen_port",
      "listen_addr",
      "admin_users",
      "auth_hba_file",
      "server_tls_ca_file",
      "client_tls_cert_file",
      "client_tls_key_file",
      "client_tls_ca_file",
      "pool_mode",
      "auth_user",
      "auth_query",
      "auth_dbname",
      "auth_file",
      "server_tls_cert_file",
      "server_tls_key_file",
    ] as readonly string[],
    cite("cnpg", `${CONFIG}:83-94, 131-142, 195-207`),
  ),
  /** spec.pgbouncer.poolMode: no statement pooling. */
  poolModes: fact(
    ["session", "transaction"] as readonly string[],
    cite("cnpg", TYPES, "// +kubebuilder:validation:Enum=session;transaction"),
  ),
  /** spec.type: rw → <cluster>-rw, ro → <cluster>-ro (replicas only), r → <cluster>-r (every instance; since 1.26). */
  types: fact(
    ["rw", "ro", "r"] as readonly string[],
    cite("cnpg", TYPES, "Enum=rw;ro;r"),
    cite("cnpg", `${CONFIG}:83-94`, "'* = host=<cluster>-<type>'"),
  ),
  /** Only the `*` fallback database: no per-database options such as connect_query. */
  onlyFallbackDatabase: fact(
    true,
    cite(
      "cnpg",
      "docs/src/connection_pooling.md:81",
      "'The Pooler resource sets only the * fallback database in PgBouncer'",
    ),
  ),
  /**
   * The Pooler's PgBouncer reaches its Cluster through the Cluster's Service (kube-proxy picks an endpoint per new
   * connection only); after an automatic failover nothing in the operator issues RECONNECT (it only PAUSEs on request),
   * so a read Pooler's open server connections to the promoted instance stay until PgBouncer retires them: an idle
   * server connection older than server_lifetime is closed when released.
   */
  keepsConnectionsAfterFailover: fact(
    true,
    cite("cnpg", `${CONFIG}:83-94`, "'* = host=<cluster>-<type>': the Service, not the pods"),
    cite("cnpg", "internal/pgbouncer/management/controller/instance.go:38-90", "Pause/Resume only; no RECONNECT"),
    cite("pgbouncerConfigDocs", "#server_lifetime", "close an unused server connection connected longer than this"),
  ),
  /** PgBouncer listens on 5432 in the Pooler's pods; the Pooler's Service exposes it on 5432. */
  port: fact(5432, cite("cnpg", `${CONFIG}:131-142`, "listen_port = 5432")),
  metricsPort: fact(9127, cite("cnpg", "pkg/management/url/url.go:37", "PgBouncerMetricsPort")),
  /** A Pooler named like one of its Cluster's Services takes that Service over. */
  nameClash: fact("<cluster>-rw | <cluster>-ro | <cluster>-r", cite("cnpgIssue4964")),
  /**
   * The container the Pooler's template must name to set its image and resources (template.spec.containers is
   * required).
   */
  containerName: fact(
    "pgbouncer",
    cite("cnpg", "pkg/specs/pgbouncer/deployments.go", 'container "pgbouncer"'),
    cite("cnpg", "config/crd/bases/postgresql.cnpg.io_poolers.yaml", "template.spec required: containers"),
  ),
} as const;

const ALLOWED_SET: ReadonlySet<string> = new Set(CNPG_POOLER.allowedParameters.value);

export function poolerParameterAllowed(name: string): boolean {
  return ALLOWED_SET.has(name);
}
