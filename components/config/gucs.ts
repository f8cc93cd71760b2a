/**
 * The PostgreSQL settings stack config may override, with their value types.
 * Anything outside this table is refused by config validation: a typo such as
 * `work_mem_size` must fail at `pulumi preview`, not as a crash-looping pod.
 * Settings the topology itself owns (replication wiring, ports, paths, TLS) are
 * deliberately absent.
 */
import { parseDuration, parsePostgresSize } from "./units";

export type GucType = "size" | "duration" | "integer" | "real" | "bool" | { oneOf: readonly string[] };

export const OVERRIDABLE_GUCS: Record<string, GucType> = {
  // memory and planner
  shared_buffers: "size",
  effective_cache_size: "size",
  work_mem: "size",
  maintenance_work_mem: "size",
  temp_buffers: "size",
  effective_io_concurrency: "integer",
  random_page_cost: "real",
  seq_page_cost: "real",
  default_statistics_target: "integer",
  jit: "bool",
  // parallelism
  max_parallel_workers_per_gather: "integer",
  max_parallel_workers: "integer",
  max_parallel_maintenance_workers: "integer",
  parallel_setup_cost: "real",
  parallel_tuple_cost: "real",
  enable_partitionwise_join: "bool",
  enable_partitionwise_aggregate: "bool",
  // commit path (primary)
  commit_delay: "integer",
  commit_siblings: "integer",
  wal_compression: { oneOf: ["on", "off", "pglz", "lz4", "zstd"] },
  checkpoint_timeout: "duration",
  max_wal_size: "size",
  min_wal_size: "size",
  // standby query conflicts
  hot_standby_feedback: "bool",
  max_standby_streaming_delay: "duration",
  max_standby_archive_delay: "duration",
  // session guards
  statement_timeout: "duration",
  idle_in_transaction_session_timeout: "duration",
  lock_timeout: "duration",
  // logging
  log_min_duration_statement: "duration",
  log_lock_waits: "bool",
  log_temp_files: "integer",
  track_io_timing: "bool",
};

const BOOL_VALUES = new Set(["on", "off", "true", "false"]);

/** Returns a fix hint when `value` is not valid for `type`, else undefined. */
export function gucValueProblem(type: GucType, value: string): string | undefined {
  if (typeof type === "object") {
    return type.oneOf.includes(value) ? undefined : `use one of ${type.oneOf.join(", ")}`;
  }
  switch (type) {
    case "size":
      return parsePostgresSize(value) === undefined ? "use a size such as 64MB or 2GB" : undefined;
    case "duration":
      // -1 (wait forever / disabled) and 0 are meaningful for several of these settings.
      if (value === "-1" || value === "0") return undefined;
      return parseDuration(value) === undefined ? "use a duration such as 500ms, 30s or 5min, or -1/0" : undefined;
    case "integer":
      return /^-?\d+$/.test(value) ? undefined : "use a whole number";
    case "real":
      return /^\d+(\.\d+)?$/.test(value) ? undefined : "use a number such as 1.1";
    case "bool":
      return BOOL_VALUES.has(value) ? undefined : "use on or off";
  }
}

/** PostgreSQL spells minutes "min" and has no "m"; durations are written back in s or ms. */
export function normaliseGucValue(type: GucType, value: string): string {
  if (type === "duration" && value !== "-1" && value !== "0") {
    const ms = parseDuration(value)!;
    return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
  }
  if (type === "bool") return value === "true" ? "on" : value === "false" ? "off" : value;
  return value;
}
