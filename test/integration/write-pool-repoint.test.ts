/**
 * Why the write pool's server_login_retry is short (config/resolve.ts FIXED.serverLoginRetryMs), shown on a real
 * PgBouncer running the write pool's rendered pgbouncer.ini: after a failed connect (the writer was killed), a RELOAD
 * that points the pool at the new writer does not cut server_login_retry short: until it has passed since the last
 * attempt, no connection is made to the new writer and a new client waits (facts/postgres PGBOUNCER
 * loginRetryAfterFailedConnect). A long retry (300 s) makes that visible; then, with the product's value, the pool
 * reaches the new writer and a write lands there.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { Endpoint } from "../../components/contract/stackOutputs";
import { PGBOUNCER } from "../../components/facts/postgres";
import { poolContext } from "../../components/local/contexts";
import { spawnDaemon, stopProcess } from "../../components/local/exec";
import { ensureDir, writeOwnedFile } from "../../components/local/files";
import { waitForListener } from "../../components/local/readiness";
import { readState } from "../../components/local/state";
import { renderPgbouncerIni, renderUserlist } from "../../components/render/pgbouncerIni";
import type { Pool } from "../../components/topology/types";
import { CutProxy } from "./cutProxy";
import { external, outputs, runner } from "./support";

function freePort(): Promise<number> {
  return new Promise((done) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => done(port));
    });
  });
}

/** A write pool of its own in front of `target`, from the product's renderer; `retryS` overrides the retry. */
class ScratchWritePool {
  pid: number | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), "pgrr-repoint-"));
  listen!: Endpoint;
  constructor(
    private readonly ctx: ReturnType<typeof poolContext>,
    private readonly pool: Pool,
    private readonly retryS?: number,
  ) {}
  private write(target: Endpoint): void {
    const state = readState(runner().layout)!;
    let ini = renderPgbouncerIni(state.topology, this.pool, {
      target,
      listen: this.listen,
      authFile: join(this.dir, "userlist.txt"),
      serverTls: this.ctx.serverTls,
    });
    if (this.retryS !== undefined)
      ini = ini.replace(/^server_login_retry = .*$/m, `server_login_retry = ${this.retryS}`);
    writeOwnedFile(join(this.dir, "pgbouncer.ini"), ini, this.ctx.runAs);
  }
  async start(target: Endpoint): Promise<void> {
    ensureDir(this.dir, this.ctx.runAs);
    this.listen = { host: "127.0.0.1", port: await freePort() };
    const state = readState(runner().layout)!;
    writeOwnedFile(
      join(this.dir, "userlist.txt"),
      renderUserlist(state.topology.user, this.ctx.passwords.app),
      this.ctx.runAs,
    );
    this.write(target);
    this.pid = spawnDaemon(this.ctx.pgbouncer, [join(this.dir, "pgbouncer.ini")], {
      runAs: this.ctx.runAs,
      logFile: join(this.dir, "pgbouncer.log"),
    });
    await waitForListener(this.listen, this.pid, "the scratch write pool", join(this.dir, "pgbouncer.log"));
  }
  /** As the local promote repoints the write pool: new files, then SIGHUP (RELOAD). */
  repoint(target: Endpoint): void {
    this.write(target);
    process.kill(this.pid!, "SIGHUP");
  }
  log(): string {
    return readFileSync(join(this.dir, "pgbouncer.log"), "utf8");
  }
  async stop(): Promise<void> {
    if (this.pid !== undefined) await stopProcess(this.pid);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One write through the pool: where it landed, or the error PgBouncer gave. */
async function writeThrough(listen: Endpoint, timeoutMs = 5_000): Promise<string> {
  const client = new pg.Client({
    ...listen,
    user: outputs.user,
    password: outputs.password,
    database: outputs.database,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    ssl: false,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ writer: boolean }>(
      "SELECT NOT pg_is_in_recovery() AS writer FROM (SELECT txid_current()) AS wrote",
    );
    return rows[0]!.writer ? "landed on the writer" : "landed on a replica";
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe.skipIf(external)("the write pool repointed after its writer died", () => {
  let pool: ScratchWritePool | undefined;
  afterEach(async () => {
    await pool?.stop();
    pool = undefined;
  });
  const context = () => {
    const r = runner();
    const state = readState(r.layout)!;
    return { ctx: poolContext(r.layout, state), write: state.topology.pools.write };
  };

  it("does not reach the new writer before server_login_retry has passed, though reloaded", async () => {
    expect(PGBOUNCER.loginRetryAfterFailedConnect.value).toBe(true);
    const { ctx, write } = context();
    // The writer, behind a relay that can die as a killed postmaster does (its port refuses from then on).
    const writer = await CutProxy.to(outputs.writer);
    pool = new ScratchWritePool(ctx, write, 300);
    await pool.start(writer.endpoint);
    expect(await writeThrough(pool.listen)).toBe("landed on the writer");
    await writer.close();
    // The next client waits for a server while PgBouncer's connect to the dead writer is refused.
    expect(await writeThrough(pool.listen, 1_500)).toMatch(/timeout/);
    pool.repoint(outputs.writer);
    // Give the reload time to be read (a SIGHUP is handled at once; 1 s is generous), then try again: the reload
    // dropped the pool's welcome message, so the login needs a server connection, which waits out the retry.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await writeThrough(pool.listen, 3_000), pool.log()).toMatch(/timeout/);
  });

  it("takes the product's fractional retry, and reaches the new writer after the reload", async () => {
    const { ctx, write } = context();
    expect(write.serverLoginRetryMs).toBeLessThanOrEqual(250);
    const writer = await CutProxy.to(outputs.writer);
    pool = new ScratchWritePool(ctx, write);
    await pool.start(writer.endpoint);
    expect(await writeThrough(pool.listen)).toBe("landed on the writer");
    await writer.close();
    expect(await writeThrough(pool.listen, 1_500)).toMatch(/timeout|server login has been failing/);
    pool.repoint(outputs.writer);
    const seen: string[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      const result = await writeThrough(pool.listen);
      seen.push(result);
      if (result === "landed on the writer") break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(seen.at(-1), seen.join(" | ")).toBe("landed on the writer");
  });
});
