/**
 * The engine version's gate as a resource: the CLI's aurora-engine-version-check (engineVersionCheck.ts) asks AWS
 * whether aurora.engineVersion can still be created in every region the stack creates a cluster in, before any
 * cluster is. It runs when the stack is created and again whenever the version or the set of regions changes (a
 * region added creates a cluster there); a version AWS retired later does not fail the ups of a stack whose clusters
 * exist already. On a Global Database it also refuses a major change the global cluster does not run yet
 * (engineVersionCheck.ts globalMajorProblem): the cluster depends on this gate, so nothing changes.
 */
import * as command from "@pulumi/command";
import type * as pulumi from "@pulumi/pulumi";
import type { AuroraTopology } from "../topology/types";
import { type EngineVersionExpectation, engineVersionCheckCommand } from "./check/handover";
import { globalClusterIdentifier } from "./identifiers";

/** What the check reads, from the Topology and the stack's identifier prefix. Pure. */
export function engineVersionExpectation(topology: AuroraTopology, prefix: string): EngineVersionExpectation {
  return {
    engineVersion: topology.aurora.engineVersion,
    regions: [topology.region, ...topology.aurora.secondaries.map((s) => s.region)],
    ...(topology.aurora.secondaries.length > 0
      ? { globalCluster: { region: topology.region, identifier: globalClusterIdentifier(prefix) } }
      : {}),
  };
}

export function createEngineVersionGate(
  name: string,
  args: { cli: string; topology: AuroraTopology; prefix: string },
  opts: pulumi.CustomResourceOptions,
): command.local.Command {
  const expectation = engineVersionExpectation(args.topology, args.prefix);
  const check = engineVersionCheckCommand(args.cli);
  return new command.local.Command(
    `${name}-engine-version-check`,
    {
      create: check.create,
      environment: check.environment(expectation),
      triggers: [expectation.engineVersion, ...expectation.regions],
    },
    opts,
  );
}
