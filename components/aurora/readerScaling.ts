/**
 * Reader autoscaling as resources: the scalable target and its policy, and a
 * command whose delete step removes the readers autoscaling added. The command
 * depends on the cluster and the target depends on the command, so on destroy
 * autoscaling stops first, then its readers go, then the cluster can be deleted.
 */
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraSettings } from "../topology/types";
import { scalingPolicyArgs, scalingTargetArgs } from "./autoscaling";
import { autoscaledReadersCleanupCommand } from "./check/handover";

export interface ReaderScalingArgs {
  scaling: NonNullable<AuroraSettings["autoscaling"]>;
  cli: string;
  region: string;
  cluster: aws.rds.Cluster;
  /** The declared instances: scaling starts once they exist. */
  instances: pulumi.Resource[];
  /** Declared OLTP readers, when an OLAP reader must be kept out of the metric. */
  oltpReaderIds?: pulumi.Input<string[]>;
}

export function readerScaling(
  name: string,
  args: ReaderScalingArgs,
  opts: pulumi.CustomResourceOptions,
): aws.appautoscaling.Target {
  const cleanup = autoscaledReadersCleanupCommand(args.cli);
  const remover = new command.local.Command(
    `${name}-autoscaled-readers`,
    {
      delete: cleanup.delete,
      environment: args.cluster.clusterIdentifier.apply((clusterId) =>
        cleanup.environment({ region: args.region, clusterId }),
      ),
    },
    { parent: opts.parent, dependsOn: [args.cluster] },
  );
  const target = new aws.appautoscaling.Target(
    `${name}-readers`,
    scalingTargetArgs(args.scaling, args.cluster.clusterIdentifier),
    {
      ...opts,
      dependsOn: [...args.instances, remover],
    },
  );
  new aws.appautoscaling.Policy(`${name}-readers`, scalingPolicyArgs(args.scaling, target, args.oltpReaderIds), opts);
  return target;
}
