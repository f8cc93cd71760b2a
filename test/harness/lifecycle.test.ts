/**
 * A running stack changed, as `pulumi up` changes it on the statefulset engine, with the manifests run as the kubelet
 * runs them (test/harness): staging with synchronous commit to one replica, holding data. Scaled down, the writer keeps
 * exactly the declared standbys' slots (the slots Job, after the StatefulSet controller's test double has removed the
 * pod), never an active one and never another tool's. Passwords rotated under writes through the write pool: the
 * writer's refresher sets them on the roles, the passwords Job waits for that, only then do the pools roll, and
 * replicas reconnect with their refreshed passfile. A renewed certificate reaches every server and pool through its
 * config-reloader, nothing restarted.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { Layout } from "../../components/local/layout";
import { makeCertificates } from "../../components/local/tls";
import { type BootedStack, bootStack, startAll } from "./boot";
import type { ClusterObjects } from "./objects";
import { rotatedCredentials, rotatedUserlist } from "./rotation";

const WRITER = "pg-primary-0";

/** Commits wait for one replica: a replica that stops streaming for long would stall writes. */
function synchronous(config: Record<string, string>): void {
  const replication = JSON.parse(config["pg-read-replicas:replication"] ?? "{}");
  config["pg-read-replicas:replication"] = JSON.stringify({
    ...replication,
    synchronousReplicas: 1,
    synchronousCommit: "on",
  });
}

function jobOf(objects: ClusterObjects, pattern: RegExp): string {
  const job = objects.workloads.find((w) => w.kind === "Job" && pattern.test(w.name));
  if (!job) throw new Error(`no Job matching ${pattern}: ${objects.workloads.map((w) => w.name).join(", ")}`);
  return job.name;
}

/** psql as the superuser in the application's database, over the writer's socket. */
async function inApp(stack: BootedStack, statements: string | string[]): Promise<string> {
  const sql = [statements].flat().flatMap((statement) => ["-c", statement]);
  const result = await stack.harness
    .pod(WRITER)
    .exec([
      "psql",
      "-h",
      "/var/run/postgresql",
      "-U",
      "postgres",
      "-d",
      "app",
      "-XAtq",
      "-v",
      "ON_ERROR_STOP=1",
      ...sql,
    ]);
  if (result.code !== 0) throw new Error(`psql in app: ${result.output}`);
  return result.output;
}

/** The SHA-256 fingerprint of the certificate a server presents (PostgreSQL's SSLRequest, then the handshake). */
function servedFingerprint(address: string, port = 5432): string {
  const chain = execFileSync(
    "bash",
    [
      "-c",
      `openssl s_client -starttls postgres -connect ${address}:${port} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`,
    ],
    { encoding: "utf8", timeout: 20_000 },
  );
  return chain.trim();
}

