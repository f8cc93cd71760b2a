/**
 * The rendered Kubernetes objects of a stack, as the Pulumi program registered
 * them (under mocks), sorted into the clusters they are sent to: the ambient
 * provider's (the primary's region) and one per remote region's provider.
 */
import { TYPES, providerUrn } from "../support/graph";
import type { ProgramRun, Registered } from "../support/pulumiMocks";
import type { PolicyObject } from "../support/networkPolicyModel";

// The shapes the harness reads; the schema tests check the full objects.
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  ports?: Array<{ name: string; containerPort: number }>;
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string; readOnly?: boolean }>;
  readinessProbe?: { exec?: { command: string[] } };
  lifecycle?: { postStart?: { exec: { command: string[] } } };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
    readOnlyRootFilesystem?: boolean;
  };
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
}
export interface Volume {
  name: string;
  configMap?: { name: string; defaultMode?: number; optional?: boolean; items?: Array<{ key: string; path: string }> };
  downwardAPI?: { items: Array<{ path: string; fieldRef: { fieldPath: string } }> };
  secret?: { secretName: string; defaultMode?: number; items?: Array<{ key: string; path: string }> };
  projected?: {
    defaultMode?: number;
    sources: Array<{
      configMap?: { name: string; items: Array<{ key: string; path: string }> };
      secret?: { name: string; items: Array<{ key: string; path: string }> };
    }>;
  };
  emptyDir?: { medium?: string; sizeLimit?: string };
}
export interface PodSpec {
  securityContext: { runAsUser: number; runAsGroup: number; fsGroup?: number; fsGroupChangePolicy?: string };
  initContainers?: Container[];
  containers: Container[];
  volumes: Volume[];
  terminationGracePeriodSeconds?: number;
}
export interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}
export interface Workload {
  kind: "StatefulSet" | "Deployment" | "Job";
  name: string;
  replicas: number;
  serviceName?: string;
  template: PodTemplate;
  volumeClaimTemplates: Array<{ metadata: { name: string } }>;
  /** A Deployment's update strategy, as rendered. */
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
}
export interface ServiceObject {
  name: string;
  type: string;
  clusterIP?: string;
  selector: Record<string, string>;
  publishNotReadyAddresses: boolean;
  ports: Array<{ port: number; targetPort: number | string }>;
  /** The load balancer's host name (the mocks' status, as a controller would set it). */
  loadBalancerHost?: string;
}

export interface ClusterObjects {
  /** The region whose cluster this is. */
  region: string;
  namespace: string;
  configMaps: Map<string, Record<string, string>>;
  secrets: Map<string, Record<string, string>>;
  workloads: Workload[];
  services: ServiceObject[];
  /** The NetworkPolicies, which the harness enforces (Harness.syncOnce, HarnessNet.programPolicies). */
  policies: PolicyObject[];
}

const NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

const KIND_OF: Record<string, Workload["kind"]> = {
  [TYPES.statefulSet]: "StatefulSet",
  [TYPES.deployment]: "Deployment",
  [TYPES.job]: "Job",
};

function workload(resource: Registered): Workload {
  const { metadata, spec } = resource.inputs;
  return {
    kind: KIND_OF[resource.type]!,
    name: metadata.name,
    replicas: resource.type === TYPES.job ? 1 : spec.replicas,
    serviceName: spec.serviceName,
    template: spec.template,
    volumeClaimTemplates: spec.volumeClaimTemplates ?? [],
    strategy: spec.strategy,
  };
}

function service(resource: Registered): ServiceObject {
  const { metadata, spec } = resource.inputs;
  return {
    name: metadata.name,
    type: spec.type ?? "ClusterIP",
    clusterIP: spec.clusterIP,
    selector: spec.selector ?? {},
    publishNotReadyAddresses: spec.publishNotReadyAddresses === true,
    ports: spec.ports,
    loadBalancerHost: spec.type === "LoadBalancer" ? `${metadata.name}.lb.example.com` : undefined,
  };
}

/** Objects per cluster: remote regions' objects go through their own provider (`<stack>-<region>-cluster`). */
export function clustersOf(run: ProgramRun, regions: readonly string[]): ClusterObjects[] {
  const providers = run.resources.filter((r) => r.type === TYPES.kubernetesProvider);
  const regionOf = (resource: Registered): string => {
    const urn = providerUrn(resource);
    const remote = regions
      .slice(1)
      .find((region) => providers.some((p) => p.urn === urn && p.name.endsWith(`-${region}-cluster`)));
    return remote ?? regions[0]!;
  };
  return regions.map((region) => {
    const mine = run.resources.filter(
      (r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:") && regionOf(r) === region,
    );
    const of = (type: string) => mine.filter((r) => r.type === type);
    const namespace = of(TYPES.statefulSet)[0]?.inputs.metadata.namespace as string;
    return {
      region,
      namespace,
      configMaps: new Map(of(TYPES.configMap).map((r) => [r.inputs.metadata.name, r.inputs.data])),
      secrets: new Map(of(TYPES.secret).map((r) => [r.inputs.metadata.name, r.inputs.stringData])),
      workloads: [...of(TYPES.statefulSet), ...of(TYPES.deployment), ...of(TYPES.job)].map(workload),
      services: of(TYPES.service).map(service),
      policies: of(NETWORK_POLICY_TYPE).map((r) => r.inputs as PolicyObject),
    };
  });
}
