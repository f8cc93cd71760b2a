/**
 * CloudWatch alarms and a dashboard for an Aurora stack: replica lag per reader
 * (the verification bound), global replication lag per secondary region, and per
 * instance connections, CPU and free local storage. Every metric is queried under
 * a dimension set AWS publishes it with (facts/metrics.ts); the global lag, whose
 * set no source settles, through a Metrics Insights query that needs none.
 */
import { DASHBOARD_LABEL } from "../config/labels";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraTopology, DatabaseNode } from "../topology/types";
import { ALARMS } from "../facts/aws/cloudwatch";
import { METRIC_FACTS, RDS_NAMESPACE } from "../facts/aws/metrics";
import type { Instance } from "./primaryInstances";
import type { SecondaryInRegion } from "./secondaryRegion";
import { lagSecondsTiers } from "../monitoring/lagTiers";

export interface AlarmedInstance {
  node: DatabaseNode;
  identifier: pulumi.Input<string>;
}

export interface AlarmedSecondary {
  region: string;
  clusterIdentifier: pulumi.Input<string>;
  provider: aws.Provider;
  /** The region's own topic (crossRegion[].snsTopicArn), when the stack names one. */
  snsTopicArn?: string;
}

export interface AlarmsArgs {
  topology: AuroraTopology;
  prefix: string;
  instances: readonly AlarmedInstance[];
  secondaries: readonly AlarmedSecondary[];
}

const NAMESPACE = RDS_NAMESPACE.value;
/** Aurora's local storage holds temporary files and logs: below this, sorts and logging start to fail. */
export const FREE_LOCAL_STORAGE_FLOOR_BYTES = 2 * 1024 ** 3;
export const CPU_CEILING_PERCENT = 85;
/** Share of max_connections (when the stack sets it; Aurora's own formula is per instance class otherwise). */
export const CONNECTIONS_SHARE = 0.85;

type Metric = keyof typeof METRIC_FACTS;

/** What every alarm of the stack shares: its names' prefix, whom it notifies, and the home region's options. */
interface AlarmContext {
  prefix: string;
  actions: pulumi.Input<string>[];
  /** Tags of the alarm's own, beside the providers' defaultTags: the home region's name the dashboard. */
  tags: Record<string, string>;
  opts: pulumi.CustomResourceOptions & { provider: aws.Provider };
}

/** The stack's dashboard, in the home region. */
export const dashboardNameOf = (prefix: string) => `${prefix}-replication`;

interface InstanceAlarmSettings {
  threshold: number;
  comparison: string;
  statistic: string;
  periods: number;
  description: string;
  missingData: keyof typeof ALARMS.missingData.value;
}

/**
 * Replica lag is published for readers only: after a failover the promoted reader stops publishing it, and a reboot
 * leaves gaps. Missing lag is therefore no alarm (notBreaching); an instance that is really gone still shows in its
 * CPU and local-storage alarms, which keep treating missing data as breaching.
 */
export const REPLICA_LAG_MISSING_DATA = "notBreaching" satisfies keyof typeof ALARMS.missingData.value;

function instanceAlarm(
  name: string,
  metric: Metric,
  instance: AlarmedInstance,
  settings: InstanceAlarmSettings,
  context: AlarmContext,
): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(
    name,
    {
      name,
      namespace: NAMESPACE,
      metricName: metric,
      dimensions: { DBInstanceIdentifier: instance.identifier },
      statistic: settings.statistic,
      period: 60,
      evaluationPeriods: settings.periods,
      datapointsToAlarm: settings.periods,
      threshold: settings.threshold,
      comparisonOperator: settings.comparison,
      treatMissingData: settings.missingData,
      alarmDescription: settings.description,
      alarmActions: context.actions,
      okActions: context.actions,
      tags: context.tags,
    },
    context.opts,
  );
}

