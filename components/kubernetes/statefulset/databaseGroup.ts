/**
 * One database group on Kubernetes: its config, headless Service, StatefulSet,
 * disruption budget, and the claims of its pods grown to the configured storage.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { NodeGroup, SelfHostedTopology } from "../../topology/types";
import { groupConfLines, renderGroupFiles } from "./files";
import { databaseRestartHash } from "./restartHashes";
import { groupConfigMap } from "./manifests/configMaps";
import { groupDisruptionBudget } from "./manifests/disruptionBudgets";
import { headlessServiceManifest } from "../manifests/services";
import { dataClaimPatch, replicaCount, statefulSetManifest } from "./manifests/statefulSet";

export interface DatabaseGroupArgs {
  /** Plain, not an Input: the group's shape decides which resources exist. */
  topology: SelfHostedTopology;
  group: NodeGroup;
  /** The exporter sidecar's queries file (it reads it when it starts), when monitoring is on. */
  exporterQueries?: string;
  /** Hash of the passwords the pods read at start (secret). */
  credentialsHash: pulumi.Input<string>;
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
    // Only what the pods cannot reload: pg_hba, reloadable settings and scripts reach them in place.
    const restart = databaseRestartHash(groupConfLines(topology, group), args.exporterQueries);
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      name,
      statefulSetManifest(topology, group, { restart, credentials: args.credentialsHash }),
      {
        parent: this,
        dependsOn: [...waitFor, config, this.headlessService],
        // volumeClaimTemplates are force-new: a changed storage size would delete and recreate the
        // StatefulSet (an outage) and still leave the existing claims at their old size.
        ignoreChanges: ["spec.volumeClaimTemplates"],
      },
    );
    // Claims exist once the StatefulSet is ready; growing them needs a StorageClass with allowVolumeExpansion.
    group.members.slice(0, replicaCount(topology, group)).forEach((member) => {
      new k8s.core.v1.PersistentVolumeClaimPatch(
        `${name}-data-${member.ordinal}`,
        dataClaimPatch(topology, group, member.name),
        // Dropping a patch (scale-down, the primary's group after a failover) must not make the provider
        // relinquish the storage request it set: the claim would be left without that required field, the API
        // server refuses, and the `up` fails. Retained, the claim keeps its size and the state forgets the patch
        // (PULUMI_KUBERNETES.patchDeletionRelinquishes, retainOnDeleteSkipsDelete).
        { parent: this, dependsOn: [this.statefulSet], retainOnDelete: true },
      );
    });
    const budget = groupDisruptionBudget(topology, group);
    if (budget) new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, budget, child);

    this.registerOutputs({ statefulSet: this.statefulSet.metadata.name });
  }
}
