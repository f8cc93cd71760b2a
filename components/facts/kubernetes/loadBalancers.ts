/**
 * What keeps a remote region's client address on the way through the exposed primary's load balancer, which the
 * per-region pg_hba rules match on. externalTrafficPolicy Local only stops kube-proxy's SNAT; the load balancer in
 * front must pass the address on too.
 */
import { cite, fact } from "../fact";

export const LOAD_BALANCERS = {
  /**
   * AWS's in-tree controller makes a Classic ELB unless the Service says otherwise; a Classic ELB proxies TCP, so the
   * pod sees the ELB node's address, with or without externalTrafficPolicy Local.
   */
  awsClassicElbKeepsNoClientAddress: fact(
    { typeAnnotation: "service.beta.kubernetes.io/aws-load-balancer-type", classicWhenAbsent: true },
    cite(
      "externalLoadBalancerDocs",
      "Preserving the client source IP",
      "externalTrafficPolicy Local; on cloud load balancers that proxy (AWS ELB) the client address is not kept",
    ),
    cite(
      "kubernetesIssue35187",
      "thread",
      "OnlyLocal (externalTrafficPolicy Local) with an ELB: 'This just can't work on ELB'",
    ),
  ),
  /**
   * A Network Load Balancer with instance targets (the in-tree controller's `nlb`) keeps the client's address;
   * with IP targets (the AWS Load Balancer Controller's `external` + nlb-target-type ip) over TCP it does not unless
   * the target group's preserve_client_ip.enabled is true.
   */
  awsNlbKeepsClientAddress: fact(
    {
      annotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" },
      ipTargetsNeed: "preserve_client_ip.enabled=true",
      targetTypeAnnotation: "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type",
      attributesAnnotation: "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes",
    },
    cite(
      "nlbTargetGroupsDocs",
      "Client IP preservation",
      "instance targets: preserved; IP targets with TCP or TLS: disabled by default",
    ),
    cite("externalLoadBalancerDocs", "Preserving the client source IP"),
  ),
} as const;
