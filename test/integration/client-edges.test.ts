/**
 * The routing client's edges, against real servers: bad tokens and unreachable pools are
 * refused with clear errors and no stale read; every decision is traced and counted; the
 * token is at or past the write's commit record (pg_walinspect) and reachable by an idle
 * replica; `local env` feeds the client. Tests needing the superuser or the CLI's local state
 * are skipped with STACK_OUTPUTS.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { type DataPoint, type Histogram, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ATTRIBUTES,
  METRICS,
  NoServerError,
  ReplicaClient,
  ReplicaUnavailableError,
  TokenError,
  WriteNotCommittedError,
  parseToken,
} from "pg-read-replicas/client";
import { WRITER_POSITION } from "../../components/client/sql";
import {
  clientWith,
  closeClients,
  closedPort,
  readVersion,
  replayed,
  versionedTable,
  writeVersion,
} from "./clientSupport";
import { endpointOf, eventually, external, oltpReaders, outputs, runner, sql, stateDir } from "./support";

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** A metric's data points whose attributes include `match`. */
async function pointsOf<T>(reader: TestReader, name: string, match: Record<string, string>): Promise<DataPoint<T>[]> {
  const { resourceMetrics } = await reader.collect();
  const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === name);
  return metrics
    .flatMap((m) => m.dataPoints as DataPoint<T>[])
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v));
}

/** Sum of a counter's points whose attributes include `match`. */
async function counted(reader: TestReader, name: string, match: Record<string, string>): Promise<number> {
  return (await pointsOf<number>(reader, name, match)).reduce((sum, p) => sum + Number(p.value), 0);
}

/** How many values a histogram recorded on points whose attributes include `match`. */
async function histogramCount(reader: TestReader, name: string, match: Record<string, string>): Promise<number> {
  return (await pointsOf<Histogram>(reader, name, match)).reduce((sum, p) => sum + p.value.count, 0);
}

let table: string;
beforeAll(async () => {
  table = await versionedTable("edges");
});
afterAll(closeClients);

describe("bad input: refused clearly, no stale read", () => {
  it("refuses a malformed token before touching any server", async () => {
    const db = clientWith();
    let ran = false;
    await expect(db.read(async () => (ran = true), { token: "0/XYZ" })).rejects.toThrow(TokenError);
    await expect(
      db.write(async (tx) => writeVersion(tx, table, "bad-token", 1), { token: "yesterday" }),
    ).rejects.toThrow(/"yesterday" is not a causality token/);
    expect(() => db.session("1/2/3")).toThrow(TokenError);
    expect(ran).toBe(false);
    expect(
      (await db.read((tx) => readVersion(tx, table, "bad-token"), { consistency: "primary" })).result,
    ).toBeUndefined();
  });

  it("serves from the primary when the read pool is unreachable, counted as a fallback, or throws when told to", async () => {
    const reader = new TestReader();
    const unreachable = await closedPort();
    const db = clientWith({ meterProvider: new MeterProvider({ readers: [reader] }) }, { read: unreachable });
    const { token } = await db.write((tx) => writeVersion(tx, table, "no-replica", 7));
    const read = await db.read((tx) => readVersion(tx, table, "no-replica"), { token });
    expect(read.result).toBe(7);
    expect(read.route).toMatchObject({ target: "primary", fallback: "replica_unavailable" });
    expect(await counted(reader, METRICS.fallbacks, { [ATTRIBUTES.fallbackReason]: "replica_unavailable" })).toBe(1);
    const strict = clientWith({ onReplicaUnavailable: "error" }, { read: unreachable });
    await expect(strict.read((tx) => readVersion(tx, table, "no-replica"), { token })).rejects.toThrow(
      ReplicaUnavailableError,
    );
    await expect(strict.read((tx) => readVersion(tx, table, "no-replica"))).rejects.toThrow(
      new RegExp(
        `the read pool 127\\.0\\.0\\.1:${unreachable.port}/${outputs.database} is unavailable \\(ECONNREFUSED.*\\); no read was made`,
      ),
    );
  });

  it("names both pools when neither can serve, and writes nothing without the write pool", async () => {
    const down = await closedPort();
    const db = clientWith({}, { read: down, write: down });
    await expect(db.read((tx) => tx.query("SELECT 1"))).rejects.toThrow(NoServerError);
    await expect(db.read((tx) => tx.query("SELECT 1"))).rejects.toThrow(
      /is unavailable .*, and the write pool .* failed too .*; no read was made/,
    );
    await expect(db.write((tx) => tx.query("SELECT 1"))).rejects.toThrow(
      /the write pool .* is unavailable .*; nothing was written/,
    );
  });

  it("refuses to hand out a token for a transaction that failed inside and was rolled back", async () => {
    const db = clientWith();
    const failing = db.write(async (tx) => {
      await writeVersion(tx, table, "rolled-back", 1);
      await tx.query("SELECT 1 / 0").catch(() => undefined);
      return "done";
    });
    await expect(failing).rejects.toThrow(WriteNotCommittedError);
    expect(
      (await db.read((tx) => readVersion(tx, table, "rolled-back"), { consistency: "primary" })).result,
    ).toBeUndefined();
  });
});

