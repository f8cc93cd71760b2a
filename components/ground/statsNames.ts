/**
 * The names behind the application user's statistics (sql/statsAccess.ts), here because the contract's connections,
 * the config's reserved names and the SQL all use them.
 */
export const STATS_SCHEMA = "pgrr_stats";
/** Owns the functions; holds pg_monitor; cannot log in. */
export const STATS_OWNER = "pgrr_stats_owner";
/** libpq's `options` for a direct server connection (not through PgBouncer, which refuses unknown options). */
export const STATS_OPTIONS = `-c search_path=${STATS_SCHEMA},pg_catalog,public`;
