/**
 * How a changed ConfigMap or Secret reaches a running pod: through a volume mounted as a
 * directory, updated in place by the kubelet, never through a subPath mount or the environment.
 */
import { cite, fact } from "../fact";

const ATOMIC_WRITE = "Write, steps 5-11";

export const CONFIGMAP_VOLUMES = {
  /**
   * A volume mounted as a directory is updated in place, after up to the kubelet's sync period plus its cache's delay.
   */
  updatedInPlace: fact(
    true,
    cite(
      "configMapDocs",
      "#mounted-configmaps-are-updated-automatically",
      "'the kubelet checks whether the mounted ConfigMap is fresh on every periodic sync'; the delay can be as long as the sync period plus the cache's propagation delay",
    ),
  ),
  /** A key mounted with subPath is never updated: a pod must restart to see a change. */
  subPathNeverUpdated: fact(
    true,
    cite(
      "configMapDocs",
      "#mounted-configmaps-are-updated-automatically",
      "'A container using a ConfigMap as a subPath volume mount will not receive ConfigMap updates'",
    ),
  ),
  /** Environment variables from a ConfigMap or Secret are read once, when the container starts. */
  environmentReadAtStart: fact(
    true,
    cite(
      "configMapDocs",
      "#mounted-configmaps-are-updated-automatically",
      "'ConfigMaps consumed as environment variables are not updated automatically'",
    ),
  ),
  /**
   * The update is atomic: the files are written to a new timestamped directory, a `..data_tmp` symlink to it is
   * renamed over `..data`, and each key is a symlink `<key> -> ..data/<key>`. A reader sees the old set or the new.
   */
  atomicSymlinkSwap: fact(
    { dataDir: "..data", newDataDir: "..data_tmp", timestampedDirPrefix: ".." },
    cite(
      "atomicWriter",
      ATOMIC_WRITE,
      "new timestamped dir; ..data_tmp symlink; rename(..data_tmp, ..data) is atomic; old dir removed",
    ),
  ),
  /** An emptyDir volume is one directory for the whole pod: every container mounting it sees the same files. */
  emptyDirSharedByContainers: fact(
    true,
    cite(
      "kubernetesVolumeApi",
      "EmptyDirVolumeSource",
      "'emptyDir represents a temporary directory that shares a pod's lifetime'; all containers of the pod may mount it",
    ),
  ),
} as const;
