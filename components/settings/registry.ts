/**
 * Every PostgreSQL setting the product writes or lets stack config override, in
 * one table: its value type, whether stack config may override it, and how it
 * reaches Aurora (a parameter in Aurora's unit, or a reason Aurora manages it).
 * A setting missing here cannot be rendered: `GucName` is this table's keys.
 *
 * Settings the topology owns (replication wiring, ports, paths, TLS) are not
 * overridable: a typo such as `work_mem_size`, or an override that would break
 * replication, must fail at `pulumi preview`, not as a crash-looping pod.
 */

export type GucType = "size" | "duration" | "integer" | "real" | "bool" | "string" | { oneOf: readonly string[] };

/**
 * How a setting travels to an Aurora parameter group: its unit there, or why
 * Aurora keeps it. Where AWS takes the parameter (cluster or instance group),
 * whether it is modifiable, its apply type and its bounds are AWS's facts, kept
 * with their sources in components/facts/aws/parameters.ts.
 */
export type AuroraMapping =
  | {
      unit: "int" | "real" | "kB" | "8kB" | "ms" | "bool" | "enum";
      /** Aurora sizes it from the instance class: the product's default is not sent, a stack config value is. */
      sizedByAurora?: true;
    }
  | { managed: string };

export interface GucSpec {
  type: GucType;
  /** Stack config may set it under postgresql.primary, postgresql.replica or olap.settings. */
  overridable?: boolean;
  /** Absent: Aurora PostgreSQL has no equivalent parameter. */
  aurora?: AuroraMapping;
}

const STORAGE_LAYER = "Aurora replicates through its storage layer, not WAL streaming";
const NO_CHECKPOINTS = "Aurora storage has no checkpoints of this kind";

