/**
 * Whether aurora.engineVersion can still be created, asked of AWS (DescribeDBEngineVersions) in every region the stack
 * creates a cluster in. Aurora retires minors over time, so the version pinned in stack config and the static floor
 * in validate.ts age; this asks the source. DescribeDBEngineVersions lists only versions a new cluster can be created
 * with unless IncludeAll is set (facts/aws/limits.ts ENGINE_VERSION), so a version missing from the family's list is
 * one AWS no longer offers. Pure: the SDK call belongs in check/awsApi.ts (check-time code: layers.test.ts), which
 * implements EngineVersionApi with DescribeDBEngineVersions (Engine, DBParameterGroupFamily, every page by Marker).
 */
import { AURORA_ENGINE, parameterGroupFamily } from "../facts/aws/engine";
import { majorOf } from "./versions";

export interface ListedEngineVersion {
  engineVersion: string;
  status: string;
}

/** The one call: DescribeDBEngineVersions for an engine and parameter-group family, every page. */
export interface EngineVersionApi {
  listEngineVersions(region: string, engine: string, family: string): Promise<ListedEngineVersion[]>;
}

/** "16.10" after "16.9": versions compared as numbers, part by part. */
function byVersion(a: string, b: string): number {
  const [pa, pb] = [a.split(".").map(Number), b.split(".").map(Number)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The problem with a version, given what AWS lists for its family in a region; undefined when it can be created. */
export function engineVersionProblem(
  version: string,
  region: string,
  listed: readonly ListedEngineVersion[],
): string | undefined {
  const available = listed.filter((v) => v.status === "available").map((v) => v.engineVersion);
  if (available.includes(version)) return undefined;
  const current = [...new Set(available)].sort(byVersion);
  const offered =
    current.length > 0
      ? `the ${majorOf(version)}.x versions it offers now: ${current.join(", ")}`
      : `it offers no ${majorOf(version)}.x version there`;
  return `aurora.engineVersion = "${version}" cannot be used for a new cluster in ${region}: DescribeDBEngineVersions does not list it as available (AWS retires Aurora minors); ${offered}. Fix: set aurora.engineVersion to one of them.`;
}

/** Every region's problem with the version, in region order; empty when every region can create it. */
export async function checkEngineVersion(
  api: EngineVersionApi,
  version: string,
  regions: readonly string[],
): Promise<string[]> {
  const family = parameterGroupFamily(majorOf(version));
  const answers = await Promise.all(
    regions.map(async (region) =>
      engineVersionProblem(version, region, await api.listEngineVersions(region, AURORA_ENGINE.name.value, family)),
    ),
  );
  return answers.filter((p): p is string => p !== undefined);
}
