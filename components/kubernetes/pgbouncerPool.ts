/** One PgBouncer pool on Kubernetes: pgbouncer.ini, Deployment, Service and disruption budget. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderPgbouncerIni } from "../render/pgbouncerIni";
import type { Pool, Topology } from "../topology/types";
import { PATHS, baseLabels, names, serviceHost } from "./conventions";
import { contentHash } from "./hash";
import { poolDisruptionBudget } from "./manifests/disruptionBudgets";
import { pgbouncerDeploymentManifest, pgbouncerServiceManifest } from "./manifests/pgbouncer";

export interface PgBouncerPoolArgs {
  topology: Topology;
  pool: Pool;
  /** Hash of the userlist: a rotated password restarts the pool's pods. */
  authHash: pulumi.Input<string>;
  waitFor?: pulumi.Resource[];
}

const TARGET_SERVICE = { primary: names.rwService, oltp: names.roService, olap: names.olapService } as const;

export function renderPoolIni(topology: Topology, pool: Pool): string {
  const namespace = topology.kubernetes!.namespace;
  return renderPgbouncerIni(topology, pool, {
    target: { host: serviceHost(TARGET_SERVICE[pool.target](topology), namespace), port: topology.port },
    listen: { host: "*", port: topology.poolPort },
    authFile: `${PATHS.pgbouncerDir}/userlist.txt`,
    serverTlsMode: topology.access.requireTls ? "require" : "prefer",
  });
}

export class PgBouncerPool extends pulumi.ComponentResource {
  declare readonly service: k8s.core.v1.Service;
  declare readonly deployment: k8s.apps.v1.Deployment;

  constructor(name: string, args: PgBouncerPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:kubernetes:PgBouncerPool", name, {}, opts);
    const { topology, pool } = args;
    const namespace = topology.kubernetes!.namespace;
    const waitFor = args.waitFor ?? [];
    const child = { parent: this, dependsOn: waitFor };
    const ini = renderPoolIni(topology, pool);

    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: { name: names.poolConfig(pool), namespace, labels: baseLabels(topology, "pgbouncer") }, data: { "pgbouncer.ini": ini } },
      child,
    );
    const configHash = pulumi.output(args.authHash).apply((authHash) => contentHash(ini, authHash));
    this.deployment = new k8s.apps.v1.Deployment(name, pgbouncerDeploymentManifest(topology, pool, namespace, configHash), {
      parent: this,
      dependsOn: [...waitFor, config],
    });
    this.service = new k8s.core.v1.Service(`${name}-svc`, pgbouncerServiceManifest(topology, pool, namespace), child);
    const budget = poolDisruptionBudget(topology, pool, namespace);
    if (budget) new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, budget, child);

    this.registerOutputs({ service: this.service.metadata.name });
  }
}