describe("telemetry", () => {
  it("traces each call as OpenTelemetry's database conventions ask, with where it went and why, and counts decisions", async () => {
    const spans = new InMemorySpanExporter();
    const reader = new TestReader();
    const telemetry = {
      tracerProvider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }),
      meterProvider: new MeterProvider({ readers: [reader] }),
    };
    const db = clientWith(telemetry);
    const { token } = await db.write((tx) => writeVersion(tx, table, "traced", 1));
    await db.read((tx) => readVersion(tx, table, "traced"), { consistency: "eventual" });
    await db.read((tx) => readVersion(tx, table, "traced"), { consistency: "primary", token });
    const onWriter = clientWith(telemetry, { read: outputs.writer });
    await onWriter.read((tx) => readVersion(tx, table, "traced"), { token });
    await expect(db.write((tx) => tx.query("SELECT 1/0"))).rejects.toThrow(/division by zero/);

    const finished = spans.getFinishedSpans();
    const database = outputs.database;
    expect(finished.map((s) => s.name)).toEqual([
      `write ${database}`,
      `read ${database}`,
      `read ${database}`,
      `read ${database}`,
      `write ${database}`,
    ]);
    expect(finished.every((s) => s.kind === SpanKind.CLIENT)).toBe(true);
    const [write, eventual, primary, fallback, failed] = finished.map((s) => s.attributes);
    // The conventions' own attributes: the system, the database, the call, and the pool it ran on.
    for (const attributes of [write, eventual, primary, fallback, failed])
      expect(attributes).toMatchObject({ "db.system.name": "postgresql", "db.namespace": database });
    expect(write).toMatchObject({
      "db.operation.name": "write",
      "server.address": outputs.pools.write.host,
      "server.port": outputs.pools.write.port,
      [ATTRIBUTES.causalityToken]: token,
      [ATTRIBUTES.routedToPrimary]: true,
    });
    expect(eventual).toMatchObject({
      "db.operation.name": "read",
      "server.address": outputs.pools.read.host,
      "server.port": outputs.pools.read.port,
      [ATTRIBUTES.consistency]: "eventual",
      [ATTRIBUTES.routedToPrimary]: false,
      [ATTRIBUTES.target]: "replica",
    });
    expect(typeof eventual![ATTRIBUTES.server]).toBe("string");
    expect(eventual![ATTRIBUTES.lagMs]).toBeGreaterThanOrEqual(0);
    if (!external) expect(oltpReaders().map((r) => r.name)).toContain(eventual![ATTRIBUTES.server]);
    expect(primary).toMatchObject({
      [ATTRIBUTES.consistency]: "primary",
      [ATTRIBUTES.routedToPrimary]: true,
      "server.address": outputs.pools.write.host,
      "server.port": outputs.pools.write.port,
    });
    expect(primary![ATTRIBUTES.fallbackReason]).toBeUndefined();
    expect(fallback).toMatchObject({
      [ATTRIBUTES.consistency]: "read-your-writes",
      [ATTRIBUTES.routedToPrimary]: true,
      [ATTRIBUTES.fallbackReason]: "not_in_recovery",
    });
    // A failed call: the SQLSTATE as error.type and db.response.status_code, and an error status.
    expect(failed).toMatchObject({ "error.type": "22012", "db.response.status_code": "22012" });
    expect(finished[4]!.status.code).toBe(SpanStatusCode.ERROR);
    // Nothing of the product's own in the reserved db.* namespace.
    const reserved = new Set(["db.system.name", "db.namespace", "db.operation.name", "db.response.status_code"]);
    for (const span of finished)
      expect(Object.keys(span.attributes).filter((k) => k.startsWith("db.") && !reserved.has(k))).toEqual([]);

    expect(await counted(reader, METRICS.decisions, { [ATTRIBUTES.target]: "replica" })).toBe(1);
    expect(await counted(reader, METRICS.decisions, { [ATTRIBUTES.target]: "primary" })).toBe(2);
    expect(await counted(reader, METRICS.fallbacks, {})).toBe(1);
    expect(
      await counted(reader, METRICS.fallbacks, {
        [ATTRIBUTES.fallbackReason]: "not_in_recovery",
        [ATTRIBUTES.consistency]: "read-your-writes",
      }),
    ).toBe(1);
    // Lag at routing time, as a histogram: the eventual read's replica and the writer passed over (lag unknown there).
    expect(await histogramCount(reader, METRICS.replicaLag, { [ATTRIBUTES.target]: "replica" })).toBe(1);
  });
});

/**
 * Fills the writer's current WAL page exactly with logical messages, so its insert position lands at the next page's
 * start.
 */
