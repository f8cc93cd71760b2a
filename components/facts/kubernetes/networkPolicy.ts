/**
 * How NetworkPolicy peers select sources, read from Kubernetes' and Cilium's documentation: why application pods must
 * be admitted by selectors, not by their pod network's CIDR.
 */
import { cite, fact } from "../fact";

export const NETWORK_POLICY = {
  /** ipBlock is meant for addresses outside the cluster; pod IPs are not a stable thing to match. */
  ipBlockIsForClusterExternal: fact(
    true,
    cite(
      "networkPolicyDocs",
      "#networkpolicy-resource, ipBlock",
      "'These should be cluster-external IPs, since Pod IPs are ephemeral and unpredictable.'",
    ),
  ),
  /**
   * Cilium matches a peer it manages by its labels (its security identity), never by its address: a CIDR rule admits
   * no pod of the cluster, so pods reach the pools only through a selector peer.
   */
  cidrRulesSkipClusterPods: fact(
    true,
    cite(
      "ciliumLayer3Docs",
      "Layer 3 Examples: IP/CIDR based",
      "'used to describe the relationship to or from external services if the remote peer is not an endpoint'; CIDR rules do not apply to traffic where both sides are managed by Cilium or use a node's IP",
    ),
  ),
  /** A peer with both selectors admits the pods matching podSelector in the namespaces matching namespaceSelector. */
  bothSelectorsIntersect: fact(
    true,
    cite(
      "networkPolicyDocs",
      "#behavior-of-to-and-from-selectors",
      "namespaceSelector and podSelector in one element select particular Pods within particular namespaces",
    ),
  ),
  /** A podSelector alone selects pods in the policy's own namespace. */
  podSelectorAloneIsOwnNamespace: fact(
    true,
    cite(
      "networkPolicyDocs",
      "#behavior-of-to-and-from-selectors",
      "podSelector: 'in the same namespace as the NetworkPolicy'",
    ),
  ),
  /**
   * A pod selected by a policy whose policyTypes include Egress may open only the connections some such policy's egress
   * rules allow (their union); with Ingress, likewise for what it accepts. A connection between two pods needs both:
   * the source's egress and the destination's ingress.
   */
  isolationIsPerDirectionAndAdditive: fact(
    true,
    cite(
      "networkPolicyDocs",
      "#the-two-sorts-of-pod-isolation",
      "'Network policies do not conflict; they are additive'; 'both the egress policy on the source Pod and the ingress policy on the destination Pod need to allow the connection'",
    ),
  ),
  /** An egress rule without `to` admits every destination on its ports; one without `ports` every port. */
  emptyPeersOrPortsMatchAll: fact(
    true,
    cite("networkPolicyDocs", "NetworkPolicyEgressRule", "to/ports empty or missing: matches all destinations/ports"),
  ),
  /** A pod's connection to a ClusterIP Service is matched as a connection to the pod behind it. */
  serviceTrafficMatchesBackendPods: fact(true, cite("kubeRouterIssue934")),
  /**
   * The API server listens outside the pod network (host network or the provider's endpoint), on 443 (managed
   * services) or kubeadm's default 6443: a pod reaches it only through an ipBlock rule on those ports.
   */
  apiServerPorts: fact([443, 6443] as const, cite("kubeadmApiserverDocs", "--apiserver-bind-port, Default: 6443")),
  /** The API server sets kubernetes.io/metadata.name on every namespace: a label no tenant can forge. */
  namespaceNameLabel: fact(
    "kubernetes.io/metadata.name",
    cite("networkPolicyDocs", "#targeting-a-namespace-by-its-name", "the immutable label kubernetes.io/metadata.name"),
  ),
} as const;
