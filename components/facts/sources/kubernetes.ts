/** Sources: Kubernetes, its runtimes and the Pulumi provider. */
import type { Source } from "./source";

export const KUBERNETES_SOURCES = {
  kubernetes: {
    repo: "kubernetes/kubernetes",
    ref: "7dd8853fa0291d32159b74e9887a06384747572c",
    note: "pkg/volume/volume_linux.go as the reference index stores it",
  },
  podSecurityAdmission: {
    repo: "kubernetes/pod-security-admission",
    ref: "v0.34.0",
    note: "Kubernetes 1.34.0's staging/src/k8s.io/pod-security-admission, published as its own repository",
  },
  kubernetesPersistentVolumes: {
    url: "https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes",
    title: "Kubernetes: persistent volumes, access modes (ReadWriteOnce, ReadWriteMany, …)",
  },
  kubernetesRbacDocs: {
    url: "https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb",
    title: "Kubernetes: authorization, request verbs (kubectl exec: pods/exec; websocket upgrades from 1.31)",
  },
  kubernetesVolumeApi: {
    url: "https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/volume/",
    title: "Kubernetes API: Volume (EmptyDirVolumeSource, SecretVolumeSource, …)",
  },
  serviceAccountDocs: {
    url: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting",
    title: "Kubernetes: Configure Service Accounts for Pods (opt out of API credential automounting)",
  },
  kubernetesPodApi: {
    url: "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/",
    title: "Kubernetes API: Pod (PodSecurityContext, …)",
  },
  podLifecycleDocs: {
    url: "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/",
    title: "Kubernetes: Pod Lifecycle (container restart policy and back-off)",
  },
  initContainersDocs: {
    url: "https://kubernetes.io/docs/concepts/workloads/pods/init-containers/",
    title: "Kubernetes: Init Containers (when they run again)",
  },
  lifecycleHooksDocs: {
    url: "https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/",
    title: "Kubernetes: Container Lifecycle Hooks",
  },
  commandArgsDocs: {
    url: "https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/",
    title: "Kubernetes: Define a Command and Arguments for a Container",
  },
  configMapDocs: {
    url: "https://kubernetes.io/docs/concepts/configuration/configmap/",
    title: "Kubernetes: ConfigMaps (mounted ConfigMaps are updated automatically; not with subPath)",
  },
  atomicWriter: {
    repo: "kubernetes/kubernetes",
    ref: "00e11024cf8ce5ae5b75ec122545f69b7e42c3f6",
    path: "pkg/volume/util/atomic_writer.go",
    title: "AtomicWriter: how the kubelet projects ConfigMap, Secret and projected volumes",
  },
  statefulSetController: {
    repo: "kubernetes/kubernetes",
    ref: "0004b149a571af0103032a1788dc9fa70b885601",
    note: "pkg/controller/statefulset as the reference index stores it (Kubernetes 1.34/1.35)",
  },
  statefulSetMaxUnavailableRegression: {
    url: "https://github.com/kubernetes/kubernetes/issues/137409",
    title:
      "StatefulSet pod revisions not updated when MaxUnavailableStatefulSet enabled (1.35 regression; gate off again from 1.35.4)",
  },
  kubernetesEviction: {
    url: "https://github.com/kubernetes/kubernetes/blob/master/pkg/registry/core/pod/storage/eviction.go",
    title:
      "The eviction subresource: PodDisruptionBudget checks (EvictionREST.Create with the unhealthyPodEvictionPolicy branch, 1.27+; checkAndDecrement)",
  },
  kubernetesDisruption: {
    url: "https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/disruption/disruption.go",
    title: "The disruption controller: a budget's expected, desired and current healthy pods, disruptionsAllowed",
  },
  pdbDocs: {
    url: "https://kubernetes.io/docs/tasks/run-application/configure-pdb/",
    title: "Kubernetes: Specifying a Disruption Budget (unhealthy pod eviction policy)",
  },
  downwardApiDocs: {
    url: "https://kubernetes.io/docs/concepts/workloads/pods/downward-api/",
    title:
      "Kubernetes: Downward API (labels in a volume are updated while the pod runs; environment variables are not)",
  },
  patroniKubernetes: {
    url: "https://patroni.readthedocs.io/en/latest/kubernetes.html",
    title: "Patroni on Kubernetes: the leader labels its pod role=master, replicas role=replica; Services select on it",
  },
  statefulSetDocs: {
    url: "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/",
    title: "Kubernetes: StatefulSets (update strategies, forced rollback)",
  },
  deploymentDocs: {
    url: "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/",
    title: "Kubernetes: Deployments (rolling update: maxSurge, maxUnavailable; kubectl rollout status)",
  },
  podGcController: {
    repo: "kubernetes/kubernetes",
    ref: "003e86297d18a8538c9da3619871393f9703bf70",
    path: "pkg/controller/podgc/gc_controller.go",
    title:
      "The pod garbage collector: force-deletes pods of deleted Nodes and terminating pods on out-of-service Nodes",
  },
  forceDeleteStatefulSetPodDocs: {
    url: "https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/",
    title:
      "Kubernetes: Force Delete StatefulSet Pods (a pod on an unreachable node stays until the kubelet, a Node deletion or a force deletion removes it)",
  },
  nodeShutdownDocs: {
    url: "https://kubernetes.io/docs/concepts/cluster-administration/node-shutdown/#non-graceful-node-shutdown",
    title: "Kubernetes: Node Shutdowns, non-graceful shutdown and the node.kubernetes.io/out-of-service taint",
  },
  kubernetesEnhancements: { repo: "kubernetes/enhancements", ref: "64765b4b02389318f2113119dd9e491479f978a0" },
  containerd: { repo: "containerd/containerd", ref: "v2.3.4" },
  pulumiKubernetes: { repo: "pulumi/pulumi-kubernetes", ref: "94977969" },
  pulumiEngine: { repo: "pulumi/pulumi", ref: "v3.259.0" },
  terraformProviderTls: {
    repo: "pulumi/pulumi-terraform-bridge",
    ref: "a6989f42bf30e4383fe61ce982a921b25e3c0d77",
    note: "hashicorp/terraform-provider-tls (v4, which @pulumi/tls 5.x bridges) as vendored under pkg/pf/tests/internal/tlsshim/vendor/github.com/hashicorp/terraform-provider-tls",
  },
  networkPolicyDocs: {
    url: "https://kubernetes.io/docs/concepts/services-networking/network-policies/",
    title: "Kubernetes: Network Policies (the three peer kinds; ipBlock for cluster-external IPs)",
  },
  dnsPodServiceDocs: {
    url: "https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/",
    title: "Kubernetes: DNS for Services and Pods",
  },
  kubeletConfigDocs: {
    url: "https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/#kubelet-config-k8s-io-v1beta1-KubeletConfiguration",
    title: "Kubernetes: Kubelet Configuration (v1beta1), clusterDomain",
  },
  externalLoadBalancerDocs: {
    url: "https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#preserving-the-client-source-ip",
    title: "Kubernetes: Create an External Load Balancer, preserving the client source IP",
  },
  kubernetesIssue35187: {
    url: "https://github.com/kubernetes/kubernetes/issues/35187",
    title: "kubernetes/kubernetes#35187: AWS: external-traffic OnlyLocal not working with ELB (preserve source IP)",
  },
  nlbTargetGroupsDocs: {
    url: "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html#client-ip-preservation",
    title: "AWS: Target groups for Network Load Balancers, client IP preservation",
  },
  hugePagesDocs: {
    url: "https://kubernetes.io/docs/tasks/manage-hugepages/scheduling-hugepages/",
    title: "Kubernetes: Manage HugePages (a container consumes huge pages only through a hugepages-<size> limit)",
  },
  hugePagesSigbusIssue: {
    url: "https://github.com/kubernetes/kubernetes/issues/71233",
    title:
      "kubernetes/kubernetes#71233: Bus error (core dumped) — PostgreSQL with huge_pages = try on a node with huge pages",
  },
  kubeadmApiserverDocs: {
    url: "https://kubernetes.io/docs/reference/setup-tools/kubeadm/generated/kubeadm_init_phase_control-plane_apiserver",
    title: "kubeadm init phase control-plane apiserver: --apiserver-bind-port, default 6443",
  },
  kubeRouterIssue934: {
    url: "https://github.com/cloudnativelabs/kube-router/issues/934",
    title:
      "kube-router #934: ClusterIP traffic is matched by policy after IPVS has turned the VIP into a pod's address",
    note: "a policy enforcer sees a Service's traffic as going to the pod behind it; LoadBalancer and external IPs are matched as addresses",
  },
  ciliumLayer3Docs: {
    url: "https://docs.cilium.io/en/stable/security/policy/language/",
    title: "Cilium: Layer 3 policies (endpoints based, IP/CIDR based)",
    note: "Cilium also enforces Kubernetes NetworkPolicy objects through the same engine (GKE Dataplane V2, AKS with Azure CNI powered by Cilium)",
  },
} as const satisfies Record<string, Source>;
