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
import { PROBE_USER } from "../../components/kubernetes/conventions";
import { PROBE_PASSWORD_ENV } from "../../components/kubernetes/statefulset/manifests/pgbouncer";
import { failover } from "../../components/kubernetes/statefulset/failover/failover";
import { switchover } from "../../components/kubernetes/statefulset/failover/switchover";
import { topologyFromPulumiConfig } from "../../components/pipeline/loadTopology";
import type { SelfHostedTopology } from "../../components/topology/types";
import { harnessOps } from "./clusterOps";
import { sh } from "./net";
import { writeLoad } from "./writeLoad";
import { rotatedCredentials, rotatedUserlist } from "./rotation";
import { applyFsGroup } from "./kubelet";
import { type BootedStack, bootStack, startAll } from "./boot";
import { HARNESS_LIMITS } from "./images";
import type { ClusterObjects } from "./objects";
import { nextStep, revisionOf } from "./statefulSetController";

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

/** Whether a TCP connection from a pod's network namespace (or the host, standing for the node) is accepted in 3 s. */
async function opens(namespace: string | undefined, address: string, port: number): Promise<boolean> {
  const attempt = ["timeout", "3", "bash", "-c", `exec 3<>/dev/tcp/${address}/${port}`];
  const [command, ...args] = namespace ? ["ip", "netns", "exec", namespace, ...attempt] : attempt;
  return sh(command!, args).then(
    () => true,
    () => false,
  );
}

/** A client on the host, as an application in allowedCidrs would connect through a pool's Service. */
async function throughPool(
  stack: BootedStack,
  service: string,
  ssl: boolean,
  password?: string,
): Promise<{ server: string; encrypted: boolean }> {
  // A login that times out says what it met (rules, sockets, the pool's own view and log): stops 31 and 33 failed
  // here with a bare "timeout expired", whose cause (a Service left without endpoints by the harness's one-shot
  // readiness; Harness.startControllers) this would have shown at once.
  try {
    return await landOnce(stack, service, ssl, password);
  } catch (error) {
    if (!/timeout expired/.test((error as Error).message)) throw error;
    const explained = await stack.harness.explainService(0, service, (port) => [
      poolConsole(port, "SHOW POOLS", "SHOW CLIENTS", "SHOW SERVERS"),
    ]);
    throw new Error(`login through ${service} timed out after 20 s; it met:\n${explained}`, { cause: error });
  }
}

/** psql on the pool's console inside its pod, as its readiness probe logs in (poolReadinessCommand). */
function poolConsole(port: number, ...statements: string[]): string[] {
  const commands = statements.map((statement) => `-c '${statement}'`).join(" ");
  return [
    "sh",
    "-c",
    `PGPASSWORD="$${PROBE_PASSWORD_ENV}" exec psql -h 127.0.0.1 -p ${port} -U ${PROBE_USER} -d pgbouncer -XAq ${commands}`,
  ];
}

