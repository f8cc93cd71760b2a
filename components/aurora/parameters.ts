/**
 * The Topology's per-role PostgreSQL settings as Aurora parameter groups.
 * Aurora takes some settings as they are (in its own units), manages others
 * itself, and bounds a few. Every setting ends in exactly one place: a
 * parameter, or a note saying why not (surfaced in outputs and the deploy log).
 */
import { parseDuration, parsePostgresSize } from "../config/units";
import type { AuroraNote, AuroraParameterSpec, NodeRole, Setting } from "../topology/types";

type AuroraParameter = AuroraParameterSpec;
type AuroraSettingNote = AuroraNote;

type Unit = "int" | "real" | "kB" | "8kB" | "ms" | "bool" | "enum";

interface Mapping {
  unit: Unit;
  /** Takes effect only after a reboot. */
  static?: boolean;
  /** Aurora's accepted range, in its unit. */
  range?: [number, number];
}

/** Settings Aurora accepts in an instance parameter group. */
const ACCEPTED: Record<string, Mapping> = {
  max_connections: { unit: "int", static: true },
  max_worker_processes: { unit: "int", static: true },
  max_parallel_workers: { unit: "int" },
  max_parallel_workers_per_gather: { unit: "int" },
  max_parallel_maintenance_workers: { unit: "int" },
  work_mem: { unit: "kB" },
  maintenance_work_mem: { unit: "kB" },
  temp_buffers: { unit: "8kB" },
  effective_io_concurrency: { unit: "int" },
  random_page_cost: { unit: "real" },
  seq_page_cost: { unit: "real" },
  parallel_setup_cost: { unit: "real" },
  parallel_tuple_cost: { unit: "real" },
  default_statistics_target: { unit: "int" },
  jit: { unit: "bool" },
  enable_partitionwise_join: { unit: "bool" },
  enable_partitionwise_aggregate: { unit: "bool" },
  commit_delay: { unit: "int" },
  commit_siblings: { unit: "int" },
  synchronous_commit: { unit: "enum" },
  statement_timeout: { unit: "ms" },
  lock_timeout: { unit: "ms" },
  idle_in_transaction_session_timeout: { unit: "ms" },
  log_min_duration_statement: { unit: "ms" },
  log_lock_waits: { unit: "bool" },
  log_temp_files: { unit: "int" },
  track_io_timing: { unit: "bool" },
  max_standby_streaming_delay: { unit: "ms", range: [1000, 30000] },
};

/** Settings Aurora decides itself, and why they are not sent. */
const MANAGED_BY_AURORA: Record<string, string> = {
  listen_addresses: "RDS manages networking",
  superuser_reserved_connections: "RDS reserves its own administrative connections",
  shared_buffers: "Aurora sizes it from the instance class",
  effective_cache_size: "Aurora sizes it from the instance class",
  wal_level: "Aurora replicates through its storage layer, not WAL streaming",
  max_wal_senders: "Aurora replicates through its storage layer, not WAL streaming",
  max_replication_slots: "Aurora readers use no replication slots",
  wal_keep_size: "Aurora storage keeps what readers need",
  max_slot_wal_keep_size: "Aurora readers use no replication slots",
  wal_log_hints: "failed writers are replaced by Aurora, not rewound",
  hot_standby: "Aurora readers always serve reads",
  log_replication_commands: "no replication protocol connections on Aurora",
  log_line_prefix: "RDS fixes the log format",
  default_transaction_read_only: "Aurora readers refuse writes by construction",
  wal_receiver_status_interval: "Aurora readers have no WAL receiver",
  hot_standby_feedback: "Aurora readers share the writer's storage; this setting is not applied there",
  max_standby_archive_delay: "Aurora readers never replay from an archive",
  checkpoint_timeout: "Aurora storage has no checkpoints of this kind",
  max_wal_size: "Aurora storage has no checkpoints of this kind",
  min_wal_size: "Aurora storage has no checkpoints of this kind",
  wal_compression: "Aurora storage writes its own log format",
  password_encryption: "set once for the whole cluster (cluster parameter group)",
};

function convert(setting: Setting, mapping: Mapping): string | undefined {
  const { value } = setting;
  switch (mapping.unit) {
    case "int":
    case "real":
    case "enum":
      return value;
    case "bool":
      return value === "on" || value === "true" ? "1" : value === "off" || value === "false" ? "0" : undefined;
    case "kB":
    case "8kB": {
      const bytes = parsePostgresSize(value);
      if (bytes === undefined) return /^\d+$/.test(value) ? value : undefined;
      return String(Math.round(bytes / (mapping.unit === "kB" ? 1024 : 8192)));
    }
    case "ms": {
      if (value === "0" || value === "-1") return value;
      const ms = parseDuration(value);
      return ms === undefined ? undefined : String(ms);
    }
  }
}

export interface RoleParameters {
  parameters: AuroraParameter[];
  notes: AuroraSettingNote[];
}

/** One role's settings: the instance parameters Aurora gets, and a note for everything else. */
export function auroraParametersFor(role: NodeRole, settings: readonly Setting[]): RoleParameters {
  const parameters: AuroraParameter[] = [];
  const notes: AuroraSettingNote[] = [];
  for (const setting of settings) {
    const fromStackConfig = setting.why === "set in stack config";
    const note = (outcome: AuroraSettingNote["outcome"], reason: string, auroraValue?: string) =>
      notes.push({ role, setting: setting.name, value: setting.value, outcome, reason, fromStackConfig, ...(auroraValue !== undefined ? { auroraValue } : {}) });
    const managed = MANAGED_BY_AURORA[setting.name];
    if (managed) {
      note("skipped", managed);
      continue;
    }
    const mapping = ACCEPTED[setting.name];
    if (!mapping) {
      note("skipped", "Aurora PostgreSQL has no equivalent parameter");
      continue;
    }
    let value = convert(setting, mapping);
    if (value === undefined) {
      note("skipped", `the value cannot be expressed in Aurora's unit (${mapping.unit})`);
      continue;
    }
    if (mapping.range) {
      const [min, max] = mapping.range;
      const number = Number(value);
      const bounded = number === -1 || number > max ? max : number < min ? min : number;
      if (bounded !== number) {
        note("mapped", `Aurora accepts ${min}–${max}${mapping.unit === "ms" ? " ms" : ""}; ${setting.value} becomes its nearest bound`, String(bounded));
        value = String(bounded);
      }
    }
    parameters.push({ name: setting.name, value, applyMethod: mapping.static ? "pending-reboot" : "immediate" });
  }
  return { parameters, notes };
}

/** Settings for the whole cluster: password hashing, and TLS when the stack requires it. */
export function auroraClusterParameters(requireTls: boolean): AuroraParameter[] {
  return [
    { name: "password_encryption", value: "scram-sha-256", applyMethod: "immediate" },
    ...(requireTls ? [{ name: "rds.force_ssl", value: "1", applyMethod: "immediate" as const }] : []),
  ];
}
