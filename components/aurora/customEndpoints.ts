/**
 * The cluster's reader endpoint would send OLTP reads to the OLAP reader too. OLTP reads
 * get a READER endpoint that excludes it (readers added later, autoscaled ones included,
 * join it automatically); analytics get one whose only member is the OLAP reader.
 * Their names are fixed (not auto-named): a replacement must delete the old one first.
 */
import * as aws from "@pulumi/aws";
import type { Instance } from "./primaryInstances";
import type { InRegion } from "./regionProvider";

export interface CustomEndpoints {
  oltp: aws.rds.ClusterEndpoint;
  olap: aws.rds.ClusterEndpoint;
}

/** Both endpoints when the cluster has an OLAP reader; none without one. */
export function createCustomEndpoints(
  name: string,
  args: { prefix: string; cluster: aws.rds.Cluster; instances: readonly Instance[] },
  opts: InRegion,
): CustomEndpoints | undefined {
  const olap = args.instances.find((i) => i.node.role === "olap");
  if (!olap) return undefined;
  const waitFor = { ...opts, dependsOn: args.instances.map((i) => i.resource), deleteBeforeReplace: true };
  const endpoint = (suffix: string, members: Pick<aws.rds.ClusterEndpointArgs, "excludedMembers" | "staticMembers">) =>
    new aws.rds.ClusterEndpoint(
      `${name}-${suffix}`,
      {
        clusterIdentifier: args.cluster.id,
        clusterEndpointIdentifier: `${args.prefix}-${suffix}`,
        customEndpointType: "READER",
        ...members,
      },
      waitFor,
    );
  return {
    oltp: endpoint("oltp", { excludedMembers: [olap.resource.identifier] }),
    olap: endpoint("olap", { staticMembers: [olap.resource.identifier] }),
  };
}
