/**
 * What the kubelet does to a pod's volumes and environment, as far as the
 * manifests rely on it: volume files with their modes and owners, written and
 * updated atomically (pkg/volume/util/atomic_writer.go), fsGroup's
 * recursive change (kubernetes pkg/volume/volume_linux.go), env from fields,
 * Secrets and ConfigMaps, and $(VAR) expansion in command and args.
 */
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { CONFIGMAP_VOLUMES, KUBELET } from "../../components/facts/kubernetes";
import type { ClusterObjects, Container, Volume } from "./objects";

export type FsGroupPolicy = "Always" | "OnRootMismatch";

/** The kubelet's fsGroup change on a writable volume: group to fsGroup, files |0660, directories |2770. */
export function applyFsGroup(root: string, gid: number, policy: FsGroupPolicy): boolean {
  if (policy === "OnRootMismatch" && !rootMismatch(root, gid)) return false;
  const walk = (path: string): void => {
    const info = lstatSync(path);
    if (info.isSymbolicLink()) return;
    chownSync(path, info.uid, gid);
    const mask = info.isDirectory() ? KUBELET.fsGroupDirMask.value : KUBELET.fsGroupFileMask.value;
    chmodSync(path, (info.mode & 0o7777) | mask);
    if (info.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(root);
  return true;
}

/** volume_linux.go requiresPermissionChange: the root's gid, its ug+rwx bits and setgid. */
function rootMismatch(root: string, gid: number): boolean {
  const info = statSync(root);
  return info.gid !== gid || (info.mode & 0o770) !== 0o770 || (info.mode & 0o2000) === 0;
}

function writeVolumeFile(path: string, text: string, mode: number, gid: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  // Read-only volumes (Secret, ConfigMap, projected): owner root, group fsGroup, mode |0440.
  chownSync(path, 0, gid);
  chmodSync(path, mode | 0o440);
}

function lookup(objects: ClusterObjects, kind: "configMap" | "secret", name: string): Record<string, string> {
  const found = (kind === "configMap" ? objects.configMaps : objects.secrets).get(name);
  if (!found) throw new Error(`the pod mounts ${kind} ${name}, which the stack does not create in ${objects.region}`);
  return found;
}

interface VolumeFile {
  path: string;
  text: string;
  mode: number;
}

/** The pod's labels as a downward API volume writes them: `key="value"` lines, sorted (facts DOWNWARD_API). */
export function labelsFileText(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${JSON.stringify(labels[key])}\n`)
    .join("");
}

/** The files a Secret, ConfigMap, projected or downward API volume holds, by their paths in the volume. */
function volumeFiles(volume: Volume, objects: ClusterObjects, labels: Record<string, string>): VolumeFile[] {
  if (volume.downwardAPI) {
    return volume.downwardAPI.items.map(({ path, fieldRef }) => {
      if (fieldRef.fieldPath !== "metadata.labels")
        throw new Error(`volume ${volume.name}: the harness projects only metadata.labels (${fieldRef.fieldPath})`);
      return { path, text: labelsFileText(labels), mode: 0o644 };
    });
  }
  if (volume.configMap?.optional && !objects.configMaps.has(volume.configMap.name)) return [];
  if (volume.configMap) {
    const data = lookup(objects, "configMap", volume.configMap.name);
    const mode = volume.configMap.defaultMode ?? KUBELET.secretDefaultMode.value;
    const items = volume.configMap.items ?? Object.keys(data).map((key) => ({ key, path: key }));
    return items.map(({ key, path }) => ({ path, text: data[key]!, mode }));
  }
  if (volume.secret) {
    const data = lookup(objects, "secret", volume.secret.secretName);
    const mode = volume.secret.defaultMode ?? KUBELET.secretDefaultMode.value;
    // Only the listed keys when items says which (a key not listed is not in the volume).
    const items = volume.secret.items ?? Object.keys(data).map((key) => ({ key, path: key }));
    return items.map(({ key, path }) => ({ path, text: data[key]!, mode }));
  }
  if (volume.projected) {
    const mode = volume.projected.defaultMode ?? KUBELET.secretDefaultMode.value;
    return volume.projected.sources.flatMap((source) => {
      const [kind, ref] = source.configMap
        ? (["configMap", source.configMap] as const)
        : (["secret", source.secret!] as const);
      const data = lookup(objects, kind, ref.name);
      return ref.items.map(({ key, path }) => {
        if (data[key] === undefined) throw new Error(`${kind} ${ref.name} has no key ${key}`);
        return { path, text: data[key], mode };
      });
    });
  }
  throw new Error(`volume ${volume.name}: the harness materialises only configMap, secret, projected and downwardAPI`);
}

/** rename(2) of a fresh symlink over `path`: readers see the old link or the new one, never none. */
function swapSymlink(dir: string, name: string, target: string): void {
  const tmp = join(dir, `${name}_tmp`);
  rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, join(dir, name));
}

/**
 * Writes a Secret, ConfigMap or projected volume into `dir` as the kubelet's AtomicWriter does
 * (facts/kubernetes/configMapVolumes.ts atomicSymlinkSwap): the files in a new `..<timestamp>`
 * directory, `..data` swapped to it in one rename, each top-level name a symlink through `..data`,
 * the old directory removed. A directory mount sees the new files at once; a subPath mount, bound to
 * the file the symlinks resolved to at the container's start, keeps the old one (subPathNeverUpdated).
 */
export function materializeVolume(
  volume: Volume,
  objects: ClusterObjects,
  dir: string,
  gid: number,
  labels: Record<string, string> = {},
): void {
  const { dataDir, timestampedDirPrefix } = CONFIGMAP_VOLUMES.atomicSymlinkSwap.value;
  const files = volumeFiles(volume, objects, labels);
  mkdirSync(dir, { recursive: true });
  const previous = existsSync(join(dir, dataDir)) ? readlinkSync(join(dir, dataDir)) : undefined;
  const stamp = `${timestampedDirPrefix}${new Date().toISOString().replace(/[-:.TZ]/g, "_")}${process.hrtime.bigint()}`;
  mkdirSync(join(dir, stamp), { mode: 0o755 });
  for (const file of files) writeVolumeFile(join(dir, stamp, file.path), file.text, file.mode, gid);
  swapSymlink(dir, dataDir, stamp);
  for (const top of new Set(files.map((file) => file.path.split("/")[0]!)))
    if (!existsSync(join(dir, top)) || lstatSync(join(dir, top)).isSymbolicLink())
      swapSymlink(dir, top, `${dataDir}/${top}`);
  if (previous && previous !== stamp) rmSync(join(dir, previous), { recursive: true, force: true });
}

/** A container's environment as the kubelet builds it (fieldRef supports metadata.name). */
export function containerEnv(container: Container, objects: ClusterObjects, podName: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (variable.value !== undefined) env[variable.name] = expand(variable.value, env);
    else if (from?.fieldRef) {
      if (from.fieldRef.fieldPath !== "metadata.name")
        throw new Error(`fieldRef ${from.fieldRef.fieldPath} is not emulated`);
      env[variable.name] = podName;
    } else {
      const [kind, ref] = from?.secretKeyRef
        ? (["secret", from.secretKeyRef] as const)
        : (["configMap", from!.configMapKeyRef!] as const);
      const source = (kind === "secret" ? objects.secrets : objects.configMaps).get(ref.name);
      const value = source?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new Error(
          `env ${variable.name}: ${kind} ${ref.name} key ${ref.key} is missing and not optional: the container would not start (CreateContainerConfigError)`,
        );
      }
      env[variable.name] = value;
    }
  }
  return env;
}

/** $(VAR) from the container's env; $$ escapes; unknown references stay as written (as in Kubernetes). */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) =>
    match === "$$" ? "$" : (env[name!] ?? match),
  );
}
