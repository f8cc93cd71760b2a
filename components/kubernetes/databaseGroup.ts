/** One database group on Kubernetes: its config, headless Service, StatefulSet and disruption budget. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderPgHba } from "../render/pgHba";
import { renderPgIdent } from "../render/pgIdent";
import { renderPostgresqlConf } from "../render/postgresqlConf";
import type { NodeGroup, Topology } from "../topology/types";
import { PATHS, baseLabels, names } from "./conventions";
import { contentHash } from "./hash";
import { groupDisruptionBudget } from "./manifests/disruptionBudgets";
import { headlessServiceManifest } from "./manifests/services";
import { statefulSetManifest } from "./manifests/statefulSet";

export interface DatabaseGroupArgs {
  /** Plain, not an Input: the group's shape decides which resources exist. */
  topology: Topology;
  group: NodeGroup;
  /** Resources every child must wait for (the namespace, secrets, the primary). */
  waitFor?: pulumi.Resource[];
}

export function renderGroupFiles(topology: Topology, group: NodeGroup): Record<"postgresql.conf" | "pg_hba.conf" | "pg_ident.conf", string> {
  return {
    "postgresql.conf": renderPostgresqlConf(topology, group, topology.port, {
      hbaFile: PATHS.hbaFile,
      identFile: PATHS.identFile,
      socketDirectory: PATHS.socketDir,
      ssl: { certFile: PATHS.tlsCert, keyFile: PATHS.tlsKey },
    }),
    "pg_hba.conf": renderPgHba(topology, group.region),
    "pg_ident.conf": renderPgIdent(topology),
  };
}

export class DatabaseGroup extends pulumi.ComponentResource {
  declare readonly statefulSet: k8s.apps.v1.StatefulSet;
  declare readonly headlessService: k8s.core.v1.Service;

  constructor(name: string, args: DatabaseGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:kubernetes:DatabaseGroup", name, {}, opts);
    const { topology, group } = args;
    const namespace = topology.kubernetes!.namespace;
    const files = renderGroupFiles(topology, group);
    const waitFor = args.waitFor ?? [];
    const child = { parent: this, dependsOn: waitFor };

    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: { name: names.groupConfig(group), namespace, labels: baseLabels(topology, "postgresql") }, data: files },
      child,
    );
    this.headlessService = new k8s.core.v1.Service(`${name}-hl`, headlessServiceManifest(topology, group, namespace), child);
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      name,
      statefulSetManifest(topology, group, {
        namespace,
        configHash: contentHash(files["postgresql.conf"], files["pg_hba.conf"], files["pg_ident.conf"]),
      }),
      { parent: this, dependsOn: [...waitFor, config, this.headlessService] },
    );
    const budget = groupDisruptionBudget(topology, group, namespace);
    if (budget) new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, budget, child);

    this.registerOutputs({ statefulSet: this.statefulSet.metadata.name });
  }
}
