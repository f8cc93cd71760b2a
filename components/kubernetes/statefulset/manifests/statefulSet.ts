/** StatefulSet for one database group (primary, OLTP replicas or OLAP replica). Pure. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { NodeGroup, SelfHostedTopology } from "../../../topology/types";
import { baseLabels, groupLabels, groupSelector, names } from "../../conventions";
import { databasePodSpec } from "./databasePod";
import { claimRetentionPolicy } from "../volumeProtection";

type Topology = SelfHostedTopology;

/** The pod-template annotation whose change restarts a group's pods. */
export const RESTART_HASH_ANNOTATION = "pg-read-replicas/restart-hash";

/** The provider's default await; seeding a large primary's copy takes longer. */
export const DEFAULT_AWAIT_S = 600;

export interface PodHashes {
  /** Of what the pods can only take by restarting (restartHashes.ts): a change restarts them, nothing else does. */
  restart: string;
  /** Of the passwords the pods read at start: a rotation rolls them (bootstrap re-applies, passfiles are rewritten). */
  credentials: pulumi.Input<string>;
}

/** After a failover the primary's StatefulSet stays at zero: its data directory is the old writer's. */
export function replicaCount(topology: Topology, group: NodeGroup): number {
  if (group.role === "primary") return topology.kubernetes.writer === group.members[0].name ? 1 : 0;
  return group.members.length;
}

/** The group whose pod is the writer (the primary's, or after a failover the promoted replica's). */
export function holdsWriter(topology: Topology, group: NodeGroup): boolean {
  return group.members.some((member) => member.name === topology.kubernetes.writer);
}

/**
 * Kubernetes never restarts the writer on its own: its StatefulSet takes a changed template only when its pod is
 * deleted (OnDelete), which `pg-read-replicas kubernetes switchover` does after handing the writer to a caught-up
 * replica. Replicas roll one at a time, highest ordinal first (facts/kubernetes/statefulSetController.ts).
 */
export function updateStrategy(
  topology: Topology,
  group: NodeGroup,
): k8s.types.input.apps.v1.StatefulSetUpdateStrategy {
  return holdsWriter(topology, group) ? { type: "OnDelete" } : { type: "RollingUpdate" };
}

/**
 * OrderedReady seeds one replica after another, each a full copy throttled to
 * basebackupMaxRate: the await must outlast all of them.
 */
export function awaitSeconds(topology: Topology, group: NodeGroup): number {
  // A restored stack's writer first copies its data directory from the repository (as fast as a seed, assumed).
  if (group.role === "primary")
    return topology.restore === undefined
      ? DEFAULT_AWAIT_S
      : DEFAULT_AWAIT_S + Math.ceil(group.resources.storageBytes / topology.replication.basebackupBytesPerS);
  const perReplica = Math.ceil(group.resources.storageBytes / topology.replication.basebackupBytesPerS);
  return DEFAULT_AWAIT_S + group.members.length * perReplica;
}

function annotations(topology: Topology, group: NodeGroup): Record<string, string> {
  // No skipAwait after a failover: the promoted writer is Ready in its replica group (render/probes.ts).
  return { "pulumi.com/timeoutSeconds": String(awaitSeconds(topology, group)) };
}

export function statefulSetManifest(
  topology: Topology,
  group: NodeGroup,
  hashes: PodHashes,
): k8s.apps.v1.StatefulSetArgs {
  const k = topology.kubernetes;
  return {
    metadata: {
      name: group.name,
      namespace: k.namespace,
      labels: groupLabels(topology, group),
      annotations: annotations(topology, group),
    },
    spec: {
      serviceName: names.headless(group),
      replicas: replicaCount(topology, group),
      // One at a time: each replica's base backup is throttled, and they never stack up on the primary.
      podManagementPolicy: "OrderedReady",
      // Claims outlive the StatefulSet and a scale-down (a replica added back re-seeds over its old claim).
      persistentVolumeClaimRetentionPolicy: claimRetentionPolicy(),
      updateStrategy: updateStrategy(topology, group),
      selector: { matchLabels: groupSelector(topology, group) },
      template: {
        metadata: {
          labels: groupLabels(topology, group, "pod"),
          annotations: {
            [RESTART_HASH_ANNOTATION]: hashes.restart,
            "pg-read-replicas/credentials-hash": hashes.credentials,
          },
        },
        spec: databasePodSpec(topology, group),
      },
      // Force-new in the provider: the component ignores later changes here and grows the PVCs in place instead.
      volumeClaimTemplates: [
        {
          metadata: { name: "data" },
          spec: {
            accessModes: ["ReadWriteOnce"],
            ...(k.storageClass !== undefined ? { storageClassName: k.storageClass } : {}),
            resources: { requests: { storage: group.resources.storage } },
          },
        },
      ],
    },
  };
}

/** The PVC the StatefulSet made for one pod (`<template>-<pod>`), grown to the group's storage. */
export function dataClaimPatch(
  topology: Topology,
  group: NodeGroup,
  pod: string,
): k8s.core.v1.PersistentVolumeClaimPatchArgs {
  return {
    metadata: {
      name: `data-${pod}`,
      namespace: topology.kubernetes.namespace,
      labels: baseLabels(topology, "postgresql"),
      // The StatefulSet controller created the claim and owns its fields.
      annotations: { "pulumi.com/patchForce": "true" },
    },
    spec: { resources: { requests: { storage: group.resources.storage } } },
  };
}
