/**
 * The streaming rule, written once as one statement run on the writer: every expected standby
 * streams from it, on its own slot (active), within the byte lag bound. verify.sh prints its rows;
 * the TypeScript verifier maps them into its report. Neither decides anything itself.
 *
 * An expectation is a standby by name on its slot, an operator's instances <cluster>-<n> (as many as
 * expected, each on slot <slotPrefix><instance with - as _>), or a replica cluster's designated
 * primary (CloudNativePG streams it without a slot). The OLAP role is held to flushed WAL rather
 * than replayed: it may pause replay for long queries by design.
 *
 * Catalog names are left unqualified, so a schema listed before pg_catalog in search_path can stand
 * in for pg_stat_replication, pg_replication_slots and pg_current_wal_lsn() (the tests do).
 */
import type { StandbyRole } from "../topology/types";
import { REPLICATION_STATUS_SQL } from "./replicationSql";

export type StreamingExpectation =
  /** `slot` undefined: any slot, as long as it is active (outputs that name none). */
  | { kind: "node"; name: string; slot?: string; role: StandbyRole; remote?: boolean }
  | { kind: "instances"; cluster: string; count: number; slotPrefix: string; role: StandbyRole }
  | { kind: "replicaCluster"; applicationName: string; role: StandbyRole };

/**
 * One row per problem of a standby or of an expectation, and one row without a problem per standby that has none.
 * `standby` is null on a row about the expectation itself (absent, too few instances). In this order.
 */
export const STREAMING_COLUMNS = [
  "expectation",
  "kind",
  "standby",
  "state",
  "slot",
  "active",
  "replay_lag_bytes",
  "flush_lag_bytes",
  "replay_lag_ms",
  "sync_state",
  /** For a report: `<standby> (<role>, <where>): streaming on <slot> (<sync>), replay lag <n> bytes / <n> ms`. */
  "summary",
  "problem",
] as const;

/** A SQL string literal; standard_conforming_strings (on since PostgreSQL 9.1) leaves backslashes alone. */
function literal(text: string): string {
  if (text.includes("\0")) throw new Error(`${JSON.stringify(text)}: a NUL character cannot reach SQL text`);
  return `'${text.replace(/'/g, "''")}'`;
}

const orNull = (text: string | undefined) => (text === undefined ? "NULL" : literal(text));

/** How a report describes the standbys an expectation covers. */
function about(expectation: StreamingExpectation): string {
  switch (expectation.kind) {
    case "node":
      return `${expectation.role}, ${expectation.remote ? "remote" : "local"}`;
    case "instances":
      return `${expectation.role}, instance of ${expectation.cluster}`;
    case "replicaCluster":
      return `${expectation.role}, replica cluster`;
  }
}

/** The expected name, the slot (node: its own; instances: their prefix; replica cluster: none) and how many. */
function columnsOf(expectation: StreamingExpectation): { name: string; slot: string; want: string } {
  switch (expectation.kind) {
    case "node":
      return { name: expectation.name, slot: orNull(expectation.slot), want: "NULL" };
    case "instances":
      if (!Number.isSafeInteger(expectation.count))
        throw new Error(`${expectation.cluster}: an instance count of ${expectation.count} is not a whole number`);
      return { name: expectation.cluster, slot: literal(expectation.slotPrefix), want: String(expectation.count) };
    case "replicaCluster":
      return { name: expectation.applicationName, slot: "NULL", want: "NULL" };
  }
}

function valuesRow(expectation: StreamingExpectation, ord: number): string {
  const { name, slot, want } = columnsOf(expectation);
  const texts = [expectation.kind, name, expectation.role].map(literal).join(", ");
  return `(${ord}, ${texts}, ${slot}, ${want}, ${literal(about(expectation))})`;
}

function expectedRows(expectations: readonly StreamingExpectation[]): string {
  if (expectations.length === 0) return "SELECT 0, '', '', '', NULL, NULL, '' WHERE false";
  return `VALUES\n    ${expectations.map((e, i) => valuesRow(e, i + 1)).join(",\n    ")}\n  `;
}

const PROBLEMS_OF_A_STANDBY = `ARRAY[
      CASE WHEN m.state <> 'streaming' THEN format('%s: state is %s, not streaming.', m.standby, m.state) END,
      CASE WHEN m.kind <> 'replicaCluster' AND NOT (m.active AND (m.wanted_slot IS NULL OR m.slot = m.wanted_slot))
           THEN format('%s: streams without its slot %s active (slot: ''%s'', active: %s).', m.standby, coalesce(m.wanted_slot, '(any)'), m.slot, m.active::text) END,
      CASE WHEN m.lag < 0 THEN format('%s: connected but has not reported a WAL position yet.', m.standby)
           WHEN m.lag > bound.bytes THEN format('%s: lags %s bytes behind the writer (bound %s).', m.standby, m.lag, bound.bytes) END]`;

const PROBLEM_OF_AN_EXPECTATION = `CASE
      WHEN e.kind = 'node' AND c.found = 0
        THEN format('%s: not connected to the writer (absent from pg_stat_replication). Look at its log: seeding, authentication and pg_hba are the usual causes.', e.name)
      WHEN e.kind = 'replicaCluster' AND c.found = 0
        THEN format('%s: the replica cluster''s designated primary is not connected to the writer (absent from pg_stat_replication). Look at kubectl get cluster %s and its pod''s log.', e.name, e.name)
      WHEN e.kind = 'instances' AND c.found < e.want
        THEN format('%s: %s of its %s standbys stream from the writer. Look at the Cluster''s status (kubectl get cluster %s) and its pods'' logs.', e.name, c.found, e.want, e.name)
    END`;