const FILL_TO_PAGE_END = `DO $$
DECLARE room int; n int;
BEGIN
  FOR attempt IN 1..20 LOOP
    room := 8192 - ((pg_current_wal_insert_lsn() - '0/0'::pg_lsn) % 8192)::int;
    IF room < 64 THEN PERFORM pg_logical_emit_message(false, 'pgrr', repeat('x', 100)); CONTINUE; END IF;
    -- record header 24, main-data header 2 (short) or 5, xl_logical_message 24, prefix 'pgrr' + NUL 5
    n := room - 24 - CASE WHEN room - 26 > 255 THEN 5 ELSE 2 END - 29;
    PERFORM pg_logical_emit_message(false, 'pgrr', repeat('x', n));
    IF ((pg_current_wal_insert_lsn() - '0/0'::pg_lsn) % 8192)::int IN (24, 40) THEN RETURN; END IF;
  END LOOP;
  RAISE EXCEPTION 'no page boundary reached';
END $$`;

describe.skipIf(external)("the causality token", () => {
  const writerName = () => runner().state()!.writer;

  it("is at or past the end of the write's commit record, which a position read before COMMIT is not", async () => {
    await runner().superuserQuery(writerName(), "CREATE EXTENSION IF NOT EXISTS pg_walinspect");
    const db = clientWith();
    for (let i = 0; i < 5; i++) {
      const { result, token } = await db.write(async (tx) => {
        await writeVersion(tx, table, "walinspect", i);
        return (await tx.query("SELECT pg_current_xact_id()::text AS xid, pg_current_wal_insert_lsn()::text AS before"))
          .rows[0] as { xid: string; before: string };
      });
      const commit = await runner().superuserQuery(
        writerName(),
        `SELECT end_lsn FROM pg_get_wal_records_info('${result.before}', pg_current_wal_flush_lsn()) WHERE record_type = 'COMMIT' AND xid::text = '${result.xid}'`,
      );
      const commitEnd = commit.trim();
      expect(commitEnd).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      expect(parseToken(token)).toBeGreaterThanOrEqual(parseToken(commitEnd));
      expect(parseToken(result.before)).toBeLessThan(parseToken(commitEnd));
    }
  });

  it("is reachable by an idle replica when the writer's insert position sits at a page start", async () => {
    const reader = endpointOf(oltpReaders()[0]!);
    const seen = await eventually("the writer idle at a page start, the replica caught up", 60_000, async () => {
      await runner().superuserQuery(writerName(), FILL_TO_PAGE_END);
      const [w] = await sql<{ raw: string; position: string }>(
        outputs.writer,
        `SELECT pg_current_wal_insert_lsn()::text AS raw, ${WRITER_POSITION}::text AS position`,
      );
      const replay = await eventually("the replica caught up", 5000, async () =>
        (await replayed(reader)) === w!.position ? w!.position : undefined,
      ).catch(() => undefined);
      const [again] = await sql<{ raw: string }>(outputs.writer, "SELECT pg_current_wal_insert_lsn()::text AS raw");
      return replay !== undefined && again!.raw === w!.raw ? { ...w!, replay } : undefined;
    });
    // The raw insert position is past the page header: an idle replica never reaches it.
    expect(parseToken(seen.raw) - parseToken(seen.replay)).toBeOneOf([24n, 40n]);
    const onReplica = clientWith({ maxWaitMs: 0 }, { read: reader });
    const read = await onReplica.read((tx) => tx.query("SELECT 1"), { token: seen.position });
    expect(read.route.target).toBe("replica");
  });
});

describe.skipIf(external)("local env", () => {
  it("prints the pools' URLs as shell exports that the client runs on", async () => {
    const bin = join(__dirname, "../../bin/pg-read-replicas.cjs");
    const { stdout } = await promisify(execFile)(process.execPath, [
      bin,
      "local",
      "env",
      "--stack",
      "itest",
      "--state-dir",
      stateDir!,
    ]);
    expect(stdout).toMatch(/^export DATABASE_PRIMARY_URL='postgresql:\/\/.*'$/m);
    const printed = await promisify(execFile)("bash", [
      "-c",
      `${stdout}\nprintf '%s\\n' "$DATABASE_PRIMARY_URL" "$DATABASE_REPLICA_URL" "$DATABASE_OLAP_URL"`,
    ]);
    const [primary, replica, olap] = printed.stdout.trim().split("\n");
    expect({ primary, replica, olap }).toEqual(outputs.connectionUrls);
    const db = ReplicaClient.fromEnv({
      DATABASE_PRIMARY_URL: primary,
      DATABASE_REPLICA_URL: replica,
      DATABASE_OLAP_URL: olap,
    });
    try {
      const { token } = await db.write((tx) => writeVersion(tx, table, "from-env", 3));
      expect((await db.read((tx) => readVersion(tx, table, "from-env"), { token })).result).toBe(3);
      expect((await db.analytic((tx) => tx.query("SELECT 1"))).route.target).toBe("olap");
    } finally {
      await db.close();
    }
  });
});