function fingerprintOf(pem: string): string {
  return execFileSync("openssl", ["x509", "-noout", "-fingerprint", "-sha256"], {
    input: pem,
    encoding: "utf8",
  }).trim();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Inserts one row at a time through the write pool, reconnecting with whatever password the Secret holds now. */
class WriteLoad {
  readonly acknowledged: number[] = [];
  readonly failures: string[] = [];
  private running = true;
  private done?: Promise<void>;

  constructor(
    private readonly address: string,
    private readonly password: () => string,
    private readonly caPem: string,
  ) {}

  start(from: number): void {
    this.done = this.loop(from);
  }

  private connect(): pg.Client {
    return new pg.Client({
      host: this.address,
      port: 5432,
      user: "app",
      database: "app",
      password: this.password(),
      ssl: { ca: this.caPem, checkServerIdentity: () => undefined },
      connectionTimeoutMillis: 5000,
    });
  }

  private async loop(from: number): Promise<void> {
    let next = from;
    let client: pg.Client | undefined;
    while (this.running) {
      try {
        if (!client) {
          client = this.connect();
          client.on("error", () => undefined);
          await client.connect();
        }
        await client.query("INSERT INTO lifecycle (id) VALUES ($1)", [next]);
        this.acknowledged.push(next++);
      } catch (error) {
        this.failures.push(String(error));
        await client?.end().catch(() => undefined);
        client = undefined;
        await sleep(200);
      }
      await sleep(20);
    }
    await client?.end().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

describe("a running staging stack changed by up (statefulset engine)", () => {
  let stack: BootedStack;
  const slots = async () =>
    (await stack.harness.pod(WRITER).psql("SELECT slot_name FROM pg_replication_slots ORDER BY 1")).split("\n");

  beforeAll(async () => {
    stack = await bootStack("staging", 15, synchronous);
    await startAll(stack);
    await inApp(stack, [
      "CREATE TABLE IF NOT EXISTS lifecycle (id bigint PRIMARY KEY, at timestamptz DEFAULT now())",
      "INSERT INTO lifecycle (id) SELECT generate_series(1, 1000)",
      "ALTER TABLE lifecycle OWNER TO app",
    ]);
  }, 600_000);
  afterAll(async () => stack?.teardown(), 180_000);

  it("drops the removed replica's slot after a scale-down, never an active one nor another tool's", async () => {
    expect(await slots()).toEqual(["pg_olap_0", "pg_replica_0", "pg_replica_1"]);
    await stack.harness.pod(WRITER).psql("SELECT pg_create_physical_replication_slot('backup_tool_0')");
    const [next] = await stack.rerender((config) => (config["pg-read-replicas:replicas"] = "1"));
    const job = jobOf(next!, /^pg-slots-[0-9a-f]{16}$/);

    // Run before the StatefulSet scaled down (as if nothing ordered them): pg-replica-1 still streams, so its slot is
    // left in place and the Job fails, naming it.
    const early = await stack.harness.runNewJob(0, next!, job, {
      name: `${job}-early`,
      env: { SLOT_WAIT_SECONDS: "4" },
    });
    expect(early.code, early.output).not.toBe(0);
    expect(early.output).toMatch(/still in use: pg_replica_1 \(streaming to pg-replica-1\)/);
    expect(await slots()).toContain("pg_replica_1");

    // As up orders it: the StatefulSet scales down (the controller's test double removes pg-replica-1), then the Job.
    expect(await stack.harness.scaleStatefulSetDown(0, "pg-replica", 1)).toEqual(["pg-replica-1"]);
    const result = await stack.harness.runNewJob(0, next!, job);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/dropped pg_replica_1: no declared standby uses it/);
    expect(await slots()).toEqual(["backup_tool_0", "pg_olap_0", "pg_replica_0"]);
    const streaming = await stack.harness
      .pod(WRITER)
      .psql("SELECT application_name || ':' || state FROM pg_stat_replication ORDER BY 1");
    expect(streaming.split("\n")).toEqual(["pg-olap-0:streaming", "pg-replica-0:streaming"]);
    await stack.harness.pod(WRITER).psql("SELECT pg_drop_replication_slot('backup_tool_0')");
  });

  // PgBouncer's SIGTERM waits for its clients (the load keeps one) up to the harness's grace: minutes, not seconds.
  it("rotates every password under writes: roles first, then the pools; replicas keep streaming", async () => {
    const { harness } = stack;
    const credentials = harness.objects(0).secrets.get("pg-credentials")!;
    // The application switches to the new password once the write pool serves it (its pods rolled).
    let password = credentials["app-password"]!;
    const load = new WriteLoad(harness.serviceAddress(0, "pg-pool-write"), () => password, stack.caPem);
    load.start(100_000);
    await sleep(1000);

    // As `up` applies a rotation: the Secrets change, and the kubelet rewrites their volumes in the running pods.
    const rotated = { app: "rotatedApp0123456789", replication: "rotatedRepl0123456789" };
    const synced = harness.updateSecret(0, "pg-credentials", rotatedCredentials(stack, "staging", rotated));
    expect(synced).toEqual(expect.arrayContaining([WRITER, "pg-replica-0", "pg-olap-0"]));

    // The passwords Job, which the StatefulSets, the pools and their userlist depend on, passes once the writer
    // accepts them.
    const job = jobOf(harness.objects(0), /^pg-passwords-[0-9a-f]{16}$/);
    const applied = await harness.runNewJob(0, harness.objects(0), job, { name: `${job}-rotated` });
    expect(applied.code, applied.output).toBe(0);
    expect(applied.output).toMatch(/the writer accepts the application user's and the replication role's passwords/);
    // Only then the pools' userlist changes (their config-reloader may RELOAD it in place: the writer knows it).
    harness.updateSecret(0, "pg-pgbouncer-auth", rotatedUserlist(credentials, rotated.app));

    // Then the pools roll (their userlist hash changed); the database pods' templates did not change.
    for (const pool of ["pg-pool-write-h0", "pg-pool-read-h0", "pg-pool-olap-h0"].filter((p) => harness.pods.has(p))) {
      // The application takes the new password as the write pool's old pod goes (with a surge, per pod).
      await harness.pod(pool).stop();
      if (pool === "pg-pool-write-h0") password = rotated.app;
      await harness.restart(pool);
      await harness.waitReady(pool, 120_000);
    }
    await sleep(1000);
    await load.stop();

    // Every replica's WAL receiver reconnects (a writer-side disconnect): it logs in with its refreshed passfile.
    await harness.pod(WRITER).psql("SELECT pg_terminate_backend(pid) FROM pg_stat_replication");
    const streaming = async () =>
      (
        await harness.pod(WRITER).psql("SELECT application_name || ':' || state FROM pg_stat_replication ORDER BY 1")
      ).split("\n");
    let now: string[] = [];
    for (let i = 0; i < 30 && now.join() !== "pg-olap-0:streaming,pg-replica-0:streaming"; i++) {
      await sleep(1000);
      now = await streaming();
    }
    expect(now).toEqual(["pg-olap-0:streaming", "pg-replica-0:streaming"]);

    expect(
      load.failures.filter((f) => /authentication|password|login/i.test(f)),
      load.failures.join("\n"),
    ).toEqual([]);
    expect(load.acknowledged.length).toBeGreaterThan(20);
    const stored = await inApp(
      stack,
      `SELECT count(*) FROM lifecycle WHERE id = ANY ('{${load.acknowledged.join(",")}}'::bigint[])`,
    );
    expect(Number(stored)).toBe(load.acknowledged.length);
  }, 300_000);

  it("serves a renewed certificate from the running servers and pools, without restarting them", async () => {
    const { harness } = stack;
    const started = await harness.pod(WRITER).psql("SELECT pg_postmaster_start_time()");
    const dir = mkdtempSync(join(tmpdir(), "pgrh-renewed-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const region = harness.objects(0).region;
    // Both certificates for the names the program asks for (a new CA too: the harness keeps no CA key).
    const renewed = await makeCertificates(
      { tlsDir: dir } as Layout,
      { user: "root", uid: 0, gid: 0, home: "/root", switchUser: false },
      "staging",
      { [region]: stack.certificateHosts[region]!, [`${region}-pools`]: stack.certificateHosts[`${region}-pools`]! },
    );
    const secretOf = (files: { certFile: string; keyFile: string }) => ({
      "tls.crt": readFileSync(files.certFile, "utf8"),
      "tls.key": readFileSync(files.keyFile, "utf8"),
      "ca.crt": readFileSync(renewed.caFile, "utf8"),
    });
    const serverSecret = secretOf(renewed.regions[region]!);
    const poolSecret = secretOf(renewed.regions[`${region}-pools`]!);
    const servers = [WRITER, "pg-replica-0", "pg-olap-0"];
    // The pools serve their own certificate to their clients (client_tls_*): their config-reloader's RELOAD takes
    // the renewed one, no pod rolls for it.
    const pools = ["pg-pool-write-h0", "pg-pool-read-h0", "pg-pool-olap-h0"].filter((p) => harness.pods.has(p));
    expect(pools.length).toBeGreaterThan(0);
    const fingerprints = () => [
      ...servers.map((server) => servedFingerprint(harness.pod(server).address)),
      ...pools.map((pool) => servedFingerprint(harness.pod(pool).address, 6432)),
    ];
    const expected = [
      ...servers.map(() => fingerprintOf(serverSecret["tls.crt"])),
      ...pools.map(() => fingerprintOf(poolSecret["tls.crt"])),
    ];
    const before = fingerprints();
    // A certificate per role: the servers share one, the pools another.
    expect(new Set(before.slice(0, servers.length)).size).toBe(1);
    expect(new Set(before.slice(servers.length)).size).toBe(1);
    expect(before[0]).not.toBe(before[servers.length]);
    expect(before).not.toContain(expected[0]);

    // As `up` applies a renewal: the Secrets change and the kubelet rewrites the mounted files in place.
    harness.updateSecret(0, "pg-tls", serverSecret);
    harness.updateSecret(0, "pg-pool-tls", poolSecret);
    let now = fingerprints();
    for (let i = 0; i < 30 && now.some((f, n) => f !== expected[n]); i++) {
      await sleep(1000);
      now = fingerprints();
    }
    expect(now).toEqual(expected);
    expect(await harness.pod(WRITER).psql("SELECT pg_postmaster_start_time()")).toBe(started);
    expect(harness.pod(WRITER).tail(400)).toMatch(/config-reloader: files changed; PostgreSQL reloaded/);
    for (const pool of pools)
      expect(harness.pod(pool).tail(400)).toMatch(/config-reloader: files changed; PgBouncer reloaded/);
  });
});
