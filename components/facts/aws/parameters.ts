/**
 * Aurora PostgreSQL parameters the product maps or relies on: where AWS lets
 * each be set (cluster group, instance group, both, or neither), whether it is
 * modifiable, whether a change needs a reboot, the values it takes (in the
 * parameter group's unit) and Aurora's own default.
 *
 * Levels come from AWS's parameter reference, whose tables were generated from
 * default.aurora-postgresql14 (the newest copy readable here): they are
 * assumed, not verified, for 15, 16 and 17 (`families`). The definitive check
 * is `aws rds describe-db-cluster-parameters` / `describe-db-parameters` on
 * default.aurora-postgresql<major> (IsModifiable, ApplyType, AllowedValues).
 * Apply types follow PostgreSQL's GUC context (postmaster = static), which
 * matches every "Static." marker of the 2022 reference.
 */
import { type SourceRef, cite } from "../fact";

/** cluster: DB cluster parameter group only; instance: DB parameter group only; none: in neither table. */
export type ParameterLevel = "cluster" | "instance" | "both" | "none";
export type Family = 15 | 16 | 17;
/** verified: read for that family; assumed-from-14: the aurora-postgresql14 tables, not re-read for this family. */
export type FamilyStatus = "verified" | "assumed-from-14";

export interface ParameterFact {
  level: ParameterLevel;
  modifiable: boolean;
  apply: "static" | "dynamic";
  /** Inclusive bounds in the parameter group's unit, or the values it accepts. */
  range?: readonly [number, number];
  values?: readonly string[];
  /** Aurora's default: a value, or the formula it sizes from the instance class. */
  auroraDefault?: string;
  /** A bound or level that no stored source states; kept because the product relied on it before. */
  unverified?: string;
  families: Readonly<Record<Family, FamilyStatus>>;
  sources: readonly SourceRef[];
}

const ASSUMED = { 15: "assumed-from-14", 16: "assumed-from-14", 17: "assumed-from-14" } as const;
const LEVELS: readonly SourceRef[] = [
  cite("apgParams2023"),
  cite("apgParams2022"),
  cite("apgParams2021"),
  cite("pgGucContext"),
  cite("apgParamsCurrent", undefined, "where 15, 16 and 17 would be confirmed"),
];
const INT_MAX = 2147483647;
const BOOL = ["0", "1"] as const;

function fact(level: ParameterLevel, apply: ParameterFact["apply"], rest: Partial<ParameterFact> = {}): ParameterFact {
  return { level, apply, modifiable: true, families: ASSUMED, sources: LEVELS, ...rest };
}
const dyn = (level: ParameterLevel, rest: Partial<ParameterFact> = {}) => fact(level, "dynamic", rest);
const stat = (level: ParameterLevel, rest: Partial<ParameterFact> = {}) => fact(level, "static", rest);

