/**
 * The client's SQL. Each constant is one simple-protocol message (statements separated by
 * semicolons), so through a transaction-mode PgBouncer it runs on one server connection:
 * PgBouncer hands the server back only at the ReadyForQuery that ends a message outside a
 * transaction block.
 *
 * Why the token is read after COMMIT: a replica shows a transaction once it has replayed
 * the transaction's commit record, and pg_last_wal_replay_lsn() is the end of the last
 * record replayed (set after the record is applied: lastReplayedEndRecPtr in PostgreSQL's
 * xlogrecovery.c). Any position read before COMMIT lies before that commit record, so a
 * replica exactly there still hides the write. pg_current_wal_insert_lsn() read after
 * COMMIT, on the writer, is at or past the end of the commit record: the insert position
 * only moves forward, and the record was inserted before COMMIT returned. (The write
 * position, pg_current_wal_lsn(), can still be behind it under synchronous_commit = off.)
 * test/integration/client-edges.test.ts checks this against the commit record itself
 * with pg_walinspect.
 *
 * One correction keeps idle replicas usable: when the insert position is at the start of a
 * WAL page, pg_current_wal_insert_lsn() points past the page header (24 bytes; 40 on the
 * first page of a segment), while a replica that replayed everything reports the page
 * start, and would never reach the token until more WAL is written. No record can end
 * inside a page header, so the page start is the same requirement. (Header sizes are those
 * of 64-bit builds, where MAXALIGN is 8.)
 */

/** Who answered: cluster_name where set (every server this product runs), else its address. */
const SERVER =
  "coalesce(nullif(current_setting('cluster_name'), ''), host(inet_server_addr()) || ':' || inet_server_port(), 'local socket')";

/** The writer's insert position, moved back over a page header it points past (see above). */
export const WRITER_POSITION = `(SELECT CASE WHEN (w.p - '0/0'::pg_lsn) % w.segment = 40 THEN w.p - 40
                                            WHEN (w.p - '0/0'::pg_lsn) % w.page = 24 THEN w.p - 24
                                            ELSE w.p END
        FROM (SELECT pg_current_wal_insert_lsn() AS p,
                     current_setting('wal_block_size')::numeric AS page,
                     (SELECT setting::numeric FROM pg_settings WHERE name = 'wal_segment_size') AS segment) AS w)`;

/**
 * When the transaction began, in microseconds since the epoch: the same for every statement of one transaction, and
 * different in any later one (a transaction begins at its first message's arrival). Timezone- and DateStyle-proof.
 */
const TRANSACTION_BEGAN = "(extract(epoch FROM now()) * 1000000)::int8";

/**
 * Opens a read on whatever server the read pool hands out and says where that server is.
 * READ COMMITTED on purpose: every later statement takes a new snapshot, after this check,
 * so it sees at least the replayed position checked here. (Under REPEATABLE READ the one
 * snapshot is taken as this statement starts, possibly before replay reached the position
 * the statement reports.) Time lag is 0 when all received WAL is replayed, because
 * now() - pg_last_xact_replay_timestamp() grows forever on an idle primary.
 */
export const BEGIN_REPLICA_READ = `BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT pg_is_in_recovery() AS in_recovery,
       pg_last_wal_replay_lsn()::text AS replay_lsn,
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000 END::float8 AS lag_ms,
       ${SERVER} AS server,
       ${TRANSACTION_BEGAN}::text AS began`;

/** Opens a read on the writer through the write pool; a writer in recovery is refused by the caller. */
export const BEGIN_PRIMARY_READ = `BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT pg_is_in_recovery() AS in_recovery, ${SERVER} AS server, ${TRANSACTION_BEGAN}::text AS began`;

/**
 * Whether the read's own transaction is still the one open when the caller's function returns: a COMMIT or ROLLBACK
 * inside it (an ORM's own transaction()) ends the gated, READ ONLY transaction, and what runs after that runs outside
 * the gate (through a transaction-mode pooler, possibly on another server). The closing message compares the open
 * transaction's start with the one the read began and, when they differ, fails with this mark (SQLSTATE 22P02, an
 * integer cast of the mark made only on that branch: a constant there would be folded, and fail, at plan time), so its
 * COMMIT never commits what the function began after its own (a write on the primary route).
 *
 * Not a savepoint taken as the read opens, which detected the same: a hot standby resolves a recovery conflict with a
 * transaction inside a subtransaction by terminating its connection instead of cancelling its statement
 * (RecoveryConflictInterrupt, src/backend/tcop/postgres.c), so every conflict killed the pooler's server connection and
 * the client saw "40001 FATAL" or, racing PgBouncer's close, a connection error it could not retry.
 */
export const READ_ENDED_MARK = "pgrr: the read's transaction ended inside its function";

function endRead(position: string, began: string): string {
  if (!/^-?\d+$/.test(began))
    throw new Error(`the read's start ${JSON.stringify(began)} is not a number of microseconds`);
  return `SELECT CASE WHEN ${TRANSACTION_BEGAN} = ${began} THEN ${position}::text
            ELSE ('${READ_ENDED_MARK.replaceAll("'", "''")}, seen at ' || now())::int::text END AS lsn;
COMMIT`;
}

/** Ends a replica read begun at `began`, reporting the replayed position its statements saw at most (monotonic). */
export const endReplicaRead = (began: string): string => endRead("pg_last_wal_replay_lsn()", began);

/** Ends a primary read begun at `began` with the position its statements saw at most. */
export const endPrimaryRead = (began: string): string => endRead(WRITER_POSITION, began);

export type Isolation = "read committed" | "repeatable read" | "serializable";

export const beginWrite = (isolation: Isolation = "read committed") =>
  `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()} READ WRITE`;

/**
 * The writer's identity for the tokens it issues (token.ts): its cluster's system identifier (pg_control_system(), kept
 * by every physical replica, base backup and restore of it) and the timeline it writes on, from the name of its current
 * WAL file (pg_walfile_name uses the insert timeline; the checkpoint's timeline in pg_control_checkpoint() lags a
 * promotion until the next checkpoint). Both functions are executable by any role.
 */
const WRITER_TIMELINE = `('x' || substr(pg_walfile_name(pg_current_wal_insert_lsn()), 1, 8))::bit(32)::int AS timeline`;
const WRITER_IDENTITY = `(SELECT system_identifier FROM pg_control_system())::text AS system, ${WRITER_TIMELINE}`;

/**
 * Commits and reads the token on the same server connection, in the same message (see above), with the timeline the
 * commit was written on: a token issued just after a promotion names the new one.
 */
export const COMMIT_WRITE = `COMMIT; SELECT ${WRITER_POSITION}::text AS lsn, ${WRITER_TIMELINE}`;

/** The writer's position and identity now: bounded reads require a replica to have replayed a recent one. */
export const PRIMARY_POSITION = `SELECT ${WRITER_POSITION}::text AS lsn, ${WRITER_IDENTITY}`;
