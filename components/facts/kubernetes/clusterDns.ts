/** How in-cluster DNS names are formed, which every host name and certificate name of both engines follows. */
import { cite, fact } from "../fact";

export const CLUSTER_DNS = {
  /**
   * A Service is <service>.<namespace>.svc.<cluster domain>; a StatefulSet pod behind a headless Service is
   * <pod>.<service>.<namespace>.svc.<cluster domain>. The domain is the kubelet's clusterDomain, set per cluster.
   */
  serviceName: fact(
    "<service>.<namespace>.svc.<clusterDomain>",
    cite("dnsPodServiceDocs", "Services, A/AAAA records", "my-svc.my-namespace.svc.cluster-domain.example"),
    cite(
      "dnsPodServiceDocs",
      "Pods, hostname and subdomain fields",
      "<hostname>.<subdomain>.<namespace>.svc.<cluster-domain>",
    ),
  ),
  /** The domain most clusters use (kubeadm's default); some distributions and managed clusters set another. */
  defaultDomain: fact(
    "cluster.local",
    cite("kubeletConfigDocs", "KubeletConfiguration clusterDomain", "DNS domain for this cluster"),
    cite("dnsPodServiceDocs", "Namespaces of Services", "data.test.svc.cluster.local in the example resolv.conf"),
  ),
} as const;
