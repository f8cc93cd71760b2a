/** One database group on Kubernetes: its config, headless Service, StatefulSet and disruption budget. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { NodeGroup, SelfHostedTopology } from "../topology/types";
import { renderGroupFiles } from "./files";
import { contentHash } from "./hash";
import { groupConfigMap } from "./manifests/configMaps";
import { groupDisruptionBudget } from "./manifests/disruptionBudgets";
import { headlessServiceManifest } from "./manifests/services";
import { statefulSetManifest } from "./manifests/statefulSet";

export interface DatabaseGroupArgs {
  /** Plain, not an Input: the group's shape decides which resources exist. */
  topology: SelfHostedTopology;
  group: NodeGroup;
  /** Resources every child must wait for (the namespace, secrets, the primary). */
  waitFor?: pulumi.Resource[];
}

export class DatabaseGroup extends pulumi.ComponentResource {
  declare readonly statefulSet: k8s.apps.v1.StatefulSet;
  declare readonly headlessService: k8s.core.v1.Service;

  constructor(name: string, args: DatabaseGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:kubernetes:DatabaseGroup", name, {}, opts);
    const { topology, group } = args;
    const files = renderGroupFiles(topology, group);
    const waitFor = args.waitFor ?? [];
    const child = { parent: this, dependsOn: waitFor };

    const config = new k8s.core.v1.ConfigMap(`${name}-config`, groupConfigMap(topology, group, files), child);
    this.headlessService = new k8s.core.v1.Service(`${name}-hl`, headlessServiceManifest(topology, group), child);
    const configHash = contentHash(files["postgresql.conf"], files["pg_hba.conf"], files["pg_ident.conf"]);
    this.statefulSet = new k8s.apps.v1.StatefulSet(name, statefulSetManifest(topology, group, configHash), {
      parent: this,
      dependsOn: [...waitFor, config, this.headlessService],
    });
    const budget = groupDisruptionBudget(topology, group);
    if (budget) new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, budget, child);

    this.registerOutputs({ statefulSet: this.statefulSet.metadata.name });
  }
}
