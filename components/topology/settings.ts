/**
 * postgresql.conf settings per role. Figures come from the replication and
 * analytics guidance the product was specified from; each non-obvious choice
 * carries its reason, which the renderer writes next to it.
 */
import { formatPostgresSize } from "../ground/units";
import { STANDBY_LINK, STATEMENT_STATISTICS } from "../facts/postgres";
import { type GucName, isGucName } from "../settings/registry";
import type { NodeRole, Setting, SynchronousCommit } from "./types";

/** A setting as the product decides it; `source` is "default" unless set here or by an override. */
type Default = Omit<Setting, "source"> & { source?: Setting["source"] };

export interface SettingsContext {
  role: NodeRole;
  memoryBytes: number;
  maxConnections: number;
  /** max_connections came from stack config (postgresql.maxConnections). */
  maxConnectionsFromStackConfig: boolean;
  standbyCount: number;
  maxWorkerProcesses: number;
  walKeepSizeBytes: number;
  maxSlotWalKeepSizeBytes: number;
  synchronousCommit: SynchronousCommit;
  /** `ANY k (a, b)` or undefined when commits do not wait for standbys. */
  synchronousStandbyNames?: string;
  overrides: Readonly<Record<string, string>>;
}

const MB = 1024 * 1024;
const MIN_WAL_SENDERS = 20;

function fractionOfMemory(memoryBytes: number, fraction: number): string {
  return formatPostgresSize(Math.max(16, Math.floor((memoryBytes * fraction) / MB)) * MB);
}

/** The settings derived from a node's memory limit (a rehearsal on a small machine scales these down). */
export function memorySettings(memoryBytes: number): Record<"shared_buffers" | "effective_cache_size", string> {
  return {
    shared_buffers: fractionOfMemory(memoryBytes, 0.25),
    effective_cache_size: fractionOfMemory(memoryBytes, 0.75),
  };
}

/** Settings every node shares. Several must be identical: a standby refuses to start with less than its primary. */
function common(ctx: SettingsContext): Default[] {
  // Fixed headroom, not the current count: scaling replicas must not change (and restart) the primary.
  const senders = Math.max(MIN_WAL_SENDERS, ctx.standbyCount + 4);
  return [
    {
      name: "max_connections",
      value: String(ctx.maxConnections),
      ...(ctx.maxConnectionsFromStackConfig ? { source: "stackConfig" as const } : {}),
      why: "same on every node: a standby refuses to start with fewer than its primary",
    },
    { name: "superuser_reserved_connections", value: "3" },
    { name: "password_encryption", value: "scram-sha-256" },
    {
      name: "shared_buffers",
      value: memorySettings(ctx.memoryBytes).shared_buffers,
      why: "a quarter of the memory limit",
    },
    {
      name: "huge_pages",
      value: "off",
      why: "try (PostgreSQL's default) maps the node's huge pages; without a hugepages-2Mi limit the pod may not use them: SIGBUS",
    },
    {
      name: "effective_cache_size",
      value: memorySettings(ctx.memoryBytes).effective_cache_size,
      why: "planner hint: three quarters of the memory limit",
    },
    { name: "wal_level", value: "replica" },
    {
      name: "max_wal_senders",
      value: String(senders),
      why: "room for every standby plus re-seeding (pg_basebackup streams WAL on a second connection); fixed so scaling never restarts the primary",
    },
    {
      name: "max_replication_slots",
      value: String(senders),
      why: "one slot per standby, plus spares; same on every node",
    },
    {
      name: "max_worker_processes",
      value: String(ctx.maxWorkerProcesses),
      why: "same on every node: a standby refuses to start with fewer than its primary",
    },
    { name: "wal_keep_size", value: formatPostgresSize(ctx.walKeepSizeBytes) },
    {
      name: "max_slot_wal_keep_size",
      value: formatPostgresSize(ctx.maxSlotWalKeepSizeBytes),
      why: "bounds the WAL a stopped replica's slot can pin; past it the slot is invalidated and that replica must be re-seeded, instead of the primary's disk filling",
    },
    {
      name: "wal_log_hints",
      value: "on",
      why: "lets pg_rewind turn a failed old primary into a replica instead of re-seeding it",
    },
    { name: "hot_standby", value: "on" },
    {
      name: "wal_receiver_timeout",
      value: STANDBY_LINK.walReceiverTimeout.value,
      why: "a standby drops a silent upstream in 10s, not 60s (a lost node, a partition); inert on a writer, set everywhere since any server may stream",
    },
    { name: "log_replication_commands", value: "on" },
    { name: "log_line_prefix", value: "%m [%p] %q%u@%d " },
    {
      name: "shared_preload_libraries",
      value: STATEMENT_STATISTICS.preloadLibrary.value,
      why: "per-query latency and call rates (the capacity formula's input); loaded only at start",
    },
  ];
}

