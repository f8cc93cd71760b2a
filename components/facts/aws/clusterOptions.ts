/**
 * Cluster options the provider and RDS take, with their values and defaults: the storage configuration and the
 * engine lifecycle (Extended Support). Neither replaces the cluster (facts/aws/replacement.ts lists what does).
 */
import { type Fact, cite, fact } from "../fact";

export const STORAGE = {
  /** Aurora's storage types: Standard (aurora) and I/O-Optimized (aurora-iopt1). */
  types: fact(
    ["aurora", "aurora-iopt1"] as const,
    cite("sdkRds", "CreateDBClusterMessage.StorageType", "Aurora DB clusters - aurora | aurora-iopt1; default aurora"),
    cite("pulumiCluster", "storageType", "For Aurora DB clusters, storageType modifications can be done in-place"),
  ),
  /** RDS does not return the type of a Standard cluster, so the program sends it only when the stack names it. */
  standardNotReturned: fact(
    true,
    cite("sdkRds", "CreateDBClusterMessage.StorageType", "The storage type isn't returned when you set it to aurora."),
  ),
} as const satisfies Record<string, Fact<unknown>>;

export const PROXY_BILLING = {
  /** RDS Proxy bills per vCPU-hour of every instance of the cluster it fronts, whatever endpoint reads go through. */
  perVcpuOfEveryInstance: fact(true, cite("proxyPricing")),
  minimumVcpus: fact(2, cite("proxyPricing")),
} as const satisfies Record<string, Fact<unknown>>;

/**
 * A global major upgrade (ModifyGlobalCluster with AllowMajorVersionUpgrade) moves every member to the new major's
 * parameter groups: the defaults, unless the call names the cluster's and instances' own; the provider's global
 * cluster update names none, so the stack's settings are off until the clusters' own update applies them.
 */
export const GLOBAL_MAJOR_UPGRADE = {
  resetsToDefaultParameterGroups: fact(
    true,
    cite("modifyGlobalCluster", "AllowMajorVersionUpgrade", "parameter groups of the new major version"),
    cite("upgradePostgres2023", "global database major upgrade"),
  ),
} as const satisfies Record<string, Fact<unknown>>;

/**
 * The cluster takes Performance Insights and enhanced monitoring itself (the provider sends them with CreateDBCluster,
 * and for a Global Database member by ModifyDBCluster right after): instances it gets later, in any region, have them.
 */
export const CLUSTER_LEVEL_MONITORING = {
  performanceInsights: fact(
    true,
    cite("pulumiCluster", "performanceInsightsEnabled"),
    cite(
      "tfCluster",
      "resourceClusterCreate: performance_insights_enabled → input, or modifyDbClusterInput in a global cluster",
    ),
  ),
  enhancedMonitoring: fact(
    true,
    cite("pulumiCluster", "monitoringInterval, monitoringRoleArn"),
    cite("tfCluster", "resourceClusterCreate: monitoring_interval, monitoring_role_arn → CreateDBClusterInput"),
  ),
} as const satisfies Record<string, Fact<unknown>>;

/**
 * Database Insights, the current name of what the Performance Insights console showed (its console reached end of
 * life): a cluster-level mode its Aurora instances inherit; advanced needs Performance Insights with 465 days.
 */
export const DATABASE_INSIGHTS = {
  modes: fact(
    ["standard", "advanced"] as const,
    cite("pulumiCluster", "databaseInsightsMode", "Valid values: standard, advanced"),
    cite("sdkRds", "CreateDBClusterMessage.DatabaseInsightsMode"),
  ),
  advancedRetentionDays: fact(
    465,
    cite(
      "sdkRds",
      "CreateDBClusterMessage.DatabaseInsightsMode",
      "advanced: you must also set PerformanceInsightsEnabled to true and PerformanceInsightsRetentionPeriod to 465",
    ),
  ),
  instancesInherit: fact(
    true,
    cite(
      "sdkRds",
      "CreateDBInstanceMessage.DatabaseInsightsMode",
      "Aurora DB instances inherit this value from the DB cluster",
    ),
  ),
} as const satisfies Record<string, Fact<unknown>>;

export const ENGINE_LIFECYCLE = {
  values: fact(
    ["open-source-rds-extended-support", "open-source-rds-extended-support-disabled"] as const,
    cite("pulumiCluster", "engineLifecycleSupport"),
    cite("sdkRds", "CreateDBClusterMessage.EngineLifecycleSupport"),
  ),
  /** Left unset, RDS enrolls the cluster in paid Extended Support once its major passes end of standard support. */
  awsDefault: fact(
    "open-source-rds-extended-support" as const,
    cite(
      "sdkRds",
      "CreateDBClusterMessage.EngineLifecycleSupport",
      "By default, this value is set to open-source-rds-extended-support",
    ),
    cite("extendedSupport"),
  ),
  /** Disabled: no Extended Support charges; creating a cluster of a major past end of standard support fails. */
  disabledRefusesPastEndOfSupport: fact(
    true,
    cite(
      "sdkRds",
      "CreateDBClusterMessage.EngineLifecycleSupport",
      "creating the DB cluster will fail if the DB major version is past its end of standard support date",
    ),
  ),
} as const satisfies Record<string, Fact<unknown>>;
