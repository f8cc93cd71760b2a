/**
 * What keeps a statefulset stack's volumes (issue 22): deleting a StatefulSet keeps its claims (the retention policy,
 * set explicitly to Retain), but deleting the Namespace deletes every claim in it, whatever that policy
 * (facts/backup/pvc.ts), and the stack deletes the Namespace it created on `pulumi destroy` or when
 * kubernetes.namespace changes (a replacement). So the Namespace of any stack that is not a per-change preview is
 * retained on delete (PULUMI_KUBERNETES.retainOnDeleteSkipsDelete): the engine forgets it and the claims stay. To
 * delete them on purpose: `kubectl delete namespace <ns>` after the destroy (README "Backups and restore").
 */
import { CHANGE_LABEL } from "../../config/labels";
import { STATEFULSET_PVC_RETENTION } from "../../facts/backup/pvc";
import type { SelfHostedTopology } from "../../topology/types";

/** Preview stacks of a change (changeId) are meant to go with their namespace; every other stack keeps its data. */
export function retainsVolumes(topology: SelfHostedTopology): boolean {
  return topology.labels[CHANGE_LABEL] === undefined;
}

/** The StatefulSets' claim retention: Retain on delete and on scale-down (the API's defaults, written down). */
export function claimRetentionPolicy(): { whenDeleted: "Retain"; whenScaled: "Retain" } {
  const { whenDeleted, whenScaled } = STATEFULSET_PVC_RETENTION.defaults.value;
  if (whenDeleted !== "Retain" || whenScaled !== "Retain")
    throw new Error("claimRetentionPolicy: the facts' defaults changed; decide the policy again");
  return { whenDeleted, whenScaled };
}
