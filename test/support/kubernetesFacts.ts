/**
 * The Kubernetes facts (components/facts/kubernetes: the images, the kubelet, Pod Security
 * admission, the Pulumi provider) as checks of one recorded run, so example stacks
 * (kubernetesFacts.test.ts) and generated configs (generatedStacks.test.ts) are held to the same.
 */
import { expect } from "vitest";
import { parseByteQuantity } from "../../components/ground/units";
import { PATHS } from "../../components/kubernetes/conventions";
import {
  CONFIGMAP_VOLUMES,
  KUBELET,
  PGBOUNCER_IMAGE,
  POD_SECURITY_RESTRICTED,
  POSTGRES,
  POSTGRES_IMAGE,
  PULUMI_KUBERNETES,
  SERVICE_ACCOUNT_TOKEN,
} from "../../components/facts/kubernetes";
import { HBA_READ_ON_RELOAD } from "../../components/facts/postgres";
import { TYPES, ofType } from "./graph";
import type { ProgramRun, Registered } from "./pulumiMocks";

type Pod = { metadata: { labels: Record<string, string> }; spec: any };
export const workloads = (run: ProgramRun) => [
  ...ofType(run, TYPES.statefulSet),
  ...ofType(run, TYPES.deployment),
  ...ofType(run, TYPES.job),
];
export const templateOf = (resource: Registered): Pod => resource.inputs.spec.template;
const containersOf = (pod: Pod): any[] => [...(pod.spec.initContainers ?? []), ...pod.spec.containers];

export function expectPodSecurityRestricted(run: ProgramRun): void {
  const allowedVolumes = new Set(POD_SECURITY_RESTRICTED.volumeTypes.value);
  for (const resource of workloads(run)) {
    const pod = templateOf(resource);
    const where = `${resource.type} ${resource.inputs.metadata.name}`;
    expect(pod.spec.securityContext.runAsNonRoot, where).toBe(POD_SECURITY_RESTRICTED.runAsNonRoot.value);
    expect(pod.spec.securityContext.runAsUser, where).not.toBe(POD_SECURITY_RESTRICTED.rootUidForbidden.value);
    expect(POD_SECURITY_RESTRICTED.seccompProfiles.value, where).toContain(
      pod.spec.securityContext.seccompProfile?.type,
    );
    for (const container of containersOf(pod)) {
      expect(container.securityContext?.allowPrivilegeEscalation, `${where} ${container.name}`).toBe(
        POD_SECURITY_RESTRICTED.allowPrivilegeEscalation.value,
      );
      expect(container.securityContext?.capabilities?.drop, `${where} ${container.name}`).toContain(
        POD_SECURITY_RESTRICTED.dropCapabilities.value,
      );
      for (const added of container.securityContext?.capabilities?.add ?? [])
        expect(POD_SECURITY_RESTRICTED.addableCapabilities.value).toContain(added);
    }
    for (const volume of pod.spec.volumes ?? []) {
      const types = Object.keys(volume).filter((key) => key !== "name");
      for (const type of types) expect(allowedVolumes.has(type), `${where} volume ${volume.name}: ${type}`).toBe(true);
    }
  }
}

/**
 * No pod carries an API token it does not use: only a pod that names its own ServiceAccount (the backup Jobs, which
 * run kubectl) may have one mounted; every other opts out, since the default is a mounted token.
 */
export function expectNoUnusedApiToken(run: ProgramRun): void {
  const cronJobPods = ofType(run, TYPES.cronJob).map((r) => ({
    where: `${r.type} ${r.inputs.metadata.name}`,
    spec: r.inputs.spec.jobTemplate.spec.template.spec,
  }));
  const pods = [
    ...workloads(run).map((r) => ({ where: `${r.type} ${r.inputs.metadata.name}`, spec: templateOf(r).spec })),
    ...cronJobPods,
  ];
  expect(pods.length).toBeGreaterThan(0);
  for (const { where, spec } of pods) {
    const mounted = spec.automountServiceAccountToken ?? SERVICE_ACCOUNT_TOKEN.mountedUnlessOptedOut.value;
    if (spec.serviceAccountName === undefined) expect(mounted, `${where} has an API token it never uses`).toBe(false);
  }
}

