/**
 * No database reachable from 0.0.0.0/0 (or ::/0): security group ingress, a public Aurora instance, a LoadBalancer
 * without source ranges (it admits every address), a NetworkPolicy ipBlock, a pg_hba rule that is not a rejection.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { isOpenToAll } from "./hba";
import { type Props, TYPES, hbaOf } from "./resources";

const FIX = "Narrow it to the clients' CIDRs (allowedCidrs).";

function securityGroupOpenings(type: string, props: Props): string[] {
  const cidrs = (rule: Props): string[] => [...(rule.cidrBlocks ?? []), ...(rule.ipv6CidrBlocks ?? [])];
  if (type === TYPES.securityGroup) return ((props.ingress ?? []) as Array<Props>).flatMap(cidrs).filter(isOpenToAll);
  if (type === TYPES.securityGroupRule && props.type === "ingress") return cidrs(props).filter(isOpenToAll);
  if (type === TYPES.ingressRule)
    return [props.cidrIpv4, props.cidrIpv6].filter((c): c is string => typeof c === "string" && isOpenToAll(c));
  return [];
}

function kubernetesOpenings(type: string, props: Props): string[] {
  if (type === TYPES.service && props.spec?.type === "LoadBalancer") {
    const ranges = (props.spec.loadBalancerSourceRanges ?? []) as string[];
    if (ranges.length === 0) return ["a LoadBalancer without loadBalancerSourceRanges (every address)"];
    return ranges.filter(isOpenToAll).map((r) => `loadBalancerSourceRanges ${r}`);
  }
  if (type === TYPES.networkPolicy) {
    const peers = ((props.spec?.ingress ?? []) as Array<{ from?: Array<Props> }>).flatMap((rule) => rule.from ?? []);
    return peers
      .map((peer) => peer.ipBlock?.cidr)
      .filter((c): c is string => typeof c === "string" && isOpenToAll(c))
      .map((c) => `ingress from ipBlock ${c}`);
  }
  return [];
}

function validate(args: ResourceValidationArgs, report: ReportViolation): void {
  const { type, props, name } = args;
  for (const cidr of securityGroupOpenings(type, props)) report(`${name} admits ${cidr}. ${FIX}`);
  for (const opening of kubernetesOpenings(type, props)) report(`${name}: ${opening}. ${FIX}`);
  if (type === TYPES.clusterInstance && props.publiclyAccessible === true)
    report(`${name} is publicly accessible. Set publiclyAccessible: false; clients reach it inside the VPC.`);
  for (const rule of hbaOf(type, props))
    if (rule.type !== "local" && isOpenToAll(rule.address) && rule.method !== "reject")
      report(`${name}: pg_hba rule "${rule.line}" admits every address. ${FIX}`);
}

export const noDatabaseOpenToAll: ResourceValidationPolicy = {
  name: "no-database-open-to-all",
  description: "No database or pool is reachable from 0.0.0.0/0 or ::/0.",
  enforcementLevel: "mandatory",
  validateResource: validate,
};