/**
 * The statement. `source` yields REPLICATION_STATUS_SQL's row shape (application_name, state, slot, active, replay and
 * flush lag bytes, replay lag ms, sync state): pg_stat_replication by default, aurora_replica_status() on Aurora.
 */
export function streamingProblemsSql(
  expectations: readonly StreamingExpectation[],
  maxLagBytes: number,
  source: string = REPLICATION_STATUS_SQL,
): string {
  if (!Number.isFinite(maxLagBytes) || maxLagBytes < 0)
    throw new Error(`the byte lag bound ${maxLagBytes} is not a number of bytes (0 or more)`);
  return `WITH standby (application_name, state, slot, active, replay_lag_bytes, flush_lag_bytes, replay_lag_ms, sync_state) AS (
${source}
),
expected AS (
  SELECT ord::int, kind::text, name::text, role::text, slot::text, want::int, about::text
  FROM (${expectedRows(expectations)}) AS v (ord, kind, name, role, slot, want, about)
),
bound (bytes) AS (SELECT ${maxLagBytes}::numeric),
matched AS (
  SELECT e.ord, e.kind, e.name AS expectation, e.about, s.application_name AS standby, s.state, s.slot, s.active,
         s.replay_lag_bytes, s.flush_lag_bytes, s.replay_lag_ms, s.sync_state,
         CASE e.kind WHEN 'instances' THEN e.slot || replace(s.application_name, '-', '_') ELSE e.slot END AS wanted_slot,
         CASE e.role WHEN 'olap' THEN s.flush_lag_bytes ELSE s.replay_lag_bytes END AS lag
  FROM expected e
  JOIN standby s ON CASE e.kind
    WHEN 'instances' THEN left(s.application_name, length(e.name) + 1) = e.name || '-'
                      AND substr(s.application_name, length(e.name) + 2) ~ '^[0-9]+$'
    ELSE s.application_name = e.name END
),
of_standbys AS (
  SELECT m.ord, m.expectation, m.kind, m.standby, m.state, m.slot, m.active, m.replay_lag_bytes, m.flush_lag_bytes,
         m.replay_lag_ms, m.sync_state,
         format('%s (%s): streaming %s (%s), replay lag %s bytes / %s ms', m.standby, m.about,
                CASE m.slot WHEN '' THEN 'without a slot' ELSE 'on ' || m.slot END, m.sync_state,
                m.replay_lag_bytes, m.replay_lag_ms) AS summary,
         p.problem, p.n
  FROM matched m CROSS JOIN bound
  LEFT JOIN LATERAL unnest(array_remove(${PROBLEMS_OF_A_STANDBY}, NULL)) WITH ORDINALITY AS p (problem, n) ON true
),
of_expectations AS (
  SELECT e.ord, e.name AS expectation, e.kind, ${PROBLEM_OF_AN_EXPECTATION} AS problem
  FROM expected e
  CROSS JOIN LATERAL (SELECT count(*) AS found FROM matched m WHERE m.ord = e.ord) c
),
report_rows AS (
  SELECT ord, expectation, kind, NULL AS standby, NULL AS state, NULL AS slot, NULL::boolean AS active,
         NULL::bigint AS replay_lag_bytes, NULL::bigint AS flush_lag_bytes, NULL::bigint AS replay_lag_ms,
         NULL AS sync_state, NULL AS summary, problem, 0::bigint AS n
  FROM of_expectations WHERE problem IS NOT NULL
  UNION ALL
  SELECT ord, expectation, kind, standby, state, slot, active, replay_lag_bytes, flush_lag_bytes, replay_lag_ms,
         sync_state, summary, problem, coalesce(n, 0)
  FROM of_standbys
)
SELECT ${STREAMING_COLUMNS.join(", ")}
FROM report_rows
ORDER BY ord, standby NULLS FIRST, n`;
}

/** One row of the statement, as the pg driver returns it in array mode (bigint as text). */
export interface StreamingRow {
  expectation: string;
  kind: StreamingExpectation["kind"];
  standby: string | null;
  state: string | null;
  slot: string | null;
  active: boolean | null;
  replayLagBytes: number | null;
  flushLagBytes: number | null;
  replayLagMs: number | null;
  sync: string | null;
  summary: string | null;
  problem: string | null;
}

const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const textOrNull = (value: unknown) => (value === null || value === undefined ? null : String(value));

export function streamingRow(values: readonly unknown[]): StreamingRow {
  const [expectation, kind, standby, state, slot, active, replay, flush, replayMs, sync, summary, problem] = values;
  return {
    expectation: String(expectation),
    kind: kind as StreamingRow["kind"],
    standby: textOrNull(standby),
    state: textOrNull(state),
    slot: textOrNull(slot),
    active: typeof active === "boolean" ? active : null,
    replayLagBytes: numberOrNull(replay),
    flushLagBytes: numberOrNull(flush),
    replayLagMs: numberOrNull(replayMs),
    sync: textOrNull(sync),
    summary: textOrNull(summary),
    problem: textOrNull(problem),
  };
}
