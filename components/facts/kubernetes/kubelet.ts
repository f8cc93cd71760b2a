/** What the kubelet and Pod Security admission do to the pods, from kubernetes/kubernetes sources. */
import { fact } from "./fact";

export const KUBELET = {
  /**
   * With fsGroup and the default policy (Always), every mount ORs these into every file and directory of the volume.
   */
  fsGroupFileMask: fact(
    0o660,
    "github:kubernetes/kubernetes pkg/volume/volume_linux.go (rwMask = 0660; changeFilePermission: chown to fsGroup, chmod mode|mask)",
  ),
  fsGroupDirMask: fact(
    0o2770,
    "github:kubernetes/kubernetes pkg/volume/volume_linux.go (directories: mask |= ModeSetgid | execMask 0110)",
  ),
  /** OnRootMismatch skips the walk when the volume's root already has fsGroup's gid, mode and setgid. */
  fsGroupChangePolicies: fact(
    ["Always", "OnRootMismatch"],
    "github:kubernetes/kubernetes pkg/volume/volume_linux.go skipPermissionChange / requiresPermissionChange; API: PodSecurityContext.fsGroupChangePolicy ('If not specified, \"Always\" is used')",
  ),
  /** A memory-backed emptyDir counts against the pod's memory limit. */
  memoryEmptyDirCountsToLimit: fact(
    true,
    "Kubernetes API: EmptyDirVolumeSource.sizeLimit ('the minimum value between the SizeLimit specified here and the sum of memory limits of all containers in a pod')",
  ),
  /** Secret and ConfigMap volumes are mounted read-only; the kubelet applies defaultMode (0644 if unset). */
  secretDefaultMode: fact(0o644, "Kubernetes API: SecretVolumeSource.defaultMode ('Defaults to 0644')"),
  /** Containers of a pod run their postStart hook before the container counts as running; probes wait for it. */
  postStartBeforeRunning: fact(
    true,
    "https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/ (PostStart; 'the Container's status is not set to RUNNING until the PostStart handler completes')",
  ),
} as const;

/** Pod Security Standards, restricted profile: what admission checks on every pod. */
export const POD_SECURITY_RESTRICTED = {
  runAsNonRoot: fact(
    true,
    "github:kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/check_runAsNonRoot.go",
  ),
  allowPrivilegeEscalation: fact(
    false,
    "github:kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/check_allowPrivilegeEscalation.go (must be set false explicitly on every container)",
  ),
  dropCapabilities: fact(
    "ALL",
    "github:kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/check_capabilities_restricted.go",
  ),
  addableCapabilities: fact(
    ["NET_BIND_SERVICE"],
    "github:kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/check_capabilities_restricted.go",
  ),
  seccompProfiles: fact(
    ["RuntimeDefault", "Localhost"],
    "github:kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/check_seccompProfile_restricted.go",
  ),
  volumeTypes: fact(
    ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"],
    "github:kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/check_restrictedVolumes.go",
  ),
  rootUidForbidden: fact(
    0,
    "github:kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/check_runAsUser.go",
  ),
} as const;