/** The database pods run as the image expects: its uid, its entrypoint, bootstrap outside initdb.d. */
export function expectDatabasePodsAsTheImageExpects(run: ProgramRun): void {
  for (const resource of ofType(run, TYPES.statefulSet)) {
    const pod = templateOf(resource);
    const where = resource.inputs.metadata.name;
    expect(pod.spec.securityContext.runAsUser, where).toBe(POSTGRES_IMAGE.uid.value);
    // With fsGroup, the default policy (Always) ORs group bits into every file on each mount: the passfile, and a 500
    // Gi walk.
    expect(KUBELET.fsGroupChangePolicies.value).toContain(pod.spec.securityContext.fsGroupChangePolicy);
    expect(pod.spec.securityContext.fsGroupChangePolicy, where).toBe("OnRootMismatch");
    const postgres = pod.spec.containers.find((c: any) => c.name === "postgres");
    expect(postgres.command, `${where}: the image's entrypoint must run`).toBeUndefined();
    expect(postgres.args[0], where).toBe(POSTGRES_IMAGE.initialisesWhenFirstArg.value);
    const mounts: string[] = containersOf(pod).flatMap((c) => (c.volumeMounts ?? []).map((m: any) => m.mountPath));
    // initdb.d runs once per data directory: a rotated password would never reach the roles.
    expect(mounts, where).not.toContain(POSTGRES_IMAGE.initdbDir.value);
    const isPrimary = resource.inputs.metadata.name.endsWith("-primary");
    const env = postgres.env.map((e: any) => e.name);
    if (isPrimary) expect(env, where).toContain(POSTGRES_IMAGE.requiresPasswordEnv.value);
    if (isPrimary) expect(postgres.lifecycle?.postStart?.exec?.command, where).toEqual(["bash", PATHS.bootstrapScript]);
  }
}

/** A memory-backed /dev/shm larger than the runtime's, within the pod's memory limit. */
export function expectDevShm(run: ProgramRun): void {
  for (const resource of ofType(run, TYPES.statefulSet)) {
    const pod = templateOf(resource);
    const postgres = pod.spec.containers.find((c: any) => c.name === "postgres");
    const mount = postgres.volumeMounts.find((m: any) => m.mountPath === "/dev/shm");
    expect(mount, resource.inputs.metadata.name).toBeDefined();
    const volume = pod.spec.volumes.find((v: any) => v.name === mount.name);
    expect(volume.emptyDir.medium).toBe("Memory");
    const size = parseByteQuantity(volume.emptyDir.sizeLimit)!;
    expect(size).toBeGreaterThan(POSTGRES_IMAGE.devShmBytes.value);
    expect(KUBELET.memoryEmptyDirCountsToLimit.value).toBe(true);
    expect(size).toBeLessThanOrEqual(parseByteQuantity(postgres.resources.limits.memory)!);
  }
}

/** A fast shutdown (the image's stop signal) has time to checkpoint shared_buffers before SIGKILL. */
export function expectShutdownTime(run: ProgramRun): void {
  expect(POSTGRES_IMAGE.stopSignal.value).toBe(POSTGRES.fastShutdownSignal.value);
  for (const resource of ofType(run, TYPES.statefulSet)) {
    const pod = templateOf(resource);
    const memory = parseByteQuantity(pod.spec.containers[0].resources.limits.memory)!;
    // A quarter of memory in dirty buffers, written at no less than 64 MiB/s, after a minute for clients.
    expect(pod.spec.terminationGracePeriodSeconds, resource.inputs.metadata.name).toBeGreaterThanOrEqual(
      60 + memory / 4 / (64 * 1024 * 1024),
    );
  }
}

/** The server key is mounted with a mode PostgreSQL accepts from a root-owned file. */
export function expectServerKeyMode(run: ProgramRun): void {
  for (const resource of ofType(run, TYPES.statefulSet)) {
    const tls = templateOf(resource).spec.volumes.find((v: any) => v.name === "tls");
    expect(tls.secret.defaultMode | 0o440).toBeLessThanOrEqual(POSTGRES.rootOwnedKeyMaxMode.value);
  }
}

