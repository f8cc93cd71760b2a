/** PostgreSQL's own rules the pods must satisfy. */
import { cite, fact } from "../fact";

export const POSTGRES = {
  /** libpq ignores a passfile that group or others can access. */
  passfileMaxMode: fact(
    0o600,
    cite("pgpassDocs", undefined, "'If the permissions are less strict than this, the file will be ignored'"),
  ),
  /** The data directory must be 0700 or 0750. */
  dataDirModes: fact(
    [0o700, 0o750],
    cite(
      "postgres",
      "src/backend/utils/init/miscinit.c checkDataDir",
      "'Permissions should be u=rwx (0700) or u=rwx,g=rx (0750)'",
    ),
  ),
  /** A server key owned by root may be 0640 at most; owned by the server's user, 0600. */
  rootOwnedKeyMaxMode: fact(0o640, cite("postgres", "src/backend/libpq/be-secure-common.c check_ssl_key_file")),
  /** A commit waits for synchronous standbys even if none is connected (so a socket-only init server would hang). */
  syncCommitWaitsWithoutStandbys: fact(
    true,
    cite(
      "postgres",
      "src/backend/replication/syncrep.c SyncRepWaitForLSN",
      "'Note that those standbys don't need to be connected'",
    ),
  ),
  /** A physical slot invalidated by max_slot_wal_keep_size or dropped leaves its standby retrying for ever. */
  standbyRetriesForever: fact(
    true,
    cite(
      "standbyDocs",
      "#STANDBY-SERVER-OPERATION",
      "'This loop of retries … goes on until the server is stopped or is promoted'",
    ),
  ),
  /** READ_REPLICATION_SLOT answers the slot's type, restart LSN and timeline, or NULLs when no such slot exists. */
  readReplicationSlot: fact(
    "READ_REPLICATION_SLOT",
    cite("replicationProtocolDocs", "READ_REPLICATION_SLOT", "PostgreSQL 15+"),
  ),
  /** SIGTERM is smart shutdown (waits for clients); SIGINT is fast shutdown. */
  fastShutdownSignal: fact("SIGINT", cite("shutdownDocs")),
} as const;
