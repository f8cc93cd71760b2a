/**
 * Every example stack's manifests checked against the facts they rely on
 * (components/facts/kubernetes: the images, the kubelet, Pod Security
 * admission, the Pulumi provider), each fact with its sources.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { POSTGRES_IMAGE, PULUMI_KUBERNETES } from "../../components/facts/kubernetes";
import { TYPES, ofType } from "../support/graph";
import {
  expectDatabasePodsAsTheImageExpects,
  expectDevShm,
  expectNoUnusedApiToken,
  expectPgbouncerPods,
  expectPodSecurityRestricted,
  expectRetriedVerification,
  expectServerKeyMode,
  expectConfigReachesRunningPods,
  expectShutdownTime,
  templateOf,
  workloads,
} from "../support/kubernetesFacts";
import { type ProgramRun, type Registered, runProgram } from "../support/pulumiMocks";

async function render(
  stack: string,
  edit: (config: Record<string, string>) => void = () => undefined,
): Promise<ProgramRun> {
  return runProgram(stack, (config) => {
    edit(config);
    return config;
  });
}

describe.each(["dev", "staging", "prod"])("stack %s against the facts", (stack) => {
  let run: ProgramRun;
  it("renders", async () => {
    run = await render(stack);
    expect(workloads(run).length).toBeGreaterThan(3);
  });

  it("meets Pod Security restricted on every pod", () => expectPodSecurityRestricted(run));

  it("mounts no API token in a pod that does not call the API", () => expectNoUnusedApiToken(run));

  it("runs the database pods as the image expects: its uid, its entrypoint, bootstrap outside initdb.d", () =>
    expectDatabasePodsAsTheImageExpects(run));

  it("gives every database pod a memory-backed /dev/shm larger than the runtime's, within its memory limit", () =>
    expectDevShm(run));

  it("gives a fast shutdown (the image's stop signal) time to checkpoint shared_buffers before SIGKILL", () =>
    expectShutdownTime(run));

  it("mounts the server key with a mode PostgreSQL accepts from a root-owned file", () => expectServerKeyMode(run));

  it("runs PgBouncer as the image's user and binary, Ready only when a login through it works", () =>
    expectPgbouncerPods(run));

  it("takes changed config files to running servers in place: no subPath, a reloader beside each server", () =>
    expectConfigReachesRunningPods(run));

  it("re-runs a failed verification on the next up, and waits long enough for seeding", () =>
    expectRetriedVerification(run));

  it("never replaces a StatefulSet when storage, storage class, memory or replica counts change", async () => {
    const before = Object.fromEntries(ofType(run, TYPES.statefulSet).map((r) => [r.name, r]));
    const changed = await render(stack, (config) => {
      const resources = JSON.parse(config["pg-read-replicas:resources"]!);
      for (const role of ["primary", "replica", "olap"])
        if (resources[role]) resources[role] = { ...resources[role], storage: "900Gi", memory: "3Gi" };
      config["pg-read-replicas:resources"] = JSON.stringify(resources);
      const kubernetes = JSON.parse(config["pg-read-replicas:kubernetes"]!);
      config["pg-read-replicas:kubernetes"] = JSON.stringify({ ...kubernetes, storageClass: "another-class" });
      if (config["pg-read-replicas:replicas"])
        config["pg-read-replicas:replicas"] = String(Number(config["pg-read-replicas:replicas"]) + 1);
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

/**
 * NetworkPolicy ingress as the API defines it: a pod selected by any policy admits what some rule's peer and port
 * admit.
 */
function admits(
  policies: Registered[],
  target: Record<string, string>,
  port: number,
  source: { labels?: Record<string, string>; ip?: string },
): boolean {
  const selects = (
    selector: { matchLabels?: Record<string, string> } | undefined,
    labels: Record<string, string> | undefined,
  ) => labels !== undefined && Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
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
          peer.ipBlock
            ? source.ip !== undefined && inCidr(source.ip, peer.ipBlock.cidr)
            : selects(peer.podSelector, source.labels) && (peer.namespaceSelector === undefined || true),
        ),
    ),
  );
}

describe("NetworkPolicies admit every connection the stack makes, and nothing from elsewhere", () => {
  it("on prod: pools and verification to the servers, replicas to the primary, clients to the pools, the other region's replicas to the exposed primary", async () => {
    const run = await render("prod");
    const home = run.resources.filter(
      (r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && !r.name.includes("eu-west-1"),
    );
    const pod = (kind: string) =>
      templateOf(workloads(run).find((w) => w.inputs.metadata.name === kind)!).metadata.labels;
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
