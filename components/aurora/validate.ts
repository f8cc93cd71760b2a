/** Rules of the Aurora backend: what AWS refuses or what would never take effect. Limits come from the Aurora facts. */
import { LIMITS } from "../facts/aws/limits";
import { kmsKeyArnRegion } from "../facts/aws/provider";
import type { ResolvedAurora } from "../config/resolve";
import type { ConfigIssue } from "../config/errors";
import { auroraOptionRules } from "./validateOptions";
import type { Check } from "../topology/validate/rule";
import { auroraRestoreRules } from "./validateRestore";
import { auroraGlobalRules } from "./validateGlobal";
import { auroraDataApiRules } from "./validateDataApi";

/** Aurora caps a cluster at 15 read replicas; the OLAP reader counts among them. */
export const AURORA_MAX_READERS = LIMITS.readersPerCluster.value;
/** Aurora Global Database: at most 10 secondary regions (the 2023 guide said 5). */
export const AURORA_MAX_SECONDARY_REGIONS = LIMITS.secondaryRegions.value;
/**
 * The oldest minor Aurora still offers for new clusters, per major (AWS retires old
 * minors over time; raise these when it does). A static floor ages: engineVersionCheck.ts asks AWS
 * (DescribeDBEngineVersions) whether the version can still be created.
 */
export const AURORA_MINOR_FLOOR: Record<number, number> = { 15: 10, 16: 8, 17: 4 };
const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

function subnetIssue(key: string, subnets: readonly string[]): ConfigIssue[] {
  if (subnets.length >= 2 && new Set(subnets).size === subnets.length) return [];
  return [
    {
      key,
      value: subnets,
      problem: "needs at least two distinct subnets (an RDS subnet group spans two availability zones)",
      fix: "list private subnets in at least two zones",
    },
  ];
}

function readerCount(config: ResolvedAurora): number {
  return config.replicas.count + (config.olap.enabled ? 1 : 0);
}

/** Readers the primary cluster may have: 15, less one per Global Database secondary region. */
export function primaryReaderLimit(config: ResolvedAurora): number {
  return config.crossRegion.length === 0
    ? AURORA_MAX_READERS
    : LIMITS.primaryReadersWithSecondaries.value(config.crossRegion.length);
}

function limitWhy(config: ResolvedAurora): string {
  const secondaries = config.crossRegion.length;
  return secondaries === 0
    ? `the ${AURORA_MAX_READERS} an Aurora cluster allows`
    : `the ${primaryReaderLimit(config)} a Global Database primary with ${secondaries} secondary region${secondaries > 1 ? "s" : ""} allows (15 − ${secondaries})`;
}

function cluster(config: ResolvedAurora): Check {
  return ({ issues }) => {
    const { aurora } = config;
    if (!AWS_REGION.test(config.region))
      issues.push({
        key: "region",
        value: config.region,
        problem: "is not an AWS region",
        fix: "use an AWS region such as us-east-1",
      });
    issues.push(...subnetIssue("aurora.subnetIds", aurora.subnetIds));
    if (config.olap.enabled && !aurora.instanceClass.olap) {
      issues.push({
        key: "aurora.instanceClass.olap",
        value: undefined,
        problem: "is required when olap.enabled is true",
        fix: "set aurora.instanceClass.olap, e.g. db.r6g.xlarge (analytics wants memory)",
      });
    }
    if (config.olapGiven?.region !== undefined && config.olapGiven.region !== config.region) {
      issues.push({
        key: "olap.region",
        value: config.olapGiven.region,
        problem: "must be the primary's region on Aurora: the OLAP reader joins the primary cluster",
        fix: "remove olap.region",
      });
    }
    const readers = readerCount(config);
    const limit = primaryReaderLimit(config);
    if (readers > limit) {
      issues.push({
        key: "replicas",
        value: config.replicas.count,
        problem: `makes ${readers} readers${config.olap.enabled ? " (the OLAP reader included)" : ""}, more than ${limitWhy(config)}`,
        fix: `use at most ${limit - (config.olap.enabled ? 1 : 0)} replicas, or spread reads over crossRegion clusters`,
      });
    }
  };
}