/** Replica lag (readers only), CPU, free local storage and, when the stack sets max_connections, connections. */
function instanceAlarms(
  instance: AlarmedInstance,
  topology: AuroraTopology,
  context: AlarmContext,
): aws.cloudwatch.MetricAlarm[] {
  const { name } = instance.node;
  const alarm = (suffix: string, metric: Metric, settings: InstanceAlarmSettings) =>
    instanceAlarm(`${context.prefix}-${name}-${suffix}`, metric, instance, settings, context);
  const maxLagMs = topology.verification.maxLagMs;
  const warningMs = lagSecondsTiers(maxLagMs).warning * 1000;
  const maxConnections = maxConnectionsOf(topology);
  return [
    ...(instance.node.role !== "primary"
      ? [
          alarm("replica-lag", "AuroraReplicaLag", {
            threshold: maxLagMs,
            comparison: "GreaterThanThreshold",
            statistic: "Maximum",
            periods: 3,
            missingData: REPLICA_LAG_MISSING_DATA,
            description: `Critical: ${name} replays more than verification.maxLag (${maxLagMs} ms) behind the writer for 3 minutes: it serves stale reads. See the README's runbook (AuroraReplicaLag).`,
          }),
          // The seeds' warning tier (monitoring/lagTiers.ts): Aurora readers have no byte lag (shared storage).
          alarm("replica-lag-warning", "AuroraReplicaLag", {
            threshold: warningMs,
            comparison: "GreaterThanThreshold",
            statistic: "Maximum",
            periods: 3,
            missingData: REPLICA_LAG_MISSING_DATA,
            description: `Warning: ${name} replays more than ${warningMs} ms behind the writer for 3 minutes (critical at verification.maxLag, ${maxLagMs} ms). See the README's runbook (AuroraReplicaLag).`,
          }),
        ]
      : []),
    alarm("cpu", "CPUUtilization", {
      threshold: CPU_CEILING_PERCENT,
      comparison: "GreaterThanThreshold",
      statistic: "Average",
      periods: 10,
      // An instance that stops reporting (deleted, stopped) is its own problem, not a false all-clear.
      missingData: "breaching",
      description: `${name} uses more than ${CPU_CEILING_PERCENT}% CPU for 10 minutes.`,
    }),
    alarm("free-local-storage", "FreeLocalStorage", {
      threshold: FREE_LOCAL_STORAGE_FLOOR_BYTES,
      comparison: "LessThanThreshold",
      statistic: "Minimum",
      periods: 5,
      missingData: "breaching",
      description: `${name} has under 2 GiB of local storage (temporary files, logs).`,
    }),
    ...(maxConnections !== undefined
      ? [
          alarm("connections", "DatabaseConnections", {
            threshold: Math.floor(maxConnections * CONNECTIONS_SHARE),
            comparison: "GreaterThanThreshold",
            statistic: "Maximum",
            periods: 5,
            missingData: "breaching",
            description: `${name} holds over ${CONNECTIONS_SHARE * 100}% of max_connections (${maxConnections}).`,
          }),
        ]
      : []),
  ];
}

/**
 * The filter of a secondary region's global-lag query. CloudWatch answers only for a dimension set exactly as
 * published, and no source settles this metric's (facts/metrics.ts); the deploy check reads the sets carrying the
 * cluster's identifier, else the one keyed by SourceRegion alone. Metrics Insights joins conditions with AND only, so
 * one query cannot say "this cluster, or SourceRegion alone"; filtering on SourceRegion = the primary's region matches
 * both sets that carry SourceRegion (the cluster's own and the aggregate), so the alarm reads no less than the check.
 */
export function globalLagQuery(primaryRegion: string): string {
  return `SELECT MAX(AuroraGlobalDBReplicationLag) FROM "${NAMESPACE}" WHERE SourceRegion = '${primaryRegion}'`;
}

/** A secondary region's replication lag in the seeds' two tiers: critical at verification.maxLag, and a warning. */
function globalLagAlarms(
  secondary: AlarmedSecondary,
  topology: AuroraTopology,
  context: AlarmContext,
): aws.cloudwatch.MetricAlarm[] {
  const maxLagMs = topology.verification.maxLagMs;
  const warningMs = lagSecondsTiers(maxLagMs).warning * 1000;
  return [
    globalLagAlarm(secondary, topology, { suffix: "global-lag", thresholdMs: maxLagMs, tier: "Critical" }, context),
    globalLagAlarm(
      secondary,
      topology,
      { suffix: "global-lag-warning", thresholdMs: warningMs, tier: "Warning" },
      context,
    ),
  ];
}

/** A secondary region's replication lag, alarmed in that region, notifying that region's topic. */
function globalLagAlarm(
  secondary: AlarmedSecondary,
  topology: AuroraTopology,
  { suffix, thresholdMs, tier }: { suffix: string; thresholdMs: number; tier: string },
  context: AlarmContext,
): aws.cloudwatch.MetricAlarm {
  const query = globalLagQuery(topology.region);
  const name = `${context.prefix}-${secondary.region}-${suffix}`;
  return new aws.cloudwatch.MetricAlarm(
    name,
    {
      name,
      metricQueries: [{ id: "lag", expression: query, period: 60, returnData: true }],
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      threshold: thresholdMs,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "breaching",
      alarmDescription: `${tier}: ${secondary.region} replicates more than ${thresholdMs} ms behind the primary region for 3 minutes (critical at verification.maxLag).`,
      alarmActions: context.actions,
      okActions: context.actions,
    },
    context.opts,
  );
}

/**
 * The topic one region's alarms notify: one the stack creates there, the one it names for that region, or none.
 * CloudWatch refuses an action in another region (facts/cloudwatch.ts), so a region never borrows another's topic.
 */
function regionTopicArn(
  name: string,
  args: { prefix: string; region: string; createSnsTopic: boolean; snsTopicArn: string | undefined },
  opts: pulumi.CustomResourceOptions,
): pulumi.Output<string> | undefined {
  if (args.createSnsTopic) return new aws.sns.Topic(`${name}-alarms`, { name: `${args.prefix}-alarms` }, opts).arn;
  return args.snsTopicArn !== undefined ? pulumi.output(args.snsTopicArn) : undefined;
}

