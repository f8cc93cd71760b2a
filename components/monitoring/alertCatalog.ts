/**
 * The one alert catalog: what each alert the stack ships *is* (its severity, how long it must hold before it fires,
 * the texts every engine shares), whichever engine renders it. The rule builders (alertRules.ts, archiveRules.ts,
 * certificateRules.ts, lagTiers.ts for local and the statefulset engine; cnpgRules.ts for cloudnative-pg) write only
 * their expressions and the texts that must differ; an engine that differs in anything else says so here, with the
 * reason. Every alert has a `#### <name>` entry in README.md's Runbook (test/unit/alertCatalog.test.ts). Pure data.
 *
 * Texts may hold `%name%` placeholders, filled by the builder with the stack's own figures (catalogRule.ts).
 * An alert without a shared summary or description has one per engine: the engines' wording names different
 * objects and commands there (a standby or a Cluster, re-seed or re-clone, a sidecar or the instance manager).
 */

export type Severity = "critical" | "warning" | "info";

/** Who renders rules: the statefulset engine and the local backend share one builder, cloudnative-pg has its own. */
export const RULE_ENGINES = ["statefulset", "local", "cloudnative-pg"] as const;
export type RuleEngine = (typeof RULE_ENGINES)[number];

/**
 * How long the condition must hold: milliseconds, none (the expression itself waits: an offset, an age, a countdown),
 * or a stack's monitoring.olapReplayPausedFor.
 */
export type ForSpec = number | "none" | "olapReplayPausedFor";

/** A text, or one per severity for an alert in tiers. */
export type CatalogText = string | Readonly<Partial<Record<Severity, string>>>;

export interface EngineOverride {
  /** Why this engine differs. */
  reason: string;
  /** The engine does not render the alert at all. */
  absent?: true;
  forMs?: ForSpec;
  /** Texts this engine writes itself although the catalog has a shared one. */
  ownTexts?: ReadonlyArray<"summary" | "description">;
}

export interface CatalogAlert {
  /** One severity, or the tiers the alert fires in under the same name (the severity label tells them apart). */
  severities: readonly Severity[];
  forMs: ForSpec;
  summary?: CatalogText;
  description?: CatalogText;
  engines?: Readonly<Partial<Record<RuleEngine, EngineOverride>>>;
}

const MINUTE = 60_000;

const NO_WAL_STATUS: EngineOverride = {
  absent: true,
  reason: "the operator's default queries export no slot wal_status; PgSlotRetainedWalNearMax warns before a loss",
};
const NO_PGBACKREST: EngineOverride = {
  absent: true,
  reason:
    "archiving is the Barman Cloud plugin's (its metrics: facts ARCHIVE_WATCH.barmanPluginMetrics), not pgBackRest",
};
const CERTIFICATES_NOT_ISSUED: Readonly<Partial<Record<RuleEngine, EngineOverride>>> = {
  local: {
    absent: true,
    reason: "local/tls.ts makes the rehearsal's certificates with openssl; no Pulumi-issued expiry to render",
  },
  "cloudnative-pg": { absent: true, reason: "the operator issues and renews the Clusters' certificates itself" },
};

