/**
 * pg_stat_statements, which the capacity formula's input (per-query latency and call rate) is measured with: what it
 * takes to be available, on each backend.
 */
import { cite, fact } from "../fact";

export const STATEMENT_STATISTICS = {
  /** The module allocates shared memory at start: it must be in shared_preload_libraries, a postmaster setting. */
  preloadLibrary: fact(
    "pg_stat_statements",
    cite(
      "pgStatStatementsDocs",
      "F.32",
      "the module must be loaded by adding pg_stat_statements to shared_preload_libraries in postgresql.conf … server restart is needed to add or remove the module",
    ),
    cite(
      "postgres",
      "contrib/pg_stat_statements/pg_stat_statements.c: _PG_init",
      "if (!process_shared_preload_libraries_in_progress) return",
    ),
  ),
  /** The view exists in a database once CREATE EXTENSION pg_stat_statements ran there (standbys get it as WAL). */
  extensionPerDatabase: fact(
    true,
    cite(
      "pgStatStatementsDocs",
      "F.32.1",
      "the pg_stat_statements view … a database-local object, created by CREATE EXTENSION",
    ),
  ),
  /** Others' query texts read <insufficient privilege> without pg_read_all_stats (which pg_monitor has). */
  readAllStatsRole: fact(
    "pg_read_all_stats",
    cite(
      "pgStatStatementsDocs",
      "F.32.1",
      "for security reasons, only superusers and roles with privileges of the pg_read_all_stats role are allowed to see the SQL text and queryid of queries executed by other users",
    ),
    cite(
      "predefinedRolesDocs",
      "pg_monitor",
      "pg_monitor is a member of pg_read_all_settings, pg_read_all_stats and pg_stat_scan_tables",
    ),
  ),
  /** CloudNativePG loads the library and creates the extension everywhere once a pg_stat_statements.* is set. */
  cnpgManagesExtension: fact(
    { trigger: "pg_stat_statements.track", value: "top" },
    cite(
      "cnpg",
      "docs/src/postgresql_conf.md:298-319",
      "any pg_stat_statements.* parameter: the operator adds it to shared_preload_libraries and runs CREATE EXTENSION IF NOT EXISTS pg_stat_statements on each database",
    ),
    cite(
      "cnpg",
      "pkg/postgres/configuration.go:466-470",
      'ManagedExtensions: Name "pg_stat_statements", Namespaces ["pg_stat_statements"], SharedPreloadLibraries',
    ),
    cite(
      "pgStatStatementsDocs",
      "F.32.3",
      "pg_stat_statements.track: top (the default) tracks top-level statements; superuser context",
    ),
  ),
  /** Aurora PostgreSQL 10 and later load the library by default: the parameter groups need not name it. */
  auroraLoadsByDefault: fact(
    true,
    cite(
      "auroraSqlStatisticsDocs",
      "Digest statistics for Aurora PostgreSQL",
      "for Aurora PostgreSQL DB clusters that are compatible with PostgreSQL 10, this library is loaded by default",
    ),
  ),
} as const;
