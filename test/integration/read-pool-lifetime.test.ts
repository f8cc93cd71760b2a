/**
 * A replica that leaves the read Service (unready, lagging, promoted) stops receiving reads from PgBouncer within
 * the read pool's bound. On Kubernetes the pool's target is the `ro` Service: it sends new connections to ready
 * replicas only and leaves established ones alone. Here a TCP proxy plays that Service in front of two real replicas,
 * and a real PgBouncer runs the read pool's rendered pgbouncer.ini. The proxy switches from replica A to replica B
 * while clients keep reading; every read must end up on B, A's connections closed by PgBouncer (server_lifetime on
 * release, facts/postgres/pgbouncer.ts). The time it took is printed, as a figure.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, type Server, type Socket, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Endpoint } from "../../components/contract/stackOutputs";
import { poolContext } from "../../components/local/contexts";
import { spawnDaemon, stopProcess } from "../../components/local/exec";
import { ensureDir, writeOwnedFile } from "../../components/local/files";
import { readState } from "../../components/local/state";
import { renderPgbouncerIni, renderUserlist } from "../../components/render/pgbouncerIni";
import { external, oltpReaders, outputs, runner } from "./support";

/** A Service double: each new connection goes to the current backend; established ones stay where they are. */
class ServiceDouble {
  backend: Endpoint;
  readonly open = new Map<string, Set<Socket>>();
  private readonly server: Server;
  constructor(initial: Endpoint) {
    this.backend = initial;
    this.server = createServer((client) => {
      const target = this.backend;
      const key = `${target.host}:${target.port}`;
      const upstream = connect(target.port, target.host);
      const set = this.open.get(key) ?? new Set<Socket>();
      this.open.set(key, set.add(upstream));
      const close = () => {
        set.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on("error", close).on("close", close);
      upstream.on("error", close).on("close", close);
      client.pipe(upstream).pipe(client);
    });
  }
  listen(): Promise<Endpoint> {
    return new Promise((done) =>
      this.server.listen(0, "127.0.0.1", () =>
        done({ host: "127.0.0.1", port: (this.server.address() as AddressInfo).port }),
      ),
    );
  }
  openTo(endpoint: Endpoint): number {
    return this.open.get(`${endpoint.host}:${endpoint.port}`)?.size ?? 0;
  }
  close(): void {
    for (const set of this.open.values()) for (const socket of set) socket.destroy();
    this.server.close();
  }
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => done(port));
    });
  });
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const CLIENTS = 4;

describe.skipIf(external)("the read pool when a replica leaves its Service", () => {
  let service: ServiceDouble;
  let pid: number | undefined;
  let dir: string;
  let listen: Endpoint;
  let a: Endpoint;
  let b: Endpoint;
  let lifetimeS: number;
  let poolSize: number;
  let reserveSize: number;

  beforeAll(async () => {
    const readers = oltpReaders();
    expect(readers.length, "two OLTP replicas to move between").toBeGreaterThanOrEqual(2);
    [a, b] = [readers[0]!, readers[1]!];
    const r = runner();
    const state = readState(r.layout)!;
    const ctx = poolContext(r.layout, state);
    const pool = state.topology.pools.read;
    lifetimeS = pool.serverLifetimeS;
    poolSize = pool.defaultPoolSize;
    reserveSize = pool.reservePoolSize;
    service = new ServiceDouble(a);
    const target = await service.listen();
    listen = { host: "127.0.0.1", port: await freePort() };
    dir = mkdtempSync(join(tmpdir(), "pgrr-read-lifetime-"));
    ensureDir(dir, ctx.runAs);
    const authFile = join(dir, "userlist.txt");
    writeOwnedFile(authFile, renderUserlist(state.topology.user, ctx.passwords.app), ctx.runAs);
    const ini = renderPgbouncerIni(state.topology, pool, {
      target,
      listen,
      authFile,
      serverTls: ctx.serverTls,
    });
    writeOwnedFile(join(dir, "pgbouncer.ini"), ini, ctx.runAs);
    pid = spawnDaemon(ctx.pgbouncer, [join(dir, "pgbouncer.ini")], {
      runAs: ctx.runAs,
      logFile: join(dir, "pgbouncer.log"),
    });
  });

  afterAll(async () => {
    if (pid !== undefined) await stopProcess(pid);
    service?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("moves every read to the remaining replica within the server_lifetime bound, closing the old connections", async () => {
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connected(listen)));
    const landed: Array<{ at: number; host: string }> = [];
    let running = true;
    const loops = clients.map(async (c) => {
      while (running) {
        // Replicas share a port on their own addresses: the server address tells them apart.
        const { rows } = await c.query<{ host: string }>("SELECT host(inet_server_addr()) AS host");
        landed.push({ at: Date.now(), host: rows[0]!.host });
        await sleep(20);
      }
    });
    try {
      await sleep(2_000);
      expect(new Set(landed.map((l) => l.host)), "before: every read on A").toEqual(new Set([a.host]));
      expect(service.openTo(a)).toBeGreaterThan(0);
      const switchedAt = Date.now();
      service.backend = b;
      // Old connections close once older than server_lifetime, one per lifetime / pool size: a full pool (reserve
      // included) drains by lifetime × (1 + (pool + reserve) / pool).
      const bound = lifetimeS * 1000 * (1 + (poolSize + reserveSize) / poolSize);
      // Polls until A has no connection left and no read has landed there for two seconds.
      let lastOnA = switchedAt;
      while (Date.now() - switchedAt < bound + 15_000) {
        lastOnA = Math.max(lastOnA, ...landed.filter((l) => l.host === a.host).map((l) => l.at));
        if (service.openTo(a) === 0 && Date.now() - lastOnA > 2_000) break;
        await sleep(250);
      }
      const tail = landed.filter((l) => l.at > lastOnA);
      console.log(
        `read pool (server_lifetime ${lifetimeS} s): last read on the leaving replica ${((lastOnA - switchedAt) / 1000).toFixed(1)} s after it left the Service; bound for a full pool of ${poolSize} + ${reserveSize}: ${(bound / 1000).toFixed(0)} s`,
      );
      expect(service.openTo(a), "PgBouncer closed every connection to the replica that left").toBe(0);
      expect(tail.length).toBeGreaterThan(0);
      expect(new Set(tail.map((l) => l.host)), "after: every read on B").toEqual(new Set([b.host]));
    } finally {
      running = false;
      await Promise.allSettled(loops);
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    }
  }, 150_000);
});

/** A client of the pool, retried while PgBouncer starts (a pg.Client connects once only). */
async function connected(listen: Endpoint): Promise<pg.Client> {
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({
      host: listen.host,
      port: listen.port,
      database: outputs.database,
      user: outputs.user,
      password: outputs.password,
      ssl: false,
    });
    try {
      await client.connect();
      return client;
    } catch (error) {
      if (attempt > 40) throw error;
      await sleep(250);
    }
  }
}