export const GUCS = {
  // connections and memory
  listen_addresses: { type: "string", aurora: { managed: "RDS manages networking" } },
  max_connections: { type: "integer", aurora: { unit: "int", sizedByAurora: true } },
  superuser_reserved_connections: {
    type: "integer",
    aurora: { managed: "RDS reserves its own administrative connections" },
  },
  password_encryption: {
    type: { oneOf: ["scram-sha-256", "md5"] },
    aurora: { managed: "Aurora PostgreSQL 14 and later hash passwords with scram-sha-256 by default" },
  },
  shared_buffers: { type: "size", overridable: true, aurora: { managed: "Aurora sizes it from the instance class" } },
  huge_pages: {
    type: { oneOf: ["off", "try", "on"] },
    overridable: true,
    aurora: { managed: "Aurora configures huge pages itself" },
  },
  effective_cache_size: {
    type: "size",
    overridable: true,
    aurora: { managed: "Aurora sizes it from the instance class" },
  },
  work_mem: { type: "size", overridable: true, aurora: { unit: "kB" } },
  maintenance_work_mem: { type: "size", overridable: true, aurora: { unit: "kB" } },
  temp_buffers: { type: "size", overridable: true, aurora: { unit: "8kB" } },
  // planner
  effective_io_concurrency: { type: "integer", overridable: true, aurora: { unit: "int" } },
  random_page_cost: { type: "real", overridable: true, aurora: { unit: "real" } },
  seq_page_cost: { type: "real", overridable: true, aurora: { unit: "real" } },
  default_statistics_target: { type: "integer", overridable: true, aurora: { unit: "int" } },
  jit: { type: "bool", overridable: true, aurora: { unit: "bool" } },
  // parallelism
  max_worker_processes: { type: "integer", aurora: { unit: "int", sizedByAurora: true } },
  max_parallel_workers_per_gather: { type: "integer", overridable: true, aurora: { unit: "int" } },
  max_parallel_workers: { type: "integer", overridable: true, aurora: { unit: "int" } },
  max_parallel_maintenance_workers: { type: "integer", overridable: true, aurora: { unit: "int" } },
  parallel_setup_cost: { type: "real", overridable: true, aurora: { unit: "real" } },
  parallel_tuple_cost: { type: "real", overridable: true, aurora: { unit: "real" } },
  enable_partitionwise_join: { type: "bool", overridable: true, aurora: { unit: "bool" } },
  enable_partitionwise_aggregate: { type: "bool", overridable: true, aurora: { unit: "bool" } },
  // WAL and replication
  wal_level: { type: { oneOf: ["replica", "logical"] }, aurora: { managed: STORAGE_LAYER } },
  max_wal_senders: { type: "integer", aurora: { managed: STORAGE_LAYER } },
  max_replication_slots: { type: "integer", aurora: { managed: "Aurora readers use no replication slots" } },
  wal_keep_size: { type: "size", aurora: { managed: "Aurora storage keeps what readers need" } },
  max_slot_wal_keep_size: { type: "size", aurora: { managed: "Aurora readers use no replication slots" } },
  wal_log_hints: { type: "bool", aurora: { managed: "failed writers are replaced by Aurora, not rewound" } },
  synchronous_commit: {
    type: { oneOf: ["off", "local", "on", "remote_write", "remote_apply"] },
    aurora: {
      managed:
        "Aurora acknowledges a commit once 4 of 6 storage copies in 3 zones have it; readers are not synchronous standbys, and Aurora's default (on) stays",
    },
  },
  synchronous_standby_names: { type: "string" },
  log_replication_commands: { type: "bool", aurora: { managed: "no replication protocol connections on Aurora" } },
  // commit path (primary)
  commit_delay: { type: "integer", overridable: true, aurora: { unit: "int" } },
  commit_siblings: { type: "integer", overridable: true, aurora: { unit: "int" } },
  wal_compression: {
    type: { oneOf: ["on", "off", "pglz", "lz4", "zstd"] },
    overridable: true,
    aurora: { managed: "Aurora storage writes its own log format" },
  },
  checkpoint_timeout: { type: "duration", overridable: true, aurora: { managed: NO_CHECKPOINTS } },
  max_wal_size: { type: "size", overridable: true, aurora: { managed: NO_CHECKPOINTS } },
  min_wal_size: { type: "size", overridable: true, aurora: { managed: NO_CHECKPOINTS } },
  // standbys
  hot_standby: { type: "bool", aurora: { managed: "Aurora readers always serve reads" } },
  default_transaction_read_only: { type: "bool", aurora: { managed: "Aurora readers refuse writes by construction" } },
  wal_receiver_status_interval: { type: "duration", aurora: { managed: "Aurora readers have no WAL receiver" } },
  wal_receiver_timeout: { type: "duration", aurora: { managed: "Aurora readers have no WAL receiver" } },
  hot_standby_feedback: {
    type: "bool",
    overridable: true,
    aurora: { managed: "Aurora readers share the writer's storage; this setting is not applied there" },
  },
  max_standby_streaming_delay: { type: "duration", overridable: true, aurora: { unit: "ms" } },
  max_standby_archive_delay: {
    type: "duration",
    overridable: true,
    aurora: { managed: "Aurora readers never replay from an archive" },
  },
  // session guards
  statement_timeout: { type: "duration", overridable: true, aurora: { unit: "ms" } },
  idle_in_transaction_session_timeout: { type: "duration", overridable: true, aurora: { unit: "ms" } },
  lock_timeout: { type: "duration", overridable: true, aurora: { unit: "ms" } },
  // statistics
  shared_preload_libraries: {
    type: "string",
    aurora: { managed: "Aurora PostgreSQL loads pg_stat_statements by default (facts/postgres STATEMENT_STATISTICS)" },
  },
  // logging
  log_line_prefix: { type: "string", aurora: { managed: "RDS fixes the log format" } },
  log_min_duration_statement: { type: "duration", overridable: true, aurora: { unit: "ms" } },
  log_lock_waits: { type: "bool", overridable: true, aurora: { unit: "bool" } },
  log_temp_files: { type: "integer", overridable: true, aurora: { unit: "int" } },
  track_io_timing: { type: "bool", overridable: true, aurora: { unit: "bool" } },
} as const satisfies Record<string, GucSpec>;

export type GucName = keyof typeof GUCS;

export function isGucName(name: string): name is GucName {
  return Object.hasOwn(GUCS, name);
}

export function gucSpec(name: string): GucSpec | undefined {
  return isGucName(name) ? GUCS[name] : undefined;
}

export const OVERRIDABLE_GUC_NAMES: readonly GucName[] = (Object.keys(GUCS) as GucName[]).filter(
  (name) => "overridable" in GUCS[name],
);
