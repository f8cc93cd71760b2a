/**
 * Aurora limits and behaviours the product's validation and deploy check rely
 * on: reader and region counts, what autoscaling does with the readers it adds,
 * what a Global Database does not support, where the engine version lives, CA
 * identifiers, log retention values, the proxy's secret, and the states the
 * deploy check reads.
 */
import { type Fact, cite, fact } from "../fact";

export const LIMITS = {
  /** Aurora replicas in one cluster. */
  readersPerCluster: fact(15, cite("highAvailability2023")),
  /** With s secondary regions, the primary cluster keeps at most 15 - s readers. */
  primaryReadersWithSecondaries: fact((secondaries: number) => 15 - secondaries, cite("globalRequirements")),
  /** Readers in each secondary cluster. */
  readersPerSecondaryCluster: fact(16, cite("globalRequirements"), cite("globalDatabase2023")),
  /** Secondary regions of one Global Database (the 2023 guide said 5). */
  secondaryRegions: fact(10, cite("globalRequirements")),
  customEndpointsPerCluster: fact(5, cite("endpoints2023")),
  autoscalingCapacity: fact([0, 15] as const, cite("autoScaling2023")),
  promotionTiers: fact([0, 15] as const, cite("sdkRds"), cite("highAvailability2023")),
} as const satisfies Record<string, Fact<unknown>>;

export const AUTOSCALING = {
  /** RDSReaderAverage* average over every replica, the OLAP reader included. */
  predefinedMetricsAverageEveryReader: fact(true, cite("autoScaling2023")),
  /** Readers it adds get the writer's instance class and promotion tier 15. */
  addedReaderClass: fact("the writer's", cite("autoScaling2023")),
  addedReaderTier: fact(15, cite("autoScaling2023")),
  /** Their identifiers start with this prefix (and carry the tag application-autoscaling:resourceId = cluster:<id>). */
  addedReaderPrefix: fact("application-autoscaling-", cite("autoScaling2023")),
  /**
   * It removes only readers it added; deleting a cluster that still has them fails (nothing in the provider removes
   * them).
   */
  removesOnlyItsOwn: fact(true, cite("autoScaling2023"), cite("tfIssue19536")),
  /** Same tier: the largest instance is promoted; same size: any. */
  tierTieBreak: fact("largest instance first", cite("highAvailability2023")),
  secondaryClusters: fact("not supported", cite("autoScaling2023")),
} as const satisfies Record<string, Fact<unknown>>;

export const GLOBAL_DATABASE = {
  autoMinorVersionUpgradeApplies: fact(false, cite("globalDatabase2023")),
  /** A major upgrade goes through the global cluster and upgrades every member; members then ignore engineVersion. */
  majorUpgradeThroughGlobalCluster: fact(true, cite("upgradePostgres2023"), cite("pulumiGlobalCluster")),
  managedMasterPassword: fact("not supported", cite("secretsManagerRds")),
  /**
   * Each cluster of a Global Database in its own region: a secondary cluster replaced create-before-delete could not
   * join while the old one is still a member there.
   */
  /**
   * "An Aurora global database requires DB instance classes that are optimized for memory-intensive applications"
   * (the db.r and db.x families; AWS recommends db.r5 or higher): burstable db.t and general-purpose db.m are refused.
   */
  memoryOptimizedClass: fact(
    /^db\.(r|x)\d/,
    cite(
      "globalRequirements",
      "DB instance class requirements",
      "memory-optimized classes; db.r5 or higher recommended",
    ),
  ),
  oneClusterPerRegion: fact(
    true,
    cite("globalRequirements", "AWS Region requirements", "the secondary clusters must each be in a different Region"),
  ),
} as const satisfies Record<string, Fact<unknown>>;