async function landOnce(
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
    // Generous: a login through a just-restarted pool (TLS, then auth_query on the server) under CI's load once
    // took over 5 s; this checks where a connection lands, not how fast.
    connectionTimeoutMillis: 20_000,
  });
  try {
    await client.connect();
    const { rows } = await client.query<{ server: string }>("SELECT current_setting('cluster_name') AS server");
    const stream = (client as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream;
    return { server: rows[0]!.server, encrypted: stream.encrypted === true };
  } finally {
    await client.end().catch(() => undefined);
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

async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
}

/**
 * `pulumi up` of reloadable changes to a running prod stack (work_mem on every role, a client CIDR in pg_hba, the pool
 * size) as the kubelet delivers them: no pod template changes, the volumes are swapped in place, and each server's
 * config-reloader makes it take them.
 */
async function reloadInPlace(stack: BootedStack, servers: readonly string[]): Promise<void> {
  const next = await stack.rerender((config) => {
    const json = (key: string) => JSON.parse(config[`pg-read-replicas:${key}`] ?? "{}");
    const postgresql = json("postgresql");
    config["pg-read-replicas:postgresql"] = JSON.stringify({
      ...postgresql,
      primary: { ...postgresql.primary, work_mem: "48MB" },
      replica: { ...postgresql.replica, work_mem: "48MB" },
    });
    const olap = json("olap");
    config["pg-read-replicas:olap"] = JSON.stringify({ ...olap, settings: { ...olap.settings, work_mem: "48MB" } });
    config["pg-read-replicas:allowedCidrs"] = JSON.stringify([...json("allowedCidrs"), "198.19.254.0/24"]);
    config["pg-read-replicas:pgbouncer"] = JSON.stringify({ ...json("pgbouncer"), defaultPoolSize: 77 });
  });
  // Nothing Kubernetes would restart: every pod template is the running one.
  for (const workload of next[0]!.workloads.filter((w) => w.kind !== "Job"))
    expect(JSON.stringify(workload.template), workload.name).toBe(
      JSON.stringify(stack.harness.workload(0, workload.name).template),
    );
  const changed = stack.harness.syncVolumes(0, next[0]!);
  expect(changed.get("pg-primary-0")).toEqual(["config"]);
  expect(changed.get("pg-pool-write-h0")).toEqual(["config"]);
  for (const pod of servers)
    await until(
      `${pod} work_mem`,
      () => stack.harness.pod(pod).psql("SHOW work_mem"),
      (v) => v === "48MB",
    );
  const poolConfig = async () => {
    const client = new pg.Client({
      host: stack.harness.serviceAddress(0, "pg-pool-write"),
      port: 5432,
      user: PROBE_USER,
      database: "pgbouncer",
      password: secret(stack, 0, "pg-credentials")["probe-password"],
      ssl: { ca: stack.caPem, checkServerIdentity: () => undefined },
    });
    await client.connect();
    try {
      const { rows } = await client.query<{ key: string; value: string }>("SHOW CONFIG");
      return rows.find((row) => row.key === "default_pool_size")?.value;
    } finally {
      await client.end();
    }
  };
  await until("the write pool's default_pool_size", poolConfig, (v) => v === "77");
  expect(stack.harness.pod("pg-primary-0").tail(400)).toMatch(/config-reloader: files changed; PostgreSQL reloaded/);
}

async function countRows(stack: BootedStack, pod: string, table: string): Promise<number> {
  const result = await stack.harness
    .pod(pod)
    .exec([
      "psql",
      "-h",
      "/var/run/postgresql",
      "-U",
      "postgres",
      "-d",
      "app",
      "-XAtqc",
      `SELECT count(*) FROM ${table}`,
    ]);
  if (result.code !== 0) throw new Error(`count ${table} on ${pod}: ${result.output}`);
  return Number(result.output.split("\n").pop());
}

/**
 * staging runs under a cluster DNS domain that is not Kubernetes' default (kubernetes.clusterDomain): the harness's
 * DNS answers only that domain's names, so a name rendered with `cluster.local` would fail to resolve.
 */
const CLUSTER_DOMAINS: Record<string, string> = { staging: "pg-harness.test" };

describe.each(["dev", "staging"])("the %s stack's manifests, run as the kubelet runs them", (name) => {
  let stack: BootedStack;
  beforeAll(async () => {
    stack = await bootStack(name, 15, (config) => {
      const clusterDomain = CLUSTER_DOMAINS[name];
      if (!clusterDomain) return;
      const kubernetes = JSON.parse(config["pg-read-replicas:kubernetes"] ?? "{}") as Record<string, unknown>;
      config["pg-read-replicas:kubernetes"] = JSON.stringify({ ...kubernetes, clusterDomain });
    });
    await startAll(stack);
  }, 600_000);
  afterAll(async () => stack?.teardown(), 120_000);

  it("initialises the primary through the image's entrypoint and passes its verification Job", async () => {
    expect(stack.harness.pod(`${stack.name}-primary-0`).tail(400)).toMatch(
      /PostgreSQL init process complete; ready for start up/,
    );
    const [output] = await verifyAll(stack);
    console.log(`${name} (harness): ${output}`);
    // The verification Job reached the pools by the names the stack rendered, under its cluster domain.
    expect(output).toContain(`.svc.${CLUSTER_DOMAINS[name] ?? "cluster.local"}:`);
  });

  it("serves the write and read pools to a client in allowedCidrs", async () => {
    expect((await throughPool(stack, `${stack.name}-pool-write`, true)).server).toBe(`${stack.name}-primary-0`);
    expect((await throughPool(stack, `${stack.name}-pool-read`, true)).server).toMatch(
      new RegExp(`^${stack.name}-replica-\\d$`),
    );
  });

  it("lists no client to the application user: only the probe's login reaches the console", async () => {
    const credentials = secret(stack, 0, `${stack.name}-credentials`);
    const consoleAs = async (user: string, password: string) => {
      const client = new pg.Client({
        host: stack.harness.serviceAddress(0, `${stack.name}-pool-write`),
        port: 5432,
        user,
        database: "pgbouncer",
        password,
        ssl: { ca: stack.caPem, checkServerIdentity: () => undefined },
        connectionTimeoutMillis: 20_000,
      });
      await client.connect();
      try {
        // The console speaks the simple protocol only.
        return ((await client.query({ text: "SHOW CLIENTS", queryMode: "simple" } as never)) as pg.QueryResult).rows;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    await expect(consoleAs("app", credentials["app-password"]!)).rejects.toThrow(/not allowed/);
    const clients = await consoleAs(PROBE_USER, credentials["probe-password"]!);
    expect(clients.map((row) => row.user)).toContain(PROBE_USER);
  });

  it("keeps a pool whose logins fail out of its Service (its readiness probe logs in)", async () => {
    const auth = secret(stack, 0, `${stack.name}-pgbouncer-auth`);
    const good = auth["userlist.txt"]!;
    const pool = stack.harness.pod(`${stack.name}-pool-write-h0`);
    // A userlist that lost its logins (the probe's among them): the pool must take no clients.
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

describe("the staging stack: writer changes applied by the planned switchover", () => {
  let stack: BootedStack;
  beforeAll(async () => {
    stack = await bootStack("staging");
    await startAll(stack);
  }, 900_000);
  afterAll(async () => stack?.teardown(), 180_000);

  /** One switchover under writes through the write pool: what it did, and what the writers saw. */
  async function switchoverUnderWrites(table: string, to?: string) {
    const topology = topologyFromPulumiConfig(stack.config, "staging").topology as SelfHostedTopology;
    const load = writeLoad(stack, table);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const lines: string[] = [];
    const switched = switchover(topology, harnessOps(stack.harness), {
      ...(to ? { to } : {}),
      log: (line) => lines.push(line),
    });
    const result = await switched.finally(() => console.log(`staging switchover (harness):\n  ${lines.join("\n  ")}`));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const outcome = await load.stop();
    // A figure, not an assertion: the longest wait a client saw between two commits through the write pool.
    console.log(
      `staging switchover ${result.from} -> ${result.to}: ${outcome.acknowledged.length} writes acknowledged, longest gap between two ${outcome.longestGapMs} ms`,
    );
    return { result, outcome, topology };
  }

  it("switches the writer over under writes through the write pool: clients wait, none fails, no acknowledged write is lost", async () => {
    const { result, outcome } = await switchoverUnderWrites("switchover_drill");
    expect(result.from).toBe("pg-primary-0");
    expect(result.to).toMatch(/^pg-replica-\d$/);
    // PAUSE held the clients instead of failing them, and the rows they were told were committed are all there.
    expect(outcome.errors).toEqual([]);
    expect(outcome.acknowledged.length).toBeGreaterThan(0);
    expect(await countRows(stack, result.to, "switchover_drill")).toBe(outcome.acknowledged.length);
    expect((await throughPool(stack, "pg-pool-write", true)).server).toBe(result.to);
    // The old primary can never come back as a second writer behind rw (its StatefulSet goes to zero).
    await expect(stack.harness.restart("pg-primary-0")).rejects.toThrow(/refusing to start a second writer/);
  }, 400_000);

  it("switches over again from a replica-group writer, which rejoins as a standby of the new writer", async () => {
    const from = stack.harness.objects(0).configMaps.get("pg-fence")!.writer!;
    const to = ["pg-replica-0", "pg-replica-1"].find((pod) => pod !== from)!;
    const { result, outcome, topology } = await switchoverUnderWrites("switchover_drill_2", to);
    expect(result).toMatchObject({ from, to });
    expect(outcome.errors).toEqual([]);
    expect(await countRows(stack, to, "switchover_drill_2")).toBe(outcome.acknowledged.length);
    expect(stack.harness.pod(from).tail(200)).toMatch(/rejoining as its standby/);
    const slot = topology.standbys.find((s) => s.name === from)!.slot;
    await eventuallyStreaming(stack, to, from, slot);
    // Every row the old writer acknowledged, in both rounds, is on it again as a standby.
    expect(await countRows(stack, from, "switchover_drill_2")).toBe(outcome.acknowledged.length);
  }, 400_000);
});

describe("the prod stack's manifests, run as the kubelet runs them", () => {
  let stack: BootedStack;
  const primary = "pg-primary-0";
  beforeAll(async () => {
    stack = await bootStack("prod");
    await startAll(stack);
  }, 900_000);
  afterAll(async () => stack?.teardown(), 180_000);

  it("boots with synchronous commit configured (the bootstrap commits locally) and verifies every region", async () => {
    const conf = stack.harness.objects(0).configMaps.get("pg-primary-config")!["postgresql.conf"]!;
    expect(conf).toMatch(/^synchronous_standby_names = 'ANY 1/m);
    expect(stack.harness.pod(primary).tail(400)).toMatch(/PostgreSQL init process complete; ready for start up/);
    const outputs = await verifyAll(stack);
    console.log(`prod (harness): ${outputs.join("\n")}\nnot emulated: ${HARNESS_LIMITS.join("; ")}`);
  });

  it("enforces the NetworkPolicies between pods: a pool opens the primary, the primary opens no pool, no pool another", async () => {
    const home = [...stack.harness.pods.values()].filter((e) => e.cluster === 0);
    const pools = home.filter((e) => e.pod.labels["app.kubernetes.io/name"] === "pgbouncer").map((e) => e.pod);
    expect(pools.length).toBeGreaterThan(1);
    const writer = stack.harness.pod(primary);
    const [pool, other] = pools as [(typeof pools)[0], (typeof pools)[0]];
    expect(await opens(pool.netNamespace, writer.address, 5432), "pool → primary:5432").toBe(true);
    expect(await opens(undefined, pool.address, 6432), "the node → pool:6432").toBe(true);
    expect(await opens(writer.netNamespace, pool.address, 6432), "primary → pool:6432").toBe(false);
    expect(await opens(other.netNamespace, pool.address, 6432), "pool → pool:6432").toBe(false);
    // A pool that cannot open its peers still serves its clients.
    expect((await throughPool(stack, "pg-pool-write", true)).server).toBe("pg-primary-0");
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

  it("makes a replica's dropped slot again when the primary still has its WAL: it streams, not re-seeded", async () => {
    const replica = "pg-replica-1";
    await stack.harness.pod(replica).stop();
    await stack.harness.pod(primary).psql("SELECT pg_drop_replication_slot('pg_replica_1')");
    await stack.harness.restart(replica);
    await stack.harness.waitReady(replica, 120_000);
    const log = stack.harness.pod(replica).tail(200);
    expect(log).toMatch(/slot pg_replica_1 was missing on the writer, which still has [0-9A-F]{24}: slot made again/);
    expect(log).not.toMatch(/re-seeding pg-replica-1/);
    await eventuallyStreaming(stack, primary, replica, "pg_replica_1");
  });

  it("takes a changed replicationCidrs in place: pg_hba reloaded, replicas keep streaming; a reconnect from outside the new list is refused, and admitted again once it is reverted", async () => {
    const replica = "pg-replica-0";
    const hbaReplicationAddresses = async () =>
      (
        await stack.harness
          .pod(primary)
          .psql(
            "SELECT coalesce(string_agg(DISTINCT address || '/' || netmask, ',' ORDER BY address || '/' || netmask), '') FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND address IS NOT NULL AND address NOT IN ('127.0.0.1', '::1')",
          )
      ).trim();
    const inRegion = await hbaReplicationAddresses();
    // pg_hba_file_rules reads the file as it is on disk; pg_conf_load_time() moves when the server has reloaded it.
    const loadedAt = () => stack.harness.pod(primary).psql("SELECT pg_conf_load_time()");
    const apply = async (edit: (config: Record<string, string>) => void, hba: (addresses: string) => boolean) => {
      const before = await loadedAt();
      const next = await stack.rerender(edit);
      // Nothing Kubernetes would restart: every pod template is the running one.
      for (const workload of next[0]!.workloads.filter((w) => w.kind !== "Job"))
        expect(JSON.stringify(workload.template), workload.name).toBe(
          JSON.stringify(stack.harness.workload(0, workload.name).template),
        );
      stack.harness.syncVolumes(0, next[0]!);
      await until("the writer's pg_hba file", hbaReplicationAddresses, hba);
      await until("the writer reloading it", loadedAt, (at) => at !== before);
    };
    const kickReplica = () =>
      stack.harness
        .pod(primary)
        .psql(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_replication WHERE application_name = '${replica}'`);
    const started = await stack.harness.pod(primary).psql("SELECT pg_postmaster_start_time()");
    try {
      // A CIDR no pod of the harness has: as if an operator narrowed the list to another pod network.
      await apply(
        (config) => (config["pg-read-replicas:replicationCidrs"] = JSON.stringify(["198.19.253.0/24"])),
        (addresses) => addresses.includes("198.19.253.0/255.255.255.0"),
      );
      // pg_hba is read for new connections only: the standbys already streaming go on.
      expect((await streaming(stack, primary))[replica]).toBe("streaming:pg_replica_0");
      await kickReplica();
      await until(
        "the writer refusing the replica's reconnect",
        async () => stack.harness.pod(primary).tail(200),
        (log) => /no pg_hba.conf entry for replication connection from host .* user "replicator"/.test(log),
      );
      expect((await streaming(stack, primary))[replica]).toBeUndefined();
    } finally {
      await apply(
        () => undefined,
        (addresses) => addresses === inRegion,
      );
    }
    await eventuallyStreaming(stack, primary, replica, "pg_replica_0");
    expect(await stack.harness.pod(primary).psql("SELECT pg_postmaster_start_time()")).toBe(started);
  });

  it("takes reloadable changes (work_mem, pg_hba, pool sizes) to the running servers in place, under writes: no restart, nothing lost", async () => {
    const servers = ["pg-primary-0", "pg-replica-0", "pg-replica-1", "pg-replica-2", "pg-olap-0"];
    const started = async () =>
      Promise.all(servers.map((pod) => stack.harness.pod(pod).psql("SELECT pg_postmaster_start_time()")));
    const before = await started();
    const load = writeLoad(stack, "reload_drill");
    try {
      await reloadInPlace(stack, servers);
    } finally {
      const { acknowledged, errors } = await load.stop();
      expect(errors).toEqual([]);
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(await countRows(stack, primary, "reload_drill")).toBe(acknowledged.length);
    }
    expect(await started()).toEqual(before);
  }, 300_000);

  it("recovers a replica rollout the server refuses once the config is reverted, with no pod deleted by hand", async () => {
    const replica = "pg-replica-2";
    const set = (objects: ClusterObjects) => objects.workloads.find((w) => w.name === "pg-replica")!;
    const writerSet = (objects: ClusterObjects) => objects.workloads.find((w) => w.name === "pg-primary")!;
    const original = stack.harness.objects(0);
    const revision0 = revisionOf(set(original).template);
    const pods = [0, 1, 2].map((ordinal) => ({ ordinal, revision: revision0, ready: true }));
    const policy = { podManagementPolicy: "OrderedReady", updateStrategy: "RollingUpdate" } as const;
    // A setting the server refuses at start: shared_buffers far beyond this machine's memory.
    const bad = await stack.rerender((config) => {
      const postgresql = JSON.parse(config["pg-read-replicas:postgresql"] ?? "{}");
      config["pg-read-replicas:postgresql"] = JSON.stringify({
        ...postgresql,
        replica: { ...postgresql.replica, shared_buffers: "200GB" },
      });
    });
    const revision1 = revisionOf(set(bad[0]!).template);
    expect(revision1).not.toBe(revision0);
    expect(revisionOf(writerSet(bad[0]!).template)).toBe(revisionOf(writerSet(original).template));
    stack.harness.syncVolumes(0, bad[0]!);
    expect(nextStep({ ...policy, updateRevision: revision1 }, pods)).toEqual({ delete: 2 });
    // The container exits during its postStart hook or right after it: either way the pod never becomes Ready.
    await stack.harness.restart(replica).catch(() => undefined);
    await expect(stack.harness.waitReady(replica, 60_000)).rejects.toThrow(/exited before it was Ready/);
    pods[2] = { ordinal: 2, revision: revision1, ready: false };
    expect(stack.harness.pod(replica).tail(100)).toMatch(/could not map anonymous shared memory|shared memory/);
    // The rollout stops at the refused pod: the other replicas keep their template and keep streaming.
    expect(nextStep({ ...policy, updateRevision: revision1 }, pods)).toEqual({
      wait: "pod 2 is not Running and Ready (OrderedReady)",
    });
    await eventuallyStreaming(stack, primary, "pg-replica-1", "pg_replica_1");

    // The revert: the template is the first one again, and the ConfigMap is swapped back in place.
    const reverted = await stack.rerender(() => undefined);
    const revision2 = revisionOf(set(reverted[0]!).template);
    expect(revision2).toBe(revision0);
    stack.harness.syncVolumes(0, reverted[0]!);
    // The controller still will not touch the unready pod (the forced-rollback case)...
    expect(nextStep({ ...policy, updateRevision: revision2 }, pods)).toEqual({
      wait: "pod 2 is not Running and Ready (OrderedReady)",
    });
    // ...but the kubelet restarts its exited container in place, and that container reads the reverted file.
    await stack.harness.pod(replica).restartContainer();
    await stack.harness.waitReady(replica, 120_000);
    pods[2] = { ordinal: 2, revision: revision1, ready: true };
    // Then the rolling update puts it back on the current revision: one more restart, and it streams.
    expect(nextStep({ ...policy, updateRevision: revision2 }, pods)).toEqual({ delete: 2 });
    await stack.harness.restart(replica);
    await stack.harness.waitReady(replica, 120_000);
    pods[2] = { ordinal: 2, revision: revision2, ready: true };
    expect(nextStep({ ...policy, updateRevision: revision2 }, pods)).toEqual({ done: true });
    await eventuallyStreaming(stack, primary, replica, "pg_replica_2");
  }, 400_000);

  it("applies rotated passwords to the roles when the pods roll", async () => {
    const credentials = secret(stack, 0, "pg-credentials");
    const rotated = { app: "rotated-app-password", replication: "rotated-replication-password" };
    for (const cluster of stack.regions.keys()) {
      Object.assign(secret(stack, cluster, "pg-credentials"), rotatedCredentials(stack, "prod", rotated));
      Object.assign(
        secret(stack, cluster, "pg-pgbouncer-auth"),
        rotatedUserlist(secret(stack, cluster, "pg-credentials"), rotated.app),
      );
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
