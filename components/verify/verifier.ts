/**
 * The verifier every backend uses: given StackOutputs, proves replication is
 * streaming end to end. It runs the same SQL as the Kubernetes Job (sql/replicationSql.ts,
 * and the streaming rule of sql/streamingSql.ts) and polls until every check passes or the
 * timeout expires.
 *
 * Per attempt: the writer answers as a primary; every expected reader streams on
 * its slot within the byte bound; a fresh heartbeat written on the writer becomes
 * visible on every reader within maxLag; every reader refuses writes; every pool
 * lands only on the role it serves; with a WAL archive, the writer archives (verify/archive.ts).
 */
import { randomBytes } from "node:crypto";
import type { Endpoint, StackOutputs, VerificationBounds } from "../contract/stackOutputs";
import {
  AURORA_IDENTITY_SQL,
  HEARTBEAT_DDL,
  IDENTITY_SQL,
  READ_ONLY_PROBE_SQL,
  READ_ONLY_REFUSAL,
  STANDBY_STATUS_SQL,
  heartbeatSeenSql,
  heartbeatWriteSql,
} from "../sql/replicationSql";
import { type SslMode, queryOnce } from "../contract/connection";
import {
  type PoolReport,
  type ReplicaReport,
  type VerificationReport,
  type VerifyContext,
  describe,
  emptyReport,
} from "./report";
import { checkArchive } from "./archive";
import { checkStreaming } from "./streaming";

export type { SslMode } from "../contract/connection";
export type { ArchiveReport, PoolReport, ReplicaReport, VerificationReport } from "./report";

export interface VerifyOptions extends Partial<VerificationBounds> {
  /** Concurrent connections per pool; each must land on the pool's role. */
  poolSamples?: number;
  heartbeatToken?: string;
  retryDelayMs?: number;
  sslmode?: SslMode;
  onAttempt?: (attempt: number, report: VerificationReport) => void;
  /** Stops polling (the last attempt's report is returned), e.g. when a preview run is interrupted. */
  signal?: AbortSignal;
}

/** Aurora names instances its own way. */
function identitySql(outputs: StackOutputs): string {
  return outputs.backend === "aurora" ? AURORA_IDENTITY_SQL : IDENTITY_SQL;
}

const at = (e: Endpoint) => `${e.host}:${e.port}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function checkWriter(ctx: VerifyContext, report: VerificationReport): Promise<boolean> {
  const { writer } = ctx.outputs;
  try {
    const [[name, inRecovery]] = (await queryOnce(ctx, writer, identitySql(ctx.outputs))) as [[string, boolean]];
    report.writer.name = name;
    if (inRecovery) {
      report.writer.problems.push(
        `writer ${at(writer)} answered as ${name}, which is in recovery: the writer endpoint does not reach the primary (after a failover, repoint it).`,
      );
    }
  } catch (error) {
    report.writer.problems.push(
      `writer ${at(writer)}: cannot query it: ${describe(error)}. Check the primary is running and the ${ctx.outputs.user} user's access.`,
    );
  }
  return report.writer.problems.length === 0;
}

async function checkReader(
  ctx: VerifyContext,
  replica: ReplicaReport,
  token: string,
  writtenAt: number,
): Promise<void> {
  try {
    const [[inRecovery, receiver]] = (await queryOnce(ctx, replica.endpoint, STANDBY_STATUS_SQL, { stats: true })) as [
      [boolean, string],
    ];
    replica.inRecovery = inRecovery;
    replica.receiver = receiver;
    if (!inRecovery)
      replica.problems.push(`${replica.name}: not in recovery: it is no longer a replica (was it promoted?).`);
    if (receiver !== "streaming") replica.problems.push(`${replica.name}: WAL receiver is ${receiver}, not streaming.`);
  } catch (error) {
    replica.problems.push(`${replica.name} (${at(replica.endpoint)}): cannot query it: ${describe(error)}`);
    return;
  }
  replica.readOnly = await refusesWrites(ctx, replica.endpoint);
  if (replica.readOnly === undefined) replica.problems.push(`${replica.name}: a write failed, but not as read-only.`);
  else if (!replica.readOnly) replica.problems.push(`${replica.name}: accepted a write; replicas must refuse writes.`);
  while (true) {
    const [[seen]] = (await queryOnce(ctx, replica.endpoint, heartbeatSeenSql(token)).catch(() => [[0]])) as [
      [string | number],
    ];
    const waited = Date.now() - writtenAt;
    if (Number(seen) === 1) {
      replica.heartbeatVisibleMs = waited;
      return;
    }
    if (waited >= ctx.bounds.maxLagMs) {
      replica.problems.push(
        `${replica.name}: heartbeat not visible after ${ctx.bounds.maxLagMs} ms (bound); check its WAL receiver, its disk, and for the OLAP replica a long query holding replay.`,
      );
      return;
    }
    await sleep(50);
  }
}

