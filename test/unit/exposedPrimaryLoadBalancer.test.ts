/**
 * The exposed primary admits other regions' replicas by their CIDRs (pg_hba) through a load balancer with
 * externalTrafficPolicy Local: on AWS a Classic ELB (the in-tree controller's default) or an NLB with IP targets
 * replaces the client's address, so those rules match only by luck. The stack warns, naming the key and the fix.
 */
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../components/config/stackFile";
import { LOAD_BALANCERS } from "../../components/facts/kubernetes";
import { topologyFromPulumiConfig } from "../../components/pipeline/loadTopology";

function warningsWith(annotations: Record<string, string> | undefined): string[] {
  const config = readStackConfig("stacks", "prod");
  const kubernetes = JSON.parse(config["pg-read-replicas:kubernetes"]!) as Record<string, unknown>;
  const patched = annotations === undefined ? kubernetes : { ...kubernetes, loadBalancerAnnotations: annotations };
  const raw = { ...config, "pg-read-replicas:kubernetes": JSON.stringify(patched) };
  return topologyFromPulumiConfig(raw, "prod").warnings.filter((w) =>
    w.startsWith("kubernetes.loadBalancerAnnotations"),
  );
}

const NLB = LOAD_BALANCERS.awsNlbKeepsClientAddress.value.annotations;
const INTERNAL = { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" };

describe("the exposed primary's load balancer on AWS", () => {
  it("warns with the default annotations: a Classic ELB keeps no client address", () => {
    const [warning] = warningsWith(undefined);
    expect(warning).toContain("makes a Classic ELB");
    expect(warning).toContain("crossRegion[].cidrs");
    expect(warning).toContain("service.beta.kubernetes.io/aws-load-balancer-type: nlb");
  });

  it("is quiet with an NLB of instance targets", () => {
    expect(warningsWith({ ...INTERNAL, ...NLB })).toEqual([]);
  });

  it("warns for an NLB of IP targets without client IP preservation, and not with it", () => {
    const ip = {
      ...INTERNAL,
      "service.beta.kubernetes.io/aws-load-balancer-type": "external",
      "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
    };
    expect(warningsWith(ip)[0]).toContain("IP targets");
    const preserved = {
      ...ip,
      "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "preserve_client_ip.enabled=true",
    };
    expect(warningsWith(preserved)).toEqual([]);
  });

  it("says nothing on other clouds (no AWS annotation)", () => {
    expect(warningsWith({ "networking.gke.io/load-balancer-type": "Internal" })).toEqual([]);
  });
});
