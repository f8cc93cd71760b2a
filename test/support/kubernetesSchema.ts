/**
 * Validates registered Kubernetes objects against the Kubernetes OpenAPI schema
 * (kubernetes-models), so a malformed manifest fails a test instead of a deploy.
 */
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
// ESM-only: fine in tests (vitest loads them as ESM), never from code the Pulumi program or CLI loads.
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { Cluster } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster";
import { Pooler } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Pooler";
import { ScheduledBackup } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/ScheduledBackup";
import { Backup } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Backup";
import { crdModel } from "./crdSchema";
import type { Registered } from "./pulumiMocks";
import { assertTargetedCnpgFields } from "./cnpgSchema";

interface Validatable {
  validate(): void;
}

const MODELS: Record<string, new (data: never) => Validatable> = {
  "kubernetes:core/v1:ConfigMap": ConfigMap,
  "kubernetes:core/v1:Namespace": Namespace,
  "kubernetes:core/v1:Secret": Secret,
  "kubernetes:core/v1:Service": Service,
  "kubernetes:apps/v1:Deployment": Deployment,
  "kubernetes:apps/v1:StatefulSet": StatefulSet,
  "kubernetes:batch/v1:Job": Job,
  "kubernetes:policy/v1:PodDisruptionBudget": PodDisruptionBudget,
  "kubernetes:networking.k8s.io/v1:NetworkPolicy": NetworkPolicy,
  "kubernetes:monitoring.coreos.com/v1:PodMonitor": PodMonitor,
  "kubernetes:monitoring.coreos.com/v1:PrometheusRule": PrometheusRule,
  // CloudNativePG's CRDs (their OpenAPI schema as of 1.29.0; 1.30.0's changes are checked by assertTargetedCnpgFields).
  "kubernetes:postgresql.cnpg.io/v1:Cluster": Cluster,
  "kubernetes:postgresql.cnpg.io/v1:Pooler": Pooler,
  "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup": ScheduledBackup,
  "kubernetes:postgresql.cnpg.io/v1:Backup": Backup,
  // The Barman Cloud plugin's CRD at the pinned release (v0.14.0), vendored: no npm package carries it.
  "kubernetes:barmancloud.cnpg.io/v1:ObjectStore": crdModel("barmancloud.cnpg.io_objectstores.v0.14.0.yaml"),
};

/** Patch resources carry only the fields they set (server-side apply), so the full schema does not apply. */
const PATCH_TYPE = /Patch$/;

/** Objects sent to the Kubernetes API (a Helm release is not one: the chart's own objects are). */
export function isKubernetesObject(resource: Registered): boolean {
  return (
    resource.custom &&
    resource.type.startsWith("kubernetes:") &&
    !resource.type.startsWith("kubernetes:index") &&
    !resource.type.startsWith("kubernetes:helm.sh/")
  );
}

/** Throws with the resource's name and the schema's complaint. */
export function validateKubernetesObject(resource: Registered): void {
  if (PATCH_TYPE.test(resource.type)) return validatePatch(resource);
  const Model = MODELS[resource.type];
  if (!Model) throw new Error(`no schema model registered for ${resource.type} (${resource.name}); add it to MODELS`);
  const { apiVersion, kind, metadata, spec, data, stringData, type } = resource.inputs;
  const object = Object.fromEntries(
    Object.entries({ apiVersion, kind, metadata, spec, data, stringData, type }).filter(
      ([, value]) => value !== undefined,
    ),
  );
  try {
    new Model(object as never).validate();
    if (resource.type.startsWith("kubernetes:postgresql.cnpg.io/"))
      assertTargetedCnpgFields(object as { kind: string; spec?: unknown });
  } catch (error) {
    throw new Error(`${resource.type} ${resource.name} fails the Kubernetes schema: ${(error as Error).message}`);
  }
}

/** A patch names an existing object and must set something. */
function validatePatch(resource: Registered): void {
  const { metadata, spec } = resource.inputs as { metadata?: { name?: string; namespace?: string }; spec?: object };
  if (!metadata?.name || !metadata.namespace)
    throw new Error(`${resource.type} ${resource.name}: a patch needs metadata.name and metadata.namespace`);
  if (!spec || Object.keys(spec).length === 0)
    throw new Error(`${resource.type} ${resource.name}: a patch with an empty spec changes nothing`);
}
