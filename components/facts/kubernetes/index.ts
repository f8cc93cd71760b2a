/** Facts the Kubernetes manifests rely on, each with its sources. Tests check every example stack against them. */
export { KUBELET, POD_SECURITY_RESTRICTED } from "./kubelet";
export { PGBOUNCER_IMAGE } from "./pgbouncerImage";
export { POSTGRES } from "./postgres";
export { POSTGRES_IMAGE } from "./postgresImage";
export { PULUMI_KUBERNETES } from "./pulumiProvider";
export { CONFIGMAP_VOLUMES } from "./configMapVolumes";
export { STATEFULSET_CONTROLLER } from "./statefulSetController";
export { EVICTION_API } from "./eviction";
export { DOWNWARD_API } from "./downwardApi";
export { CERTIFICATES } from "./certificates";
export { NETWORK_POLICY } from "./networkPolicy";
export { HUGE_PAGES } from "./hugePages";
export { KUBECTL_IMAGE, POSTGRES_BACKUP_IMAGE } from "./backupImages";
export { NODE_LOSS } from "./nodeLoss";
export { CLUSTER_DNS } from "./clusterDns";
export { LOAD_BALANCERS } from "./loadBalancers";
export { SERVICE_ACCOUNT_TOKEN } from "./serviceAccountToken";
export { DEPLOYMENT_ROLLOUT } from "./deploymentRollout";
