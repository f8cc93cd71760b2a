/**
 * How long the provider waits, at most, for each slow RDS operation a preview runs (its default timeouts: the stack
 * sets none), and how long a CI job may run at all. An Aurora preview's create and delete steps run along its
 * dependency graph, so the longest chain of these waits bounds a `pulumi up` and a `pulumi destroy`
 * (components/preview/ciTimeout.ts); a job killed inside that bound leaves the teardown unfinished.
 */
import { type Fact, cite, fact } from "../fact";

export interface OperationMinutes {
  create: number;
  delete: number;
}

/** By Pulumi type token: the provider's schema.DefaultTimeout for Create and Delete, in minutes. */
export const PROVIDER_DEFAULT_TIMEOUTS: Readonly<Record<string, Fact<OperationMinutes>>> = {
  "aws:rds/cluster:Cluster": fact(
    { create: 120, delete: 120 },
    cite("tfCluster", "resourceCluster: Timeouts Create/Update/Delete 120 * time.Minute"),
  ),
  "aws:rds/clusterInstance:ClusterInstance": fact(
    { create: 90, delete: 90 },
    cite("tfClusterInstance", "resourceClusterInstance: Timeouts Create/Update/Delete 90 * time.Minute"),
  ),
  "aws:rds/globalCluster:GlobalCluster": fact(
    { create: 30, delete: 30 },
    cite("tfGlobalCluster", "ResourceGlobalCluster: Timeouts Create 30, Update 90, Delete 30 * time.Minute"),
  ),
  "aws:rds/proxy:Proxy": fact(
    { create: 30, delete: 60 },
    cite("tfProxy", "resourceProxy: Timeouts Create 30, Update 30, Delete 60 * time.Minute"),
  ),
};

/** A GitHub Actions job runs at most this long (also timeout-minutes' default): no timeout can be set above it. */
export const GITHUB_JOB_MAX_MINUTES: Fact<number> = fact(360, cite("githubJobTimeout"));