export const PARAMETER_FACTS: Readonly<Record<string, ParameterFact>> = {
  // connections and memory (formulas: AuroraPostgreSQL.Managing and the 2023 tables)
  max_connections: stat("both", {
    range: [1, 262143],
    auroraDefault: "LEAST({DBInstanceClassMemory/9531392},5000)",
    sources: [...LEVELS, cite("apgManaging")],
  }),
  max_worker_processes: stat("both", { range: [0, 262143], auroraDefault: "GREATEST(${DBInstanceVCPU*2},8)" }),
  max_parallel_workers: dyn("both", { range: [0, 1024], auroraDefault: "GREATEST(${DBInstanceVCPU/2},8)" }),
  max_parallel_workers_per_gather: dyn("both", { range: [0, 1024] }),
  max_parallel_maintenance_workers: dyn("both", { range: [0, 1024] }),
  work_mem: dyn("both", { range: [64, INT_MAX] }),
  maintenance_work_mem: dyn("both", {
    range: [1024, INT_MAX],
    auroraDefault: "GREATEST({DBInstanceClassMemory/63963136*1024},65536)",
  }),
  temp_buffers: dyn("both", { range: [100, 1073741823] }),
  shared_buffers: stat("both", { range: [16, 1073741823], auroraDefault: "SUM({DBInstanceClassMemory/12038},-50003)" }),
  effective_cache_size: dyn("both", {
    range: [1, INT_MAX],
    auroraDefault: "SUM({DBInstanceClassMemory/12038},-50003)",
  }),
  superuser_reserved_connections: stat("both", { modifiable: false, auroraDefault: "3" }),
  listen_addresses: stat("both", { modifiable: false, auroraDefault: "*" }),
  // planner
  // 2021: "Modifiable: No" at instance level; 2022/2023 list it without saying. The only explicit source wins.
  effective_io_concurrency: dyn("both", { modifiable: false, range: [0, 1000] }),
  random_page_cost: dyn("both", { range: [0, Number.MAX_VALUE] }),
  seq_page_cost: dyn("both", { range: [0, Number.MAX_VALUE] }),
  parallel_setup_cost: dyn("both", { range: [0, Number.MAX_VALUE] }),
  parallel_tuple_cost: dyn("both", { range: [0, Number.MAX_VALUE] }),
  default_statistics_target: dyn("both", { range: [1, 10000] }),
  jit: dyn("none", { values: BOOL }),
  enable_partitionwise_join: dyn("both", { values: BOOL }),
  enable_partitionwise_aggregate: dyn("both", { values: BOOL }),
  // commit path and session guards
  synchronous_commit: dyn("cluster", {
    values: ["on", "off", "local", "remote_write", "remote_apply"],
    auroraDefault: "on",
    unverified: "Aurora's accepted subset of the community values",
  }),
  commit_delay: dyn("none", { range: [0, 100000] }),
  commit_siblings: dyn("none", { range: [0, 1000] }),
  statement_timeout: dyn("both", { range: [0, INT_MAX] }),
  lock_timeout: dyn("none", { range: [0, INT_MAX] }),
  idle_in_transaction_session_timeout: dyn("both", { range: [0, INT_MAX], auroraDefault: "86400000" }),
  // logging
  log_min_duration_statement: dyn("both", { range: [-1, INT_MAX] }),
  log_lock_waits: dyn("both", { values: BOOL }),
  log_temp_files: dyn("both", { range: [-1, INT_MAX] }),
  track_io_timing: dyn("both", { values: BOOL, auroraDefault: "1" }),
  log_line_prefix: dyn("both", { modifiable: false, auroraDefault: "%t:%r:%u@%d:%p]:" }),
  log_replication_commands: dyn("both", { values: BOOL }),
  // standbys
  max_standby_streaming_delay: dyn("both", {
    range: [1000, 30000],
    auroraDefault: "14000",
    unverified: "the 1000-30000 ms bound (community PostgreSQL takes -1 and up); no stored AWS source states it",
    sources: [...LEVELS, cite("longRunningReads")],
  }),
  max_standby_archive_delay: dyn("none", { modifiable: false }),
  hot_standby_feedback: dyn("both", { modifiable: false, auroraDefault: "on" }),
  default_transaction_read_only: dyn("both", { values: BOOL }),
  wal_receiver_status_interval: dyn("both", { range: [0, 2147483] }),
  hot_standby: stat("none"),
  // WAL: Aurora's storage replaces most of it
  wal_level: stat("none"),
  max_wal_senders: stat("cluster", { range: [0, 262143], auroraDefault: "10" }),
  max_replication_slots: stat("cluster", { range: [0, 262143], auroraDefault: "20" }),
  wal_keep_size: dyn("none"),
  max_slot_wal_keep_size: dyn("both", { range: [-1, INT_MAX] }),
  wal_log_hints: stat("none"),
  wal_compression: dyn("none"),
  checkpoint_timeout: dyn("none", { modifiable: false }),
  max_wal_size: dyn("none"),
  min_wal_size: dyn("none"),
  synchronous_standby_names: dyn("none"),
  // cluster-wide
  password_encryption: dyn("cluster", {
    values: ["md5", "scram-sha-256"],
    auroraDefault: "scram-sha-256",
    unverified:
      "whether it is modifiable in 15-17 (the 2021 reference said no); the product does not send it, the default already hashes with SCRAM",
    sources: [cite("apgParams2023"), cite("apgParams2021"), cite("apgScram")],
    families: { 15: "verified", 16: "verified", 17: "verified" },
  }),
  "rds.force_ssl": dyn("cluster", {
    values: BOOL,
    auroraDefault: "0",
    sources: [cite("apgParams2023"), cite("apgParams2022"), cite("apgSecurity")],
  }),
};

export function parameterFact(name: string): ParameterFact | undefined {
  return Object.hasOwn(PARAMETER_FACTS, name) ? PARAMETER_FACTS[name] : undefined;
}

/** Whether AWS takes the parameter in this kind of group. */
export function levelAllows(level: ParameterLevel, group: "cluster" | "instance"): boolean {
  return level === "both" || level === group;
}

/** RDS refuses `immediate` for static parameters ("cannot use immediate apply method for static parameter"). */
export function applyMethodFor(fact: ParameterFact): "immediate" | "pending-reboot" {
  return fact.apply === "static" ? "pending-reboot" : "immediate";
}

/** A value the fact accepts: one of its values, or a number within its range. */
export function valueAllowed(fact: ParameterFact, value: string): boolean {
  if (fact.values) return fact.values.includes(value);
  if (fact.range) {
    const number = Number(value);
    return value.trim() !== "" && Number.isFinite(number) && number >= fact.range[0] && number <= fact.range[1];
  }
  return true;
}
