/**
 * The write-then-read workload of `npm run bench:client`. Each session writes its own row
 * (a new version) at random times, exponentially spaced with a mean gap, reads it back at
 * once, and in between reads its own row or another session's every READ_EVERY_MS. A read
 * of its own row older than its last acknowledged write is stale; another session's row read
 * older than this session saw it before went back in time (monotonic reads broken). Five ways to route the same reads:
 *
 *   gate       the client: sessions, read-your-writes by LSN through the pools
 *   gate-direct the same with replicaRouting "direct": each replica on its own, positions remembered
 *   sticky-5s  the seeds' window (the client's windowSession): 5 s after a session's write its reads go to the primary
 *   primary    every read through the write pool
 *   unchecked  every read through the read pool, no check (what a plain read/write split does)
 */
import pg from "pg";
import { ReplicaClient, type Session } from "pg-read-replicas/client";
import type { StackOutputs } from "../components/contract/stackOutputs";

export const STRATEGIES = ["gate", "gate-direct", "sticky-5s", "primary", "unchecked"] as const;
export type StrategyName = (typeof STRATEGIES)[number];
export const STICKY_WINDOW_MS = 5000;

export interface Workload {
  sessions: number;
  seconds: number;
  meanWriteGapMs: number;
  readEveryMs: number;
  table: string;
}

export interface RunResult {
  reads: number;
  replicaReads: number;
  /** The reads of a session's own row right after its write: where a replay delay shows. */
  afterWriteReads: number;
  afterWriteReplicaReads: number;
  stale: number;
  wentBack: number;
  writes: number;
  latencyMs: number[];
  replicaLatencyMs: number[];
  /** Gate only: how long reads waited for a replica to reach the session's token. */
  waitedMs: number[];
  fallbacks: Record<string, number>;
}

interface Routed {
  version: number | undefined;
  replica: boolean;
  fallback?: string;
  waitedMs?: number;
}

interface SessionRouter {
  write(id: string, version: number): Promise<void>;
  read(id: string): Promise<Routed>;
}

const UPSERT = (table: string) =>
  `INSERT INTO ${table} (id, version) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET version = excluded.version`;
const SELECT = (table: string) => `SELECT version FROM ${table} WHERE id = $1`;

/** The connections a run needs: the client and plain pools on the same endpoints, each as large as the client's. */
export class Routes {
  readonly client: ReplicaClient;
  readonly direct: ReplicaClient;
  readonly write: pg.Pool;
  readonly read: pg.Pool;

  constructor(outputs: StackOutputs, poolSize: number) {
    const options = { poolSize, maxWaitMs: 250, applicationName: "pg-read-replicas-bench" };
    this.client = ReplicaClient.fromOutputs(outputs, options);
    this.direct = ReplicaClient.fromOutputs(outputs, { ...options, replicaRouting: "direct" });
    const base = { database: outputs.database, user: outputs.user, password: outputs.password, max: poolSize };
    this.write = new pg.Pool({ ...base, ...outputs.pools.write });
    this.read = new pg.Pool({ ...base, ...outputs.pools.read });
  }

  async close(): Promise<void> {
    await Promise.all([this.client.close(), this.direct.close(), this.write.end(), this.read.end()]);
  }

