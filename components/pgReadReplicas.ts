/** The top-level component: realises a Topology on the backend it names. */
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { AuroraCluster } from "./aurora/auroraCluster";
import { describeNote } from "./aurora/notes";
import { auroraParameterPlan } from "./aurora/parameters";
import { SelfHostedCluster } from "./kubernetes/selfHostedCluster";
import { LocalDeployment } from "./local/localDeployment";
import type { StackOutputValues } from "./outputs/pulumiOutputs";
import { CLI_ENTRY, PROJECT_ROOT } from "./ground/paths";
import type { Topology } from "./topology/types";

/** Names AWS wants unique per account: the topology's name and the stack's, lower-case, at most 40 characters. */
function identifierPrefix(name: string): string {
  return `${name}-${pulumi.getStack()}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .slice(0, 40)
    .replace(/-$/, "");
}

export interface PgReadReplicasArgs {
  /** Plain: the topology decides which resources exist. */
  topology: Topology;
  /** Local backend only: where its data lives (default .pg-read-replicas/<stack> in this checkout). */
  localStateDir?: pulumi.Input<string>;
}

export class PgReadReplicas extends pulumi.ComponentResource {
  declare readonly outputs: StackOutputValues;

  constructor(name: string, args: PgReadReplicasArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:index:PgReadReplicas", name, {}, opts);
    this.outputs = this.realise(name, args);
    this.registerOutputs({ topologyHash: this.outputs.topologyHash });
  }

  private realise(name: string, args: PgReadReplicasArgs): StackOutputValues {
    const { topology } = args;
    switch (topology.backend) {
      case "selfHosted":
        return new SelfHostedCluster(name, { topology }, { parent: this }).outputs;
      case "local": {
        const stateDir = args.localStateDir ?? join(PROJECT_ROOT, ".pg-read-replicas", pulumi.getStack());
        return new LocalDeployment(name, { topology, stateDir }, { parent: this }).outputs;
      }
      case "aurora": {
        const aurora = new AuroraCluster(
          name,
          { topology, identifierPrefix: identifierPrefix(topology.name), cli: CLI_ENTRY },
          { parent: this },
        );
        // A setting the user asked for that Aurora manages or bounds: said at deploy time, not only in outputs.
        for (const note of auroraParameterPlan(topology).notes.filter((n) => n.fromStackConfig))
          pulumi.log.warn(describeNote(note), this);
        return aurora.outputs;
      }
    }
  }
}
