/**
 * Faults against the topology this suite booted: a replica stopped and back,
 * its slot's WAL bound, a lagging replica, a long analytic query, and a promotion
 * refused before it stops the writer (promotion itself runs on a topology of its
 * own: test/rehearsal/promotion.test.ts). Skipped with STACK_OUTPUTS: these stop servers.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { verifyStack } from "../../components/verify/verifier";
import {
  client,
  endpointOf,
  eventually,
  external,
  generateWal,
  localJobScript,
  olapReaders,
  oltpReaders,
  outputs,
  readPoolHosts,
  readPoolLandings,
  runner,
  sql,
  statsSql,
  stateDir,
} from "./support";

const MB = 1024 * 1024;
const STOPPED = "it-replica-1";

interface SlotRow {
  active: boolean;
  wal_status: string;
  retained: string;
  safe_wal_size: string | null;
}

async function slot(name: string): Promise<SlotRow> {
  const [row] = await sql<SlotRow>(
    outputs.writer,
    "SELECT active, wal_status, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS retained, safe_wal_size FROM pg_replication_slots WHERE slot_name = $1",
    [name],
  );
  return row!;
}

describe.skipIf(external).sequential("faults", () => {
  describe("a replica stopped", () => {
    it("is reported by name while the writer keeps taking writes", async () => {
      await runner().stopNodeByName(STOPPED);
      const report = await verifyStack(outputs, { timeoutMs: 2000, retryDelayMs: 500 });
      expect(report.ok).toBe(false);
      const stopped = report.replicas.find((r) => r.name === STOPPED)!;
      expect(stopped.problems.join("\n")).toMatch(
        /it-replica-1: not connected to the writer \(absent from pg_stat_replication\)/,
      );
      for (const other of report.replicas.filter((r) => r.name !== STOPPED))
        expect(other.problems, other.name).toEqual([]);
      await sql(outputs.pools.write, "CREATE TABLE IF NOT EXISTS during_outage (id serial PRIMARY KEY)");
      await sql(outputs.pools.write, "INSERT INTO during_outage DEFAULT VALUES");
    });

    it("leaves the read pool's host list, so the read pool keeps serving from the others", async () => {
      const stopped = outputs.readers.find((r) => r.name === STOPPED)!;
      await eventually("the controller dropping the stopped replica from the read pool", 10_000, async () =>
        (await readPoolHosts()).includes(stopped.host) ? undefined : true,
      );
      expect(await readPoolLandings(40)).toEqual(new Set(["it-replica-0"]));
    });

    it("fails the Kubernetes verification script, naming the replica", async () => {
      const { script, env } = localJobScript({ pools: false, timeoutS: 3 });
      const path = join(stateDir!, "verify-job-fault.sh");
      writeFileSync(path, script);
      const failure = await promisify(execFile)("bash", [path], {
        env: { ...env, HEARTBEAT_TOKEN: "itest-fault" },
      }).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toMatch(/verify: FAILED after 3s/);
      expect(failure?.stderr).toMatch(/it-replica-1: not connected to the writer/);
    });

    it("keeps its slot holding the WAL it needs, within max_slot_wal_keep_size", async () => {
      const before = await slot("it_replica_1");
      expect(before.active).toBe(false);
      await generateWal(24);
      const after = await slot("it_replica_1");
      expect(after.active).toBe(false);
      expect(["reserved", "extended"]).toContain(after.wal_status);
      expect(Number(after.retained)).toBeGreaterThanOrEqual(Number(before.retained) + 20 * MB);
      // safe_wal_size: how much more WAL may be written before this slot is given up (64MB bound).
      expect(Number(after.safe_wal_size)).toBeGreaterThan(0);
      expect(Number(after.safe_wal_size) + Number(after.retained)).toBeLessThanOrEqual(64 * MB + 16 * MB);
    });

    it("catches up when started again, and verification passes", async () => {
      await runner().startNodeByName(STOPPED);
      const report = await verifyStack(outputs, { timeoutMs: 60_000 });
      expect(report.problems).toEqual([]);
      expect((await slot("it_replica_1")).active).toBe(true);
      const rows = await sql(
        endpointOf(outputs.readers.find((r) => r.name === STOPPED)!),
        "SELECT count(*)::int AS n FROM during_outage",
      );
      expect(rows[0]!.n).toBe(1);
    });
  });

  describe("a replica stopped past max_slot_wal_keep_size", () => {
    it("loses its slot instead of filling the primary's disk, and is re-seeded", async () => {
      await runner().stopNodeByName(STOPPED);
      await generateWal(96);
      await eventually("slot it_replica_1 invalidated", 60_000, async () => {
        await runner().superuserQuery("it-primary-0", "CHECKPOINT");
        return (await slot("it_replica_1")).wal_status === "lost" ? true : undefined;
      });
      await runner().reseed(STOPPED);
      const report = await verifyStack(outputs, { timeoutMs: 60_000 });
      expect(report.problems).toEqual([]);
      expect((await slot("it_replica_1")).wal_status).toBe("reserved");
    });
  });

  describe("a replica lagging past replication.maxLagBytes", () => {
    const LAGGING = "it-replica-0";
    it("leaves the read pool, its open transaction is cut within the drain bound, and it comes back once replayed", async () => {
      const lagging = outputs.readers.find((r) => r.name === LAGGING)!;
      // A client holding a transaction on the replica about to fall behind.
      const held = client(outputs.pools.read);
      await held.connect();
      await held.query("BEGIN");
      // Finding one is not a bound: after the re-seed above the read pool may take a while to list every replica.
      await eventually(`a read-pool transaction on ${LAGGING}`, 60_000, async () => {
        const { rows } = await held.query("SELECT current_setting('cluster_name') AS name");
        if (rows[0].name === LAGGING) return true;
        await held.query("ROLLBACK");
        await held.query("BEGIN");
        return undefined;
      });
      await runner().superuserQuery(LAGGING, "SELECT pg_wal_replay_pause()");
      await generateWal(24); // past the 16MB bound of this suite's topology
      await eventually(`${LAGGING} out of the read pool's host list`, 15_000, async () =>
        (await readPoolHosts()).includes(lagging.host) ? undefined : true,
      );
      expect(await readPoolLandings(30)).toEqual(new Set(["it-replica-1"]));
      // Its remaining client is disconnected after the controller's drain period, not left on stale data.
      await eventually("the held transaction on the lagging replica cut", 15_000, async () =>
        held.query("SELECT 1").then(
          () => undefined,
          () => true,
        ),
      );
      await held.end().catch(() => undefined);
      await runner().superuserQuery(LAGGING, "SELECT pg_wal_replay_resume()");
      await eventually(`${LAGGING} back in the read pool`, 30_000, async () =>
        (await readPoolHosts()).includes(lagging.host) ? true : undefined,
      );
      await eventually("reads reaching both OLTP replicas again", 30_000, async () =>
        (await readPoolLandings(40)).size === 2 ? true : undefined,
      );
    });
  });

  describe("a long analytic query on the OLAP replica", () => {
    it("is not cancelled, holds only the OLAP replica's replay, and leaves OLTP replicas current", async () => {
      const [olap] = olapReaders();
      await sql(outputs.pools.write, "CREATE TABLE olap_conflict (id int PRIMARY KEY, v int)");
      await sql(outputs.pools.write, "INSERT INTO olap_conflict SELECT g, 0 FROM generate_series(1, 20000) g");
      await sql(outputs.pools.write, "CREATE TABLE olap_marker (token text PRIMARY KEY)");
      await eventually("the table on the OLAP replica", 10_000, async () => {
        const rows = await sql(endpointOf(olap!), "SELECT count(*)::int AS n FROM olap_conflict");
        return rows[0]!.n === 20000 ? true : undefined;
      });

      const analytic = client(endpointOf(olap!));
      await analytic.connect();
      await analytic.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      await analytic.query("SELECT sum(v) FROM olap_conflict");
      // Dead rows the analytic snapshot still sees, removed by VACUUM on the primary: a recovery conflict on the OLAP
      // replica.
      await sql(outputs.pools.write, "UPDATE olap_conflict SET v = v + 1");
      // OLTP replicas' hot_standby_feedback (sent every second) must move past the UPDATE before VACUUM may remove its
      // dead rows.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await sql(outputs.writer, "VACUUM olap_conflict");
      await eventually("the OLAP replica's replay waiting on the analytic query", 15_000, async () => {
        const [row] = await statsSql<{ wait_event: string | null }>(
          endpointOf(olap!),
          "SELECT wait_event FROM pg_stat_activity WHERE backend_type = 'startup'",
        );
        return row?.wait_event === "RecoveryConflictSnapshot" ? true : undefined;
      });
      const started = Date.now();
      await sql(outputs.pools.write, "INSERT INTO olap_marker VALUES ('after-vacuum')");

      for (const reader of oltpReaders()) {
        await eventually(`the marker on ${reader.name}`, outputs.verification.maxLagMs, async () =>
          (await sql(endpointOf(reader), "SELECT 1 FROM olap_marker WHERE token = 'after-vacuum'")).length === 1
            ? true
            : undefined,
        );
      }
      expect(Date.now() - started).toBeLessThanOrEqual(outputs.verification.maxLagMs);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const onOlap = await sql(endpointOf(olap!), "SELECT 1 FROM olap_marker WHERE token = 'after-vacuum'");
      expect(onOlap, "OLAP replay should wait for the analytic query").toHaveLength(0);
      const [status] = await statsSql<{ replay: string; flush: string }>(
        outputs.writer,
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS replay, pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn)::bigint AS flush FROM pg_stat_replication WHERE application_name = $1",
        [olap!.name],
      );
      expect(Number(status!.replay)).toBeGreaterThan(0);
      expect(Number(status!.flush)).toBeLessThan(Number(status!.replay));

      const result = await analytic.query("SELECT sum(v)::int AS total FROM olap_conflict");
      expect(result.rows[0].total).toBe(0);
      await analytic.query("COMMIT");
      await analytic.end();
      await eventually("the OLAP replica catching up", 10_000, async () =>
        (await sql(endpointOf(olap!), "SELECT 1 FROM olap_marker WHERE token = 'after-vacuum'")).length === 1
          ? true
          : undefined,
      );
    });
  });

  describe("promote --force naming a replica that cannot be promoted", () => {
    it("refuses before stopping the writer, which keeps taking writes", async () => {
      const olap = olapReaders()[0]!;
      await expect(runner().promote({ replica: olap.name, force: true })).rejects.toThrow(
        new RegExp(`--replica ${olap.name} cannot be promoted.*Nothing was changed`),
      );
      await sql(outputs.pools.write, "CREATE TABLE after_refused_promote (id int)");
      const [row] = await sql<{ name: string }>(
        outputs.pools.write,
        "INSERT INTO after_refused_promote VALUES (1) RETURNING current_setting('cluster_name') AS name",
      );
      expect(row!.name).toBe("it-primary-0");
    });
  });
});
