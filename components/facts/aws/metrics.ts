/**
 * CloudWatch metrics (namespace AWS/RDS) the product queries or scales on, with
 * the dimension sets AWS publishes them under. GetMetricStatistics returns data
 * only for a dimension combination exactly as published, so every query the
 * product makes must use one of these sets, or discover the set at run time
 * with ListMetrics (which matches metrics carrying the given dimensions among
 * others).
 */
import { type SourceRef, cite, fact } from "../fact";

/** The CloudWatch namespace every Aurora metric here is published in. */
export const RDS_NAMESPACE = fact("AWS/RDS", cite("metrics2023"), cite("dimensions2023"));

export type DimensionName =
  "DBInstanceIdentifier" | "DBClusterIdentifier" | "Role" | "SourceRegion" | "DatabaseClass" | "EngineName";

export interface MetricFact {
  level: "instance" | "cluster";
  unit: "Milliseconds" | "Percent" | "Count" | "Bytes";
  /** Published dimension sets; a query must use one exactly. */
  dimensionSets: ReadonlyArray<readonly DimensionName[]>;
  /** The set is not settled by any stored source: query only what ListMetrics returns. */
  discoverDimensions?: { candidates: ReadonlyArray<readonly DimensionName[]>; why: string };
  /** Published only in a Global Database's secondary regions. */
  secondaryRegionOnly?: boolean;
  sources: readonly SourceRef[];
}

const PER_INSTANCE: ReadonlyArray<readonly DimensionName[]> = [
  ["DBInstanceIdentifier"],
  ["DBClusterIdentifier", "Role"],
];
const GLOBAL_WHY =
  "AWS's dimension table lists DBClusterIdentifier and SourceRegion without saying which combination the AuroraGlobalDB* metrics carry; AWS's own lab finds AuroraGlobalDBReplicationLag under a 'SourceRegion' group";
const GLOBAL_SOURCES: readonly SourceRef[] = [
  cite("metrics2023"),
  cite("dimensions2023"),
  cite("metricsCurrentKo"),
  cite("globalLabCw"),
  cite("cwGetMetricStatistics"),
];

export const METRIC_FACTS = {
  AuroraReplicaLag: {
    level: "instance",
    unit: "Milliseconds",
    dimensionSets: PER_INSTANCE,
    sources: [cite("metrics2023"), cite("dimensions2023")],
  },
  AuroraReplicaLagMaximum: {
    level: "instance",
    unit: "Milliseconds",
    dimensionSets: PER_INSTANCE,
    sources: [cite("metrics2023"), cite("dimensions2023")],
  },
  CPUUtilization: {
    level: "instance",
    unit: "Percent",
    dimensionSets: [...PER_INSTANCE, ["DatabaseClass"], ["EngineName"]],
    sources: [cite("metrics2023"), cite("dimensions2023"), cite("autoScaling2023")],
  },
  DatabaseConnections: {
    level: "instance",
    unit: "Count",
    dimensionSets: [...PER_INSTANCE, ["DatabaseClass"], ["EngineName"]],
    sources: [cite("metrics2023"), cite("dimensions2023")],
  },
  FreeLocalStorage: {
    level: "instance",
    unit: "Bytes",
    dimensionSets: PER_INSTANCE,
    sources: [cite("metrics2023"), cite("dimensions2023")],
  },
  AuroraGlobalDBReplicationLag: {
    level: "cluster",
    unit: "Milliseconds",
    dimensionSets: [],
    discoverDimensions: {
      candidates: [["DBClusterIdentifier", "SourceRegion"], ["SourceRegion"], ["DBClusterIdentifier"]],
      why: GLOBAL_WHY,
    },
    secondaryRegionOnly: true,
    sources: GLOBAL_SOURCES,
  },
  AuroraGlobalDBProgressLag: {
    level: "cluster",
    unit: "Milliseconds",
    dimensionSets: [],
    discoverDimensions: {
      candidates: [["DBClusterIdentifier", "SourceRegion"], ["SourceRegion"], ["DBClusterIdentifier"]],
      why: GLOBAL_WHY,
    },
    secondaryRegionOnly: true,
    sources: [...GLOBAL_SOURCES, cite("globalSecondaryAvailability")],
  },
} as const satisfies Record<string, MetricFact>;

export type MetricName = keyof typeof METRIC_FACTS;

/** Whether a query's dimension names match one published set exactly (order aside). */
export function publishedDimensionSet(metric: MetricName, names: readonly string[]): boolean {
  const fact: MetricFact = METRIC_FACTS[metric];
  const key = [...names].sort().join(",");
  const sets = fact.discoverDimensions ? fact.discoverDimensions.candidates : fact.dimensionSets;
  return sets.some((set) => [...set].sort().join(",") === key);
}
