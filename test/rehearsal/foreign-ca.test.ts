/**
 * Every client path checks the servers' certificates against the stack's own CA and the host it dialled
 * (verify-full): the dev stack rehearsed (TLS required), then its region's certificate replaced by one naming the same
 * hosts from another CA. The standby, the pools' server connections, the verifier and the published URLs each refuse
 * it. With the stack's own certificate back, streaming resumes and what was written before is all there.
 */
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { targetsFromEnv } from "../../components/client/targets";
import { readStackConfig } from "../../components/config/stackFile";
import { stackClient } from "../../components/contract/connection";
import type { ConnectionUrls, Endpoint, StackOutputs } from "../../components/contract/stackOutputs";
import { connectionUrls } from "../../components/contract/urls";
import { writeOwnedFile } from "../../components/local/files";
import type { Layout } from "../../components/local/layout";
import { LocalRunner } from "../../components/local/runner";
import type { LocalState } from "../../components/local/state";
import { makeCertificates, poolCertificateKey } from "../../components/local/tls";
import { topologyFromPulumiConfig } from "../../components/pipeline/loadTopology";
import { verifyStack } from "../../components/verify/verifier";

const ROOT = { user: "root", uid: 0, gid: 0, home: "/root", switchUser: false };

async function sql(outputs: StackOutputs, endpoint: Endpoint, text: string): Promise<unknown[]> {
  const client = stackClient(outputs, endpoint, { queryTimeoutMs: 5_000 });
  try {
    await client.connect();
    return (await client.query({ text, rowMode: "array" })).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** psql given the published URL, as an application would use it; its exit and what it printed. */
function psqlUrl(
  state: LocalState,
  url: string,
  env: Record<string, string> = {},
): { code: number | null; output: string } {
  const result = spawnSync(join(state.binaries.pgBin, "psql"), [url, "-XAtc", "SELECT count(*) FROM tls_drill"], {
    encoding: "utf8",
    timeout: 20_000,
    env: { PATH: process.env.PATH, PGCONNECT_TIMEOUT: "5", HOME: "/nonexistent", ...env },
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * The URLs as a deployed stack's outputs give them (no CA file on the reader's machine: `sslmode=verify-full` alone),
 * and an application's home where ~/.postgresql/root.crt is the outputs' tls.caPem, as the README tells.
 */
function deployedForm(outputs: StackOutputs, scratch: string): { urls: ConnectionUrls; home: string } {
  const home = join(scratch, "home");
  mkdirSync(join(home, ".postgresql"), { recursive: true });
  writeFileSync(join(home, ".postgresql", "root.crt"), outputs.tls!.caPem!);
  return { urls: connectionUrls(outputs), home };
}

/** The routing client given those URLs (DATABASE_*_URL), as an application's: the write pool's row count. */
async function clientCount(urls: ConnectionUrls, env: Record<string, string>): Promise<string> {
  const targets = targetsFromEnv({ DATABASE_PRIMARY_URL: urls.primary, DATABASE_REPLICA_URL: urls.replica, ...env });
  const client = new pg.Client({ ...targets.write.config, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    return (await client.query<{ n: string }>("SELECT count(*) AS n FROM tls_drill")).rows[0]!.n;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The hosts a certificate names (its subject alternative names). */
function namedHosts(pem: string): string[] {
  return (new X509Certificate(pem).subjectAltName ?? "").split(", ").map((entry) => entry.replace(/^[^:]*:/, ""));
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return check();
}

describe.skipIf(userInfo().uid !== 0).sequential("dev, rehearsed, served a certificate from another CA", () => {
  let parent: string;
  let runner: LocalRunner;
  let outputs: StackOutputs;
  let state: LocalState;
  type Pair = { cert: string; key: string };
  let own: { servers: Pair; pools: Pair };
  const files = (role: "servers" | "pools") =>
    state.tls!.regions[role === "servers" ? state.topology.region : poolCertificateKey(state.topology.region)]!;
  const read = (role: "servers" | "pools"): Pair => ({
    cert: readFileSync(files(role).certFile, "utf8"),
    key: readFileSync(files(role).keyFile, "utf8"),
  });
  const standby = () => state.topology.standbys[0]!.name;
  const logOf = (name: string) => readFileSync(runner.layout.log(name), "utf8");

  async function reloadServers(): Promise<void> {
    for (const node of [state.writer, ...state.topology.standbys.map((s) => s.name)])
      await runner.superuserQuery(node, "SELECT pg_reload_conf()");
  }

  function reloadPools(): void {
    for (const pid of Object.values(state.pids.pools)) process.kill(pid, "SIGHUP");
  }

  function install(role: "servers" | "pools", pair: Pair): void {
    writeOwnedFile(files(role).certFile, pair.cert, state.runAs, 0o644);
    writeOwnedFile(files(role).keyFile, pair.key, state.runAs, 0o600);
  }

  async function streaming(): Promise<boolean> {
    const count = await runner.superuserQuery(
      state.writer,
      "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
    );
    return count === String(state.topology.standbys.length);
  }

  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), "pgrr-foreign-ca-"));
    chmodSync(parent, 0o755);
    runner = new LocalRunner("dev", join(parent, "s"));
    ({ outputs } = await runner.up(topologyFromPulumiConfig(readStackConfig("stacks", "dev")).topology));
    state = runner.state()!;
    own = { servers: read("servers"), pools: read("pools") };
    await sql(outputs, outputs.pools.write, "CREATE TABLE tls_drill AS SELECT generate_series(1, 100) AS n");
  });

  afterAll(async () => {
    await runner?.down();
    rmSync(parent, { recursive: true, force: true });
  });

  it("publishes verify-full on every path: URLs, the standby's connection, the pools' server connections", async () => {
    expect(outputs.connectionUrls.primary).toContain(
      `sslmode=verify-full&sslrootcert=${encodeURIComponent(state.tls!.caFile)}`,
    );
    const conninfo = await runner.superuserQuery(standby(), "SHOW primary_conninfo");
    expect(conninfo).toContain("sslmode=verify-full");
    expect(conninfo).toContain(`sslrootcert=${state.tls!.caFile}`);
    for (const key of Object.keys(state.pids.pools)) {
      const ini = readFileSync(runner.layout.poolIni(key), "utf8");
      expect(ini).toContain(`server_tls_sslmode = verify-full\nserver_tls_ca_file = ${state.tls!.caFile}`);
      // The pools present a certificate of their own, which names no server.
      expect(ini).toContain(`client_tls_cert_file = ${files("pools").certFile}`);
    }
    const serverNames = namedHosts(own.servers.cert);
    expect(namedHosts(own.pools.cert).filter((host) => host !== "localhost" && serverNames.includes(host))).toEqual([]);
    expect(psqlUrl(state, outputs.connectionUrls.primary)).toEqual({ code: 0, output: "100\n" });

    const deployed = deployedForm(outputs, parent);
    expect(deployed.urls.primary).toMatch(/\?sslmode=verify-full$/);
    expect(psqlUrl(state, deployed.urls.primary, { PGSSLROOTCERT: state.tls!.caFile })).toEqual({
      code: 0,
      output: "100\n",
    });
    expect(psqlUrl(state, deployed.urls.replica, { HOME: deployed.home })).toEqual({ code: 0, output: "100\n" });
    // Without the CA anywhere, libpq refuses rather than connect unverified.
    expect(psqlUrl(state, deployed.urls.primary).output).toMatch(/root certificate file .* does not exist/);
    expect(await clientCount(deployed.urls, { HOME: deployed.home })).toBe("100");
    expect(await clientCount(deployed.urls, { PGSSLROOTCERT: state.tls!.caFile, HOME: "/nonexistent" })).toBe("100");
  });

  it("refuses the same names from another CA: the standby, the pools, the verifier, the URLs", async () => {
    const region = state.topology.region;
    const scratch = mkdtempSync(join(tmpdir(), "pgrr-impostor-"));
    let impostor: { servers: Pair; pools: Pair };
    try {
      const made = await makeCertificates({ tlsDir: scratch } as Layout, ROOT, "impostor", {
        [region]: namedHosts(own.servers.cert),
        [poolCertificateKey(region)]: namedHosts(own.pools.cert),
      });
      const pair = (key: string): Pair => ({
        cert: readFileSync(made.regions[key]!.certFile, "utf8"),
        key: readFileSync(made.regions[key]!.keyFile, "utf8"),
      });
      impostor = { servers: pair(region), pools: pair(poolCertificateKey(region)) };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    install("servers", impostor.servers);
    await reloadServers();

    // The standby's next connection to the writer: refused, and it says why.
    await runner.superuserQuery(state.writer, "SELECT pg_terminate_backend(pid) FROM pg_stat_replication");
    expect(await until(async () => /certificate verify failed/.test(logOf(standby())), 15_000)).toBe(true);
    expect(await streaming()).toBe(false);

    // The write pool's next server connection (its clients still see the pool's own certificate): refused.
    await runner.superuserQuery(
      state.writer,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${state.topology.user}' AND pid <> pg_backend_pid()`,
    );
    await expect(sql(outputs, outputs.pools.write, "SELECT count(*) FROM tls_drill")).rejects.toThrow();
    expect(logOf("pool-write")).toMatch(/certificate verify failed/);

    // The verifier (and any client of the contract) connecting to the servers directly.
    await expect(sql(outputs, outputs.writer, "SELECT 1")).rejects.toThrow(/unable to verify the first certificate/);
    const report = await verifyStack(outputs, { timeoutMs: 5_000 });
    expect(report.ok).toBe(false);

    // The pools' certificate replaced and reloaded: the published URL refuses them.
    install("pools", impostor.pools);
    reloadPools();
    const refused = psqlUrl(state, outputs.connectionUrls.primary);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/certificate verify failed/);
    const deployed = deployedForm(outputs, parent);
    expect(psqlUrl(state, deployed.urls.primary, { HOME: deployed.home }).output).toMatch(/certificate verify failed/);
    await expect(clientCount(deployed.urls, { HOME: deployed.home })).rejects.toThrow(/unable to verify/);
  });

  it("takes its own certificate back: streaming resumes, verification passes, every row is there", async () => {
    install("servers", own.servers);
    install("pools", own.pools);
    await reloadServers();
    reloadPools();
    expect(await until(streaming, 30_000)).toBe(true);
    const report = await verifyStack(outputs, { timeoutMs: 60_000 });
    expect(report.problems).toEqual([]);
    expect(psqlUrl(state, outputs.connectionUrls.replica)).toEqual({ code: 0, output: "100\n" });
  });
});