function engineVersion(config: ResolvedAurora): Check {
  return ({ issues }) => {
    const version = config.aurora.engineVersion;
    const [major, minor] = version.split(".").map(Number);
    const floor = major === undefined ? undefined : AURORA_MINOR_FLOOR[major];
    if (major !== config.postgresVersion) {
      issues.push({
        key: "aurora.engineVersion",
        value: version,
        problem: `is PostgreSQL ${major}, but postgresVersion is ${config.postgresVersion}`,
        fix: `use a ${config.postgresVersion}.x version, or change postgresVersion`,
      });
    } else if (floor !== undefined && minor !== undefined && minor < floor) {
      issues.push({
        key: "aurora.engineVersion",
        value: version,
        problem: `is not offered by Aurora for new clusters (the oldest ${major}.x still offered is ${major}.${floor})`,
        fix: `use ${major}.${floor} or later; aws rds describe-db-engine-versions --engine aurora-postgresql lists them`,
      });
    }
  };
}

function autoscaling(config: ResolvedAurora): Check {
  return ({ issues }) => {
    const scaling = config.aurora.autoscaling;
    if (!scaling) return;
    const readers = readerCount(config);
    const limit = primaryReaderLimit(config);
    if (scaling.minReaders > scaling.maxReaders) {
      issues.push({
        key: "aurora.autoscaling.minReaders",
        value: scaling.minReaders,
        problem: `is above maxReaders (${scaling.maxReaders})`,
        fix: "lower minReaders or raise maxReaders",
      });
    }
    if (scaling.maxReaders > limit) {
      issues.push({
        key: "aurora.autoscaling.maxReaders",
        value: scaling.maxReaders,
        problem: `is above ${limitWhy(config)}`,
        fix: `use at most ${limit}`,
      });
    } else if (scaling.maxReaders <= readers) {
      issues.push({
        key: "aurora.autoscaling.maxReaders",
        value: scaling.maxReaders,
        problem: `is not above the ${readers} readers the stack already declares (Application Auto Scaling counts them all), so it would never add one`,
        fix: `raise it above ${readers}, or remove aurora.autoscaling`,
      });
    }
  };
}

/** A key ARN must name the region whose storage it encrypts. */
function keyRegionIssue(key: string, arn: string | undefined, region: string): ConfigIssue[] {
  if (arn === undefined) return [];
  const keyRegion = kmsKeyArnRegion(arn);
  if (keyRegion === undefined || keyRegion === region) return [];
  return [
    {
      key,
      value: arn,
      problem: `is a key in ${keyRegion}, but it encrypts storage in ${region}`,
      fix: `use a key of ${region} (for a multi-Region key, the ARN of its ${region} replica)`,
    },
  ];
}

function secondaries(config: ResolvedAurora): Check {
  return ({ issues }) => {
    const entries = config.crossRegion;
    issues.push(...keyRegionIssue("aurora.kmsKeyId", config.aurora.kmsKeyId, config.region));
    if (entries.length > AURORA_MAX_SECONDARY_REGIONS) {
      issues.push({
        key: "crossRegion",
        value: entries.map((e) => e.region),
        problem: `lists ${entries.length} regions; an Aurora Global Database has at most ${AURORA_MAX_SECONDARY_REGIONS} secondaries`,
        fix: `keep at most ${AURORA_MAX_SECONDARY_REGIONS}`,
      });
    }
    entries.forEach((entry, index) => {
      const base = `crossRegion[${index}]`;
      if (!AWS_REGION.test(entry.region))
        issues.push({
          key: `${base}.region`,
          value: entry.region,
          problem: "is not an AWS region",
          fix: "use an AWS region such as eu-west-1",
        });
      issues.push(...subnetIssue(`${base}.subnetIds`, entry.subnetIds));
      issues.push(...keyRegionIssue(`${base}.kmsKeyId`, entry.kmsKeyId, entry.region));
      if (entry.replicas > LIMITS.readersPerSecondaryCluster.value) {
        issues.push({
          key: `${base}.replicas`,
          value: entry.replicas,
          problem: `is above the ${LIMITS.readersPerSecondaryCluster.value} readers a secondary cluster allows`,
          fix: "use fewer readers there",
        });
      }
    });
  };
}

export function auroraRules(config: ResolvedAurora): Check[] {
  return [
    cluster(config),
    engineVersion(config),
    autoscaling(config),
    secondaries(config),
    ...auroraOptionRules(config),
    ...auroraRestoreRules(config),
    ...auroraGlobalRules(config),
    ...auroraDataApiRules(config),
  ];
}
