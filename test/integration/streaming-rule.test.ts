/**
 * The streaming rule (sql/streamingSql.ts) on a real PostgreSQL, and its two callers agreeing.
 * The writer's pg_stat_replication, pg_replication_slots, pg_current_wal_lsn() (and Aurora's
 * aurora_replica_status()) are stood in for by tables and functions of a schema listed before
 * pg_catalog in search_path (PGOPTIONS, which psql and node-postgres both read), so any state can be
 * staged: the operator's instances <cluster>-<n>, a replica cluster without a slot, lags, wrong
 * slots. On each state the Job's verify.sh (bash and psql) and the TypeScript verifier must report
 * the same problems, word for word.
 */
import { STATS_SCHEMA } from "../../components/sql/statsAccess";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Reader, StackOutputs } from "../../components/contract/stackOutputs";
import { emptyReport } from "../../components/verify/report";
import { checkStreaming, streamingExpectations } from "../../components/verify/streaming";
import { external, localJobScript, outputs, sql, stateDir } from "./support";

const SCHEMA = `streaming_fake_${randomBytes(4).toString("hex")}`;
// The staged views first; the application user's statistics (pgrr_stats) for what is not staged (the replicas').
const PGOPTIONS = `-c search_path=${SCHEMA},${STATS_SCHEMA},pg_catalog`;
const BOUND = outputs.verification.maxLagBytes;
/** The fake writer's position: every LSN below is this minus a lag. */
const WRITER_LSN = 0x40000000;

const lsn = (behind: number) => {
  const at = WRITER_LSN - behind;
  return `${Math.floor(at / 2 ** 32).toString(16)}/${(at % 2 ** 32).toString(16)}`;
};

interface Standby {
  name: string;
  state?: string;
  /** Bytes behind the writer; null: no position reported yet. */
  replayBehind?: number | null;
  flushBehind?: number;
  slot?: string;
  sync?: string;
}

/** Stages what the writer's views show: these standbys, each on its slot (active) when it names one. */
async function stage(standbys: readonly Standby[]): Promise<void> {
  const rows = standbys.map((s, pid) => [
    pid + 1,
    s.name,
    s.state ?? "streaming",
    s.replayBehind === null ? null : lsn(s.replayBehind ?? 0),
    lsn(s.flushBehind ?? 0),
    s.sync ?? "async",
  ]);
  const slots = standbys.flatMap((s, pid) => (s.slot ? [[s.slot, pid + 1]] : []));
  await sql(outputs.writer, `TRUNCATE ${SCHEMA}.pg_stat_replication, ${SCHEMA}.pg_replication_slots`);
  for (const row of rows)
    await sql(outputs.writer, `INSERT INTO ${SCHEMA}.pg_stat_replication VALUES ($1, $2, $3, $4, $5, NULL, $6)`, row);
  for (const slot of slots)
    await sql(outputs.writer, `INSERT INTO ${SCHEMA}.pg_replication_slots VALUES ($1, true, $2)`, slot);
}

const reader = (name: string, role: Reader["role"], more: Partial<Reader> = {}): Reader => ({
  name,
  role,
  region: outputs.regions.find((r) => r.primary)!.region,
  ...outputs.writer,
  ...more,
});

/** The TypeScript verifier's streaming check on the staged state: its report's problems, and the report. */
async function verifierSays(readers: Reader[], backend: StackOutputs["backend"] = outputs.backend) {
  const stack: StackOutputs = { ...outputs, backend, readers };
  const report = emptyReport(stack);
  const before = process.env.PGOPTIONS;
  process.env.PGOPTIONS = PGOPTIONS;
  try {
    await checkStreaming({ outputs: stack, bounds: outputs.verification, poolSamples: 1 }, report);
  } finally {
    if (before === undefined) delete process.env.PGOPTIONS;
    else process.env.PGOPTIONS = before;
  }
  return { problems: [...report.writer.problems, ...report.replicas.flatMap((r) => r.problems)], report };
}

