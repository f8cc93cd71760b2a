/**
 * What the synchronous keeper (sql/synchronousKeeper.ts) relies on: where it may keep its record, and which standbys
 * PostgreSQL counts towards `ANY k`.
 */
import { cite, fact } from "../fact";

export const SYNCHRONOUS_KEEPER = {
  /**
   * Before PostgreSQL 17, ALTER SYSTEM refuses a custom setting (a dotted name) that the session has not seen:
   * "unrecognized configuration parameter". A SET of it in the same session first creates the placeholder (checked
   * on 15 by test/rehearsal/synchronous-restored.test.ts). Written to postgresql.auto.conf, it is read at every
   * start and reload, so every session sees it afterwards.
   */
  placeholderSetBeforeAlterSystem: fact(
    true,
    cite(
      "postgres17ReleaseNotes",
      undefined,
      "Allow ALTER SYSTEM to set unrecognized custom server variables: not so on 15 and 16",
    ),
    cite("customOptionsDocs", undefined, "placeholders: custom options a module may define later, any dotted name"),
    cite(
      "alterSystemDocs",
      undefined,
      "written to postgresql.auto.conf, read with postgresql.conf; not in a transaction block",
    ),
  ),
  /**
   * A WAL sender counts towards synchronous_standby_names only while it is streaming (a standby catching up does
   * not), so raising k to the named standbys that stream never makes a commit wait for one that cannot confirm yet.
   */
  countedState: fact(
    "streaming",
    cite(
      "postgres",
      "src/backend/replication/syncrep.c: SyncRepGetCandidateStandbys",
      "skips a WAL sender whose state is neither WALSNDSTATE_STREAMING nor WALSNDSTATE_STOPPING",
    ),
    cite("standbyDocs", "Synchronous Replication", "ANY num_sync: quorum-based, any num_sync of the listed standbys"),
  ),
} as const;