export const ALERT_CATALOG = {
  // Replication
  PgReplicaNotStreaming: { severities: ["critical"], forMs: MINUTE },
  PgReplicationStreamingInterrupted: {
    severities: ["critical"],
    forMs: MINUTE,
    summary: "{{ $labels.pg_node }}: WAL receiver not streaming",
  },
  PgReplicationLagHigh: {
    severities: ["warning", "critical"],
    forMs: MINUTE,
    summary: "%standby% replays {{ $value | humanizeDuration }} behind (%severity% above %threshold%s)",
    description: {
      warning:
        "Replay lag (0 when idle) is above the warning tier: reads there may be stale. Watch it; the critical tier is verification.maxLag.",
      critical:
        "Replay lag (0 when idle) is above verification.maxLag: reads there are stale past the stack's bound. Find what holds replay (long queries, I/O) or add replicas.",
    },
  },
  PgReplicationLagBytesHigh: {
    severities: ["warning", "critical"],
    forMs: 2 * MINUTE,
    summary: "%standby% is {{ $value | humanize1024 }}B behind the writer (%severity% above %threshold% bytes)",
    description: {
      warning:
        "More WAL than the warning tier is not replayed; past replication.maxLagBytes the replica leaves the read pool. Check its disk and CPU, and long queries on it.",
      critical:
        "More WAL than replication.maxLagBytes is not replayed: the replica is out of the read pool until it catches up. Check its disk and CPU, and long queries on it.",
    },
  },
  PgReplicaNotInRecovery: { severities: ["critical"], forMs: 30_000 },
  PgMoreThanOneWriter: {
    severities: ["critical"],
    forMs: 30_000,
    summary: "{{ $labels.pgrr_cluster }}: {{ $value }} servers accept writes",
  },
  PgFewerStreamingReplicasThanDeclared: {
    severities: ["critical"],
    forMs: 2 * MINUTE,
    summary: "{{ $labels.pgrr_cluster }}: {{ $value }} standbys stream, %declared% declared",
  },

  // WAL and slots
  PgReplicationSlotInactive: { severities: ["warning"], forMs: 2 * MINUTE },
  PgSlotRetainedWalNearMax: {
    severities: ["warning"],
    forMs: MINUTE,
    summary: "slot {{ $labels.slot_name }} retains {{ $value | humanizePercentage }} of max_slot_wal_keep_size",
  },
  PgSlotWalLost: {
    severities: ["critical"],
    // wal_status is a state, not a sample that flaps: unreserved is already past max_slot_wal_keep_size.
    forMs: "none",
    summary: "slot {{ $labels.slot_name }} is {{ $labels.wal_status }}",
    description:
      "WAL its standby needs is (about to be) removed. A lost slot's standby cannot stream again: restart it (the seed script re-seeds it) or delete its volume.",
    engines: { "cloudnative-pg": NO_WAL_STATUS },
  },
  PgWalDiskHigh: {
    severities: ["warning"],
    forMs: 5 * MINUTE,
    summary: "{{ $labels.pg_node }}: WAL fills {{ $value | humanizePercentage }} of the data volume",
  },

  // PgBouncer
  PgbouncerClientsWaiting: {
    severities: ["warning"],
    forMs: MINUTE,
    summary: "pool {{ $labels.pool }} ({{ $labels.instance }}): {{ $value }} clients wait for a server connection",
    description:
      "The pool and its reserve are in use: queries queue. Look for long transactions, or raise pgbouncer.defaultPoolSize within max_connections.",
  },
  PgbouncerPoolSaturated: {
    severities: ["warning"],
    forMs: MINUTE,
    summary: "pool {{ $labels.pool }} ({{ $labels.instance }}) uses {{ $value | humanizePercentage }} of its pool size",
    description:
      "Server connections near the pool size: the next burst waits. Raise the pool size or add replicas (read pool).",
  },
  PgbouncerClientConnectionsNearMax: {
    severities: ["warning"],
    forMs: 2 * MINUTE,
    summary: "pool {{ $labels.pool }} ({{ $labels.instance }}): {{ $value | humanizePercentage }} of max_client_conn",
    description: "New clients will be refused soon: raise pgbouncer.maxClientConn or find the connection leak.",
  },

  // The exporters
  PgExporterDown: {
    severities: ["critical"],
    forMs: MINUTE,
    summary: "{{ $labels.job }} target {{ $labels.instance }} is down",
  },
  PgExporterCannotReachPostgres: { severities: ["critical"], forMs: MINUTE },
  PgbouncerExporterCannotReachPgbouncer: { severities: ["critical"], forMs: MINUTE },
  PgExporterQueriesFileBroken: {
    severities: ["warning"],
    // cnpg_collector_last_collection_error is set anew at every collection, so one failed query would page at once
    // and clear at the next; postgres_exporter's load error holds until the exporter reloads. Five minutes on both.
    forMs: 5 * MINUTE,
  },
  PgExporterTargetsMissing: {
    severities: ["warning"],
    forMs: 5 * MINUTE,
    summary: "%stack%: no database target is scraped",
  },

  // The OLAP replica
  PgOlapReplayPaused: {
    severities: ["info"],
    forMs: "olapReplayPausedFor",
    description:
      "By design the OLAP replica lets long queries hold replay (max_standby_streaming_delay = -1); its data is as old as the oldest such query. Informational; OLTP replicas are unaffected.",
    engines: {
      "cloudnative-pg": {
        reason:
          "no conflict-wait metric: the expression compares the replica's idle-safe lag, which grows only while replay is held, with olapReplayPausedFor itself",
        forMs: "none",
      },
    },
  },

  // Archive and base backups (a stack whose writer archives with pgBackRest)
  PgArchiveDisabled: {
    severities: ["critical"],
    forMs: 5 * MINUTE,
    summary: "{{ $labels.pg_node }}: archive_mode is off on the writer",
    description:
      "The stack archives WAL, but its writer does not: nothing after the newest base backup can be restored. The writer was started with a configuration other than the stack's; restart it through the stack (archive_mode needs a restart).",
    engines: { "cloudnative-pg": NO_PGBACKREST },
  },
  PgArchiveFailing: {
    severities: ["critical"],
    forMs: MINUTE,
    summary: "{{ $labels.pg_node }}: archive_command fails",
    description:
      "The writer's newest archive attempts failed: WAL piles up in pg_wal and the recovery point stands still. The writer's log names the failing command and pgBackRest's error (repository unreachable, full, or credentials).",
    engines: { "cloudnative-pg": NO_PGBACKREST },
  },
  PgArchiveBehind: {
    severities: ["critical"],
    // The expression's offset already waits archive_timeout plus the margin.
    forMs: "none",
    summary: "{{ $labels.pg_node }}: {{ $value | humanize1024 }}B of WAL written over %behind% ago is not archived",
    description:
      "WAL written more than archive_timeout (%archiveTimeout%s) plus %margin%s ago is still only on the writer: losing its disk now loses those transactions. archive_command hangs or is too slow for the write rate (segments waiting: pgrr_archiver_ready_segments).",
    engines: { "cloudnative-pg": NO_PGBACKREST },
  },
  PgBaseBackupTooOld: {
    severities: ["warning"],
    // An age compared with the schedule's longest gap plus a margin: waiting longer adds nothing.
    forMs: "none",
    summary: "{{ $labels.pg_node }}: no base backup for {{ $value | humanizeDuration }}",
    description:
      'The schedule "%schedule%" runs a base backup at least every %gap%; the writer\'s newest ended longer ago than that plus a margin (or, with none on this writer, it started that long ago). Restores replay all WAL since the newest base backup, and retention keeps WAL only from the oldest kept one.',
    engines: { "cloudnative-pg": NO_PGBACKREST },
  },

  // Certificates the stack issued (statefulset engine)
  PgCertificateExpiresSoon: {
    severities: ["warning"],
    // A countdown against a recorded expiry: the threshold is the wait.
    forMs: "none",
    summary: "certificate {{ $labels.certificate }} expires in {{ $value | humanizeDuration }}",
    description:
      "No `up` ran in its renewal window. Run `pulumi up`: it issues a fresh certificate and the servers and pools take it without a writer restart.",
    engines: CERTIFICATES_NOT_ISSUED,
  },
  PgCertificateExpiring: {
    severities: ["critical"],
    forMs: "none",
    summary: "certificate {{ $labels.certificate }} expires in {{ $value | humanizeDuration }}",
    description:
      "At expiry, replicas in other regions (which verify it) stop streaming and TLS clients that verify refuse the pools. Run `pulumi up` now.",
    engines: CERTIFICATES_NOT_ISSUED,
  },
} as const satisfies Record<string, CatalogAlert>;

export type AlertName = keyof typeof ALERT_CATALOG;
