/**
 * CloudWatch alarm behaviours the Aurora alarms rely on: where an alarm's actions may point, how missing data is
 * treated, how many metrics one alarm may read, and what a Metrics Insights filter can express.
 */
import { type Fact, cite, fact } from "../fact";

export const ALARMS = {
  /** An alarm's actions must be in the alarm's own region: PutMetricAlarm refuses a topic elsewhere. */
  actionsInAlarmRegion: fact(
    true,
    cite(
      "cwAlarmActionRegion",
      undefined,
      "ValidationError: Invalid region <topic's> specified. Only <alarm's> is supported.",
    ),
  ),
  /** What each TreatMissingData value does when datapoints are missing. */
  missingData: fact(
    {
      breaching: "missing datapoints count as breaching: an instance that stops publishing goes to ALARM and stays",
      notBreaching: "missing datapoints count as within the threshold: the alarm returns to OK",
      ignore: "the alarm keeps its current state",
      missing: "INSUFFICIENT_DATA once the whole evaluation range is missing (the default)",
    } as const,
    cite("cwMissingData"),
  ),
  /** A metric-math alarm (and a target-tracking customized metric) reads at most this many MetricStat metrics. */
  maxMetricStatsPerAlarm: fact(
    10,
    cite("cwAlarmLimits", "Limits that apply to alarms based on metric math expressions"),
  ),
  /** Metrics Insights WHERE combines conditions with AND only: one query cannot OR two dimension filters. */
  insightsWhereJoins: fact(["AND"] as const, cite("cwMetricsInsightsSyntax", "WHERE")),
} as const satisfies Record<string, Fact<unknown>>;

/** The region an SNS topic ARN names (arn:aws:sns:<region>:<account>:<name>). */
export function snsTopicRegion(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[\w-]+$/.exec(arn)?.[1];
}