  router(strategy: StrategyName, table: string): SessionRouter {
    const plainWrite = async (id: string, version: number) =>
      void (await this.write.query(UPSERT(table), [id, version]));
    const plainRead = async (pool: pg.Pool, id: string, replica: boolean): Promise<Routed> => ({
      version: (await pool.query(SELECT(table), [id])).rows[0]?.version,
      replica,
    });
    switch (strategy) {
      case "gate":
      case "gate-direct": {
        const session: Session = (strategy === "gate" ? this.client : this.direct).session();
        return {
          write: async (id, version) => void (await session.write((tx) => tx.query(UPSERT(table), [id, version]))),
          read: async (id) => {
            const { result, route } = await session.read((tx) => tx.query(SELECT(table), [id]));
            return {
              version: result.rows[0]?.version,
              replica: route.target === "replica",
              waitedMs: route.waitedMs,
              ...(route.fallback ? { fallback: route.fallback } : {}),
            };
          },
        };
      }
      case "sticky-5s": {
        // The client's own window mode (windowSession.ts), as a caller without a token would use it.
        const session = this.client.windowSession({ primaryAfterWriteMs: STICKY_WINDOW_MS });
        return {
          write: async (id, version) => void (await session.write((tx) => tx.query(UPSERT(table), [id, version]))),
          read: async (id) => {
            const { result, route } = await session.read((tx) => tx.query(SELECT(table), [id]));
            return { version: result.rows[0]?.version, replica: route.target === "replica" };
          },
        };
      }
      case "primary":
        return { write: plainWrite, read: (id) => plainRead(this.write, id, false) };
      case "unchecked":
        return { write: plainWrite, read: (id) => plainRead(this.read, id, true) };
    }
  }
}

/** Versions per run: each run's start above the last one's (a run writes far fewer than this). */
const RUN_VERSIONS = 1_000_000;
let runs = 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Exponentially distributed gap (a Poisson process of writes per session). */
const gap = (meanMs: number) => -Math.log(1 - Math.random()) * meanMs;

export async function runWorkload(routes: Routes, strategy: StrategyName, workload: Workload): Promise<RunResult> {
  const result: RunResult = {
    reads: 0,
    replicaReads: 0,
    afterWriteReads: 0,
    afterWriteReplicaReads: 0,
    stale: 0,
    wentBack: 0,
    writes: 0,
    latencyMs: [],
    replicaLatencyMs: [],
    waitedMs: [],
    fallbacks: {},
  };
  const end = performance.now() + workload.seconds * 1000;
  const ids = Array.from({ length: workload.sessions }, (_, s) => `s${s}`);
  // Every run's versions are above every earlier run's, so a row a replica still shows from an earlier run is older in
  // numbers too. (Restarting every run at 0 made a read of an earlier run's row, then of this run's, look like going
  // back in time: a false "went back" the detector counted against whichever routing met a delayed replica.)
  const base = ++runs * RUN_VERSIONS;
  await routes.write.query(`UPDATE ${workload.table} SET version = $1`, [base]);

  const oneSession = async (own: string) => {
    const router = routes.router(strategy, workload.table);
    const seen = new Map<string, number>();
    let written = 0;
    let writes = 0;
    let nextWrite = performance.now() + Math.random() * workload.readEveryMs;
    const read = async (id: string, afterWrite = false) => {
      const started = performance.now();
      const routed = await router.read(id);
      const ms = performance.now() - started;
      result.reads++;
      if (afterWrite) {
        result.afterWriteReads++;
        if (routed.replica) result.afterWriteReplicaReads++;
      }
      result.latencyMs.push(ms);
      if (routed.replica) {
        result.replicaReads++;
        result.replicaLatencyMs.push(ms);
      }
      if (routed.waitedMs !== undefined) result.waitedMs.push(routed.waitedMs);
      if (routed.fallback) result.fallbacks[routed.fallback] = (result.fallbacks[routed.fallback] ?? 0) + 1;
      const version = routed.version ?? 0;
      if (id === own && version < written) result.stale++;
      if (id !== own && version < (seen.get(id) ?? 0)) result.wentBack++;
      seen.set(id, Math.max(version, seen.get(id) ?? 0));
    };
    while (performance.now() < end) {
      const tick = performance.now();
      if (tick >= nextWrite) {
        written = base + ++writes;
        await router.write(own, written);
        result.writes++;
        seen.set(own, written);
        nextWrite = performance.now() + gap(workload.meanWriteGapMs);
        await read(own, true); // the read right after the write: where stale reads happen
      } else {
        await read(Math.random() < 0.5 ? own : ids[Math.floor(Math.random() * ids.length)]!);
      }
      await sleep(workload.readEveryMs - (performance.now() - tick));
    }
  };
  await Promise.all(ids.map(oneSession));
  return result;
}