/** Where the engine version lives, and what the provider makes of a version AWS moved on its own. */
export const ENGINE_VERSION = {
  /** An instance runs its cluster's version: ClusterInstance.engineVersion upgrades nothing. */
  setOnInstances: fact(
    false,
    cite("pulumiClusterInstance", "ClusterInstance.engineVersion", "to upgrade, it must be done on the Cluster"),
  ),
  /** After AWS's automatic minor upgrade, the configured minor differs from the running one: a diff, a "downgrade". */
  runningMinorDiffsFromConfigured: fact(true, cite("tfEngineVersion", "compareActualEngineVersion")),
  /**
   * DescribeDBEngineVersions lists only versions a new cluster can still be created with ("available") unless
   * IncludeAll is set; statuses are available and deprecated. Aurora retires minors: a pinned version ages.
   */
  describeListsOnlyAvailable: fact(
    true,
    cite(
      "sdkRds",
      "DescribeDBEngineVersionsMessage.IncludeAll",
      "The default is to list only available engine versions.",
    ),
  ),
  statuses: fact(
    ["available", "deprecated"] as const,
    cite("sdkRds", "DescribeDBEngineVersionsMessage.Filters status"),
  ),
} as const satisfies Record<string, Fact<unknown>>;

/**
 * CA identifiers for new instances; rds-ca-2019 expired in August 2024. Set per instance: the cluster field is for
 * Multi-AZ DB clusters only.
 */
export const CA_CERTIFICATES: Fact<readonly string[]> = fact(
  ["rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"],
  cite("sdkRds"),
  cite("sslRotation"),
);

/** CloudWatch Logs retention (0: never expire, which is what RDS's own log group gets). */
export const LOG_RETENTION_DAYS: Fact<readonly number[]> = fact(
  [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
  cite("logRetentionValues"),
  cite("logsCloudWatch2023"),
);

/** Where Aurora PostgreSQL exports its log. */
export const POSTGRES_LOG_GROUP: Fact<(clusterIdentifier: string) => string> = fact(
  (clusterIdentifier) => `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
  cite("logsCloudWatch2023"),
);

export function postgresLogGroupName(clusterIdentifier: string): string {
  return POSTGRES_LOG_GROUP.value(clusterIdentifier);
}

/**
 * DescribeDBInstances DBParameterGroups[].ParameterApplyStatus; DBClusterParameterGroupStatus is free text with the
 * same words.
 */
export const PARAMETER_APPLY_STATUS: Fact<readonly string[]> = fact(
  ["applying", "failed-to-apply", "in-sync", "pending-database-upgrade", "pending-reboot"],
  cite("sdkRds"),
  cite("apgReplication", undefined, "pending-reboot: a static parameter applies after a reboot of each instance"),
);

/** DescribeDBProxyTargets TargetHealth. */
export const PROXY_TARGET_HEALTH = {
  states: fact(["AVAILABLE", "REGISTERING", "UNAVAILABLE", "UNUSED"], cite("sdkRds")),
  reasons: fact(
    [
      "AUTH_FAILURE",
      "CONNECTION_FAILED",
      "INVALID_REPLICATION_STATE",
      "PENDING_PROXY_CAPACITY",
      "PROMOTED",
      "UNREACHABLE",
    ],
    cite("sdkRds"),
  ),
} as const satisfies Record<string, Fact<readonly string[]>>;

/** The JSON keys of the Secrets Manager secret RDS Proxy logs in with. */
export const PROXY_SECRET_KEYS: Fact<readonly string[]> = fact(["username", "password"], cite("proxySecrets"));

/** Window formats of CreateDBCluster: UTC, at least 30 minutes, backup not overlapping maintenance. */
export const WINDOWS = {
  maintenance: fact("ddd:hh24:mi-ddd:hh24:mi", cite("sdkRds")),
  backup: fact("hh24:mi-hh24:mi", cite("sdkRds")),
  minimumMinutes: fact(30, cite("sdkRds")),
} as const satisfies Record<string, Fact<unknown>>;
