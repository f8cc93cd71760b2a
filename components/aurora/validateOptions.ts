/**
 * Aurora options that relate to other keys: the managed master password and
 * Global Database, windows that must not overlap, major upgrades, lifted
 * protections, and the promotion order autoscaled readers end up in.
 */
import { AUTOSCALING, GLOBAL_DATABASE } from "../facts/aws/limits";
import { RDS_IAM_ROLE_REFUSES_PASSWORDS } from "../facts/aws/iam";
import { PROXY_ENDPOINTS } from "../facts/aws/proxyEndpoints";
import type { ResolvedAurora } from "../config/resolve";
import { parseBackupWindow, parseMaintenanceWindow, windowsOverlap } from "../config/windows";
import type { Check } from "../topology/validate/rule";

function managedPassword(config: ResolvedAurora): Check {
  return ({ issues }) => {
    const { aurora } = config;
    if (aurora.manageMasterUserPassword && config.crossRegion.length > 0) {
      issues.push({
        key: "aurora.manageMasterUserPassword",
        value: true,
        problem: `is ${GLOBAL_DATABASE.managedMasterPassword.value} for clusters in an Aurora Global Database, and crossRegion makes this stack one`,
        fix: "remove aurora.manageMasterUserPassword (the product then generates the password and keeps it as a Pulumi secret), or remove crossRegion",
      });
    }
    if (aurora.masterPasswordRotationDays !== undefined && !aurora.manageMasterUserPassword) {
      issues.push({
        key: "aurora.masterPasswordRotationDays",
        value: aurora.masterPasswordRotationDays,
        problem: "rotates the RDS-managed master password, which is off",
        fix: "set aurora.manageMasterUserPassword: true, or remove aurora.masterPasswordRotationDays",
      });
    }
  };
}

function windows(config: ResolvedAurora): Check {
  return ({ issues }) => {
    const { preferredBackupWindow: backupText, preferredMaintenanceWindow: maintenanceText } = config.aurora;
    if (backupText === undefined || maintenanceText === undefined) return;
    const backup = parseBackupWindow(backupText);
    const maintenance = parseMaintenanceWindow(maintenanceText);
    if (backup && maintenance && windowsOverlap(backup, maintenance)) {
      issues.push({
        key: "aurora.preferredBackupWindow",
        value: backupText,
        problem: `overlaps the maintenance window ${maintenanceText} (RDS refuses a backup window that conflicts with it)`,
        fix: "move one of them, e.g. preferredBackupWindow 03:00-04:00 with preferredMaintenanceWindow sun:05:00-sun:06:00",
      });
    }
  };
}

function versions(config: ResolvedAurora): Check {
  return ({ warnings }) => {
    const { allowMajorVersionUpgrade, autoMinorVersionUpgrade } = config.aurora;
    if (!allowMajorVersionUpgrade) return;
    if (config.crossRegion.length > 0) {
      warnings.push(
        "aurora.allowMajorVersionUpgrade has no effect with crossRegion: a Global Database takes a major upgrade through its global cluster when engineVersion changes.",
      );
    } else if (autoMinorVersionUpgrade) {
      warnings.push(
        "aurora.allowMajorVersionUpgrade applies aurora.engineVersion as written: once AWS has upgraded a minor on its own, pulumi up would try to go back to the configured one. Remove it after the major upgrade.",
      );
    }
  };
}

/**
 * A replaced primary cluster would be created outside the Global Database (it never names the global cluster), and
 * the old one, still the writer of secondaries, cannot leave it: the stack would end with a new, empty writer beside a
 * Global Database still holding the old one.
 */
