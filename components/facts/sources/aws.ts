/** Sources: AWS: Aurora, RDS Proxy, CloudWatch, IAM, the provider. */
import type { Source } from "./source";

const AUG = "awsdocs/amazon-aurora-user-guide";
const AUG_2023 = "287c60402f2da72238efbe4bd10cc34bb03acfa3";
const TF = "hashicorp/terraform-provider-aws";

export const AWS_SOURCES = {
  apgParams2023: {
    title: "Aurora PostgreSQL parameters (cluster and instance tables, generated from default.aurora-postgresql14)",
    repo: AUG,
    path: "doc_source/AuroraPostgreSQL.Reference.ParameterGroups.md",
    ref: AUG_2023,
    note: "the last archived copy (2023-06); the current page's tables for aurora-postgresql15/16/17 were not readable in the stored corpus",
  },
  apgParams2022: {
    title: "Aurora PostgreSQL parameters, aurora-postgresql13 ('Static.' markers)",
    repo: AUG,
    path: "doc_source/AuroraPostgreSQL.Reference.ParameterGroups.md",
    ref: "4527278326d07063eeb0092f96b90c0ba830be52",
  },
  apgParams2021: {
    title: "Aurora PostgreSQL reference with a 'Modifiable' column",
    repo: AUG,
    path: "doc_source/AuroraPostgreSQL.Reference.md",
    ref: "b0b981a0969c5dbf4158ba0dcf8c51222fbbc192",
  },
  apgParamsCurrent: {
    title: "Amazon Aurora PostgreSQL parameters (current page)",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Reference.ParameterGroups.html",
    note: "only the page head is readable in stored copies; confirm per family with aws rds describe-db-cluster-parameters / describe-db-parameters on default.aurora-postgresql<major>",
  },
  pgGucContext: {
    title: "PostgreSQL GUC contexts (postmaster = needs a restart)",
    repo: "postgres/postgres",
    ref: "REL_15_18",
    path: "src/backend/utils/misc/guc.c",
    note: "read with postgres --describe-config (15.18) on this machine; from 16 on the tables are in src/backend/utils/misc/guc_tables.c",
  },
  apgManaging: {
    title: "Managing Aurora PostgreSQL: max_connections formula and table",
    repo: AUG,
    path: "doc_source/AuroraPostgreSQL.Managing.md",
    ref: AUG_2023,
  },
  auroraPostgresSecurity: {
    title: "Amazon Aurora: Security with Amazon Aurora PostgreSQL (role commands as in PostgreSQL)",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Security.html",
  },
  auroraRdsSuperuser: {
    title: "Amazon Aurora: Understanding the rds_superuser role (the master user's attributes and what it may do)",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Appendix.PostgreSQL.CommonDBATasks.Roles.rds_superuser.html",
  },
  apgScram: {
    title:
      "Using SCRAM for PostgreSQL password encryption: 14 and later default to scram-sha-256 in default.aurora-postgresql14",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/PostgreSQL_Password_Encryption_configuration.html",
  },
  apgSecurity: {
    title: "Aurora PostgreSQL security: rds.force_ssl",
    repo: AUG,
    path: "doc_source/AuroraPostgreSQL.Security.md",
    ref: AUG_2023,
  },
  apgReplication: {
    title: "Replication with Aurora PostgreSQL: static parameters need a reboot of each instance",
    repo: AUG,
    path: "doc_source/AuroraPostgreSQL.Replication.md",
    ref: AUG_2023,
  },
  longRunningReads: {
    title: "AWS Database Blog: Manage long-running read queries on Aurora PostgreSQL",
    url: "https://aws.amazon.com/blogs/database/manage-long-running-read-queries-on-amazon-aurora-postgresql-compatible-edition/",
    note: "the 1000-30000 ms bound the product applies to max_standby_streaming_delay is not in any stored source; unverified",
  },
  metrics2023: {
    title: "Aurora metrics: cluster-level and instance-level tables",
    repo: AUG,
    path: "doc_source/Aurora.AuroraMonitoring.Metrics.md",
    ref: AUG_2023,
  },
  dimensions2023: {
    title: "Aurora CloudWatch dimensions",
    repo: AUG,
    path: "doc_source/dimensions.md",
    ref: AUG_2023,
  },
  metricsCurrentKo: {
    title: "Aurora metrics (current, Korean): AuroraGlobalDB* 'available only in the secondary AWS Region'",
    url: "https://docs.aws.amazon.com/ko_kr/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html",
  },
  globalLabCw: {
    title:
      "Aurora labs: AuroraGlobalDBReplicationLag found under the 'SourceRegion' metrics group in the secondary region",
    url: "https://awsauroralabsmy.com/global/cw/",
    note: "AWS workshop, an observation rather than a reference",
  },
  globalSecondaryAvailability: {
    title:
      "Cross-Region resiliency for Global Database secondaries: monitor AuroraGlobalDBProgressLag (+ AuroraReplicaLag end to end)",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-secondary-availability.html",
  },
  cwGetMetricStatistics: {
    title:
      "CloudWatch GetMetricStatistics: 'If a specific combination of dimensions was not published, you can't retrieve statistics for it'; ListMetrics matches metrics having the given dimensions among others",
    repo: "aws/aws-sdk-js-v3",
    ref: "v3.1164.0",
    path: "clients/client-cloudwatch",
    note: "GetMetricStatisticsInput.Dimensions, ListMetricsInput.Dimensions: @aws-sdk/client-cloudwatch 3.x type documentation in node_modules (3.1164.0)",
  },
  cwAlarmActionRegion: {
    title:
      "CloudWatch PutMetricAlarm refuses an SNS action in another region: 'Invalid region ca-central-1 specified. Only us-west-2 is supported.'",
    url: "https://github.com/cds-snc/notification-terraform/pull/128",
    note: "the error text AWS returned, quoted in the pull request that moved the topics; AWS's PutMetricAlarm reference lists arn:aws:sns:region:account-id:sns-topic-name only",
  },
  cwMissingData: {
    title:
      "Configuring how CloudWatch alarms treat missing data: notBreaching (good), breaching (bad), ignore (keep the state), missing (default)",
    url: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html",
  },
  cwAlarmLimits: {
    title:
      "CloudWatch alarm limits: a metric-math alarm references at most 10 metrics (hard limit); PutMetricAlarm Metrics: at most 10 MetricStat structures",
    url: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html",
  },
  cwMetricsInsightsSyntax: {
    title:
      "Metrics Insights query syntax: WHERE labelKey OPERATOR labelValue [AND ...] (no OR); SCHEMA(...) matches an exact dimension set",
    url: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html",
  },
  autoScaling2023: {
    title: "Using Aurora Auto Scaling with Aurora replicas",
    repo: AUG,
    path: "doc_source/Aurora.Integrating.AutoScaling.md",
    ref: "0dfaa41a89d9004396421180fa2e7d2b02b968ca",
  },
  highAvailability2023: {
    title: "High availability for Aurora: 15 replicas; promotion tiers and the largest-instance tie-break",
    repo: AUG,
    path: "doc_source/Concepts.AuroraHighAvailability.md",
    ref: AUG_2023,
  },
  endpoints2023: {
    title: "Aurora endpoints: custom endpoints, 5 per cluster, identifiers unique per account and region",
    repo: AUG,
    path: "doc_source/Aurora.Overview.Endpoints.md",
    ref: AUG_2023,
  },
  globalRequirements: {
    title:
      "Aurora Global Database configuration requirements: up to 10 secondary Regions, each cluster in its own Region; primary readers 15 - s",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.configuration.requirements.html",
  },
  globalDatabase2023: {
    title: "Aurora Global Database: automatic minor version upgrade does not apply",
    repo: AUG,
    path: "doc_source/aurora-global-database.md",
    ref: AUG_2023,
  },
  upgradePostgres2023: {
    title: "Upgrading Aurora PostgreSQL: global major upgrades upgrade every member",
    repo: AUG,
    path: "doc_source/USER_UpgradeDBInstance.PostgreSQL.md",
    ref: AUG_2023,
  },
  secretsManagerRds: {
    title:
      "Password management with Aurora and Secrets Manager: not supported for clusters in an Aurora global database; rotated every 7 days by default",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html",
  },
  proxySetup2023: {
    title:
      "Getting started with RDS Proxy: the role's kms:Decrypt on the key ARN via secretsmanager.<region>.amazonaws.com",
    repo: AUG,
    path: "doc_source/rds-proxy-setup.md",
    ref: AUG_2023,
  },
  proxyTls: {
    title:
      "Using TLS/SSL with RDS Proxy: certificates from ACM; for verify-ca/verify-full use the Amazon Root CA 1 trust store from Amazon Trust Services (not the RDS bundle); RequireTLS enforces TLS on the proxy",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-proxy.howitworks.html#rds-proxy-security.tls",
  },
  rdsCaBundle: {
    title:
      "Using SSL/TLS to encrypt a connection to a DB cluster: Aurora endpoints' certificates chain to the RDS CAs; the global bundle at truststore.pki.rds.amazonaws.com verifies every region; RDS Proxy needs no RDS certificates",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html",
  },
  tfIamPropagation: {
    title:
      "terraform-provider-aws: IAM changes are retried for propagationTimeout = 2 * time.Minute, citing IAM's eventual-consistency troubleshooting page",
    url: "https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/iam/wait.go",
  },
  iamEventualConsistency: {
    title:
      "Troubleshooting IAM: changes are eventually consistent; do not depend on them in critical paths right after the change",
    url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency",
  },
  serverlessV2Create: {
    title:
      "Creating a cluster that uses Aurora Serverless v2: set the cluster's capacity range (ServerlessV2ScalingConfiguration) before adding any db.serverless instance",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.create.html",
  },
  iamDbAuthPostgres: {
    title:
      "Creating a database account using IAM authentication (PostgreSQL): GRANT rds_iam; a user with rds_iam can log in only with an IAM authentication token",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html",
  },
  rdsProxyEndpoints: {
    title:
      "Working with Amazon RDS Proxy endpoints: the default read/write endpoint, reader endpoints for Aurora clusters",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-proxy-endpoints.html",
  },
  auroraReaderEndpoint: {
    title:
      "Reader endpoints for Amazon Aurora: each connection balanced among the Aurora Replicas; RDS Proxy read-only endpoints balance the same way",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Endpoints.Reader.html",
  },
  pulumiAwsTypes: {
    title: "@pulumi/aws 7 resource argument types: which resources take tags (and so the provider's defaultTags)",
    repo: "pulumi/pulumi-aws",
    ref: "v7.48.0",
    path: "sdk/nodejs",
    note: "read from node_modules/@pulumi/aws (7.48.0) <module>/<resource>.d.ts",
  },
  pulumiProxyEndpoint: {
    title: "@pulumi/aws 7 rds.ProxyEndpoint: targetRole READ_WRITE (default) or READ_ONLY",
    repo: "pulumi/pulumi-aws",
    ref: "v7.48.0",
    path: "sdk/nodejs/rds/proxyEndpoint.ts",
    note: "read from node_modules/@pulumi/aws (7.48.0) rds/proxyEndpoint.d.ts",
  },
  proxySecrets: {
    title: "RDS Proxy database credentials: a secret with keys username and password",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-secrets-arns.html",
  },
  iamConditionOperators: {
    title: "IAM condition operators: StringEquals is exact matching; only StringLike takes * and ? wildcards",
    repo: "awsdocs/iam-user-guide",
    ref: "b78cb749f54da00d3e324635a0e027b936160759",
    note: "the last commit with the guide's text (2023-03) before the repository was archived; the operators table says the same",
    path: "doc_source/reference_policies_elements_condition_operators.md",
  },
  sdkRds: {
    title:
      "@aws-sdk/client-rds 3.1169 model documentation (CreateDBCluster, DBParameterGroupStatus, TargetHealth, DescribeCertificates)",
    repo: "aws/aws-sdk-js-v3",
    ref: "v3.1169.0",
    path: "clients/client-rds/src/models",
    note: "read from node_modules/@aws-sdk/client-rds/dist-types (3.1169.0)",
  },
  sslRotation: {
    title: "Rotating your SSL/TLS certificate: rds-ca-2019 expired August 2024",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL-certificate-rotation.html",
  },
  logsCloudWatch2023: {
    title: "Publishing Aurora PostgreSQL logs: /aws/rds/cluster/<cluster>/postgresql, 'Never expire' by default",
    repo: AUG,
    path: "doc_source/AuroraPostgreSQL.CloudWatch.md",
    ref: AUG_2023,
  },
  logRetentionValues: {
    title: "CloudWatch Logs retention values (PutRetentionPolicy), as @pulumi/aws 7 documents them",
    repo: "pulumi/pulumi-aws",
    ref: "v7.48.0",
    path: "sdk/nodejs/cloudwatch/logGroup.ts",
    note: "read from node_modules/@pulumi/aws (7.48.0)",
  },
  tfCluster: {
    title:
      "aws_rds_cluster: its ForceNew arguments; kms_key_id ValidARN, read back verbatim; joining a global cluster only at creation; leaving it on delete",
    repo: TF,
    path: "internal/service/rds/cluster.go",
    ref: "0168cf6844f393420326f1426bf18ed357b56a77",
  },
  pulumiCluster: {
    title:
      "@pulumi/aws 7 rds.Cluster: storageType (aurora-iopt1, changed in place on Aurora), engineLifecycleSupport (default open-source-rds-extended-support), databaseInsightsMode, cluster-level performanceInsights and monitoring",
    repo: "pulumi/pulumi-aws",
    ref: "v7.48.0",
    path: "sdk/nodejs/rds/cluster.ts",
    note: "read from node_modules/@pulumi/aws (7.48.0) rds/cluster.d.ts",
  },
  extendedSupport: {
    title: "Amazon RDS Extended Support with Aurora: paid past a major's end of standard support",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/extended-support.html",
  },
  proxyPricing: {
    title:
      "Amazon RDS Proxy pricing: per vCPU-hour of every database instance the proxy is enabled for (Aurora: every instance of the cluster), minimum 2 vCPUs",
    url: "https://aws.amazon.com/rds/proxy/pricing/",
  },
  modifyGlobalCluster: {
    title:
      "ModifyGlobalCluster / upgrading a global database's major version: parameter groups of the new major, defaults unless named",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyGlobalCluster.html",
  },
  tfClusterInstance: {
    title: "aws_rds_cluster_instance",
    repo: TF,
    path: "internal/service/rds/cluster_instance.go",
    ref: "01606926a0c0ab9174aec440f976a48b0baee722",
  },
  tfProxy: {
    title: "aws_db_proxy: role_arn and auth.secret_arn ValidARN",
    repo: TF,
    path: "internal/service/rds/proxy.go",
    ref: "013f1736b90439e5a19567a87d3e5cd11858c420",
  },
  tfProxyEndpoint: {
    title: "aws_db_proxy_endpoint: its ForceNew arguments",
    repo: TF,
    path: "internal/service/rds/proxy_endpoint.go",
    ref: "01f431114674c27cf790fafb67ac274bf8f765e1",
  },
  tfClusterParameterGroup: {
    title: "aws_rds_cluster_parameter_group: its ForceNew arguments",
    repo: TF,
    path: "internal/service/rds/cluster_parameter_group.go",
    ref: "01e5fd8f048e919760263fed00bb5a7120439a4f",
  },
  tfParameterGroup: {
    title: "aws_db_parameter_group: its ForceNew arguments",
    repo: TF,
    path: "internal/service/rds/parameter_group.go",
    ref: "01606926a0c0ab9174aec440f976a48b0baee722",
  },
  tfSubnetGroup: {
    title: "aws_db_subnet_group: only its name is ForceNew; subnet_ids change in place",
    repo: TF,
    path: "internal/service/rds/subnet_group.go",
    ref: "01c08000ddb14181b5bd19201d8fca311dc570e4",
  },
  tfRandomId: {
    title: "random_id: keepers, byte_length and prefix require replacement",
    repo: "hashicorp/terraform-provider-random",
    path: "internal/provider/resource_id.go",
    ref: "04572027ebbaca354b5018c9fc62ea23c4f688cf",
  },
  pulumiEngine248: {
    title:
      "Pulumi engine: a protected resource is neither replaced nor deleted; ignoreChanges applies only to a resource that exists",
    repo: "pulumi/pulumi",
    ref: "v3.248.0",
    note: "the CLI release matching the @pulumi/pulumi SDK in node_modules (3.248.0); no CLI runs here",
  },
  tfClusterEndpoint: {
    title: "aws_rds_cluster_endpoint: identifier ForceNew, not auto-named",
    repo: TF,
    path: "internal/service/rds/cluster_endpoint.go",
    ref: "0413c661ec1b94f3033c98f3fbd1e8c1b2725589",
  },
  tfGlobalCluster: {
    title:
      "aws_rds_global_cluster: its ForceNew arguments; no kms_key_id; force_destroy removes the members, the writer last",
    repo: TF,
    path: "internal/service/rds/global_cluster.go",
    ref: "060c26034cb68a176dc23146b1fe6fdc92accba7",
  },
  tfEngineVersion: {
    title: "compareActualEngineVersion: a configured version that differs from the running one becomes a diff",
    url: "https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/rds/engine_version.go",
    note: "not pinned: no copy at a commit is stored here; the function was read as the reference index holds it (2026)",
  },
  tfIssue25713: {
    title: "KMS alias with RDS causes forced recreation (alias ARN vs key ARN)",
    url: "https://github.com/hashicorp/terraform-provider-aws/issues/25713",
  },
  tfIssue19536: {
    title: "Terraform not deleting RDS autoscaled instances: InvalidDBClusterStateFault on destroy",
    url: "https://github.com/hashicorp/terraform-provider-aws/issues/19536",
  },
  pulumiGlobalCluster: {
    title:
      "@pulumi/aws 7 GlobalCluster: a new global cluster from an existing cluster; ignore engineVersion on member clusters when upgrading through the global cluster",
    repo: "pulumi/pulumi-aws",
    ref: "v7.48.0",
    path: "sdk/nodejs/rds/globalCluster.ts",
    note: "read from node_modules/@pulumi/aws (7.48.0): Upgrading Engine Versions",
  },
  pulumiClusterInstance: {
    title: "@pulumi/aws 7 ClusterInstance.engineVersion: upgrades happen on the Cluster, not here",
    repo: "pulumi/pulumi-aws",
    ref: "v7.48.0",
    path: "sdk/nodejs/rds/clusterInstance.ts",
    note: "read from node_modules/@pulumi/aws (7.48.0)",
  },
  bridgeAutoname: {
    title: "pulumi-terraform-bridge: delete-before-replace only for auto-nameable fields the user set",
    repo: "pulumi/pulumi-terraform-bridge",
    ref: "v3.136.0",
    path: "pkg/tfbridge/provider.go",
    note: "Diff: deleteBeforeReplace when nameRequiresDeleteBeforeReplace (schema.go), i.e. an auto-nameable field the autonamer did not fill",
  },
  rdsAuroraModule: {
    title: "terraform-aws-rds-aurora: inputs users expect; random final snapshot suffix before v8",
    repo: "terraform-aws-modules/terraform-aws-rds-aurora",
    path: "variables.tf",
    ref: "259b5827d159ea73d6f61da802291dceaa2ad2c0",
  },
  dataApiRegions: {
    title:
      "Supported Regions and Aurora DB engines for RDS Data API: Aurora PostgreSQL provisioned and Serverless v2, 13.11, 14.8, 15.3, 16.1, 17.4 (and 18.3) and higher, the same in every listed region",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html",
  },
  dataApiLimitations: {
    title:
      "Limitations for the Amazon RDS Data API: writer instances only; not on T DB instance classes; a Global Database secondary has no writer; 14 and later: scram-sha-256 passwords only",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html",
  },
  dataApiDifferences: {
    title:
      "RDS Data API on Serverless v2 and provisioned clusters: enabled with EnableHttpEndpoint (not ModifyDBCluster); calls are CloudTrail data events, left out of trails by default",
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.differences.html",
  },
  tfClusterHttpEndpoint: {
    title:
      "aws_rds_cluster enable_http_endpoint: sent with CreateDBCluster; on a provisioned cluster a change calls EnableHttpEndpoint / DisableHttpEndpoint (enableHTTPEndpointProvisioned)",
    repo: TF,
    path: "internal/service/rds/cluster.go",
    ref: "main",
    note: "read in the stored index of the provider's source (resourceClusterCreate and resourceClusterUpdate); @pulumi/aws 7.48.0 rds/cluster.d.ts: enableHttpEndpoint does not work with snapshotIdentifier, replicationSourceIdentifier or s3Import",
  },
  auroraSqlStatisticsDocs: {
    url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_PerfInsights.UsingDashboard.AnalyzeDBLoad.AdditionalMetrics.PostgreSQL.html",
    title: "Amazon Aurora: SQL statistics for Aurora PostgreSQL (pg_stat_statements loaded by default)",
  },
  githubJobTimeout: {
    title:
      "GitHub Actions workflow syntax: jobs.<job_id>.timeout-minutes (default 360) and the 6-hour limit on a job's execution time on GitHub-hosted runners",
    url: "https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idtimeout-minutes",
    note: "the CI example's preview jobs run Aurora previews; filed with the AWS sources because only the Aurora preview's bound needs it",
  },
  taggingApiServices: {
    title:
      "Services that support the Resource Groups Tagging API: IAM users and roles only in TagResources and UntagResources; GetResources does not currently support them",
    url: "https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/supported-services.html",
    note: "read in the stored docs corpus; IAM's ListRoles returns no Tags (installed @aws-sdk/client-iam 3.1178.0, commands/ListRolesCommand.d.ts), so the reaper reads each role's with ListRoleTags",
  },
} as const satisfies Record<string, Source>;
