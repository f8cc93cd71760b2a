/**
 * Every example stack's manifests checked against the facts they rely on
 * (components/kubernetes/facts: the images, the kubelet, Pod Security
 * admission, the Pulumi provider), each fact with its source.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseByteQuantity } from "../../components/config/units";
import { PATHS } from "../../components/kubernetes/conventions";
import { KUBELET, PGBOUNCER_IMAGE, POD_SECURITY_RESTRICTED, POSTGRES, POSTGRES_IMAGE, PULUMI_KUBERNETES } from "../../components/kubernetes/facts";
import { TYPES, ofType } from "../support/graph";
import { type ProgramRun, type Registered, runProgram } from "../support/pulumiMocks";

async function render(stack: string, edit: (config: Record<string, string>) => void = () => undefined): Promise<ProgramRun> {
  return runProgram(stack, (config) => {
    edit(config);
    return config;
  });
}

type Pod = { metadata: { labels: Record<string, string> }; spec: any };
const workloads = (run: ProgramRun) => [...ofType(run, TYPES.statefulSet), ...ofType(run, TYPES.deployment), ...ofType(run, TYPES.job)];
const templateOf = (resource: Registered): Pod => resource.inputs.spec.template;
const containersOf = (pod: Pod): any[] => [...(pod.spec.initContainers ?? []), ...pod.spec.containers];

describe.each(["dev", "staging", "prod"])("stack %s against the facts", (stack) => {
  let run: ProgramRun;
  it("renders", async () => {
    run = await render(stack);
    expect(workloads(run).length).toBeGreaterThan(3);
  });

  it("meets Pod Security restricted on every pod", () => {
    const allowedVolumes = new Set(POD_SECURITY_RESTRICTED.volumeTypes.value);
    for (const resource of workloads(run)) {
      const pod = templateOf(resource);
      const where = `${resource.type} ${resource.inputs.metadata.name}`;
      expect(pod.spec.securityContext.runAsNonRoot, where).toBe(POD_SECURITY_RESTRICTED.runAsNonRoot.value);
      expect(pod.spec.securityContext.runAsUser, where).not.toBe(POD_SECURITY_RESTRICTED.rootUidForbidden.value);
      expect(POD_SECURITY_RESTRICTED.seccompProfiles.value, where).toContain(pod.spec.securityContext.seccompProfile?.type);
      for (const container of containersOf(pod)) {
        expect(container.securityContext?.allowPrivilegeEscalation, `${where} ${container.name}`).toBe(POD_SECURITY_RESTRICTED.allowPrivilegeEscalation.value);
        expect(container.securityContext?.capabilities?.drop, `${where} ${container.name}`).toContain(POD_SECURITY_RESTRICTED.dropCapabilities.value);
        for (const added of container.securityContext?.capabilities?.add ?? []) expect(POD_SECURITY_RESTRICTED.addableCapabilities.value).toContain(added);
      }
      for (const volume of pod.spec.volumes ?? []) {
        const types = Object.keys(volume).filter((key) => key !== "name");
        for (const type of types) expect(allowedVolumes.has(type), `${where} volume ${volume.name}: ${type}`).toBe(true);
      }
    }
  });

  it("runs the database pods as the image expects: its uid, its entrypoint, bootstrap outside initdb.d", () => {
    for (const resource of ofType(run, TYPES.statefulSet)) {
      const pod = templateOf(resource);
      const where = resource.inputs.metadata.name;
      expect(pod.spec.securityContext.runAsUser, where).toBe(POSTGRES_IMAGE.uid.value);
      // With fsGroup, the default policy (Always) ORs group bits into every file on each mount: the passfile, and a 500 Gi walk.
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
  });

  it("gives every database pod a memory-backed /dev/shm larger than the runtime's, within its memory limit", () => {
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
  });

  it("gives a fast shutdown (the image's stop signal) time to checkpoint shared_buffers before SIGKILL", () => {
    expect(POSTGRES_IMAGE.stopSignal.value).toBe(POSTGRES.fastShutdownSignal.value);
    for (const resource of ofType(run, TYPES.statefulSet)) {
      const pod = templateOf(resource);
      const memory = parseByteQuantity(pod.spec.containers[0].resources.limits.memory)!;
      // A quarter of memory in dirty buffers, written at no less than 64 MiB/s, after a minute for clients.
      expect(pod.spec.terminationGracePeriodSeconds, resource.inputs.metadata.name).toBeGreaterThanOrEqual(60 + memory / 4 / (64 * 1024 * 1024));
    }
  });

  it("mounts the server key with a mode PostgreSQL accepts from a root-owned file", () => {
    for (const resource of ofType(run, TYPES.statefulSet)) {
      const tls = templateOf(resource).spec.volumes.find((v: any) => v.name === "tls");
      expect(tls.secret.defaultMode | 0o440).toBeLessThanOrEqual(POSTGRES.rootOwnedKeyMaxMode.value);
    }
  });

  it("runs PgBouncer as the image's user and binary, Ready only when a login through it works", () => {
    for (const resource of ofType(run, TYPES.deployment)) {
      const pod = templateOf(resource);
      expect(pod.spec.securityContext.runAsUser).toBe(PGBOUNCER_IMAGE.uid.value);
      const [container] = pod.spec.containers;
      expect(PGBOUNCER_IMAGE.binary.value.endsWith(`/${container.command[0]}`)).toBe(true);
      expect(container.readinessProbe.tcpSocket).toBeUndefined();
      expect(PGBOUNCER_IMAGE.clientTools.value).toContain(container.readinessProbe.exec.command[0]);
    }
  });

  it("re-runs a failed verification on the next up, and waits long enough for seeding", () => {
    for (const job of ofType(run, TYPES.job)) expect(job.inputs.metadata.annotations[PULUMI_KUBERNETES.replaceUnreadyAnnotation.value]).toBe("true");
    for (const set of ofType(run, TYPES.statefulSet)) {
      const timeout = Number(set.inputs.metadata.annotations[PULUMI_KUBERNETES.timeoutAnnotation.value]);
      expect(timeout).toBeGreaterThanOrEqual(PULUMI_KUBERNETES.defaultAwaitSeconds.value);
    }
  });

  it("never replaces a StatefulSet when storage, storage class, memory or replica counts change", async () => {
    const before = Object.fromEntries(ofType(run, TYPES.statefulSet).map((r) => [r.name, r]));
    const changed = await render(stack, (config) => {
      const resources = JSON.parse(config["pg-read-replicas:resources"]!);
      for (const role of ["primary", "replica", "olap"]) if (resources[role]) resources[role] = { ...resources[role], storage: "900Gi", memory: "3Gi" };
      config["pg-read-replicas:resources"] = JSON.stringify(resources);
      const kubernetes = JSON.parse(config["pg-read-replicas:kubernetes"]!);
      config["pg-read-replicas:kubernetes"] = JSON.stringify({ ...kubernetes, storageClass: "another-class" });
      if (config["pg-read-replicas:replicas"]) config["pg-read-replicas:replicas"] = String(Number(config["pg-read-replicas:replicas"]) + 1);
    });
    const forceNew = PULUMI_KUBERNETES.forceNewFields.value.StatefulSet!;
    for (const set of ofType(changed, TYPES.statefulSet)) {
      const old = before[set.name]!;
      for (const field of forceNew) {
        const get = (r: Registered) => field.split(".").reduce<any>((value, key) => value?.[key], r.inputs);
        if (set.ignoreChanges.includes(field)) continue;
        expect(get(set), `${set.name} ${field} (force-new)`).toEqual(get(old));
      }
      expect(set.ignoreChanges).toContain("spec.volumeClaimTemplates");
    }
    const patches = changed.resources.filter((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaimPatch");
    expect(patches.length).toBeGreaterThan(0);
    for (const patch of patches) {
      expect(patch.inputs.spec.resources.requests.storage).toBe("900Gi");
      expect(patch.inputs.metadata.annotations[PULUMI_KUBERNETES.patchForceAnnotation.value]).toBe("true");
    }
  });
});

/** NetworkPolicy ingress as the API defines it: a pod selected by any policy admits what some rule's peer and port admit. */
function admits(policies: Registered[], target: Record<string, string>, port: number, source: { labels?: Record<string, string>; ip?: string }): boolean {
  const selects = (selector: { matchLabels?: Record<string, string> } | undefined, labels: Record<string, string> | undefined) =>
    labels !== undefined && Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const inCidr = (ip: string, cidr: string) => {
    const [base, bits] = cidr.split("/");
    const toInt = (a: string) => a.split(".").reduce((n, octet) => (n << 8) + Number(octet), 0) >>> 0;
    const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
    return (toInt(ip) & mask) === (toInt(base!) & mask);
  };
  const applying = policies.filter((p) => selects(p.inputs.spec.podSelector, target));
  if (applying.length === 0) return true;
  return applying.some((p) =>
    (p.inputs.spec.ingress ?? []).some(
      (rule: any) =>
        rule.ports.some((p: any) => p.port === port) &&
        rule.from.some((peer: any) =>
          peer.ipBlock ? source.ip !== undefined && inCidr(source.ip, peer.ipBlock.cidr) : selects(peer.podSelector, source.labels) && (peer.namespaceSelector === undefined || true),
        ),
    ),
  );
}

