/** PostgreSQL's and PgBouncer's behaviours a running stack's changes rely on, each with its sources. */
export { HANDOVER } from "./handover";
export { PGBOUNCER } from "./pgbouncer";
export { ROLE_ADMINISTRATION } from "./roleAdministration";
export { REPLICATION_SLOTS } from "./replicationSlots";
export { SCRAM_SECRET } from "./scramSecret";
export {
  HBA_READ_ON_RELOAD,
  RELOAD_KEEPS_OLD_VALUE_ON_ERROR,
  RESTART_CONTEXT,
  SETTING_CONTEXTS,
  type SettingContext,
} from "./settingContexts";
export { STATEMENT_LOGGING } from "./statementLogging";
export { STATEMENT_STATISTICS } from "./statementStatistics";
export { STANDBY_LINK } from "./standbyLink";
export { SYNCHRONOUS_KEEPER } from "./synchronousKeeper";
export { POOL_LINK } from "./poolLink";
