/**
 * Aurora limits and behaviours the product's validation and deploy check rely
 * on: reader and region counts, what autoscaling does with the readers it adds,
 * what a Global Database does not support, CA identifiers, log retention
 * values, and the states the deploy check reads.
 */
import type { SourceId } from "./sources";

interface Fact<T> {
  value: T;
  sources: readonly SourceId[];
}

export const LIMITS = {
  /** Aurora replicas in one cluster. */
  readersPerCluster: { value: 15, sources: ["highAvailability2023"] },
  /** With s secondary regions, the primary cluster keeps at most 15 - s readers. */
  primaryReadersWithSecondaries: { value: (secondaries: number) => 15 - secondaries, sources: ["globalRequirements"] },
  /** Readers in each secondary cluster. */
  readersPerSecondaryCluster: { value: 16, sources: ["globalRequirements", "globalDatabase2023"] },
  /** Secondary regions of one Global Database (the 2023 guide said 5). */
  secondaryRegions: { value: 10, sources: ["globalRequirements"] },
  customEndpointsPerCluster: { value: 5, sources: ["endpoints2023"] },
  autoscalingCapacity: { value: [0, 15] as const, sources: ["autoScaling2023"] },
  promotionTiers: { value: [0, 15] as const, sources: ["sdkRds", "highAvailability2023"] },
} as const satisfies Record<string, Fact<unknown>>;

export const AUTOSCALING = {
  /** RDSReaderAverage* average over every replica, the OLAP reader included. */
  predefinedMetricsAverageEveryReader: { value: true, sources: ["autoScaling2023"] },
  /** Readers it adds get the writer's instance class and promotion tier 15. */
  addedReaderClass: { value: "the writer's", sources: ["autoScaling2023"] },
  addedReaderTier: { value: 15, sources: ["autoScaling2023"] },
  /** Their identifiers start with this prefix (and carry the tag application-autoscaling:resourceId = cluster:<id>). */
  addedReaderPrefix: { value: "application-autoscaling-", sources: ["autoScaling2023"] },
  /**
   * It removes only readers it added; deleting a cluster that still has them fails (nothing in the provider removes
   * them).
   */
  removesOnlyItsOwn: { value: true, sources: ["autoScaling2023", "tfIssue19536"] },
  /** Same tier: the largest instance is promoted; same size: any. */
  tierTieBreak: { value: "largest instance first", sources: ["highAvailability2023"] },
  secondaryClusters: { value: "not supported", sources: ["autoScaling2023"] },
} as const satisfies Record<string, Fact<unknown>>;

export const GLOBAL_DATABASE = {
  autoMinorVersionUpgradeApplies: { value: false, sources: ["globalDatabase2023"] },
  /** A major upgrade goes through the global cluster and upgrades every member; members then ignore engineVersion. */
  majorUpgradeThroughGlobalCluster: { value: true, sources: ["upgradePostgres2023", "pulumiGlobalCluster"] },
  managedMasterPassword: { value: "not supported", sources: ["secretsManagerRds"] },
} as const satisfies Record<string, Fact<unknown>>;

/**
 * CA identifiers for new instances; rds-ca-2019 expired in August 2024. Set per instance: the cluster field is for
 * Multi-AZ DB clusters only.
 */
export const CA_CERTIFICATES: Fact<readonly string[]> = {
  value: ["rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"],
  sources: ["sdkRds", "sslRotation"],
};

/** CloudWatch Logs retention (0: never expire, which is what RDS's own log group gets). */
export const LOG_RETENTION_DAYS: Fact<readonly number[]> = {
  value: [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
  sources: ["logRetentionValues", "logsCloudWatch2023"],
};

/** Where Aurora PostgreSQL exports its log. */
export function postgresLogGroupName(clusterIdentifier: string): string {
  return `/aws/rds/cluster/${clusterIdentifier}/postgresql`;
}

/**
 * DescribeDBInstances DBParameterGroups[].ParameterApplyStatus; DBClusterParameterGroupStatus is free text with the
 * same words.
 */
export const PARAMETER_APPLY_STATUS: Fact<readonly string[]> = {
  value: ["applying", "failed-to-apply", "in-sync", "pending-database-upgrade", "pending-reboot"],
  sources: ["sdkRds"],
};

/** DescribeDBProxyTargets TargetHealth. */
export const PROXY_TARGET_HEALTH = {
  states: { value: ["AVAILABLE", "REGISTERING", "UNAVAILABLE", "UNUSED"], sources: ["sdkRds"] },
  reasons: {
    value: [
      "AUTH_FAILURE",
      "CONNECTION_FAILED",
      "INVALID_REPLICATION_STATE",
      "PENDING_PROXY_CAPACITY",
      "PROMOTED",
      "UNREACHABLE",
    ],
    sources: ["sdkRds"],
  },
} as const satisfies Record<string, Fact<readonly string[]>>;

/** Window formats of CreateDBCluster: UTC, at least 30 minutes, backup not overlapping maintenance. */
export const WINDOWS = {
  maintenance: { value: "ddd:hh24:mi-ddd:hh24:mi", sources: ["sdkRds"] },
  backup: { value: "hh24:mi-hh24:mi", sources: ["sdkRds"] },
  minimumMinutes: { value: 30, sources: ["sdkRds"] },
} as const satisfies Record<string, Fact<unknown>>;
