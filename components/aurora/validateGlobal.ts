/**
 * Aurora rules that AWS applies across regions and alarms: each region's alarms notify a topic of that region, a
 * Global Database takes memory-optimized classes only, an open crossRegion CIDR is named, and the OLTP-average
 * scaling metric stays within CloudWatch's metrics per alarm. Facts in facts/aws (limits.ts, cloudwatch.ts).
 */
import { ALARMS, snsTopicRegion } from "../facts/aws/cloudwatch";
import { GLOBAL_DATABASE } from "../facts/aws/limits";
import type { ConfigIssue } from "../config/errors";
import type { ResolvedAurora } from "../config/resolve";
import type { Check } from "../topology/validate/rule";

function topicRegionIssue(key: string, arn: string | undefined, region: string): ConfigIssue[] {
  if (arn === undefined) return [];
  const topicRegion = snsTopicRegion(arn);
  if (topicRegion === undefined || topicRegion === region) return [];
  return [
    {
      key,
      value: arn,
      problem: `is a topic in ${topicRegion}, but the alarms it would serve are in ${region}; CloudWatch refuses an action in another region`,
      fix: `name a topic of ${region} (arn:aws:sns:${region}:<account>:<name>), or set monitoring.createSnsTopic: true to create one per region`,
    },
  ];
}

/** Item 1: every region's alarms notify a topic of their own region. */
function alarmTopics(config: ResolvedAurora): Check {
  return ({ issues, warnings }) => {
    if (!config.alarms.enabled) return;
    issues.push(...topicRegionIssue("monitoring.snsTopicArn", config.alarms.snsTopicArn, config.region));
    config.crossRegion.forEach((entry, index) => {
      issues.push(...topicRegionIssue(`crossRegion[${index}].snsTopicArn`, entry.snsTopicArn, entry.region));
      if (config.alarms.snsTopicArn !== undefined && !config.alarms.createSnsTopic && entry.snsTopicArn === undefined)
        warnings.push(
          `crossRegion[${index}] (${entry.region}): its global-lag alarm notifies nobody; monitoring.snsTopicArn is in ${config.region}, and CloudWatch takes only a topic of the alarm's region. Set crossRegion[${index}].snsTopicArn to a topic of ${entry.region}, or monitoring.createSnsTopic: true.`,
        );
    });
  };
}

/** Every instance class a Global Database would run, with the key that sets it. */
function globalClasses(config: ResolvedAurora): Array<{ key: string; value: string }> {
  const { instanceClass } = config.aurora;
  return [
    { key: "aurora.instanceClass.writer", value: instanceClass.writer },
    { key: "aurora.instanceClass.reader", value: instanceClass.reader },
    ...(config.olap.enabled && instanceClass.olap
      ? [{ key: "aurora.instanceClass.olap", value: instanceClass.olap }]
      : []),
    ...config.crossRegion.map((entry, index) => ({
      key: `crossRegion[${index}].instanceClass`,
      value: entry.instanceClass,
    })),
  ];
}

/** Item 14: a Global Database takes memory-optimized classes only. */
function globalInstanceClasses(config: ResolvedAurora): Check {
  return ({ issues }) => {
    if (config.crossRegion.length === 0) return;
    const seen = new Set<string>();
    for (const { key, value } of globalClasses(config)) {
      if (GLOBAL_DATABASE.memoryOptimizedClass.value.test(value) || seen.has(value)) continue;
      seen.add(value);
      issues.push({
        key,
        value,
        problem:
          "is not a memory-optimized class, and crossRegion makes this stack an Aurora Global Database, which requires memory-optimized classes",
        fix: "use a db.r (or db.x) class, e.g. db.r6g.large (AWS recommends db.r5 or higher), or remove crossRegion",
      });
    }
  };
}

const OPEN_CIDRS = new Set(["0.0.0.0/0", "::/0"]);

/** Item 14: an open CIDR admits any address that routes into the VPC: named, not refused (peerings may need it). */
function openCidrs(config: ResolvedAurora): Check {
  return ({ warnings }) => {
    config.crossRegion.forEach((entry, index) => {
      const open = entry.allowedCidrs.filter((cidr) => OPEN_CIDRS.has(cidr));
      if (open.length === 0) return;
      warnings.push(
        `crossRegion[${index}].allowedCidrs (${entry.region}) contains ${open.join(", ")}: that region's readers accept PostgreSQL connections from any address that routes into its VPC (peerings, VPNs, transit gateways). List the clients' CIDRs instead.`,
      );
    });
  };
}

/**
 * Item 14: with an OLAP reader, reader autoscaling tracks the average over the declared OLTP readers, one MetricStat
 * each, and CloudWatch takes at most 10 per alarm (target tracking creates alarms on that metric).
 */
function scalingMetricCount(config: ResolvedAurora): Check {
  return ({ issues }) => {
    const limit = ALARMS.maxMetricStatsPerAlarm.value;
    if (!config.aurora.autoscaling || !config.olap.enabled || config.replicas.count <= limit) return;
    issues.push({
      key: "replicas.count",
      value: config.replicas.count,
      problem: `is above ${limit}: with an OLAP reader, aurora.autoscaling tracks the average over each declared OLTP reader, and a CloudWatch alarm reads at most ${limit} metrics`,
      fix: `declare at most ${limit} OLTP readers and let aurora.autoscaling add the rest (raise maxReaders), or remove aurora.autoscaling`,
    });
  };
}

export function auroraGlobalRules(config: ResolvedAurora): Check[] {
  return [alarmTopics(config), globalInstanceClasses(config), openCidrs(config), scalingMetricCount(config)];
}