/** true: refused as read-only; false: accepted; undefined: failed for another reason. */
async function refusesWrites(ctx: VerifyContext, endpoint: Endpoint): Promise<boolean | undefined> {
  try {
    await queryOnce(ctx, endpoint, READ_ONLY_PROBE_SQL);
    return false;
  } catch (error) {
    return READ_ONLY_REFUSAL.test(describe(error)) ? true : undefined;
  }
}

function poolExpectations(
  outputs: StackOutputs,
): Array<{ pool: PoolReport["pool"]; endpoint: Endpoint; names: string[]; inRecovery: boolean }> {
  const home = outputs.regions.find((r) => r.primary)?.region;
  const oltp = outputs.readers.filter((r) => r.role === "oltp" && r.region === home).map((r) => r.name);
  const olap = outputs.readers.filter((r) => r.role === "olap").map((r) => r.name);
  const expectations: Array<{ pool: PoolReport["pool"]; endpoint: Endpoint; names: string[]; inRecovery: boolean }> = [
    { pool: "write", endpoint: outputs.pools.write, names: [], inRecovery: false },
    { pool: "read", endpoint: outputs.pools.read, names: oltp, inRecovery: true },
  ];
  if (outputs.pools.olap)
    expectations.push({ pool: "olap", endpoint: outputs.pools.olap, names: olap, inRecovery: true });
  return expectations;
}

async function checkPools(ctx: VerifyContext, report: VerificationReport): Promise<void> {
  for (const expectation of poolExpectations(ctx.outputs)) {
    const expected = expectation.pool === "write" ? [report.writer.name ?? "(the writer)"] : expectation.names;
    const pool: PoolReport = {
      pool: expectation.pool,
      endpoint: expectation.endpoint,
      expected,
      landedOn: {},
      problems: [],
    };
    report.pools.push(pool);
    // Concurrent clients force the pooler to use several server connections.
    const samples = await Promise.allSettled(
      Array.from({ length: ctx.poolSamples }, () => queryOnce(ctx, expectation.endpoint, identitySql(ctx.outputs))),
    );
    for (const sample of samples) {
      if (sample.status === "rejected") {
        pool.problems.push(
          `pool ${pool.pool} (${at(pool.endpoint)}): cannot query through it: ${describe(sample.reason)}. Check the PgBouncer log.`,
        );
        break;
      }
      const [[name, inRecovery]] = sample.value as [[string, boolean]];
      pool.landedOn[name] = (pool.landedOn[name] ?? 0) + 1;
      if (inRecovery !== expectation.inRecovery || !expected.includes(name)) {
        pool.problems.push(
          `pool ${pool.pool} landed on ${name} (in recovery: ${inRecovery}), which is not one of: ${expected.join(", ")}.`,
        );
        break;
      }
    }
  }
}

async function writeHeartbeat(
  ctx: VerifyContext,
  report: VerificationReport,
  token: string,
): Promise<number | undefined> {
  try {
    await queryOnce(ctx, ctx.outputs.writer, `${HEARTBEAT_DDL.join(";\n")};\n${heartbeatWriteSql(token)}`);
    return Date.now();
  } catch (error) {
    report.writer.problems.push(`writer: cannot write the heartbeat: ${describe(error)}`);
    return undefined;
  }
}

async function attempt(ctx: VerifyContext, token: string): Promise<VerificationReport> {
  const report = emptyReport(ctx.outputs);
  if (await checkWriter(ctx, report)) {
    await checkStreaming(ctx, report);
    const writtenAt = await writeHeartbeat(ctx, report, token);
    if (writtenAt !== undefined)
      await Promise.all(report.replicas.map((replica) => checkReader(ctx, replica, token, writtenAt)));
    await checkPools(ctx, report);
    await checkArchive(ctx, report);
  }
  report.problems = [
    ...report.writer.problems,
    ...report.replicas.flatMap((r) => r.problems),
    ...report.pools.flatMap((p) => p.problems),
    ...(report.archive?.problems ?? []),
  ];
  report.ok = report.problems.length === 0;
  return report;
}

export async function verifyStack(outputs: StackOutputs, options: VerifyOptions = {}): Promise<VerificationReport> {
  const ctx: VerifyContext = {
    outputs,
    bounds: {
      timeoutMs: options.timeoutMs ?? outputs.verification.timeoutMs,
      maxLagBytes: options.maxLagBytes ?? outputs.verification.maxLagBytes,
      maxLagMs: options.maxLagMs ?? outputs.verification.maxLagMs,
    },
    ...(options.sslmode ? { sslmode: options.sslmode } : {}),
    poolSamples: options.poolSamples ?? 12,
  };
  const base = options.heartbeatToken ?? `verify-${randomBytes(6).toString("hex")}`;
  const started = Date.now();
  for (let number = 1; ; number++) {
    const report = await attempt(ctx, `${base}-a${number}`);
    report.attempts = number;
    report.elapsedMs = Date.now() - started;
    options.onAttempt?.(number, report);
    if (report.ok || Date.now() - started >= ctx.bounds.timeoutMs || options.signal?.aborted) return report;
    await sleep(options.retryDelayMs ?? 1000);
  }
}
