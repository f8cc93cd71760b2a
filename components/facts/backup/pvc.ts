/** What keeps or deletes a statefulset stack's volumes: the StatefulSet PVC retention policy and the Namespace. */
import { cite, fact } from "../fact";

/** StatefulSet PVC retention (Kubernetes). */
export const STATEFULSET_PVC_RETENTION = {
  field: fact("spec.persistentVolumeClaimRetentionPolicy { whenDeleted, whenScaled }", cite("statefulSetPvcRetention")),
  values: fact(["Retain", "Delete"], cite("statefulSetPvcRetention")),
  defaults: fact(
    { whenDeleted: "Retain", whenScaled: "Retain" } as { whenDeleted: string; whenScaled: string },
    cite("statefulSetPvcRetention"),
  ),
  /**
   * Beta and on by default from 1.27; GA believed 1.32 but unconfirmed here: re-check before relying on the GA version.
   */
  onByDefaultSince: fact(
    "1.27",
    cite("statefulSetPvcRetention", undefined, "beta, on by default, since 1.27; before that alpha and off by default"),
  ),
  /**
   * Deleting a Namespace deletes every PVC in it regardless of the StatefulSet's policy; the PV then follows its
   * reclaimPolicy (dynamic provisioning: Delete by default).
   */
  namespaceDeletionDeletesClaims: fact(
    true,
    cite(
      "kubernetesVolumeApi",
      undefined,
      "PVCs are namespaced objects; PV reclaim policy of dynamically provisioned volumes defaults to Delete",
    ),
  ),
  /**
   * A pvc:// repository is mounted by every database pod (archive-push on the writer, archive-get on replicas) and the
   * pods spread over nodes: only ReadWriteMany lets pods on several nodes mount one claim (ReadWriteOnce: one node;
   * another node's pod waits in ContainerCreating with a Multi-Attach error).
   */
  repositoryAccessMode: fact(
    "ReadWriteMany",
    cite("kubernetesPersistentVolumes", undefined, "access modes: ReadWriteOnce — mounted read-write by a single node"),
  ),
} as const;
