/**
 * The Kubernetes manifests' own commands, run here the way the images and the
 * kubelet run them (test/harness): the rendered objects of dev, staging and
 * prod boot (the primary through the image's own entrypoint and its bootstrap
 * hook), replicas seed through the rw Service, pools serve over TLS where the
 * stack requires it, and each region's verification Job passes. On prod, the
 * findings of issue 12 are replayed: a replica restarted with the kubelet's
 * fsGroup modes on its volume and with its slot dropped, a password rotation,
 * the fence that keeps an old writer down, and /dev/shm for parallel queries.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderUserlist } from "../../components/render/pgbouncerIni";
import { failover } from "../../components/kubernetes/statefulset/failover/failover";
import { topologyFromPulumiConfig } from "../../components/pipeline/loadTopology";
import type { SelfHostedTopology } from "../../components/topology/types";
import { harnessOps } from "./clusterOps";
import { applyFsGroup } from "./kubelet";
import { type BootedStack, bootStack } from "./boot";
import { HARNESS_LIMITS } from "./images";

async function bootAll(stack: BootedStack): Promise<void> {
  const { harness } = stack;
  for (const [cluster] of stack.regions.entries()) {
    const sets = harness.objects(cluster).workloads.filter((w) => w.kind === "StatefulSet");
    // The primary's group first: replicas seed from it (the component orders them the same way).
    for (const set of [...sets].sort(
      (a, b) => Number(b.name.endsWith("-primary")) - Number(a.name.endsWith("-primary")),
    )) {
      await harness.startStatefulSet(cluster, set.name);
    }
    for (const deployment of harness.objects(cluster).workloads.filter((w) => w.kind === "Deployment"))
      await harness.startDeployment(cluster, deployment.name);
  }
}

/** The verification Job (the primary's region also has maintenance Jobs: passwords, slots). */
const isVerifyJob = (w: { kind: string; name: string }) => w.kind === "Job" && /-verify-/.test(w.name);

/** Every region's Job, the primary's first (the others wait for its final heartbeat). */
async function verifyAll(stack: BootedStack): Promise<string[]> {
  const outputs: string[] = [];
  for (const [cluster] of stack.regions.entries()) {
    const job = stack.harness.objects(cluster).workloads.find(isVerifyJob)!;
    const result = await stack.harness.runJob(cluster, job.name);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/verify: PASSED/);
    outputs.push(result.output);
  }
  return outputs;
}

function secret(stack: BootedStack, cluster: number, name: string): Record<string, string> {
  return stack.harness.objects(cluster).secrets.get(name)!;
}