/** verify.sh, run as the Job runs it, expecting what the verifier expects: its problems, or its passing report. */
async function jobSays(readers: Reader[]): Promise<{ passed: boolean; lines: string[] }> {
  const streaming = streamingExpectations({ ...outputs, readers });
  const { script, env } = localJobScript({ pools: false, timeoutS: 0, streaming });
  const path = join(stateDir!, "verify-streaming-rule.sh");
  writeFileSync(path, script);
  const result = await promisify(execFile)("bash", [path], {
    env: { ...env, HEARTBEAT_TOKEN: "itest-streaming-rule", PGOPTIONS },
  }).then(
    ({ stdout }) => ({ passed: true, text: stdout }),
    (error: { code: number; stderr: string }) => ({ passed: error.code === 0, text: error.stderr }),
  );
  const lines = result.text.split("\n").filter((line) => line.startsWith("  - "));
  return { passed: result.passed, lines: lines.map((line) => line.slice(4)) };
}

describe.skipIf(external)("the streaming rule, on staged writer states", () => {
  beforeAll(async () => {
    await sql(
      outputs.writer,
      [
        `CREATE SCHEMA ${SCHEMA}`,
        `CREATE FUNCTION ${SCHEMA}.pg_current_wal_lsn() RETURNS pg_lsn LANGUAGE sql AS $$ SELECT '${lsn(0)}'::pg_lsn $$`,
        `CREATE TABLE ${SCHEMA}.pg_stat_replication (pid int, application_name text, state text, replay_lsn pg_lsn, flush_lsn pg_lsn, replay_lag interval, sync_state text)`,
        `CREATE TABLE ${SCHEMA}.pg_replication_slots (slot_name text, active boolean, active_pid int)`,
        `CREATE TABLE ${SCHEMA}.aurora_rows (server_id text, session_id text, replica_lag_in_msec float8)`,
        `CREATE FUNCTION ${SCHEMA}.aurora_replica_status() RETURNS SETOF ${SCHEMA}.aurora_rows LANGUAGE sql AS $$ SELECT * FROM ${SCHEMA}.aurora_rows $$`,
      ].join(";\n"),
    );
  });
  afterAll(async () => {
    await sql(outputs.writer, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  });

  const readers = [
    reader("n-oltp", "oltp", { slot: "n_oltp" }),
    reader("n-olap", "olap", { slot: "n_olap" }),
    reader("pg", "oltp", { cluster: { kind: "instances", count: 2, slotPrefix: "_cnpg_" } }),
    reader("pg-olap", "olap", { cluster: { kind: "replicaCluster" } }),
  ];

  it("passes standbys on their slots within the bound, the OLAP one held to flushed WAL, instances and a replica cluster", async () => {
    await stage([
      { name: "n-oltp", slot: "n_oltp", sync: "quorum" },
      // Replay paused by a long query: far behind, but everything received is flushed.
      { name: "n-olap", slot: "n_olap", replayBehind: BOUND + 4096 },
      { name: "pg-2", slot: "_cnpg_pg_2", replayBehind: 100 },
      { name: "pg-3", slot: "_cnpg_pg_3" },
      { name: "pg-olap" },
      // Not expected: ignored (pg-x is no instance of pg).
      { name: "pg-x", state: "catchup" },
      { name: "pg_basebackup", state: "backup" },
    ]);
    const verifier = await verifierSays(readers);
    expect(verifier.problems).toEqual([]);
    const byName = Object.fromEntries(verifier.report.replicas.map((r) => [r.name, r]));
    expect(byName["n-olap"]).toMatchObject({ state: "streaming", slotActive: true, replayLagBytes: BOUND + 4096 });
    expect(byName["n-olap"]!.flushLagBytes).toBe(0);
    expect(byName["pg"]).toMatchObject({ state: "streaming", replayLagBytes: 100 });
    const job = await jobSays(readers);
    expect(job.passed).toBe(true);
    // The writer's standbys first; then this suite's real readers, which the Job checks too.
    expect(job.lines.slice(0, 5)).toEqual([
      "n-oltp (oltp, local): streaming on n_oltp (quorum), replay lag 0 bytes / 0 ms",
      `n-olap (olap, local): streaming on n_olap (async), replay lag ${BOUND + 4096} bytes / 0 ms`,
      "pg-2 (oltp, instance of pg): streaming on _cnpg_pg_2 (async), replay lag 100 bytes / 0 ms",
      "pg-3 (oltp, instance of pg): streaming on _cnpg_pg_3 (async), replay lag 0 bytes / 0 ms",
      "pg-olap (olap, replica cluster): streaming without a slot (async), replay lag 0 bytes / 0 ms",
    ]);
  });

  it("names every broken expectation, and the Job and the verifier say the same words", async () => {
    const more = [
      ...readers,
      reader("n-lag", "oltp", { slot: "n_lag" }),
      reader("n-new", "oltp", { slot: "n_new" }),
      reader("it's", "oltp", { slot: "its" }),
    ];
    await stage([
      { name: "n-olap", slot: "n_other", state: "catchup" },
      { name: "pg-2", slot: "_cnpg_pg_3", replayBehind: BOUND + 1 },
      { name: "n-lag", slot: "n_lag", replayBehind: BOUND + 1 },
      { name: "n-new", slot: "n_new", replayBehind: null },
    ]);
    const expected = [
      "n-oltp: not connected to the writer (absent from pg_stat_replication). Look at its log: seeding, authentication and pg_hba are the usual causes.",
      "n-olap: state is catchup, not streaming.",
      "n-olap: streams without its slot n_olap active (slot: 'n_other', active: true).",
      "pg: 1 of its 2 standbys stream from the writer. Look at the Cluster's status (kubectl get cluster pg) and its pods' logs.",
      "pg-2: streams without its slot _cnpg_pg_2 active (slot: '_cnpg_pg_3', active: true).",
      `pg-2: lags ${BOUND + 1} bytes behind the writer (bound ${BOUND}).`,
      "pg-olap: the replica cluster's designated primary is not connected to the writer (absent from pg_stat_replication). Look at kubectl get cluster pg-olap and its pod's log.",
      `n-lag: lags ${BOUND + 1} bytes behind the writer (bound ${BOUND}).`,
      "n-new: connected but has not reported a WAL position yet.",
      "it's: not connected to the writer (absent from pg_stat_replication). Look at its log: seeding, authentication and pg_hba are the usual causes.",
    ];
    expect((await verifierSays(more)).problems).toEqual(expected);
    const job = await jobSays(more);
    expect(job.passed).toBe(false);
    expect(job.lines).toEqual(expected);
  });

  it("holds a standby whose outputs name no slot to an active one, whichever", async () => {
    const unnamed = [reader("n-any", "oltp")];
    await stage([{ name: "n-any", slot: "whatever" }]);
    expect((await verifierSays(unnamed)).problems).toEqual([]);
    // Expecting nobody is a statement too (a region whose standbys are all another's to check).
    expect((await verifierSays([])).problems).toEqual([]);
    await stage([{ name: "n-any" }]);
    expect((await verifierSays(unnamed)).problems).toEqual([
      "n-any: streams without its slot (any) active (slot: '', active: false).",
    ]);
  });

  it("on Aurora, reads aurora_replica_status() and expects only the primary region's readers", async () => {
    await sql(outputs.writer, `TRUNCATE ${SCHEMA}.aurora_rows`);
    await sql(
      outputs.writer,
      `INSERT INTO ${SCHEMA}.aurora_rows VALUES ('writer-1', 'MASTER_SESSION_ID', NULL), ('reader-1', 's1', 12)`,
    );
    const aurora = [
      reader("reader-1", "oltp"),
      reader("reader-2", "olap"),
      reader("reader-eu", "oltp", { region: "elsewhere" }),
    ];
    const { problems, report } = await verifierSays(aurora, "aurora");
    expect(problems).toEqual([
      "reader-2: not connected to the writer (absent from pg_stat_replication). Look at its log: seeding, authentication and pg_hba are the usual causes.",
    ]);
    expect(report.replicas[0]).toMatchObject({
      state: "streaming",
      slotActive: true,
      replayLagBytes: 0,
      replayLagMs: 12,
    });
  });
});
