/** The deploy gate as a resource: the CLI's aurora-check, re-run whenever the topology or an identifier changes. */
import type * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraTopology, DatabaseNode } from "../topology/types";
import { auroraCheckCommand } from "./check/handover";
import { auroraExpectation } from "./expectation";

export interface DeployCheckArgs {
  cli: string;
  topology: AuroraTopology;
  nodes: readonly DatabaseNode[];
  cluster: aws.rds.Cluster;
  instances: readonly aws.rds.ClusterInstance[];
  secondaries: ReadonlyArray<{ cluster: aws.rds.Cluster; readers: readonly aws.rds.ClusterInstance[] }>;
  proxyName?: pulumi.Input<string>;
  /** Anything else that must exist first (proxy, endpoints). */
  alsoWaitFor: pulumi.Resource[];
}

export function deployCheck(
  name: string,
  args: DeployCheckArgs,
  opts: pulumi.CustomResourceOptions,
): command.local.Command {
  const ids = pulumi
    .all([
      args.cluster.clusterIdentifier,
      pulumi.all(args.instances.map((i) => i.identifier)),
      pulumi.all(
        args.secondaries.map((s) =>
          pulumi.all([s.cluster.clusterIdentifier, pulumi.all(s.readers.map((r) => r.identifier))]),
        ),
      ),
      args.proxyName,
    ])
    .apply(([clusterId, instanceIds, remote, proxyName]) => ({
      clusterId,
      instanceIds,
      secondaries: remote.map(([id, readerIds]) => ({ clusterId: id, readerIds })),
      ...(proxyName !== undefined ? { proxyName } : {}),
    }));
  const expectation = ids.apply((created) => auroraExpectation(args.topology, args.nodes, created));
  const check = auroraCheckCommand(args.cli);
  return new command.local.Command(
    `${name}-check`,
    {
      create: check.create,
      update: check.create,
      environment: expectation.apply((e) => check.environment(e)),
      triggers: [
        args.topology.hash,
        expectation.apply((e) => JSON.stringify({ clusters: e.clusters, proxy: e.proxy })),
      ],
    },
    {
      ...opts,
      dependsOn: [
        ...args.instances,
        ...args.secondaries.flatMap((s) => [s.cluster, ...s.readers]),
        ...args.alsoWaitFor,
      ],
    },
  );
}
