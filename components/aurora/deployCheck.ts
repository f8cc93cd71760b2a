/** The deploy gate as a resource: the CLI's aurora-check, re-run whenever the topology or an identifier changes. */
import type * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { AuroraTopology } from "../topology/types";
import { auroraCheckCommand } from "./check/handover";
import type { CustomEndpoints } from "./customEndpoints";
import { auroraExpectation } from "./expectation";
import type { Instance } from "./primaryInstances";
import type { AuroraProxy } from "./proxy";
import type { AuroraSecondaryRegion } from "./secondaryRegion";

export interface DeployCheckArgs {
  cli: string;
  topology: AuroraTopology;
  cluster: aws.rds.Cluster;
  /** The primary region's instances, the writer first. */
  instances: readonly Instance[];
  secondaries: readonly AuroraSecondaryRegion[];
  proxy: AuroraProxy | undefined;
  /** They must exist before the check runs, like everything else it reads. */
  endpoints: CustomEndpoints | undefined;
}

/** The identifiers AWS assigned, once all are known. */
function createdIdentifiers(args: DeployCheckArgs) {
  return pulumi
    .all([
      args.cluster.clusterIdentifier,
      pulumi.all(args.instances.map((i) => i.resource.identifier)),
      pulumi.all(
        args.secondaries.map((s) =>
          pulumi.all([s.cluster.clusterIdentifier, pulumi.all(s.readers.map((r) => r.identifier))]),
        ),
      ),
      args.proxy?.proxy.name,
    ])
    .apply(([clusterId, instanceIds, remote, proxyName]) => ({
      clusterId,
      instanceIds,
      secondaries: remote.map(([id, readerIds]) => ({ clusterId: id, readerIds })),
      ...(proxyName !== undefined ? { proxyName } : {}),
    }));
}

export function createDeployCheck(
  name: string,
  args: DeployCheckArgs,
  opts: pulumi.CustomResourceOptions,
): command.local.Command {
  const nodes = args.instances.map((i) => i.node);
  const expectation = createdIdentifiers(args).apply((created) => auroraExpectation(args.topology, nodes, created));
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
        ...args.instances.map((i) => i.resource),
        ...args.secondaries.flatMap((s) => [s.cluster, ...s.readers]),
        ...(args.proxy ? [args.proxy] : []),
        ...(args.endpoints ? [args.endpoints.oltp, args.endpoints.olap] : []),
      ],
    },
  );
}
