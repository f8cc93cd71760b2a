/**
 * What CloudNativePG would refuse of a built topology, as ConfigIssues before any
 * resource exists: parameters it manages or rules its webhooks enforce (per Cluster),
 * and pool settings its Pooler cannot take. Pure.
 */
import type { ConfigIssue } from "../../config/errors";
import type { SelfHostedTopology } from "../../topology/types";
import { clusterParameters } from "./parameters";
import { clusterPlans } from "./plan";
import { poolerIssues } from "./pooler";

export function cloudnativePgIssues(topology: SelfHostedTopology): ConfigIssue[] {
  if (topology.kubernetes.engine.name !== "cloudnative-pg") return [];
  const issues = topology.regions.flatMap((region) => [
    ...clusterPlans(topology, region).flatMap((plan) => clusterParameters(plan).issues),
    ...region.pools.flatMap((pool) => poolerIssues(topology, pool)),
  ]);
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const id = `${issue.key}\u0000${issue.problem}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