function contextIn(
  topicArn: pulumi.Output<string> | undefined,
  prefix: string,
  opts: AlarmContext["opts"],
  tags: Record<string, string> = {},
): AlarmContext {
  return { prefix, actions: topicArn ? [topicArn] : [], tags, opts };
}

export function auroraAlarms(
  name: string,
  args: AlarmsArgs,
  opts: pulumi.ComponentResourceOptions & { provider: aws.Provider },
): { topicArns: Record<string, pulumi.Output<string>>; alarms: aws.cloudwatch.MetricAlarm[] } {
  const settings = args.topology.aurora.alarms;
  const { prefix } = args;
  const home = args.topology.region;
  const topicArns: Record<string, pulumi.Output<string>> = {};
  const homeTopic = regionTopicArn(
    name,
    { prefix, region: home, createSnsTopic: settings.createSnsTopic, snsTopicArn: settings.snsTopicArn },
    opts,
  );
  if (homeTopic) topicArns[home] = homeTopic;
  const alarms = args.instances.flatMap((instance) =>
    instanceAlarms(
      instance,
      args.topology,
      contextIn(homeTopic, prefix, opts, { [DASHBOARD_LABEL]: dashboardNameOf(prefix) }),
    ),
  );
  for (const secondary of args.secondaries) {
    const inRegion = { ...opts, provider: secondary.provider };
    const topic = regionTopicArn(
      `${name}-${secondary.region}`,
      {
        prefix,
        region: secondary.region,
        createSnsTopic: settings.createSnsTopic,
        snsTopicArn: secondary.snsTopicArn,
      },
      inRegion,
    );
    if (topic) topicArns[secondary.region] = topic;
    alarms.push(...globalLagAlarms(secondary, args.topology, contextIn(topic, prefix, inRegion)));
  }
  return { topicArns, alarms };
}

function maxConnectionsOf(topology: AuroraTopology): number | undefined {
  const setting = topology.regions[0]?.groups[0]?.settings.find((s) => s.name === "max_connections");
  return setting && setting.source === "stackConfig" ? Number(setting.value) : undefined;
}

/** The dashboard: lag per reader and per secondary, connections, CPU and local storage per instance. */
export function auroraDashboard(
  name: string,
  args: AlarmsArgs,
  identifiers: pulumi.Output<string[]>,
  opts: pulumi.ComponentResourceOptions & { provider: aws.Provider },
): aws.cloudwatch.Dashboard {
  const region = args.topology.region;
  const body = identifiers.apply((ids) => {
    const per = (metric: Metric, stat: string, only?: (i: number) => boolean) =>
      ids
        .filter((_, i) => (only ? only(i) : true))
        .map((id) => [NAMESPACE, metric, "DBInstanceIdentifier", id, { stat }]);
    const widget = (title: string, metrics: unknown[], y: number, x: number) => ({
      type: "metric",
      x,
      y,
      width: 12,
      height: 6,
      properties: { title, region, metrics, period: 60 },
    });
    const readers = (i: number) => args.instances[i]?.node.role !== "primary";
    return JSON.stringify({
      widgets: [
        widget("AuroraReplicaLag per reader (ms)", per("AuroraReplicaLag", "Maximum", readers), 0, 0),
        widget("DatabaseConnections", per("DatabaseConnections", "Maximum"), 0, 12),
        widget("CPUUtilization (%)", per("CPUUtilization", "Average"), 6, 0),
        widget("FreeLocalStorage (bytes)", per("FreeLocalStorage", "Minimum"), 6, 12),
      ],
    });
  });
  return new aws.cloudwatch.Dashboard(name, { dashboardName: dashboardNameOf(args.prefix), dashboardBody: body }, opts);
}

/** The alarms and the dashboard, when aurora.alarms.enabled. */
export function createAlarms(
  name: string,
  args: {
    topology: AuroraTopology;
    prefix: string;
    instances: readonly Instance[];
    secondaries: readonly SecondaryInRegion[];
  },
  opts: pulumi.ComponentResourceOptions & { provider: aws.Provider },
): void {
  if (!args.topology.aurora.alarms.enabled) return;
  const alarmArgs: AlarmsArgs = {
    topology: args.topology,
    prefix: args.prefix,
    instances: args.instances.map((i) => ({ node: i.node, identifier: i.resource.identifier })),
    secondaries: args.secondaries.map(({ provider, secondary }) => {
      const declared = args.topology.aurora.secondaries.find((s) => s.region === secondary.region);
      return {
        region: secondary.region,
        clusterIdentifier: secondary.cluster.clusterIdentifier,
        provider,
        ...(declared?.snsTopicArn !== undefined ? { snsTopicArn: declared.snsTopicArn } : {}),
      };
    }),
  };
  auroraAlarms(`${name}-alarm`, alarmArgs, opts);
  auroraDashboard(`${name}-dashboard`, alarmArgs, pulumi.all(args.instances.map((i) => i.resource.identifier)), opts);
}
