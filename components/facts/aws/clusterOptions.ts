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
 * default parameter groups. No call can name the stack's own: ModifyGlobalCluster has no parameter-group field, and the
 * provider's upgrade sends only AllowMajorVersionUpgrade and EngineVersion. A group fits only an engine of its family,
 * so the new family's groups can be attached only after the upgrade, and a group newly attached applies on reboot.
 */
export const GLOBAL_MAJOR_UPGRADE = {
  resetsToDefaultParameterGroups: fact(
    true,
    cite("modifyGlobalCluster", "AllowMajorVersionUpgrade", "parameter groups of the new major version"),
    cite("upgradePostgres2023", "global database major upgrade"),
  ),
  /** The request's fields, all of them (the SDK's ModifyGlobalClusterMessage): none names a parameter group. */
  requestFields: fact(
    [
      "GlobalClusterIdentifier",
      "NewGlobalClusterIdentifier",
      "DeletionProtection",
      "EngineVersion",
      "AllowMajorVersionUpgrade",
    ] as const,
    cite("sdkRds", "ModifyGlobalClusterMessage"),
  ),
  /** What terraform-provider-aws sends for a major upgrade of aws_rds_global_cluster. */
  providerSends: fact(
    ["AllowMajorVersionUpgrade", "EngineVersion", "GlobalClusterIdentifier"] as const,
    cite("tfGlobalCluster", "globalClusterUpgradeMajorEngineVersion"),
  ),
  /** A group of another family is refused: the new family's groups wait for the engine to run that major. */
  groupMustMatchRunningFamily: fact(
    true,
    cite(
      "sdkRds",
      "CreateDBClusterParameterGroupMessage.DBParameterGroupFamily",
      "applied only to a DB cluster running a database engine and engine version compatible with that family",
    ),
    cite(
      "sdkRds",
      "ModifyDBInstanceMessage.DBParameterGroupName",
      "Must be in the same DB parameter group family as the DB instance",
    ),
  ),
  /** A newly attached group's values apply when the instance reboots (without failover), not when it is attached. */
  attachedGroupAppliesOnReboot: fact(
    true,
    cite(
      "sdkRds",
      "ModifyDBInstanceMessage.DBParameterGroupName",
      "the actual parameter changes are not applied until you reboot the instance without failover",
    ),
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
