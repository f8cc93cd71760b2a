/** Finding resources in a recorded Pulumi graph, for the component tests. */
import type { ProgramRun, Registered } from "./pulumiMocks";

export const TYPES = {
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  deployment: "kubernetes:apps/v1:Deployment",
  service: "kubernetes:core/v1:Service",
  configMap: "kubernetes:core/v1:ConfigMap",
  secret: "kubernetes:core/v1:Secret",
  job: "kubernetes:batch/v1:Job",
  cronJob: "kubernetes:batch/v1:CronJob",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  kubernetesProvider: "pulumi:providers:kubernetes",
  cluster: "aws:rds/cluster:Cluster",
  instance: "aws:rds/clusterInstance:ClusterInstance",
  endpoint: "aws:rds/clusterEndpoint:ClusterEndpoint",
  global: "aws:rds/globalCluster:GlobalCluster",
  parameterGroup: "aws:rds/parameterGroup:ParameterGroup",
  clusterParameterGroup: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
  proxy: "aws:rds/proxy:Proxy",
  proxyEndpoint: "aws:rds/proxyEndpoint:ProxyEndpoint",
  proxyTarget: "aws:rds/proxyTarget:ProxyTarget",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  awsProvider: "pulumi:providers:aws",
  scalingTarget: "aws:appautoscaling/target:Target",
  scalingPolicy: "aws:appautoscaling/policy:Policy",
  command: "command:local:Command",
} as const;

export function ofType(run: ProgramRun, type: string): Registered[] {
  return run.resources.filter((r) => r.type === type);
}

/** The one resource of a type with this Pulumi name. */
export function one(run: ProgramRun, type: string, name: string): Registered {
  const found = ofType(run, type).filter((r) => r.name === name);
  if (found.length !== 1)
    throw new Error(
      `expected one ${type} ${name}, found ${found.length}: ${ofType(run, type)
        .map((r) => r.name)
        .join(", ")}`,
    );
  return found[0]!;
}

/** The one Kubernetes object of a type with this metadata.name (optionally under a region's component). */
export function k8sObject(run: ProgramRun, type: string, k8sName: string, owner?: string): Registered {
  const found = ofType(run, type).filter(
    (r) => r.inputs.metadata?.name === k8sName && (!owner || r.name.startsWith(owner)),
  );
  if (found.length !== 1) throw new Error(`expected one ${type} named ${k8sName}, found ${found.length}`);
  return found[0]!;
}

export function k8sNames(run: ProgramRun, type: string): string[] {
  return ofType(run, type)
    .map((r) => r.inputs.metadata.name)
    .sort();
}

/** A provider reference is "<urn>::<id>", and URNs contain "::" themselves. */
export function providerUrn(resource: Registered): string {
  return resource.provider.slice(0, resource.provider.lastIndexOf("::"));
}

/** A container's env as name → literal value. */
export function envOf(container: { env: Array<{ name: string; value?: string }> }): Record<string, string | undefined> {
  return Object.fromEntries(container.env.map((e) => [e.name, e.value]));
}
