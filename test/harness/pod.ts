/**
 * One pod, run the way the kubelet runs it: volumes prepared, init containers
 * in order to completion, then the main container (the image's entrypoint with
 * the manifest's args), its postStart hook, readiness by its own exec probe.
 * Each container runs in the pod's network namespace, in a mount namespace of
 * its own where the image's directories are private and every volumeMount is
 * bound at its mountPath, as the pod's user with the fsGroup as supplementary
 * group, no capabilities and no_new_privs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  chownSync,
  chmodSync,
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  statSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { isAlive } from "../../components/local/exec";
import { type FsGroupPolicy, applyFsGroup, containerEnv, expand, materializeVolume } from "./kubelet";
import { type ImageRuntime, imageOf, knownImage } from "./images";
import { type PodNet, sh } from "./net";
import type { ClusterObjects, Container, PodTemplate } from "./objects";

export interface Identity {
  uid: number;
  gid: number;
}

export interface PodOptions {
  name: string;
  template: PodTemplate;
  objects: ClusterObjects;
  net: PodNet;
  /** The pod's directory on this host: volumes, private image directories, logs. */
  dir: string;
  /** Persistent claims by volume name (the StatefulSet's `data-<pod>`), kept across restarts. */
  claims: Record<string, string>;
  images: Record<"postgres" | "pgbouncer", ImageRuntime>;
  /** The pod's user and group (the image's uid maps to this machine's postgres user). */
  identity: Identity;
}

export interface ExecResult {
  code: number;
  output: string;
}

/** The files of a volume as seen through its ..data link, with their contents: what a reader in the pod sees. */
function volumeDigest(path: string): string {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .filter((entry) => !entry.name.startsWith(".."))
      .flatMap((entry) => {
        const full = join(dir, entry.name);
        return statSync(full).isDirectory() ? walk(full) : [`${full}\n${readFileSync(full, "utf8")}`];
      });
  return existsSync(path) ? walk(path).sort().join("\n") : "";
}

/** Image paths are kept as the manifests name them; each maps to a private directory per container. */
function anchorOf(mountPath: string, image: ImageRuntime): string | undefined {
  return Object.keys(image.directories).find((dir) => mountPath === dir || mountPath.startsWith(`${dir}/`));
}

export class Pod {
  private main?: ChildProcess;
  private exited?: Promise<number>;
  /** The other containers whose image the harness has (the config-reloader, the refresher). */
  private sidecars: ChildProcess[] = [];
  /** Containers of this pod's previous incarnation still terminating (retire): killed at the latest by stop(). */
  private retired: ChildProcess[] = [];
  private execs = 0;
  readonly log: string;

  constructor(readonly options: PodOptions) {
    this.log = join(options.dir, "pod.log");
  }

  get name(): string {
    return this.options.name;
  }

  get address(): string {
    return this.options.net.address;
  }

  /** Labels set on the running pod (kubectl label); a pod created again starts from its template's. */
  private setLabels: Record<string, string> = {};

  get netNamespace(): string {
    return this.options.net.namespace;
  }

  get labels(): Record<string, string> {
    return {
      ...this.options.template.metadata.labels,
      "statefulset.kubernetes.io/pod-name": this.name,
      ...this.setLabels,
    };
  }

  /** `kubectl label --overwrite`: the pod's labels change, and the kubelet rewrites its downward API volumes. */
  label(labels: Record<string, string>): void {
    Object.assign(this.setLabels, labels);
    this.refreshVolumes();
  }

  /** The pod deleted and created again by its StatefulSet: labels from the template only. */
  recreated(): void {
    this.setLabels = {};
  }

  running(): boolean {
    return this.main?.pid !== undefined && isAlive(this.main.pid) && this.main.exitCode === null;
  }

