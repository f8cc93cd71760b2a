/**
 * Prometheus alert rules for a stack, with its own numbers rendered in: the
 * declared standbys and slots, the lag bounds (verification.maxLag,
 * replication.maxLagBytes), the pools' sizes, the volumes' size. The same rules
 * run in the local Prometheus and, as a PrometheusRule, in kube-prometheus-stack.
 * Every selector names the stack (pgrr_cluster), so stacks can share a Prometheus.
 */
import { servingStandbys, writerName } from "../topology/queries";
import type { LocalTopology, SelfHostedTopology } from "../topology/types";
import { stringify } from "yaml";
import { JOBS, TARGET_LABELS } from "./targets";

export type MonitoredTopology = SelfHostedTopology | LocalTopology;

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: "critical" | "warning" | "info" };
  annotations: { summary: string; description: string; runbook: string };
}
export interface RecordingRule {
  record: string;
  expr: string;
}
export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Array<AlertRule | RecordingRule>;
}

/** Prometheus duration text for milliseconds (whole seconds). */
export function promDuration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\\\$&");
const anyOf = (names: readonly string[]) => names.map(escapeRegex).join("|");
const runbook = (alert: string) => `README.md#${alert.toLowerCase()}`;

function rule(
  alert: string,
  severity: AlertRule["labels"]["severity"],
  expr: string,
  forMs: number | undefined,
  summary: string,
  description: string,
): AlertRule {
  return {
    alert,
    expr,
    ...(forMs !== undefined ? { for: promDuration(forMs) } : {}),
    labels: { severity },
    annotations: { summary, description, runbook: runbook(alert) },
  };
}

/**
 * Who serves now. A local stack's `promote` changes the writer without a new topology (a
 * Kubernetes failover re-renders with kubernetes.writer instead), so its rules are rendered
 * for the current writer, without the retired former writer.
 */
export interface ServingNodes {
  writer: string;
  retired: readonly string[];
}

