/** Admission rules of the statefulset engine. */
import type { ResolvedSelfHosted } from "../../config/resolve";
import { STATEFULSET_IMAGES } from "../../facts/images";
import type { Check } from "../../topology/validate/rule";

/** After a failover the writer is an OLTP replica of the primary's region: one that exists. */
function writer(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    const primary = `${config.name}-primary-0`;
    const replicas = Array.from({ length: config.replicas.count }, (_, i) => `${config.name}-replica-${i}`);
    if (config.kubernetes.writer === primary || replicas.includes(config.kubernetes.writer)) return;
    issues.push({
      key: "kubernetes.writer",
      value: config.kubernetes.writer,
      problem: "is neither the primary's pod nor an OLTP replica pod of the primary's region",
      fix: `use ${primary} or the replica pg-read-replicas kubernetes failover promoted (one of ${replicas.join(", ")})`,
    });
  };
}

/** Backups and restores run pgBackRest in the database pods: an image the user names must say it has it. */
function backupImage(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    const uses = config.backup.enabled ? "backup.enabled" : config.restore ? "restore" : undefined;
    if (uses === undefined || config.kubernetes.postgresHasPgbackrest) return;
    issues.push({
      key: "kubernetes.images.postgres",
      value: config.kubernetes.images.postgres,
      problem: `has no pgBackRest that ${uses} needs (the official postgres image has none), or is not declared to`,
      fix: `build images/postgres-pgbackrest (FROM that image + pgbackrest 2.45), push it and name it here with kubernetes.images.postgresHasPgbackrest: true; or remove images.postgres for the default ${STATEFULSET_IMAGES.postgresWithBackup(config.postgresVersion)}`,
    });
  };
}

export function statefulsetRules(config: ResolvedSelfHosted): Check[] {
  return [writer(config), backupImage(config)];
}