  /** Volumes as the kubelet prepares them on each start; fsGroup as the pod asks, unless a test overrides it. */
  private prepareVolumes(fsGroupPolicy?: FsGroupPolicy): void {
    const { template, objects, dir, claims, identity } = this.options;
    const security = template.spec.securityContext;
    for (const volume of template.spec.volumes) {
      if (volume.emptyDir?.medium === "Memory") continue;
      if (volume.emptyDir) {
        // An emptyDir lives as long as the pod; a harness restart stands for a new pod (0777, as the kubelet makes it).
        const path = join(dir, "volumes", volume.name);
        rmSync(path, { recursive: true, force: true });
        mkdirSync(path, { recursive: true });
        chmodSync(path, 0o777);
        continue;
      }
      materializeVolume(volume, objects, join(dir, "volumes", volume.name), identity.gid, this.labels);
    }
    for (const [name, path] of Object.entries(claims)) {
      if (!existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o755 }); // a fresh filesystem's root: root 0755
      if (security.fsGroup !== undefined) {
        applyFsGroup(
          path,
          identity.gid,
          fsGroupPolicy ?? (security.fsGroupChangePolicy as FsGroupPolicy | undefined) ?? "Always",
        );
      }
      void name;
    }
  }

  /**
   * What the kubelet does to a running pod when a Secret it mounts changes: the Secret's volumes rewritten in place
   * (environment variables and the rest stay as they were at start).
   */
  refreshSecretVolumes(secret: string): boolean {
    const { template, objects, dir, identity } = this.options;
    const mounting = template.spec.volumes.filter(
      (volume) =>
        volume.secret?.secretName === secret || volume.projected?.sources.some((s) => s.secret?.name === secret),
    );
    for (const volume of mounting) materializeVolume(volume, objects, join(dir, "volumes", volume.name), identity.gid);
    return mounting.length > 0;
  }

  private volumeSource(name: string): { path: string } | { tmpfs: string } {
    const claim = this.options.claims[name];
    if (claim) return { path: claim };
    const volume = this.options.template.spec.volumes.find((v) => v.name === name);
    if (!volume) throw new Error(`${this.name}: mounts volume ${name}, which the pod does not declare`);
    // A memory-backed emptyDir is a tmpfs per container here (its size limit is what the tests check); a disk one is
    // one directory of the pod's, shared by every container that mounts it, as in Kubernetes.
    if (volume.emptyDir?.medium === "Memory") return { tmpfs: volume.emptyDir.sizeLimit ?? "64Mi" };
    if (volume.emptyDir) return { path: join(this.options.dir, "volumes", name) };
    return { path: join(this.options.dir, "volumes", name) };
  }

  /** The root script: private image directories, then each mount, then drop to the pod's user and exec. */
  private containerScript(container: Container): string {
    const image = this.options.images[imageOf(container.image)];
    const lines = ["set -e"];
    const rootfs = join(this.options.dir, "rootfs", container.name);
    for (const [dir, { owner, mode }] of Object.entries(image.directories)) {
      const private_ = join(rootfs, dir);
      if (!existsSync(private_)) {
        mkdirSync(private_, { recursive: true });
        chownSync(
          private_,
          owner === "postgres" ? this.options.identity.uid : 0,
          owner === "postgres" ? this.options.identity.gid : 0,
        );
        chmodSync(private_, mode);
      }
      if (!existsSync(dir))
        throw new Error(`${dir} must exist on this host as a mount point (the harness's setup creates it)`);
      lines.push(`mount --bind ${private_} ${dir}`);
    }
    for (const mount of container.volumeMounts ?? []) {
      const source = this.volumeSource(mount.name);
      if ("tmpfs" in source) {
        lines.push(`mount -t tmpfs -o size=${source.tmpfs.replace(/i$/, "")},mode=1777 tmpfs ${mount.mountPath}`);
        continue;
      }
      const anchor = anchorOf(mount.mountPath, image);
      if (!anchor)
        throw new Error(
          `${this.name}/${container.name}: mountPath ${mount.mountPath} is outside the image directories the harness knows`,
        );
      const target = join(rootfs, anchor, relative(anchor, mount.mountPath));
      const from = mount.subPath ? join(source.path, mount.subPath) : source.path;
      if (statSync(from).isDirectory()) mkdirSync(target, { recursive: true });
      else if (!existsSync(target)) writeFileSync(target, "");
      lines.push(`mount --bind ${from} ${mount.mountPath}`);
      if (mount.readOnly) lines.push(`mount -o remount,bind,ro ${mount.mountPath}`);
    }
    const { uid, gid } = this.options.identity;
    lines.push(
      `exec setpriv --reuid=${uid} --regid=${gid} --groups=${gid} --no-new-privs --inh-caps=-all --bounding-set=-all -- "$@"`,
    );
    return lines.join("\n");
  }

  private argv(container: Container, env: Record<string, string>, command?: string[]): string[] {
    if (command) return command;
    const image = this.options.images[imageOf(container.image)];
    const base = container.command ?? image.entrypoint;
    return [...base.map((part) => expand(part, env)), ...(container.args ?? []).map((part) => expand(part, env))];
  }

  private spawn(container: Container, command?: string[], log = this.log): ChildProcess {
    const image = this.options.images[imageOf(container.image)];
    const env = { ...image.env, ...containerEnv(container, this.options.objects, this.name) };
    const fd = openSync(log, "a");
    writeFileSync(
      fd,
      `--- ${new Date().toISOString()} ${container.name}${command ? ` exec ${command.join(" ")}` : ""}\n`,
    );
    const child = spawn(
      "ip",
      [
        "netns",
        "exec",
        this.options.net.namespace,
        "bash",
        "-c",
        this.containerScript(container),
        "container",
        ...this.argv(container, env, command),
      ],
      {
        env,
        // A container starts in its image's WORKDIR (/ for the images here), never in the test's directory: from a
        // checkout under /root (0700), PostgreSQL's programs run as postgres print "could not change directory" into
        // every output the tests read.
        cwd: container.workingDir ?? "/",
        stdio: ["ignore", fd, fd],
      },
    );
    closeSync(fd);
    return child;
  }

  private runToEnd(
    container: Container,
    command?: string[],
    timeoutMs = 600_000,
    log = this.log,
    stopWhen?: Promise<unknown>,
  ): Promise<number> {
    const child = this.spawn(container, command, log);
    // A hook dies with its container: the kubelet does not wait for it once the container has exited.
    void stopWhen?.then(() => child.kill("SIGTERM"));
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        resolve(code ?? (signal ? 128 : 1));
      });
    });
  }

  /** Init containers in order (each must succeed), then the main container and its postStart hook. */
  async start(options: { fsGroupPolicy?: FsGroupPolicy } = {}): Promise<void> {
    this.prepareVolumes(options.fsGroupPolicy);
    for (const init of this.options.template.spec.initContainers ?? []) {
      const code = await this.runToEnd(init);
      if (code !== 0)
        throw new Error(
          `${this.name}: init container ${init.name} exited ${code} (Init:Error). Its log:\n${this.tail()}`,
        );
    }
    const [container, ...others] = this.options.template.spec.containers;
    if (!container) throw new Error(`${this.name}: no container`);
    this.sidecars = others.filter((c) => knownImage(c.image)).map((c) => this.spawn(c));
    await this.runMain(container);
  }

  /** The main container and its postStart hook. */
  private async runMain(container: Container): Promise<void> {
    const main = this.spawn(container);
    this.main = main;
    const exited = new Promise<number>((resolve) =>
      main.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1))),
    );
    this.exited = exited;
    const hook = container.lifecycle?.postStart?.exec.command;
    if (!hook) return;
    const result = await this.exec(hook, 600_000, exited);
    if (!this.running())
      throw new Error(
        `${this.name}: container ${container.name} exited during its postStart hook (the kubelet restarts it with a back-off: CrashLoopBackOff). Its log:\n${this.tail()}`,
      );
    // A failed postStart hook kills the container (FailedPostStartHook).
    if (result.code !== 0) {
      await this.stop();
      throw new Error(`${this.name}: postStart hook exited ${result.code}: ${result.output}`);
    }
  }

  /**
   * The kubelet's restart of an exited main container in place (restartPolicy Always, after its back-off: facts
   * kubernetes/statefulSetController.ts containerRestartInPlace): same pod and volumes, no init container again.
   */
  async restartContainer(): Promise<void> {
    if (this.running())
      throw new Error(`${this.name}: its container is running; the kubelet restarts only exited ones`);
    await this.runMain(this.options.template.spec.containers[0]!);
  }

  /** Runs a command in the main container's context (probes, hooks, kubectl exec); its output goes to exec.log. */
  async exec(command: string[], timeoutMs = 600_000, stopWhen?: Promise<unknown>): Promise<ExecResult> {
    const [container] = this.options.template.spec.containers;
    // Its own file: probes run beside a test's commands (Harness.startControllers), and a shared log read back by
    // offset mixed one's output into another's. Kept afterwards in exec.log.
    const own = join(this.options.dir, `exec-${++this.execs}.log`);
    try {
      const code = await this.runToEnd(container!, command, timeoutMs, own, stopWhen);
      const text = readFileSync(own, "utf8");
      appendFileSync(join(this.options.dir, "exec.log"), text);
      return { code, output: text.replace(/^--- .*\n/, "").trim() };
    } finally {
      rmSync(own, { force: true });
    }
  }

  /** psql as the superuser over the server's socket, in the postgres container (like kubectl exec); one -c each. */
  async psql(statements: string | readonly string[], timeoutMs = 60_000): Promise<string> {
    const result = await this.exec(
      [
        "psql",
        "-h",
        "/var/run/postgresql",
        "-U",
        "postgres",
        "-d",
        "postgres",
        "-XAtq",
        "-v",
        "ON_ERROR_STOP=1",
        ...[statements].flat().flatMap((statement) => ["-c", statement]),
      ],
      timeoutMs,
    );
    if (result.code !== 0) throw new Error(`${this.name}: psql failed: ${result.output}`);
    return result.output;
  }

  /** For Jobs: the main container run to its end. */
  async runJob(): Promise<ExecResult> {
    this.prepareVolumes();
    const [container] = this.options.template.spec.containers;
    const code = await this.runToEnd(container!);
    return { code, output: this.tail(200) };
  }

  async ready(): Promise<boolean> {
    if (!this.running()) return false;
    const probe = this.options.template.spec.containers[0]?.readinessProbe?.exec?.command;
    if (!probe) return true;
    return (await this.exec(probe, 10_000)).code === 0;
  }

  /**
   * This incarnation terminating while the next one starts, as a Deployment's rolling update replaces a pod (the old
   * pod out of the Service's endpoints, its open connections served on): every container gets its stop signal and is
   * left to end by itself, SIGKILLed after `graceMs`. Resolves once the main container has exited or stopped listening
   * on its ports (PgBouncer closes its listeners on SIGTERM), so that the next one can listen on them in this network
   * namespace: new connections reach the next incarnation, as they would the new pod.
   */
  async retire(graceMs: number): Promise<void> {
    const main = this.main;
    const exited = this.exited;
    const containers = [...this.sidecars.splice(0), ...(main ? [main] : [])].filter((c) => c.exitCode === null);
    this.main = undefined;
    this.exited = undefined;
    const [container] = this.options.template.spec.containers;
    for (const child of containers) {
      child.kill(child === main ? this.options.images[imageOf(container!.image)].stopSignal : "SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      child.once("exit", () => clearTimeout(timer));
      this.retired.push(child);
    }
    if (!main || !exited || main.exitCode !== null) return;
    const ports = (container!.ports ?? []).map((p) => p.containerPort);
    let gone = false;
    void exited.then(() => (gone = true));
    while (!gone && (await this.listening(ports))) await new Promise((resolve) => setTimeout(resolve, 100));
  }

  /** Whether anything in the pod's network namespace listens on one of these TCP ports. */
  private async listening(ports: readonly number[]): Promise<boolean> {
    if (ports.length === 0) return false;
    const out = await sh("ip", ["netns", "exec", this.options.net.namespace, "ss", "-Hltn"]);
    return out.split("\n").some((line) => ports.some((port) => line.split(/\s+/)[3]?.endsWith(`:${port}`)));
  }

  /** The image's stop signal, then SIGKILL after the grace period. */
  async stop(graceMs = 120_000): Promise<void> {
    for (const old of this.retired.splice(0)) if (old.exitCode === null && old.signalCode === null) old.kill("SIGKILL");
    // The kubelet sends every container its stop signal; a sidecar still running once the main container has stopped
    // (bash defers SIGTERM until its foreground sleep ends) is killed, so none outlives its pod into the next one.
    const sidecars = this.sidecars.splice(0);
    for (const sidecar of sidecars) if (sidecar.exitCode === null) sidecar.kill("SIGTERM");
    try {
      await this.stopMain(graceMs);
    } finally {
      for (const sidecar of sidecars)
        if (sidecar.exitCode === null && sidecar.signalCode === null) sidecar.kill("SIGKILL");
    }
  }

  private async stopMain(graceMs: number): Promise<void> {
    if (!this.main || !this.running()) return;
    const [container] = this.options.template.spec.containers;
    this.main.kill(this.options.images[imageOf(container!.image)].stopSignal);
    const timer = setTimeout(() => this.main?.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /**
   * The kubelet's periodic sync of a running pod's Secret, ConfigMap and projected volumes: the objects' current data
   * written atomically (kubelet.ts materializeVolume). Returns the volumes whose files changed.
   */
  refreshVolumes(): string[] {
    const { template, objects, dir, identity } = this.options;
    const changed: string[] = [];
    for (const volume of template.spec.volumes.filter((v) => v.configMap ?? v.secret ?? v.projected ?? v.downwardAPI)) {
      const path = join(dir, "volumes", volume.name);
      const before = volumeDigest(path);
      materializeVolume(volume, objects, path, identity.gid, this.labels);
      if (volumeDigest(path) !== before) changed.push(volume.name);
    }
    return changed;
  }

  tail(lines = 60): string {
    if (!existsSync(this.log)) return "(no log)";
    return readFileSync(this.log, "utf8").split("\n").slice(-lines).join("\n");
  }
}