/** PgBouncer runs as the image's user and binary, Ready only when a login through it works. */
export function expectPgbouncerPods(run: ProgramRun): void {
  for (const resource of ofType(run, TYPES.deployment)) {
    const pod = templateOf(resource);
    expect(pod.spec.securityContext.runAsUser).toBe(PGBOUNCER_IMAGE.uid.value);
    const [container] = pod.spec.containers;
    expect(PGBOUNCER_IMAGE.binary.value.endsWith(`/${container.command[0]}`)).toBe(true);
    expect(container.readinessProbe.tcpSocket).toBeUndefined();
    // The image's shell runs one of its client tools.
    const [shell, flag, script] = container.readinessProbe.exec.command;
    expect([shell, flag]).toEqual([PGBOUNCER_IMAGE.shell.value, "-c"]);
    expect(PGBOUNCER_IMAGE.clientTools.value).toContain(/\bexec (\S+)/.exec(script)?.[1]);
  }
}

/** A failed verification re-runs on the next up; StatefulSets wait long enough for seeding. */
export function expectRetriedVerification(run: ProgramRun): void {
  for (const job of ofType(run, TYPES.job))
    expect(job.inputs.metadata.annotations[PULUMI_KUBERNETES.replaceUnreadyAnnotation.value]).toBe("true");
  for (const set of ofType(run, TYPES.statefulSet)) {
    const timeout = Number(set.inputs.metadata.annotations[PULUMI_KUBERNETES.timeoutAnnotation.value]);
    expect(timeout).toBeGreaterThanOrEqual(PULUMI_KUBERNETES.defaultAwaitSeconds.value);
  }
}

/**
 * Files a server reloads reach it in place: no ConfigMap, Secret or projected volume is mounted with subPath (the
 * kubelet never updates those), and a config-reloader beside the server mounts its config directory at the same path
 * and shares its socket's emptyDir (one directory for the pod).
 */
export function expectConfigReachesRunningPods(run: ProgramRun): void {
  expect(CONFIGMAP_VOLUMES.subPathNeverUpdated.value).toBe(true);
  expect(CONFIGMAP_VOLUMES.updatedInPlace.value).toBe(true);
  expect(CONFIGMAP_VOLUMES.emptyDirSharedByContainers.value).toBe(true);
  expect(HBA_READ_ON_RELOAD.value).toBe(true); // pg_hba.conf needs no restart either
  for (const resource of [...ofType(run, TYPES.statefulSet), ...ofType(run, TYPES.deployment)]) {
    const where = resource.inputs.metadata.name;
    const pod = templateOf(resource);
    const projected = new Set(
      pod.spec.volumes.filter((v: any) => v.configMap ?? v.secret ?? v.projected).map((v: any) => v.name),
    );
    for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers])
      for (const mount of container.volumeMounts ?? [])
        if (projected.has(mount.name))
          expect(mount.subPath, `${where}/${container.name} ${mount.name}`).toBeUndefined();
    const [server] = pod.spec.containers;
    const reloader = pod.spec.containers.find((c: any) => c.name === "config-reloader");
    expect(reloader, where).toBeDefined();
    const mountOf = (c: any, name: string) => c.volumeMounts.find((m: any) => m.name === name)?.mountPath;
    expect(mountOf(reloader, "config"), where).toBe(mountOf(server, "config"));
    const socket = pod.spec.volumes.find((v: any) => v.name === "socket");
    expect(socket?.emptyDir, where).toBeDefined();
    expect(mountOf(reloader, "socket"), where).toBe(mountOf(server, "socket"));
    expect(reloader.image, where).toBe(server.image);
  }
}

/** Every check above, each a function of one run. */
export const KUBERNETES_FACT_CHECKS = [
  expectPodSecurityRestricted,
  expectNoUnusedApiToken,
  expectDatabasePodsAsTheImageExpects,
  expectDevShm,
  expectShutdownTime,
  expectServerKeyMode,
  expectPgbouncerPods,
  expectRetriedVerification,
  expectConfigReachesRunningPods,
] as const;