describe("NetworkPolicies admit every connection the stack makes, and nothing from elsewhere", () => {
  it("on prod: pools and verification to the servers, replicas to the primary, clients to the pools, the other region's replicas to the exposed primary", async () => {
    const run = await render("prod");
    const home = run.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && !r.name.includes("eu-west-1"));
    const pod = (kind: string) => templateOf(workloads(run).find((w) => w.inputs.metadata.name === kind)!).metadata.labels;
    const db = pod("pg-primary");
    expect(admits(home, db, 5432, { labels: pod("pg-pool-write") })).toBe(true);
    expect(admits(home, db, 5432, { labels: pod("pg-replica") })).toBe(true);
    expect(admits(home, db, 5432, { labels: templateOf(ofType(run, TYPES.job)[0]!).metadata.labels })).toBe(true);
    expect(admits(home, db, 5432, { ip: "10.20.3.4" }), "eu-west-1 replicas through the load balancer").toBe(true);
    expect(admits(home, pod("pg-pool-read"), 6432, { ip: "10.0.7.7" }), "a client in allowedCidrs").toBe(true);
    expect(admits(home, pod("pg-pool-read"), 6432, { ip: "192.0.2.1" }), "a client outside every CIDR").toBe(false);
    expect(admits(home, db, 5432, { ip: "192.0.2.1" })).toBe(false);
    expect(admits(home, db, 5432, { labels: { "app.kubernetes.io/name": "something-else" } })).toBe(false);
  });
});

describe("the vendored image entrypoint the harness runs", () => {
  it("is byte for byte the image's", () => {
    const text = readFileSync(join(__dirname, "..", "harness", "vendor", "docker-entrypoint.sh"));
    expect(createHash("sha256").update(text).digest("hex")).toBe(POSTGRES_IMAGE.entrypointSha256.value);
  });
});

describe("every fact names its source", () => {
  it("has a non-empty source on each fact", () => {
    for (const group of [KUBELET, PGBOUNCER_IMAGE, POD_SECURITY_RESTRICTED, POSTGRES, POSTGRES_IMAGE, PULUMI_KUBERNETES]) {
      for (const [name, fact] of Object.entries(group)) expect((fact as { source: string }).source.length, name).toBeGreaterThan(20);
    }
  });
});
