/**
 * Backups, WAL archive and restore (issue 22): the tools, the CNPG plugin, volume retention, the archiver's metrics.
 */
export * from "./archive";
export * from "./barmanPlugin";
export * from "./pgbackrest";
export * from "./pvc";
export * from "./recoveryTarget";
