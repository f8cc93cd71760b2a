/**
 * The routing client's edges, against real servers: bad tokens and unreachable pools are
 * refused with clear errors and no stale read; every decision is traced and counted; the
 * token is at or past the write's commit record (pg_walinspect) and reachable by an idle
 * replica; `local env` feeds the client. Tests needing the superuser or the CLI's local state
 * are skipped with STACK_OUTPUTS.
 */
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { type DataPoint, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  METRICS,
  NoServerError,
  ReplicaClient,
  ReplicaUnavailableError,
  TokenError,
  WriteNotCommittedError,
  parseToken,
} from "pg-read-replicas/client";
import { WRITER_POSITION } from "../../components/client/sql";
import { clientWith, closeClients, readVersion, replayed, versionedTable, writeVersion } from "./clientSupport";
import { endpointOf, eventually, external, oltpReaders, outputs, runner, sql, stateDir } from "./support";

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** Sum of a counter's points whose attributes include `match`. */
async function counted(reader: TestReader, name: string, match: Record<string, string>): Promise<number> {
  const { resourceMetrics } = await reader.collect();
  const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === name);
  const points = metrics.flatMap((m) => m.dataPoints as DataPoint<number>[]);
  return points
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => sum + Number(p.value), 0);
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<{ host: string; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return { host: "127.0.0.1", port };
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
    expect(await counted(reader, METRICS.fallbacks, { "db.routing.fallback_reason": "replica_unavailable" })).toBe(1);
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
  it("tags each read's span with where it went and why, and counts decisions and fallbacks", async () => {
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

    const finished = spans.getFinishedSpans();
    expect(finished.map((s) => s.name)).toEqual(["db.write", "db.read", "db.read", "db.read"]);
    const [write, eventual, primary, fallback] = finished.map((s) => s.attributes);
    expect(write).toMatchObject({
      "db.system.name": "postgresql",
      "db.causality_token": token,
      "db.routed_to_primary": true,
    });
    expect(eventual).toMatchObject({
      "db.consistency": "eventual",
      "db.routed_to_primary": false,
      "db.routing.target": "replica",
    });
    expect(typeof eventual!["db.replica_target"]).toBe("string");
    expect(eventual!["db.lag_at_route_time"]).toBeGreaterThanOrEqual(0);
    if (!external) expect(oltpReaders().map((r) => r.name)).toContain(eventual!["db.replica_target"]);
    expect(primary).toMatchObject({ "db.consistency": "primary", "db.routed_to_primary": true });
    expect(primary!["db.routing.fallback_reason"]).toBeUndefined();
    expect(fallback).toMatchObject({
      "db.consistency": "read-your-writes",
      "db.routed_to_primary": true,
      "db.routing.fallback_reason": "not_in_recovery",
    });

    expect(await counted(reader, METRICS.decisions, { "db.routing.target": "replica" })).toBe(1);
    expect(await counted(reader, METRICS.decisions, { "db.routing.target": "primary" })).toBe(2);
    expect(await counted(reader, METRICS.fallbacks, {})).toBe(1);
    expect(
      await counted(reader, METRICS.fallbacks, {
        "db.routing.fallback_reason": "not_in_recovery",
        "db.consistency": "read-your-writes",
      }),
    ).toBe(1);
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
