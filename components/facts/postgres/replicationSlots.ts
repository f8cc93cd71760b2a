/**
 * What a standby's start (seed-replica.sh) can learn about its writer over a replication connection, the only access
 * the replication role has: whose system the writer is, what its slot holds, and whether the WAL the standby needs is
 * still there. Observed on PostgreSQL 15.18 here (test/rehearsal/seed-replica.test.ts replays each).
 */
import { cite, fact } from "../fact";

export const REPLICATION_SLOTS = {
  /**
   * READ_REPLICATION_SLOT answers `physical|<restart_lsn>|<tli>` for a slot that reserves WAL, `physical||` for one
   * that reserves none, and `||` for a name no slot has. A slot reserves none both when it was made by
   * pg_create_physical_replication_slot(name) and never used (immediately_reserve defaults to false) and when
   * max_slot_wal_keep_size invalidated it (15 clears restart_lsn): the answer alone cannot tell "new" from "lost".
   */
  readSlotAnswers: fact(
    { missing: "||", noReservation: "physical||", reservedPrefix: "physical|" },
    cite(
      "postgres",
      "src/backend/replication/walsender.c ReadReplicationSlot",
      "slot_type 'physical' once the slot is found; restart_lsn and restart_tli only if restart_lsn is valid",
    ),
    cite(
      "postgres",
      "src/backend/replication/slot.c InvalidatePossiblyObsoleteSlot",
      "s->data.invalidated_at = restart_lsn; s->data.restart_lsn = InvalidXLogRecPtr (read in source: 16 and later do the same when the cause is RS_INVAL_WAL_REMOVED; not run here)",
    ),
    cite(
      "pgReplicationFunctionsDocs",
      "pg_create_physical_replication_slot",
      "'when true, specifies that the LSN for this replication slot be reserved immediately; otherwise the LSN is reserved on first connection from a streaming replication client'",
    ),
    cite(
      "pgSlotKeepSize",
      undefined,
      "observed on 15.18 here: a new slot, and the same slot after invalidation (wal_status 'lost'), both answer physical||",
    ),
  ),
  /**
   * IDENTIFY_SYSTEM's first column is the server's system identifier, the one pg_controldata prints for its data
   * directory and for every base backup of it (and so every standby). initdb draws a new one: a writer initialised
   * again on an empty volume is another system, whose WAL no standby of the old one can replay.
   */
  systemIdentifier: fact(
    { identifySystemColumn: 1, controldataLine: "Database system identifier" },
    cite(
      "replicationProtocolDocs",
      "IDENTIFY_SYSTEM",
      "'systemid (text): The unique system identifier identifying the cluster'",
    ),
    cite(
      "postgres",
      "src/backend/access/transam/xlog.c BootStrapXLOG",
      "sysidentifier from gettimeofday() and getpid()",
    ),
    cite(
      "postgres",
      "src/backend/replication/walreceiver.c WalReceiverMain",
      "'database system identifier differs between the primary and standby'",
    ),
  ),
  /**
   * The segment a standby replays from after a restart: the REDO of its latest restartpoint, as pg_controldata names
   * it (a file name: timeline, then the segment). Its pg_wal holds what follows; what it lacks it asks the writer for.
   */
  redoSegment: fact(
    { controldataLine: "Latest checkpoint's REDO WAL file", segmentSizeLine: "Bytes per WAL segment" },
    cite("controldataSource", "main()", 'printf(_("Latest checkpoint\'s REDO WAL file:    %s\\n"), xlogfilename)'),
  ),
  /**
   * Streaming from a segment the writer has removed fails with this message (%s is the segment's file name); a
   * segment still in pg_wal streams.
   */
  removedSegmentMessage: fact(
    "requested WAL segment %s has already been removed",
    cite("postgres", "src/backend/access/transam/xlog.c CheckXLogRemoved"),
    cite("postgres", "src/backend/replication/walsender.c WalSndSegmentOpen"),
  ),
  /**
   * pg_receivewal starts at the newest segment in its directory, at the beginning of a `.partial` one, on that file's
   * timeline; with --endpos and --no-loop it exits 0 once it has received that far and 1 on the writer's error. Without
   * --slot it touches no slot. So an empty `<segment>.partial` asks the writer for exactly that segment.
   */
  receivewalProbe: fact(
    { startsAt: "newest <segment>.partial, from its start, on its timeline", options: ["--no-loop", "--endpos"] },
    cite("postgres", "src/bin/pg_basebackup/pg_receivewal.c FindStreamingStart", "'*tli = high_tli; return high_ptr'"),
    cite(
      "pgReceivewalDocs",
      "-E lsn --endpos; -n --no-loop",
      "observed on 15.18 here: a removed segment → exit 1 with the message above; a kept one → exit 0",
    ),
  ),
  /** CREATE_REPLICATION_SLOT name PHYSICAL RESERVE_WAL reserves from the writer's REDO now, as immediately_reserve. */
  createReserved: fact(
    "CREATE_REPLICATION_SLOT %s PHYSICAL RESERVE_WAL",
    cite("replicationProtocolDocs", "CREATE_REPLICATION_SLOT", "'RESERVE_WAL: … reserve WAL immediately'"),
  ),
} as const;
