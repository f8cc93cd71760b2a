/**
 * Reader autoscaling as resources: the scalable target and its policy, and a
 * command whose delete step removes the readers autoscaling added. The command
 * depends on the cluster and the target depends on the command, so on destroy
 * autoscaling stops first, then its readers go, then the cluster can be deleted.
 */
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraTopology } from "../topology/types";
import { scalingPolicyArgs, scalingTargetArgs } from "./autoscaling";
import { autoscaledReadersCleanupCommand } from "./check/handover";
import type { Instance } from "./primaryInstances";
import type { InRegion } from "./regionProvider";

export interface ReaderScalingArgs {
  topology: AuroraTopology;
  cli: string;
  cluster: aws.rds.Cluster;
  /** The declared instances: scaling starts once they exist. */
  instances: readonly Instance[];
}

/** The scalable target, when the stack sets aurora.autoscaling. */
export function createReaderScaling(
  name: string,
  args: ReaderScalingArgs,
  opts: InRegion,
): aws.appautoscaling.Target | undefined {
  const scaling = args.topology.aurora.autoscaling;
  if (!scaling) return undefined;
  const remover = createAutoscaledReadersRemover(name, args, opts.parent);
  const target = new aws.appautoscaling.Target(
    `${name}-readers`,
    scalingTargetArgs(scaling, args.cluster.clusterIdentifier),
    {
      ...opts,
      dependsOn: [...args.instances.map((i) => i.resource), remover],
    },
  );
  new aws.appautoscaling.Policy(
    `${name}-readers`,
    scalingPolicyArgs(scaling, target, oltpReaderIds(args.instances)),
    opts,
  );
  return target;
}

function createAutoscaledReadersRemover(
  name: string,
  args: ReaderScalingArgs,
  parent: pulumi.Resource,
): command.local.Command {
  const cleanup = autoscaledReadersCleanupCommand(args.cli);
  return new command.local.Command(
    `${name}-autoscaled-readers`,
    {
      delete: cleanup.delete,
      environment: args.cluster.clusterIdentifier.apply((clusterId) =>
        cleanup.environment({ region: args.topology.region, clusterId }),
      ),
    },
    { parent, dependsOn: [args.cluster] },
  );
}

/** The declared OLTP readers when an OLAP reader must be kept out of the metric; none without one. */
function oltpReaderIds(instances: readonly Instance[]): pulumi.Output<string[]> | undefined {
  if (!instances.some((i) => i.node.role === "olap")) return undefined;
  return pulumi.all(instances.filter((i) => i.node.role === "oltp").map((i) => i.resource.identifier));
}
