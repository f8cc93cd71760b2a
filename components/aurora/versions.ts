/**
 * Who moves the engine version, and what Pulumi must therefore ignore. Pure.
 *
 * - A Global Database upgrades through its global cluster (automatic minor
 *   upgrades do not apply to it): the GlobalCluster's engineVersion follows
 *   stack config, and its member clusters ignore engineVersion, which the
 *   global cluster changes under them.
 * - A single-region cluster with automatic minor upgrades: AWS moves the minor
 *   in the maintenance window, and the provider would then try to "downgrade"
 *   to the configured minor, so engineVersion is ignored. A change of
 *   postgresVersion would swap the parameter groups' family while the engine
 *   stays on the old major, which RDS refuses; so the family is held too, and
 *   the deploy check fails, naming aurora.allowMajorVersionUpgrade, when the
 *   running major differs from postgresVersion.
 * - allowMajorVersionUpgrade (or no automatic minors): engineVersion and the
 *   family follow stack config, and a major change upgrades in place with the
 *   new family's parameter groups (allowMajorVersionUpgrade and
 *   dbInstanceParameterGroupName on the cluster).
 * Instances never carry engineVersion: the cluster's version is theirs.
 */
import type { AuroraSettings } from "../topology/types";

export interface VersionPolicy {
  /** ignoreChanges of the GlobalCluster. */
  global: string[];
  /** ignoreChanges of each member cluster (primary and secondaries). */
  cluster: string[];
  /** ignoreChanges of the parameter groups. */
  parameterGroups: string[];
  /** Sent on the primary cluster: a major change may upgrade it in place. */
  allowMajorVersionUpgrade: boolean;
  /** Why, in one sentence for the notes output. */
  explanation: string;
}

export function versionPolicy(aurora: AuroraSettings): VersionPolicy {
  if (aurora.secondaries.length > 0) {
    return {
      global: [],
      cluster: ["engineVersion"],
      parameterGroups: [],
      allowMajorVersionUpgrade: false,
      explanation:
        "Global Database: AWS applies no automatic minor upgrades here (aurora.autoMinorVersionUpgrade has no effect); change aurora.engineVersion to upgrade, and the global cluster upgrades every member.",
    };
  }
  if (aurora.autoMinorVersionUpgrade && !aurora.allowMajorVersionUpgrade) {
    return {
      global: [],
      cluster: ["engineVersion"],
      parameterGroups: ["family"],
      allowMajorVersionUpgrade: false,
      explanation:
        "AWS applies minor upgrades in the maintenance window, so engineVersion changes in stack config are not applied; a new postgresVersion waits for aurora.allowMajorVersionUpgrade: true (the deploy check says so).",
    };
  }
  return {
    global: [],
    cluster: [],
    parameterGroups: [],
    allowMajorVersionUpgrade: aurora.allowMajorVersionUpgrade,
    explanation: aurora.allowMajorVersionUpgrade
      ? "aurora.engineVersion is applied as set; a new postgresVersion upgrades the cluster in place with that family's parameter groups."
      : "aurora.engineVersion is applied as set (minor upgrades only; a new major needs aurora.allowMajorVersionUpgrade: true).",
  };
}

/** The major a version string names: "16.8" → 16. */
export function majorOf(engineVersion: string): number {
  return Number(engineVersion.split(".")[0]);
}
