/**
 * What the policies read from a resource: the types this program registers, the pg_hba rules a database runs with,
 * the images a workload runs, and whether the stack is a production one.
 */
import type { ResourceValidationArgs } from "@pulumi/policy";
import { type HbaRule, hbaRules } from "./hba";

/** A resource's inputs as the engine hands them to a policy (untyped JSON). */
export type Props = ResourceValidationArgs["props"];

export const TYPES = {
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  cluster: "aws:rds/cluster:Cluster",
  clusterInstance: "aws:rds/clusterInstance:ClusterInstance",
  globalCluster: "aws:rds/globalCluster:GlobalCluster",
  clusterParameterGroup: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
  proxy: "aws:rds/proxy:Proxy",
  service: "kubernetes:core/v1:Service",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  configMap: "kubernetes:core/v1:ConfigMap",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  cronJob: "kubernetes:batch/v1:CronJob",
  cnpgCluster: "kubernetes:postgresql.cnpg.io/v1:Cluster",
  cnpgPooler: "kubernetes:postgresql.cnpg.io/v1:Pooler",
  cnpgScheduledBackup: "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup",
} as const;

/** Kubernetes workloads whose pod template runs containers. */
const POD_TEMPLATES: Record<string, (props: Props) => Props | undefined> = {
  "kubernetes:apps/v1:StatefulSet": (p) => p.spec?.template?.spec,
  "kubernetes:apps/v1:Deployment": (p) => p.spec?.template?.spec,
  "kubernetes:apps/v1:DaemonSet": (p) => p.spec?.template?.spec,
  "kubernetes:batch/v1:Job": (p) => p.spec?.template?.spec,
  "kubernetes:batch/v1:CronJob": (p) => p.spec?.jobTemplate?.spec?.template?.spec,
  "kubernetes:core/v1:Pod": (p) => p.spec,
  [TYPES.cnpgPooler]: (p) => p.spec?.template?.spec,
};

/** Every image a resource runs (containers, init containers; a CloudNativePG Cluster's imageName). */
export function imagesOf(type: string, props: Props): string[] {
  if (type === TYPES.cnpgCluster) return typeof props.spec?.imageName === "string" ? [props.spec.imageName] : [];
  const pod = POD_TEMPLATES[type]?.(props);
  if (!pod) return [];
  const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])] as Array<{ image?: unknown }>;
  return containers.flatMap((c) => (typeof c.image === "string" ? [c.image] : []));
}

/** The pg_hba rules a resource carries: a ConfigMap's pg_hba.conf, a CloudNativePG Cluster's spec.postgresql.pg_hba. */
export function hbaOf(type: string, props: Props): HbaRule[] {
  if (type === TYPES.configMap && typeof props.data?.["pg_hba.conf"] === "string")
    return hbaRules(String(props.data["pg_hba.conf"]).split("\n"));
  if (type === TYPES.cnpgCluster && Array.isArray(props.spec?.postgresql?.pg_hba))
    return hbaRules(props.spec.postgresql.pg_hba as string[]);
  return [];
}

/** The stack name in a URN (urn:pulumi:<stack>::<project>::<type>::<name>). */
export function stackOfUrn(urn: string): string {
  return urn.split("::")[0]?.replace(/^urn:pulumi:/, "") ?? "";
}

/** The policy pack's config: which stacks are production (a regular expression over the stack name). */
export interface GuardrailConfig {
  productionStacks: string;
}

export const DEFAULT_PRODUCTION_STACKS = "(^|-)prod(-|$)";

export function isProduction(urn: string, config: Partial<GuardrailConfig>): boolean {
  return new RegExp(config.productionStacks ?? DEFAULT_PRODUCTION_STACKS).test(stackOfUrn(urn));
}
