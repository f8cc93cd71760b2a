/** The top-level component: realises a Topology on the backend it names. */
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { SelfHostedCluster } from "./kubernetes/selfHostedCluster";
import { LocalDeployment } from "./local/localDeployment";
import { PROJECT_ROOT } from "./local/paths";
import type { StackOutputValues } from "./outputs";
import type { Topology } from "./topology/types";

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
    const { topology } = args;
    switch (topology.backend) {
      case "selfHosted":
        this.outputs = new SelfHostedCluster(name, { topology }, { parent: this }).outputs;
        break;
      case "local":
        this.outputs = new LocalDeployment(name, { topology, stateDir: args.localStateDir ?? join(PROJECT_ROOT, ".pg-read-replicas", pulumi.getStack()) }, { parent: this }).outputs;
        break;
      case "aurora":
        throw new pulumi.RunError(
          `backend ${topology.backend} is not available in this version of pg-read-replicas; use backend selfHosted (see the README's backend table).`,
        );
    }
    this.registerOutputs({ topologyHash: this.outputs.topologyHash });
  }
}
