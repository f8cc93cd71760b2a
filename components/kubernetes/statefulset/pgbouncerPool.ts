/** One PgBouncer pool on Kubernetes: pgbouncer.ini, Deployment, Service and disruption budget. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Pool, SelfHostedTopology } from "../../topology/types";
import { renderPoolIni } from "./files";
import { contentHash } from "./hash";
import { poolRestartHash } from "./restartHashes";
import { poolConfigMap } from "./manifests/configMaps";
import { poolDisruptionBudget } from "./manifests/disruptionBudgets";
import { pgbouncerDeploymentManifest, pgbouncerServiceManifest } from "./manifests/pgbouncer";

export interface PgBouncerPoolArgs {
  topology: SelfHostedTopology;
  pool: Pool;
  /** Hash of the userlist: a rotated password restarts the pool's pods. */
  authHash: pulumi.Input<string>;
  waitFor?: pulumi.Resource[];
}

export class PgBouncerPool extends pulumi.ComponentResource {
  declare readonly service: k8s.core.v1.Service;
  declare readonly deployment: k8s.apps.v1.Deployment;

  constructor(name: string, args: PgBouncerPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:kubernetes:PgBouncerPool", name, {}, opts);
    const { topology, pool } = args;
    const waitFor = args.waitFor ?? [];
    const child = { parent: this, dependsOn: waitFor };
    const ini = renderPoolIni(topology, pool);

    const config = new k8s.core.v1.ConfigMap(`${name}-config`, poolConfigMap(topology, pool, ini), child);
    // pgbouncer.ini reaches the pods in place and is reloaded; only its no-reload settings restart them.
    const hashes = {
      restart: poolRestartHash(ini),
      credentials: pulumi.output(args.authHash).apply((h) => contentHash(h)),
    };
    this.deployment = new k8s.apps.v1.Deployment(name, pgbouncerDeploymentManifest(topology, pool, hashes), {
      parent: this,
      dependsOn: [...waitFor, config],
    });
    this.service = new k8s.core.v1.Service(`${name}-svc`, pgbouncerServiceManifest(topology, pool), child);
    const budget = poolDisruptionBudget(topology, pool);
    if (budget) new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, budget, child);

    this.registerOutputs({ service: this.service.metadata.name });
  }
}