function primary(ctx: SettingsContext): Default[] {
  const settings: Default[] = [
    {
      name: "synchronous_commit",
      value: ctx.synchronousCommit,
      why:
        ctx.synchronousStandbyNames === undefined
          ? "commits are acknowledged after the local flush; replicas apply asynchronously"
          : "commits wait for the standbys named in synchronous_standby_names",
    },
  ];
  if (ctx.synchronousStandbyNames !== undefined) {
    settings.push({
      name: "synchronous_standby_names",
      value: ctx.synchronousStandbyNames,
      why: "every name the primary-region OLTP group may scale to (absent ones never answer), so scaling does not change this file; the OLAP replica may pause replay and remote replicas add WAN latency, so neither is listed",
    });
  }
  return settings;
}

function standby(): Default[] {
  return [
    {
      name: "default_transaction_read_only",
      value: "on",
      why: "defence in depth: a write routed here by mistake fails even before recovery would refuse it",
    },
    {
      name: "wal_receiver_status_interval",
      value: "1s",
      why: "keeps replay positions in the primary's pg_stat_replication fresh to the second",
    },
  ];
}

function oltpReplica(): Default[] {
  return [
    ...standby(),
    {
      name: "hot_standby_feedback",
      value: "on",
      why: "OLTP reads are short: feedback keeps vacuum on the primary from removing rows they still read, so they are not cancelled, and the bloat they hold is as short-lived as they are",
    },
    {
      name: "max_standby_streaming_delay",
      value: "5s",
      why: "replay waits at most 5s for a conflicting query, then cancels it: freshness of OLTP reads comes before a rare long query",
    },
  ];
}

/**
 * The OLAP replica's deliberate choice for standby query conflicts:
 * replay waits for analytic queries (no cancellations) and sends no feedback
 * (no bloat on the primary). It may fall behind while a long query runs, which
 * analytics tolerates; OLTP replicas stream from the primary on their own slots
 * and are unaffected, and WAL keeps arriving here, so the primary retains nothing
 * for this replica while its replay waits.
 */
function olapReplica(): Default[] {
  return [
    ...standby(),
    {
      name: "hot_standby_feedback",
      value: "off",
      why: "long analytic queries would otherwise hold back vacuum on the primary for their whole run and bloat it",
    },
    {
      name: "max_standby_streaming_delay",
      value: "-1",
      why: "replay waits for conflicting analytic queries instead of cancelling them; this replica may fall behind during a long query, OLTP replicas do not",
    },
    { name: "max_standby_archive_delay", value: "-1" },
    {
      name: "idle_in_transaction_session_timeout",
      value: "10min",
      why: "a forgotten open transaction would otherwise hold replay back indefinitely",
    },
    { name: "work_mem", value: "128MB", why: "per sort or hash: sized for aggregations; watch the session count" },
    { name: "maintenance_work_mem", value: "2GB" },
    { name: "effective_io_concurrency", value: "200", why: "SSD-backed storage" },
    {
      name: "max_parallel_workers_per_gather",
      value: "4",
      why: "parallel sequential scans for full-table aggregations",
    },
    { name: "enable_partitionwise_join", value: "on" },
    { name: "enable_partitionwise_aggregate", value: "on" },
  ];
}

function applyOverrides(settings: Default[], overrides: Readonly<Record<string, string>>): Setting[] {
  const overridden = (name: GucName, value: string): Setting => ({
    name,
    value,
    source: "stackConfig",
    why: "set in stack config",
  });
  const result = settings.map((setting): Setting => {
    const value = overrides[setting.name];
    return value === undefined ? { ...setting, source: setting.source ?? "default" } : overridden(setting.name, value);
  });
  for (const [name, value] of Object.entries(overrides)) {
    // The schema admits only registry names here.
    if (isGucName(name) && !settings.some((s) => s.name === name)) result.push(overridden(name, value));
  }
  return result;
}

/**
 * The settings that follow the part a server plays rather than its group: what the writer sets for commits, and
 * what a standby sets for reads and replay. Each is reloadable (sighup or user context), so a promotion or a
 * switchover changes them without a restart.
 */
export const ROLE_SETTING_NAMES = [
  "synchronous_commit",
  "synchronous_standby_names",
  "default_transaction_read_only",
  "wal_receiver_status_interval",
  "hot_standby_feedback",
  "max_standby_streaming_delay",
] as const satisfies readonly GucName[];

export function settingsFor(ctx: SettingsContext): Setting[] {
  const roleSpecific = ctx.role === "primary" ? primary(ctx) : ctx.role === "oltp" ? oltpReplica() : olapReplica();
  return applyOverrides([...common(ctx), ...roleSpecific], ctx.overrides);
}

/** The default the OLAP role gives max_parallel_workers: PostgreSQL's own default of 8. */
export const DEFAULT_MAX_PARALLEL_WORKERS = 8;