export function alertRules(
  topology: MonitoredTopology,
  serving: ServingNodes = { writer: writerName(topology), retired: [] },
): RuleGroup[] {
  const c = `${TARGET_LABELS.cluster}="${topology.name}"`;
  const standbys = servingStandbys(topology).filter(
    (s) => s.name !== serving.writer && !serving.retired.includes(s.name),
  );
  const oltp = standbys.filter((s) => s.role === "oltp").map((s) => s.name);
  const olap = standbys.filter((s) => s.role === "olap").map((s) => s.name);
  const writer = serving.writer;
  const declared = standbys
    .map(
      (s) =>
        `label_replace(label_replace(vector(1), "application_name", "${s.name}", "", ""), "${TARGET_LABELS.cluster}", "${topology.name}", "", "")`,
    )
    .join("\n  or ");
  const pools = [topology.pools.write, topology.pools.read, ...(topology.pools.olap ? [topology.pools.olap] : [])];
  const utilisation = pools
    .map(
      (p) =>
        `sum by (${TARGET_LABELS.cluster}, pool, instance) (pgbouncer_pools_server_active_connections{${c}, pool="${p.name}", database!="pgbouncer"}) / ${p.defaultPoolSize}`,
    )
    .join("\n  or ");
  const clientShare = pools
    .map(
      (p) =>
        `sum by (${TARGET_LABELS.cluster}, pool, instance) (pgbouncer_used_clients{${c}, pool="${p.name}"}) / ${p.maxClientConn}`,
    )
    .join("\n  or ");
  const storage = [
    ...new Map(topology.regions.flatMap((r) => r.groups).map((g) => [g.role, g.resources.storageBytes])).entries(),
  ]
    .map(([role, bytes]) => `pgrr_wal_dir_bytes{${c}, role="${role}"} / ${bytes}`)
    .join("\n  or ");
  const maxLagS = topology.verification.maxLagMs / 1000;
  const scrape = topology.monitoring.scrapeIntervalMs;

  const replication: AlertRule[] = [
    rule(
      "PgReplicaNotStreaming",
      "critical",
      `(pgrr:standby_declared{${c}} unless on (${TARGET_LABELS.cluster}, application_name) pgrr_replication_replay_lag_bytes{${c}, state="streaming"})\n  and on (${TARGET_LABELS.cluster}) (count by (${TARGET_LABELS.cluster}) (pgrr_node_in_recovery{${c}} == 0) == 1)`,
      60_000,
      "{{ $labels.application_name }} does not stream from the writer",
      "A declared standby has no streaming WAL sender on the writer. It serves stale reads (or none) and its slot retains WAL. Look at that replica's log: stopped, seeding, authentication, or its slot lost.",
    ),
    rule(
      "PgReplicationStreamingInterrupted",
      "critical",
      `pgrr_standby_wal_receiver_streaming{${c}} == 0`,
      60_000,
      "{{ $labels.pg_node }}: WAL receiver not streaming",
      "The standby runs but receives no WAL; its lag reads 0 while it falls behind. Check the writer, the network and the standby's log (a lost slot shows 'requested WAL segment has already been removed': re-seed it).",
    ),
    rule(
      "PgReplicationLagHigh",
      "warning",
      `max by (${TARGET_LABELS.cluster}, application_name) (pgrr_replication_replay_lag_seconds{${c}, application_name=~"${anyOf(oltp)}"}) > ${maxLagS}`,
      60_000,
      "{{ $labels.application_name }} replays {{ $value | humanizeDuration }} behind (bound ${maxLagS}s)",
      `Replay lag as the writer measures it (0 when idle) is above verification.maxLag. The replica leaves the read pool when it lags past replication.maxLagBytes; find what holds replay (long queries, I/O) or add replicas.`,
    ),
    rule(
      "PgReplicationLagBytesHigh",
      "warning",
      `max by (${TARGET_LABELS.cluster}, application_name) (pgrr_replication_replay_lag_bytes{${c}, application_name=~"${anyOf(oltp)}"}) > ${topology.replication.maxLagBytes}`,
      120_000,
      "{{ $labels.application_name }} is {{ $value | humanize1024 }}B behind the writer",
      "More WAL than replication.maxLagBytes is not replayed: the replica is out of the read pool until it catches up. Check its disk and CPU, and long queries on it.",
    ),
    rule(
      "PgReplicaNotInRecovery",
      "critical",
      `pgrr_node_in_recovery{${c}, ${TARGET_LABELS.node}=~"${anyOf(standbys.map((s) => s.name))}"} == 0`,
      30_000,
      "{{ $labels.pg_node }} is a declared replica but accepts writes",
      `Promoted outside the stack's control: two writers may diverge. Stop it (the writer is ${writer}) and re-seed it, or make it the writer with the documented failover.`,
    ),
    rule(
      "PgMoreThanOneWriter",
      "critical",
      `count by (${TARGET_LABELS.cluster}) (pgrr_node_in_recovery{${c}} == 0) > 1`,
      30_000,
      "{{ $labels.pgrr_cluster }}: {{ $value }} servers accept writes",
      "Split brain: writes may land on either. Fence and stop every writer but one now.",
    ),
    rule(
      "PgFewerStreamingReplicasThanDeclared",
      "critical",
      `max by (${TARGET_LABELS.cluster}) (pgrr_primary_streaming_replicas{${c}}) < ${standbys.length}`,
      120_000,
      `{{ $labels.pgrr_cluster }}: {{ $value }} standbys stream, ${standbys.length} declared`,
      "Fewer standbys stream than the topology declares: read capacity and, with synchronous commit, write availability are reduced. PgReplicaNotStreaming names which.",
    ),
  ];
  const wal: AlertRule[] = [
    rule(
      "PgReplicationSlotInactive",
      "warning",
      `pgrr_slot_active{${c}, slot_type="physical", slot_name=~"${anyOf(standbys.map((s) => s.slot))}"} == 0`,
      120_000,
      "slot {{ $labels.slot_name }} has no consumer",
      "Its standby is not connected; the slot retains WAL on the writer until max_slot_wal_keep_size, then the standby must be re-seeded.",
    ),
    rule(
      "PgSlotRetainedWalNearMax",
      "warning",
      `pgrr_slot_retained_bytes{${c}} / (pgrr_slot_max_slot_wal_keep_size_bytes{${c}} > 0) > 0.8`,
      60_000,
      "slot {{ $labels.slot_name }} retains {{ $value | humanizePercentage }} of max_slot_wal_keep_size",
      "The slot will be invalidated soon and its standby will need re-seeding: bring the standby back or accept the re-seed.",
    ),
    rule(
      "PgSlotWalLost",
      "critical",
      `pgrr_slot_wal_status_current{${c}, wal_status=~"unreserved|lost"} == 1`,
      undefined,
      "slot {{ $labels.slot_name }} is {{ $labels.wal_status }}",
      "WAL its standby needs is (about to be) removed. A lost slot's standby cannot stream again: restart it (the seed script re-seeds it) or delete its volume.",
    ),
    rule(
      "PgWalDiskHigh",
      "warning",
      `(${storage}) > 0.7`,
      300_000,
      "{{ $labels.pg_node }}: WAL fills {{ $value | humanizePercentage }} of the data volume",
      "pg_wal is over 70% of the volume: an inactive slot or a slow standby retains WAL. Find it (PgReplicationSlotInactive, PgSlotRetainedWalNearMax) before the disk fills.",
    ),
  ];
  const pgbouncer: AlertRule[] = [
    rule(
      "PgbouncerClientsWaiting",
      "warning",
      `sum by (${TARGET_LABELS.cluster}, pool, instance) (pgbouncer_pools_client_waiting_connections{${c}, database!="pgbouncer"}) > 0`,
      60_000,
      "pool {{ $labels.pool }} ({{ $labels.instance }}): {{ $value }} clients wait for a server connection",
      "The pool and its reserve are in use: queries queue. Look for long transactions, or raise pgbouncer.defaultPoolSize within max_connections.",
    ),
    rule(
      "PgbouncerPoolSaturated",
      "warning",
      `pgrr:pgbouncer_pool_utilisation:ratio{${c}} > 0.85`,
      60_000,
      "pool {{ $labels.pool }} ({{ $labels.instance }}) uses {{ $value | humanizePercentage }} of its pool size",
      "Server connections near the pool size: the next burst waits. Raise the pool size or add replicas (read pool).",
    ),
    rule(
      "PgbouncerClientConnectionsNearMax",
      "warning",
      `(${clientShare}) > 0.9`,
      120_000,
      "pool {{ $labels.pool }} ({{ $labels.instance }}): {{ $value | humanizePercentage }} of max_client_conn",
      "New clients will be refused soon: raise pgbouncer.maxClientConn or find the connection leak.",
    ),
  ];
  const exporters: AlertRule[] = [
    rule(
      "PgExporterDown",
      "critical",
      `up{${c}, job=~"${JOBS.postgres}|${JOBS.pgbouncer}"} == 0`,
      60_000,
      "{{ $labels.job }} target {{ $labels.instance }} is down",
      "Every alert built on that target's metrics is blind until it is back. Check the exporter process or sidecar.",
    ),
    rule(
      "PgExporterCannotReachPostgres",
      "critical",
      `pg_up{${c}, job="${JOBS.postgres}"} == 0`,
      60_000,
      "{{ $labels.pg_node }}: the exporter cannot connect to PostgreSQL",
      "The server is down or refuses the monitoring role. If the server is down this is the first sign; otherwise check pg_hba and the monitoring password.",
    ),
    rule(
      "PgbouncerExporterCannotReachPgbouncer",
      "critical",
      `pgbouncer_up{${c}, job="${JOBS.pgbouncer}"} == 0`,
      60_000,
      "pool {{ $labels.pool }}: the exporter cannot query PgBouncer's console",
      "PgBouncer is down or its stats user cannot log in.",
    ),
    rule(
      "PgExporterQueriesFileBroken",
      "warning",
      `pg_exporter_user_queries_load_error{${c}} == 1`,
      undefined,
      "{{ $labels.pg_node }}: the queries file failed to load",
      "Every pgrr_* metric of that server is missing, so most alerts are blind. Check the exporter's log.",
    ),
    rule(
      "PgExporterTargetsMissing",
      "warning",
      `absent(up{${c}, job="${JOBS.postgres}"})`,
      300_000,
      `${topology.name}: no database target is scraped`,
      "Prometheus scrapes none of this stack's exporters: the PodMonitor is not selected (release label) or the exporters are not running.",
    ),
  ];
  const olapRules: AlertRule[] =
    olap.length === 0
      ? []
      : [
          rule(
            "PgOlapReplayPaused",
            "info",
            `(pgrr_standby_replay_blocked{${c}, ${TARGET_LABELS.node}=~"${anyOf(olap)}"} == 1) or (pgrr_node_replay_paused{${c}, ${TARGET_LABELS.node}=~"${anyOf(olap)}"} == 1)`,
            topology.monitoring.olapReplayPausedForMs,
            "{{ $labels.pg_node }}: replay waits for analytic queries",
            "By design the OLAP replica lets long queries hold replay (max_standby_streaming_delay = -1); its data is as old as the oldest such query. Informational; OLTP replicas are unaffected.",
          ),
        ];
  return [
    {
      name: `pgrr-${topology.name}-recording`,
      interval: promDuration(scrape),
      rules: [
        { record: "pgrr:standby_declared", expr: declared || "vector(0) unless vector(0)" },
        { record: "pgrr:pgbouncer_pool_utilisation:ratio", expr: utilisation },
      ],
    },
    { name: `pgrr-${topology.name}-replication`, rules: replication },
    { name: `pgrr-${topology.name}-wal`, rules: wal },
    { name: `pgrr-${topology.name}-pgbouncer`, rules: pgbouncer },
    { name: `pgrr-${topology.name}-exporters`, rules: exporters },
    ...(olapRules.length > 0 ? [{ name: `pgrr-${topology.name}-olap`, rules: olapRules }] : []),
  ];
}

/** The rules file (also a PrometheusRule's spec.groups). */
export function renderAlertRules(topology: MonitoredTopology, serving?: ServingNodes): string {
  return `# Alert rules for stack ${topology.name}, generated by pg-read-replicas from topology ${topology.hash}.\n${stringify({ groups: alertRules(topology, serving) }, { lineWidth: 0 })}`;
}