/** A client on the host, as an application in allowedCidrs would connect through a pool's Service. */
async function throughPool(
  stack: BootedStack,
  service: string,
  ssl: boolean,
  password?: string,
): Promise<{ server: string; encrypted: boolean }> {
  const client = new pg.Client({
    host: stack.harness.serviceAddress(0, service),
    port: 5432,
    user: "app",
    database: "app",
    password: password ?? secret(stack, 0, `${stack.name}-credentials`)["app-password"],
    ssl: ssl ? { ca: stack.caPem, checkServerIdentity: () => undefined } : false,
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    const { rows } = await client.query<{ server: string }>("SELECT current_setting('cluster_name') AS server");
    const stream = (client as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream;
    return { server: rows[0]!.server, encrypted: stream.encrypted === true };
  } finally {
    await client.end();
  }
}

async function streaming(stack: BootedStack, primary: string): Promise<Record<string, string>> {
  const rows = await stack.harness
    .pod(primary)
    .psql(
      "SELECT application_name || '=' || state || ':' || coalesce(s.slot_name, '') FROM pg_stat_replication r LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid",
    );
  return Object.fromEntries(
    rows
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("=") as [string, string]),
  );
}

async function eventuallyStreaming(stack: BootedStack, primary: string, replica: string, slot: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let seen: Record<string, string> = {};
  while (Date.now() < deadline) {
    seen = await streaming(stack, primary);
    if (seen[replica] === `streaming:${slot}`) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(
    `${replica} is not streaming on ${slot}: ${JSON.stringify(seen)}. Its log:\n${stack.harness.pod(replica).tail(30)}`,
  );
}

describe.each(["dev", "staging"])("the %s stack's manifests, run as the kubelet runs them", (name) => {
  let stack: BootedStack;
  beforeAll(async () => {
    stack = await bootStack(name);
    await bootAll(stack);
  }, 600_000);
  afterAll(async () => stack?.teardown(), 120_000);

  it("initialises the primary through the image's entrypoint and passes its verification Job", async () => {
    expect(stack.harness.pod(`${stack.name}-primary-0`).tail(400)).toMatch(
      /PostgreSQL init process complete; ready for start up/,
    );
    const [output] = await verifyAll(stack);
    console.log(`${name} (harness): ${output}`);
  });

  it("serves the write and read pools to a client in allowedCidrs", async () => {
    expect((await throughPool(stack, `${stack.name}-pool-write`, false)).server).toBe(`${stack.name}-primary-0`);
    expect((await throughPool(stack, `${stack.name}-pool-read`, false)).server).toMatch(
      new RegExp(`^${stack.name}-replica-\\d$`),
    );
  });

  it("keeps a pool whose logins fail out of its Service (its readiness probe logs in)", async () => {
    const auth = secret(stack, 0, `${stack.name}-pgbouncer-auth`);
    const good = auth["userlist.txt"]!;
    const pool = stack.harness.pod(`${stack.name}-pool-write-h0`);
    auth["userlist.txt"] = renderUserlist("app", "not-the-password");
    await stack.harness.restart(pool.name);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(pool.running()).toBe(true);
    expect(await pool.ready()).toBe(false);
    auth["userlist.txt"] = good;
    await stack.harness.restart(pool.name);
    await stack.harness.waitReady(pool.name, 60_000);
  });
});

describe("the prod stack's manifests, run as the kubelet runs them", () => {
  let stack: BootedStack;
  const primary = "pg-primary-0";
  beforeAll(async () => {
    stack = await bootStack("prod");
    await bootAll(stack);
  }, 900_000);
  afterAll(async () => stack?.teardown(), 180_000);

  it("boots with synchronous commit configured (the bootstrap commits locally) and verifies every region", async () => {
    const conf = stack.harness.objects(0).configMaps.get("pg-primary-config")!["postgresql.conf"]!;
    expect(conf).toMatch(/^synchronous_standby_names = 'ANY 1/m);
    expect(stack.harness.pod(primary).tail(400)).toMatch(/PostgreSQL init process complete; ready for start up/);
    const outputs = await verifyAll(stack);
    console.log(`prod (harness): ${outputs.join("\n")}\nnot emulated: ${HARNESS_LIMITS.join("; ")}`);
  });

  it("requires TLS from clients of the pools, and serves them over it", async () => {
    await expect(throughPool(stack, "pg-pool-write", false)).rejects.toThrow(/SSL|TLS|reject/i);
    const write = await throughPool(stack, "pg-pool-write", true);
    expect(write).toEqual({ server: primary, encrypted: true });
    const read = await throughPool(stack, "pg-pool-read", true);
    expect(read.server).toMatch(/^pg-replica-\d$/);
    expect(read.encrypted).toBe(true);
  });

  it("gives parallel queries more than the runtime's 64 MiB of /dev/shm", async () => {
    const result = await stack.harness
      .pod("pg-olap-0")
      .exec([
        "bash",
        "-c",
        "dd if=/dev/zero of=/dev/shm/harness bs=1M count=200 status=none && rm /dev/shm/harness && df -m /dev/shm | tail -1",
      ]);
    expect(result.code, result.output).toBe(0);
  });

  it("restarts a replica whose volume got the kubelet's group modes (passfile 0660) and it streams again", async () => {
    const replica = "pg-replica-0";
    const claim = join(stack.harness.pods.get(replica)!.pod.options.claims.data!);
    await stack.harness.pod(replica).stop();
    applyFsGroup(claim, statSync(claim).gid, "Always");
    expect(statSync(join(claim, "replication.pgpass")).mode & 0o777).toBe(0o660);
    await stack.harness.restart(replica, { fsGroupPolicy: "Always" });
    await stack.harness.waitReady(replica, 120_000);
    expect(statSync(join(claim, "replication.pgpass")).mode & 0o777).toBe(0o600);
    await eventuallyStreaming(stack, primary, replica, "pg_replica_0");
  });

  it("re-seeds a replica whose slot the primary no longer has", async () => {
    const replica = "pg-replica-1";
    await stack.harness.pod(replica).stop();
    await stack.harness.pod(primary).psql("SELECT pg_drop_replication_slot('pg_replica_1')");
    await stack.harness.restart(replica);
    await stack.harness.waitReady(replica, 120_000);
    expect(stack.harness.pod(replica).tail(200)).toMatch(
      /slot pg_replica_1 is gone on the primary .*re-seeding pg-replica-1/,
    );
    await eventuallyStreaming(stack, primary, replica, "pg_replica_1");
  });

  it("applies rotated passwords to the roles when the pods roll", async () => {
    const credentials = secret(stack, 0, "pg-credentials");
    const rotated = { app: "rotated-app-password", replication: "rotated-replication-password" };
    for (const cluster of stack.regions.keys()) {
      Object.assign(secret(stack, cluster, "pg-credentials"), {
        "app-password": rotated.app,
        "replication-password": rotated.replication,
      });
      const monitor = secret(stack, cluster, "pg-credentials")["monitor-password"]!;
      Object.assign(secret(stack, cluster, "pg-pgbouncer-auth"), {
        "userlist.txt": renderUserlist("app", rotated.app, ["pgrr_monitor", monitor]),
      });
    }
    expect(credentials["app-password"]).toBe(rotated.app);
    // The credentials hash in the pod templates rolls every database pod, the writer first; the pools roll on the
    // userlist hash.
    for (const [name, entry] of stack.harness.pods) {
      if (entry.workload.kind === "Job") continue;
      await stack.harness.restart(name);
      await stack.harness.waitReady(name, 180_000);
    }
    expect((await throughPool(stack, "pg-pool-write", true, rotated.app)).server).toBe(primary);
    await eventuallyStreaming(stack, primary, "pg-replica-2", "pg_replica_2");
    await verifyAll(stack);
  });

  it("keeps a fenced old writer from starting, whatever the stack's config says", async () => {
    const fence = stack.harness.objects(0).configMaps.get("pg-fence")!;
    expect(fence).toEqual({ writer: primary });
    await stack.harness.pod(primary).stop();
    fence.writer = "pg-replica-0";
    await expect(stack.harness.restart(primary)).rejects.toThrow(
      /start-guard exited 1[\s\S]*refusing to start a second writer/,
    );
    fence.writer = primary;
    await stack.harness.restart(primary);
    await stack.harness.waitReady(primary, 120_000);
  });

  it("fails over with the documented command: one writer behind rw and the write pool, the old primary fenced for good", async () => {
    const topology = topologyFromPulumiConfig(stack.config, "prod").topology as SelfHostedTopology;
    const lines: string[] = [];
    const result = await failover(topology, harnessOps(stack.harness), { log: (line) => lines.push(line) });
    console.log(`prod failover (harness):\n  ${lines.join("\n  ")}\n  next: ${result.next.join("; ")}`);
    expect(result.from).toBe(primary);
    const writer = result.to;
    expect(writer).toMatch(/^pg-replica-\d$/);
    expect(
      (await throughPool(stack, "pg-pool-write", true, secret(stack, 0, "pg-credentials")["app-password"])).server,
    ).toBe(writer);
    // The read pool was restarted off the promoted replica: no read lands on the writer, from the first one on
    // (its server connections to it used to outlive the promotion until server_lifetime).
    const password = secret(stack, 0, "pg-credentials")["app-password"];
    for (let sample = 0; sample < 8; sample++)
      expect((await throughPool(stack, "pg-pool-read", true, password)).server).not.toBe(writer);
    // The old primary's data directory can never start as a second writer, whatever starts its pod.
    await expect(stack.harness.restart(primary)).rejects.toThrow(/refusing to start a second writer/);
    for (const follower of topology.standbys.filter((s) => s.name !== writer && !s.remote))
      await eventuallyStreaming(stack, writer, follower.name, follower.slot);

    // `pulumi config set --path kubernetes.writer <pod>` and `pulumi up`: the next render agrees with the cluster and
    // verifies it.
    const next = await stack.rerender((config) => {
      config["pg-read-replicas:kubernetes"] = JSON.stringify({
        ...JSON.parse(config["pg-read-replicas:kubernetes"]!),
        writer,
      });
    });
    expect(next[0]!.workloads.find((w) => w.name === "pg-primary")!.replicas).toBe(0);
    expect(next[0]!.configMaps.get("pg-fence")).toEqual({ writer }); // as created; the component ignores later changes to it
    const rw = next[0]!.services.find((s) => s.name === "pg-rw")!;
    expect(rw.selector["statefulset.kubernetes.io/pod-name"]).toBe(writer);
    for (const [cluster, objects] of next.entries()) {
      const current = stack.harness.objects(cluster);
      for (const [name, data] of objects.configMaps)
        if (name.startsWith("pg-verify")) current.configMaps.set(name, data);
      Object.assign(current.secrets.get("pg-credentials")!, {
        "heartbeat-token": objects.secrets.get("pg-credentials")!["heartbeat-token"],
      });
      current.workloads.push(...objects.workloads.filter((w) => w.kind === "Job"));
    }
    for (const [cluster, objects] of next.entries()) {
      const job = objects.workloads.find(isVerifyJob)!;
      const verified = await stack.harness.runJob(cluster, job.name);
      expect(verified.code, verified.output).toBe(0);
      if (cluster === 0)
        expect(verified.output).toContain(
          `pool write (pg-pool-write.pg-prod.svc.cluster.local:5432): lands on ${writer}`,
        );
    }
  }, 400_000);
});
