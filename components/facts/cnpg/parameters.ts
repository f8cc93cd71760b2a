/**
 * PostgreSQL parameters CloudNativePG manages itself, as its validating webhook
 * enforces them: a Cluster whose spec.postgresql.parameters sets one of these to
 * a value other than the operator's own is refused ("Can't set fixed
 * configuration parameter"). Read at tag v1.30.0; the map is the same in v1.27.4,
 * v1.28.4 and v1.29.2.
 */
import { cite, fact } from "../fact";

const CONFIGURATION = "pkg/postgres/configuration.go";
const WEBHOOK = "internal/webhook/v1/cluster_webhook.go";

/** "value is managed by the operator" (fixedConfigurationParameter). */
const FIXED = [
  "archive_mode",
  "cluster_name",
  "port",
  "primary_conninfo",
  "primary_slot_name",
  "recovery_target",
  "recovery_target_action",
  "recovery_target_inclusive",
  "recovery_target_lsn",
  "recovery_target_name",
  "recovery_target_time",
  "recovery_target_timeline",
  "recovery_target_xid",
  "restore_command",
  "shared_preload_libraries",
  "temp_tablespaces",
  "archive_command",
  "pg_failover_slots.primary_dsn",
  "pg_failover_slots.standby_slot_names",
  "ssl",
  "ssl_ca_file",
  "ssl_cert_file",
  "ssl_crl_file",
  "ssl_dh_params_file",
  "ssl_ecdh_curve",
  "ssl_key_file",
  "ssl_passphrase_command",
  "ssl_passphrase_command_supports_reload",
  "ssl_prefer_server_ciphers",
  "synchronous_standby_names",
  "synchronized_standby_slots",
] as const;

/** "must not be changed from the default one for the operator to work correctly" (blockedConfigurationParameter). */
const BLOCKED = [
  "allow_system_table_mods",
  "bonjour",
  "bonjour_name",
  "config_file",
  "data_directory",
  "data_sync_retry",
  "event_source",
  "external_pid_file",
  "hba_file",
  "hot_standby",
  "ident_file",
  "jit_provider",
  "listen_addresses",
  "logging_collector",
  "unix_socket_directories",
  "unix_socket_group",
  "unix_socket_permissions",
  "archive_cleanup_command",
  "log_destination",
  "log_directory",
  "log_file_mode",
  "log_filename",
  "log_rotation_age",
  "log_rotation_size",
  "log_truncate_on_rotation",
  "promote_trigger_file",
  "recovery_end_command",
  "recovery_min_apply_delay",
  "restart_after_crash",
  "stats_temp_directory",
  "syslog_facility",
  "syslog_ident",
  "syslog_sequence_numbers",
  "syslog_split_messages",
] as const;

export type ManagedParameterKind = "fixed" | "blocked";

export const CNPG_PARAMETERS = {
  fixed: fact(
    FIXED as readonly string[],
    cite("cnpg", `${CONFIGURATION}:485-556 FixedConfigurationParameters`, "fixedConfigurationParameter, :161-164"),
  ),
  blocked: fact(
    BLOCKED as readonly string[],
    cite("cnpg", `${CONFIGURATION}:485-556 FixedConfigurationParameters`, "blockedConfigurationParameter, :166-169"),
  ),
  /** Fixed and blocked are refused alike, unless the value equals what the operator writes itself. */
  refusal: fact(
    "Can't set fixed configuration parameter",
    cite("cnpg", `${WEBHOOK}:1081-1105`, "validateConfiguration"),
  ),
  /**
   * Values the operator always writes (MandatorySettings): hot_standby is one, so the product's hot_standby = on is the
   * operator's too.
   */
  mandatory: fact(
    { hot_standby: "true", listen_addresses: "*", port: "5432", ssl: "on", restart_after_crash: "false" } as Readonly<
      Record<string, string>
    >,
    cite("cnpg", `${CONFIGURATION}:558-602`, "CnpgConfigurationSettings.MandatorySettings"),
  ),
  /** A parameter name the webhook accepts at all. */
  namePattern: fact(/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/, cite("cnpg", `${WEBHOOK}:1040`)),
  /** wal_level must be replica or logical with more than one instance or in a replica cluster. */
  walLevels: fact(["replica", "logical"], cite("cnpg", `${WEBHOOK}:1104-1127`)),
  /** "`wal_log_hints` must be set to `on` when `instances` > 1". */
  walLogHintsWithReplicas: fact("on", cite("cnpg", `${WEBHOOK}:1169-1175`)),
  /**
   * min_wal_size < max_wal_size, and max_wal_size below spec.walStorage's size; without a
   * separate WAL volume (as we render) the webhook compares with no volume at all.
   */
  walSizeRule: fact(
    "min_wal_size < max_wal_size < walStorage.size (when walStorage is set)",
    cite("cnpg", `${WEBHOOK}:1178-1292`),
  ),
  /** synchronous_standby_names is built from spec.postgresql.synchronous: ANY/FIRST n over the Cluster's own pods. */
  synchronousStanza: fact(
    "spec.postgresql.synchronous {method: any|first, number, dataDurability}",
    cite(
      "cnpg",
      "docs/src/replication.md:140",
      "'Direct configuration of the synchronous_standby_names option is not permitted'",
    ),
    cite("cnpg", "api/v1/cluster_types.go:1503-1552"),
  ),
} as const;

const MANAGED = new Map<string, ManagedParameterKind>([
  ...CNPG_PARAMETERS.fixed.value.map((name) => [name, "fixed"] as const),
  ...CNPG_PARAMETERS.blocked.value.map((name) => [name, "blocked"] as const),
]);

/** fixed, blocked, or undefined when stack config may pass it to CloudNativePG. */
export function managedParameter(name: string): ManagedParameterKind | undefined {
  return MANAGED.get(name);
}