function replacement(config: ResolvedAurora): Check {
  return ({ issues, warnings }) => {
    const { allowReplacement, deletionProtection } = config.aurora;
    if (!allowReplacement) return;
    if (config.crossRegion.length > 0) {
      issues.push({
        key: "aurora.allowReplacement",
        value: true,
        problem:
          "would let the primary cluster of a Global Database be replaced, but its secondaries and the global cluster stay with the old one",
        fix: "remove crossRegion and run pulumi up (the secondary regions are deleted, the primary keeps running), then make the change with aurora.allowReplacement, then add crossRegion back",
      });
      return;
    }
    warnings.push(
      deletionProtection
        ? "aurora.allowReplacement is set: the cluster has neither Pulumi protect nor RDS deletion protection while it is, so a change of database, user, aurora.kmsKeyId or restore replaces it with a new cluster (empty, or restored anew) and pulumi destroy deletes it. Run pulumi up with it alone first (RDS would otherwise refuse to delete the old cluster), and remove it when done."
        : "aurora.allowReplacement has no effect: aurora.deletionProtection is false, so nothing protects the cluster.",
    );
  };
}

/** db.r6g.4xlarge → 8 (xlarge 4, Nxlarge 4 + N); undefined for names it cannot rank. */
export function instanceSizeRank(instanceClass: string): number | undefined {
  const size = instanceClass.split(".")[2];
  const named = ["micro", "small", "medium", "large", "xlarge"].indexOf(size ?? "");
  if (named >= 0) return named;
  const multiple = /^(\d+)xlarge$/.exec(size ?? "");
  return multiple ? 4 + Number(multiple[1]) : undefined;
}

function promotion(config: ResolvedAurora): Check {
  return ({ warnings }) => {
    const { autoscaling, instanceClass } = config.aurora;
    if (!autoscaling || !config.olap.enabled || !instanceClass.olap) return;
    const olap = instanceSizeRank(instanceClass.olap);
    const writer = instanceSizeRank(instanceClass.writer);
    if (olap === undefined || writer === undefined || olap <= writer) return;
    warnings.push(
      `Autoscaled readers get the writer's class (${instanceClass.writer}) and promotion tier ${AUTOSCALING.addedReaderTier.value}, the OLAP reader's tier; on a tie Aurora promotes the largest instance, ` +
        `so with every OLTP reader (tier 1) down, the OLAP reader (${instanceClass.olap}) becomes writer before any autoscaled reader. aurora-check then fails with the command to fail back.`,
    );
  };
}

/** IAM database authentication is not wired end to end (proxy iamAuth, tokens in the client): refused, not half-on. */
function iamAuthentication(config: ResolvedAurora): Check {
  return ({ issues }) => {
    if (!config.aurora.iamDatabaseAuthentication) return;
    issues.push({
      key: "aurora.iamDatabaseAuthentication",
      value: true,
      problem: `is not supported: RDS Proxy logs in with a password secret and the outputs carry a password, while a role granted rds_iam ${RDS_IAM_ROLE_REFUSES_PASSWORDS.value ? "accepts IAM tokens only" : "changes how it logs in"}, so granting it (as IAM authentication needs) breaks every login through the proxy`,
      fix: "remove aurora.iamDatabaseAuthentication (the application logs in with the password in the stack outputs); IAM tokens to RDS Proxy are not offered yet",
    });
  };
}

/**
 * With an OLAP reader, pools.read cannot be the proxy's READ_ONLY endpoint (it reaches every reader, the OLAP one too),
 * so in mode readWrite that endpoint is created for nothing; the proxy is billed per instance either way.
 */
function proxyReads(config: ResolvedAurora): Check {
  return ({ warnings }) => {
    if (config.aurora.proxy.mode !== "readWrite" || !config.olap.enabled) return;
    warnings.push(
      `aurora.proxy.mode is readWrite with an OLAP reader: the proxy's READ_ONLY endpoint ${PROXY_ENDPOINTS.readOnlyReachesEveryReader.value ? "reaches every reader, the OLAP reader included" : "cannot exclude a reader"}, so pools.read stays on the OLTP custom endpoint and that endpoint goes unused. Set aurora.proxy.mode: writeOnly (or none: the proxy is billed per vCPU of every instance, whichever endpoint reads take).`,
    );
  };
}

export function auroraOptionRules(config: ResolvedAurora): Check[] {
  return [
    managedPassword(config),
    windows(config),
    versions(config),
    replacement(config),
    promotion(config),
    iamAuthentication(config),
    proxyReads(config),
  ];
}
