/** What the kubelet and Pod Security admission do to the pods, from kubernetes/kubernetes sources. */
import { cite, fact } from "../fact";

const VOLUME_LINUX = "pkg/volume/volume_linux.go";

export const KUBELET = {
  /**
   * With fsGroup and the default policy (Always), every mount ORs these into every file and directory of the volume.
   */
  fsGroupFileMask: fact(
    0o660,
    cite("kubernetes", VOLUME_LINUX, "rwMask = 0660; changeFilePermission: chown to fsGroup, chmod mode|mask"),
  ),
  fsGroupDirMask: fact(0o2770, cite("kubernetes", VOLUME_LINUX, "directories: mask |= ModeSetgid | execMask 0110")),
  /** OnRootMismatch skips the walk when the volume's root already has fsGroup's gid, mode and setgid. */
  fsGroupChangePolicies: fact(
    ["Always", "OnRootMismatch"],
    cite("kubernetes", `${VOLUME_LINUX} skipPermissionChange / requiresPermissionChange`),
    cite("kubernetesPodApi", "PodSecurityContext.fsGroupChangePolicy", 'If not specified, "Always" is used'),
  ),
  /** A memory-backed emptyDir counts against the pod's memory limit. */
  memoryEmptyDirCountsToLimit: fact(
    true,
    cite(
      "kubernetesVolumeApi",
      "EmptyDirVolumeSource.sizeLimit",
      "the minimum value between the SizeLimit specified here and the sum of memory limits of all containers in a pod",
    ),
  ),
  /** Secret and ConfigMap volumes are mounted read-only; the kubelet applies defaultMode (0644 if unset). */
  secretDefaultMode: fact(0o644, cite("kubernetesVolumeApi", "SecretVolumeSource.defaultMode", "Defaults to 0644")),
  /** Containers of a pod run their postStart hook before the container counts as running; probes wait for it. */
  postStartBeforeRunning: fact(
    true,
    cite(
      "lifecycleHooksDocs",
      "PostStart",
      "the Container's status is not set to RUNNING until the PostStart handler completes",
    ),
  ),
} as const;

/** Pod Security Standards, restricted profile: what admission checks on every pod. */
export const POD_SECURITY_RESTRICTED = {
  runAsNonRoot: fact(true, cite("podSecurityAdmission", "policy/check_runAsNonRoot.go")),
  allowPrivilegeEscalation: fact(
    false,
    cite(
      "podSecurityAdmission",
      "policy/check_allowPrivilegeEscalation.go",
      "must be set false explicitly on every container",
    ),
  ),
  dropCapabilities: fact("ALL", cite("podSecurityAdmission", "policy/check_capabilities_restricted.go")),
  addableCapabilities: fact(
    ["NET_BIND_SERVICE"],
    cite("podSecurityAdmission", "policy/check_capabilities_restricted.go"),
  ),
  seccompProfiles: fact(
    ["RuntimeDefault", "Localhost"],
    cite("podSecurityAdmission", "policy/check_seccompProfile_restricted.go"),
  ),
  volumeTypes: fact(
    ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"],
    cite(
      "podSecurityAdmission",
      "policy/check_restrictedVolumes.go",
      "also image, since Kubernetes 1.33; the manifests mount none",
    ),
  ),
  rootUidForbidden: fact(0, cite("podSecurityAdmission", "policy/check_runAsUser.go")),
} as const;
