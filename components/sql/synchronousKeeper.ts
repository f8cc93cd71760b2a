/**
 * Synchronous commit given back after a promotion that had to give some of it up. A failover or switchover caps
 * `ANY k` at the surviving OLTP replicas that run at that moment, and with none running the new writer commits
 * locally (failover/promotion.ts): waiting for a standby that cannot stream would hold every commit. What the stack
 * asks for is then recorded beside the setting, in the writer's postgresql.auto.conf, as two custom settings; the
 * keeper, run on the writer every few seconds (refresh.sh on Kubernetes, the local stack's controller), raises k as
 * named standbys stream again, up to what is recorded, and then removes the record. It never lowers k: a standby that
 * stops again makes commits wait, as the stack asks. A setting changed by hand since (neither the promotion's nor
 * the record's) is left alone.
 *
 * Custom settings: ALTER SYSTEM refuses a placeholder its session has not seen ("unrecognized configuration
 * parameter" on PostgreSQL 15), hence the SET of each before it; once written to postgresql.auto.conf every session
 * sees them after the reload (facts/postgres/synchronousKeeper.ts).
 */
import { SYNCHRONOUS_KEEPER } from "../facts/postgres";

/** Where the record lives: custom settings (a dotted name) in the writer's postgresql.auto.conf. */
export const WANTED_SETTINGS = {
  names: "pgrr.wanted_synchronous_standby_names",
  commit: "pgrr.wanted_synchronous_commit",
} as const;

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const declare = SYNCHRONOUS_KEEPER.placeholderSetBeforeAlterSystem.value
  ? Object.values(WANTED_SETTINGS).map((name) => `SET ${name} = ''`)
  : [];

/**
 * Run on a promoted writer with its synchronous settings (sql/promotionSql.ts): records what the stack asks for, or
 * clears a record an earlier promotion of this server left.
 */
export function recordWantedSql(wanted: { commit: string; names: string } | undefined): string[] {
  if (!wanted) return [...declare, ...Object.values(WANTED_SETTINGS).map((name) => `ALTER SYSTEM RESET ${name}`)];
  return [
    ...declare,
    `ALTER SYSTEM SET ${WANTED_SETTINGS.names} = ${literal(wanted.names)}`,
    `ALTER SYSTEM SET ${WANTED_SETTINGS.commit} = ${literal(wanted.commit)}`,
  ];
}

/**
 * One SELECT, run on the server each round as the superuser: the statements to run next (one per row, in order),
 * or no row when there is nothing to do (not the writer, no record, nothing more streams, a hand-made setting). Its
 * rows are run as they come, each on its own (ALTER SYSTEM cannot run in a transaction block).
 */
export const KEEPER_SQL = `WITH wanted AS (
  SELECT current_setting('${WANTED_SETTINGS.names}', true) AS names,
         current_setting('${WANTED_SETTINGS.commit}', true) AS commit
), parsed AS (
  SELECT names, commit,
         substring(names FROM '^ANY ([0-9]+) ')::int AS k,
         ARRAY(SELECT m[1] FROM regexp_matches(names, '"([^"]+)"', 'g') AS m) AS standbys
  FROM wanted
  WHERE coalesce(names, '') ~ '^ANY [0-9]+ \\(' AND coalesce(commit, '') <> '' AND NOT pg_is_in_recovery()
), now AS (
  SELECT p.*,
         current_setting('synchronous_standby_names') AS current_names,
         current_setting('synchronous_commit') AS current_commit,
         (SELECT count(*)::int FROM pg_stat_replication r
           WHERE r.state = '${SYNCHRONOUS_KEEPER.countedState.value}' AND r.application_name = ANY (p.standbys)) AS streaming
  FROM parsed p
), plan AS (
  SELECT *,
         CASE
           WHEN current_names = names AND current_commit = commit THEN k
           WHEN current_names = '' AND current_commit = 'local' THEN 0
           WHEN current_commit = commit AND current_names ~ '^ANY [0-9]+ \\('
                AND regexp_replace(current_names, '^ANY [0-9]+ ', '') = regexp_replace(names, '^ANY [0-9]+ ', '')
             THEN substring(current_names FROM '^ANY ([0-9]+) ')::int
         END AS current_k,
         least(k, streaming) AS next_k
  FROM now
), ready AS (
  SELECT * FROM plan WHERE current_k IS NOT NULL
), steps AS (
  SELECT 1 AS step, format('ALTER SYSTEM SET synchronous_standby_names = %L',
                           regexp_replace(names, '^ANY [0-9]+ ', format('ANY %s ', next_k))) AS statement
    FROM ready WHERE next_k > current_k
  UNION ALL
  SELECT 2, format('ALTER SYSTEM SET synchronous_commit = %L', commit) FROM ready WHERE next_k > current_k
  UNION ALL
  SELECT 3, format('SET %s = %L', name, '')
    FROM ready, unnest(ARRAY['${WANTED_SETTINGS.names}', '${WANTED_SETTINGS.commit}']) AS name
    WHERE greatest(next_k, current_k) = k
  UNION ALL
  SELECT 4, format('ALTER SYSTEM RESET %s', name)
    FROM ready, unnest(ARRAY['${WANTED_SETTINGS.names}', '${WANTED_SETTINGS.commit}']) AS name
    WHERE greatest(next_k, current_k) = k
  UNION ALL
  SELECT 5, 'SELECT pg_reload_conf()' FROM ready WHERE next_k > current_k OR current_k = k
)
SELECT statement FROM steps ORDER BY step`;
