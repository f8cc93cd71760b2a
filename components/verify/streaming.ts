/**
 * The verifier's streaming check: the rule's statement (sql/streamingSql.ts) run on the writer, its rows mapped into
 * each expected reader's report. The same statement as verify.sh's; nothing is decided here.
 */
import type { Reader, StackOutputs } from "../contract/stackOutputs";
import { queryOnce } from "../contract/connection";
import { AURORA_REPLICA_STATUS_SQL } from "../sql/replicationSql";
import { type StreamingExpectation, type StreamingRow, streamingProblemsSql, streamingRow } from "../sql/streamingSql";
import { type ReplicaReport, type VerificationReport, type VerifyContext, describe } from "./report";

function expectationOf(reader: Reader, home: string | undefined): StreamingExpectation {
  const { name, role, cluster } = reader;
  if (cluster?.kind === "instances")
    return { kind: "instances", cluster: name, count: cluster.count, slotPrefix: cluster.slotPrefix, role };
  if (cluster?.kind === "replicaCluster") return { kind: "replicaCluster", applicationName: name, role };
  return {
    kind: "node",
    name,
    ...(reader.slot !== undefined ? { slot: reader.slot } : {}),
    role,
    remote: reader.region !== home,
  };
}

/**
 * What the writer must show for these outputs' readers: all of them, but on Aurora only the primary region's (its
 * writer reports only its own cluster's readers; other regions are proven by the heartbeat).
 */
export function streamingExpectations(
  outputs: Pick<StackOutputs, "backend" | "regions" | "readers">,
): StreamingExpectation[] {
  const home = outputs.regions.find((r) => r.primary)?.region;
  const readers = outputs.backend === "aurora" ? outputs.readers.filter((r) => r.region === home) : outputs.readers;
  return readers.map((reader) => expectationOf(reader, home));
}

/** The facts of a reader's standby: one by name, or the worst of an operator's instances. */
function standbyFacts(rows: readonly StreamingRow[]): Partial<ReplicaReport> {
  const standbys = rows.filter((row) => row.standby !== null);
  if (rows[0]?.kind === "instances")
    return {
      ...(standbys.length > 0 ? { state: "streaming" } : {}),
      replayLagBytes: standbys.reduce((worst, row) => Math.max(worst, row.replayLagBytes ?? 0), 0),
    };
  const row = standbys[0];
  if (!row) return {};
  return {
    state: row.state!,
    slot: row.slot!,
    slotActive: row.active!,
    replayLagBytes: row.replayLagBytes!,
    flushLagBytes: row.flushLagBytes!,
    replayLagMs: row.replayLagMs!,
    sync: row.sync!,
  };
}

/** Each reader gets its rows' facts and problems; a reader nobody expected is left as it was. */
function applyStreamingRows(replicas: readonly ReplicaReport[], rows: readonly StreamingRow[]): void {
  for (const replica of replicas) {
    const mine = rows.filter((row) => row.expectation === replica.name);
    Object.assign(replica, standbyFacts(mine));
    replica.problems.push(...mine.flatMap((row) => (row.problem === null ? [] : [row.problem])));
  }
}

export async function checkStreaming(ctx: VerifyContext, report: VerificationReport): Promise<void> {
  const { outputs, bounds } = ctx;
  // Aurora readers share storage: aurora_replica_status() stands in for pg_stat_replication (no slot, no byte lag).
  const source = outputs.backend === "aurora" ? AURORA_REPLICA_STATUS_SQL : undefined;
  const sql = streamingProblemsSql(streamingExpectations(outputs), bounds.maxLagBytes, source);
  let rows: unknown[][];
  try {
    rows = await queryOnce(ctx, outputs.writer, sql, { stats: true });
  } catch (error) {
    report.writer.problems.push(`writer: cannot read pg_stat_replication: ${describe(error)}`);
    return;
  }
  applyStreamingRows(report.replicas, rows.map(streamingRow));
}
