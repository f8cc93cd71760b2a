/**
 * What a planned handover of the writer relies on: a clean shutdown sends every WAL record to the
 * connected standbys before the server exits, so a caught-up standby promoted afterwards holds
 * every commit; and an old writer shut down cleanly holds nothing past the promoted standby's fork
 * point, so it can follow the new writer as a standby without a rewind.
 */
import { cite, fact } from "../fact";

export const HANDOVER = {
  /**
   * In a fast or smart shutdown, each WAL sender exits only once its standby has flushed all WAL sent (the shutdown
   * checkpoint included).
   */
  shutdownWaitsForStandbyFlush: fact(
    true,
    cite(
      "postgres",
      "src/backend/replication/walsender.c WalSndDone",
      "'To figure out whether all WAL has successfully been replicated, check flush location'; proc_exit only when sentPtr == replicatedPtr",
    ),
    cite(
      "shutdownDocs",
      undefined,
      "fast shutdown: 'the server disallows new connections and sends all existing server processes SIGTERM'",
    ),
  ),
  /** pg_controldata's line for a writer shut down cleanly, and for a standby shut down cleanly. */
  cleanShutdownStates: fact(
    { writer: "shut down", standby: "shut down in recovery" },
    cite(
      "controldataSource",
      "dbState()",
      "DB_SHUTDOWNED: 'shut down'; DB_SHUTDOWNED_IN_RECOVERY: 'shut down in recovery'",
    ),
  ),
  /** The lines of pg_controldata a rejoin reads. */
  controldataLines: fact(
    {
      state: "Database cluster state",
      checkpoint: "Latest checkpoint location",
      timeline: "Latest checkpoint's TimeLineID",
      systemId: "Database system identifier",
    },
    cite("controldataSource", "main()", 'printf(_("Latest checkpoint location:           %X/%X\\n"), …)'),
  ),
  /**
   * IDENTIFY_SYSTEM answers systemid, timeline, xlogpos, dbname; TIMELINE_HISTORY tli answers the history file of that
   * timeline, one line per ancestor: parent timeline, the LSN where it ended, a reason.
   */
  replicationCommands: fact(
    ["IDENTIFY_SYSTEM", "TIMELINE_HISTORY"],
    cite(
      "replicationProtocolDocs",
      "IDENTIFY_SYSTEM; TIMELINE_HISTORY tli",
      "'the contents of the timeline history file'",
    ),
  ),
  /**
   * A standby whose latest checkpoint lies past the fork point of the timeline it is asked to follow refuses to start.
   */
  refusesCheckpointPastFork: fact(
    true,
    cite(
      "postgres",
      "src/backend/access/transam/xlogrecovery.c validateRecoveryParameters / rescanLatestTimeLine",
      "'requested timeline %u is not a child of this server's history'",
    ),
  ),
  /** pg_promote(wait => true) returns once the server accepts writes (or false after wait_seconds). */
  promoteWaits: fact(
    "pg_promote(true, 60)",
    cite(
      "postgres",
      "src/backend/access/transam/xlogfuncs.c pg_promote",
      "waits up to wait_seconds for recovery to end",
    ),
  ),
} as const;
