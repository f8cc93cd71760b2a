/** Rules of the Aurora backend: what AWS refuses or what would never take effect. */
import type { ResolvedAurora } from "../../config/resolve";
import type { ConfigIssue } from "../../config/errors";
import type { Check } from "./rule";

/** Aurora caps a cluster at 15 read replicas; the OLAP reader counts among them. */
export const AURORA_MAX_READERS = 15;
/** Aurora Global Database: at most 5 secondary regions. */
export const AURORA_MAX_SECONDARY_REGIONS = 5;
/**
 * The oldest minor Aurora still offers for new clusters, per major (AWS retires old
 * minors over time; raise these when it does). The deploy-time check confirms against AWS.
 */
export const AURORA_MINOR_FLOOR: Record<number, number> = { 15: 10, 16: 8, 17: 4 };
const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

function subnetIssue(key: string, subnets: readonly string[]): ConfigIssue[] {
  if (subnets.length >= 2 && new Set(subnets).size === subnets.length) return [];
  return [{ key, value: subnets, problem: "needs at least two distinct subnets (an RDS subnet group spans two availability zones)", fix: "list private subnets in at least two zones" }];
}

function readerCount(config: ResolvedAurora): number {
  return config.replicas.count + (config.olap.enabled ? 1 : 0);
}

function cluster(config: ResolvedAurora): Check {
  return ({ issues }) => {
    const { aurora } = config;
    if (!AWS_REGION.test(config.region)) issues.push({ key: "region", value: config.region, problem: "is not an AWS region", fix: "use an AWS region such as us-east-1" });
    issues.push(...subnetIssue("aurora.subnetIds", aurora.subnetIds));
    if (config.olap.enabled && !aurora.instanceClass.olap) {
      issues.push({ key: "aurora.instanceClass.olap", value: undefined, problem: "is required when olap.enabled is true", fix: "set aurora.instanceClass.olap, e.g. db.r6g.xlarge (analytics wants memory)" });
    }
    if (config.olapGiven?.region !== undefined && config.olapGiven.region !== config.region) {
      issues.push({ key: "olap.region", value: config.olapGiven.region, problem: "must be the primary's region on Aurora: the OLAP reader joins the primary cluster", fix: "remove olap.region" });
    }
    const readers = readerCount(config);
    if (readers > AURORA_MAX_READERS) {
      issues.push({
        key: "replicas",
        value: config.replicas.count,
        problem: `makes ${readers} readers${config.olap.enabled ? " (the OLAP reader included)" : ""}, more than the ${AURORA_MAX_READERS} an Aurora cluster allows`,
        fix: `use at most ${AURORA_MAX_READERS - (config.olap.enabled ? 1 : 0)} replicas, or spread reads over crossRegion clusters`,
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
      issues.push({ key: "aurora.engineVersion", value: version, problem: `is PostgreSQL ${major}, but postgresVersion is ${config.postgresVersion}`, fix: `use a ${config.postgresVersion}.x version, or change postgresVersion` });
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
    if (scaling.minReaders > scaling.maxReaders) {
      issues.push({ key: "aurora.autoscaling.minReaders", value: scaling.minReaders, problem: `is above maxReaders (${scaling.maxReaders})`, fix: "lower minReaders or raise maxReaders" });
    }
    if (scaling.maxReaders > AURORA_MAX_READERS) {
      issues.push({ key: "aurora.autoscaling.maxReaders", value: scaling.maxReaders, problem: `is above the ${AURORA_MAX_READERS} readers an Aurora cluster allows`, fix: `use at most ${AURORA_MAX_READERS}` });
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

function secondaries(config: ResolvedAurora): Check {
  return ({ issues }) => {
    const entries = config.crossRegion;
    if (entries.length > AURORA_MAX_SECONDARY_REGIONS) {
      issues.push({ key: "crossRegion", value: entries.map((e) => e.region), problem: `lists ${entries.length} regions; an Aurora Global Database has at most ${AURORA_MAX_SECONDARY_REGIONS} secondaries`, fix: "keep at most 5" });
    }
    entries.forEach((entry, index) => {
      const base = `crossRegion[${index}]`;
      if (!AWS_REGION.test(entry.region)) issues.push({ key: `${base}.region`, value: entry.region, problem: "is not an AWS region", fix: "use an AWS region such as eu-west-1" });
      issues.push(...subnetIssue(`${base}.subnetIds`, entry.subnetIds));
    });
  };
}

export function auroraRules(config: ResolvedAurora): Check[] {
  return [cluster(config), engineVersion(config), autoscaling(config), secondaries(config)];
}
