/**
 * Storage encrypted: every Aurora cluster says storageEncrypted (a Global Database takes its source cluster's). On
 * Kubernetes encryption is the StorageClass's (kubernetes.storageClass), which the graph does not show.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES } from "./resources";

export const storageEncrypted: ResourceValidationPolicy = {
  name: "storage-encrypted",
  description: "Database storage is encrypted at rest.",
  enforcementLevel: "mandatory",
  validateResource: ({ type, props, name }, report) => {
    if (type === TYPES.cluster && props.storageEncrypted !== true)
      report(
        `${name} has storageEncrypted ${String(props.storageEncrypted)}. Set it to true (with aurora.kmsKeyId for your own key).`,
      );
    if (type === TYPES.globalCluster && props.storageEncrypted === false)
      report(`${name} has storageEncrypted false. Leave it unset (it follows the source cluster) or set it to true.`);
  },
};
