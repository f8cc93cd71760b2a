/**
 * Whether aurora.engineVersion can still be created, asked of AWS (DescribeDBEngineVersions) in every region the stack
 * creates a cluster in. Aurora retires minors over time, so the version pinned in stack config and the static floor
 * in validate.ts age; this asks the source. DescribeDBEngineVersions lists only versions a new cluster can be created
 * with unless IncludeAll is set (facts/aws/limits.ts ENGINE_VERSION), so a version missing from the family's list is
 * one AWS no longer offers. A Global Database asked to change major is refused here too (globalMajorProblem).
 * Pure: the SDK calls belong in check/awsApi.ts (check-time code: layers.test.ts), which implements EngineVersionApi
 * with DescribeDBEngineVersions (Engine, DBParameterGroupFamily, every page by Marker) and DescribeGlobalClusters.
 */
import { GLOBAL_MAJOR_UPGRADE } from "../facts/aws/clusterOptions";
import { AURORA_ENGINE, parameterGroupFamily } from "../facts/aws/engine";
import { majorOf } from "./versions";
import { compareVersions } from "../ground/versions";

export interface ListedEngineVersion {
  engineVersion: string;
  status: string;
}

/** DescribeDBEngineVersions for an engine and parameter-group family, every page; DescribeGlobalClusters for one. */
export interface EngineVersionApi {
  listEngineVersions(region: string, engine: string, family: string): Promise<ListedEngineVersion[]>;
  /** The global cluster's EngineVersion, or undefined when it does not exist (GlobalClusterNotFoundFault). */
  globalClusterVersion(region: string, identifier: string): Promise<string | undefined>;
}

/** What the gate checks: the version, the regions it creates clusters in, and the stack's global cluster if any. */
export interface EngineVersionQuestion {
  engineVersion: string;
  regions: readonly string[];
  globalCluster?: { region: string; identifier: string } | undefined;
}

/** The problem with a version, given what AWS lists for its family in a region; undefined when it can be created. */
export function engineVersionProblem(
  version: string,
  region: string,
  listed: readonly ListedEngineVersion[],
): string | undefined {
  const available = listed.filter((v) => v.status === "available").map((v) => v.engineVersion);
  if (available.includes(version)) return undefined;
  const current = [...new Set(available)].sort(compareVersions);
  const offered =
    current.length > 0
      ? `the ${majorOf(version)}.x versions it offers now: ${current.join(", ")}`
      : `it offers no ${majorOf(version)}.x version there`;
  return `aurora.engineVersion = "${version}" cannot be used for a new cluster in ${region}: DescribeDBEngineVersions does not list it as available (AWS retires Aurora minors); ${offered}. Fix: set aurora.engineVersion to one of them.`;
}

/**
 * A Global Database that runs another major than the one asked for: one pulumi up cannot take it there.
 * ModifyGlobalCluster names no parameter group, and the primary cluster (updated first, with the new family's
 * groups) refuses groups of a major it does not run yet (facts/aws/clusterOptions.ts GLOBAL_MAJOR_UPGRADE). Refused
 * here, before any cluster changes, with the order that works.
 */
export function globalMajorProblem(
  version: string,
  identifier: string,
  running: string | undefined,
): string | undefined {
  if (running === undefined || majorOf(running) === majorOf(version)) return undefined;
  if (!GLOBAL_MAJOR_UPGRADE.groupMustMatchRunningFamily.value) return undefined;
  return `aurora.engineVersion = "${version}" is a major upgrade of Global Database ${identifier}, which runs ${running}: one pulumi up cannot do it (ModifyGlobalCluster names no parameter group, and the clusters refuse the ${majorOf(version)}.x parameter groups until they run ${majorOf(version)}). Nothing was changed. Fix: upgrade the global cluster first (aws rds modify-global-cluster --global-cluster-identifier ${identifier} --engine-version ${version} --allow-major-version-upgrade), wait until every member runs ${version}, then run pulumi up --refresh with this config: it attaches the stack's ${majorOf(version)}.x parameter groups (until then every member runs the new major's defaults: rds.force_ssl and the OLAP settings are off), and the deploy check names the reboots they need. Or set postgresVersion and aurora.engineVersion back to ${majorOf(running)}.`;
}

/** Every problem with the version: the global cluster's major first, then each region's, in region order. */
export async function checkEngineVersion(api: EngineVersionApi, question: EngineVersionQuestion): Promise<string[]> {
  const { engineVersion: version, regions, globalCluster } = question;
  const family = parameterGroupFamily(majorOf(version));
  const global = globalCluster
    ? globalMajorProblem(
        version,
        globalCluster.identifier,
        await api.globalClusterVersion(globalCluster.region, globalCluster.identifier),
      )
    : undefined;
  const answers = await Promise.all(
    regions.map(async (region) =>
      engineVersionProblem(version, region, await api.listEngineVersions(region, AURORA_ENGINE.name.value, family)),
    ),
  );
  return [global, ...answers].filter((p): p is string => p !== undefined);
}
