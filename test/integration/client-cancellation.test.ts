/**
 * Every call can be cancelled: an aborted read rejects with an AbortError and gives its
 * connection up (a pool of one serves the next read), a deadline rejects with a TimeoutError
 * and a write cut short by one does not commit, and a read cancelled while it waits for a
 * replica goes nowhere else.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  clientWith,
  closeClients,
  pauseReplay,
  readVersion,
  resumeReplay,
  versionedTable,
  writeVersion,
} from "./clientSupport";
import type { Endpoint } from "../../components/contract/stackOutputs";
import { endpointOf, eventually, external, oltpReaders, outputs, sql } from "./support";

/** Statements tagged `tag` still running on `server`. */
async function running(server: Endpoint, tag: string): Promise<number> {
  const [row] = await sql<{ n: number }>(
    server,
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%${tag}%' AND pid <> pg_backend_pid()`,
  );
  return row!.n;
}

let table: string;
beforeAll(async () => {
  table = await versionedTable("cancel");
});
afterEach(async () => {
  if (!external) await resumeReplay(oltpReaders()[0]!.name);
});
afterAll(closeClients);

describe("cancelling a call", () => {
  it.each(["read-your-writes", "primary"] as const)(
    "rejects an aborted %s read with an AbortError and gives its connection up",
    async (consistency) => {
      const db = clientWith({ poolSize: 1 });
      const controller = new AbortController();
      const aborted = db.read(
        async (tx) => {
          const slow = tx.query("SELECT pg_sleep(30)");
          setTimeout(() => controller.abort(), 50);
          return slow;
        },
        { signal: controller.signal, consistency },
      );
      await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
      // One connection per pool: the next read gets one only if the aborted read gave it up.
      const next = await db.read((tx) => tx.query("SELECT 1 AS one"), { timeoutMs: 10_000, consistency });
      expect(next.result.rows[0].one).toBe(1);
    },
  );

  it("asks the server to cancel the aborted statement, which a closed connection alone leaves running", async () => {
    const db = clientWith();
    const controller = new AbortController();
    const aborted = db.read(
      async (tx) => {
        const slow = tx.query("SELECT pg_sleep(30) /* pgrr-aborted-read */");
        setTimeout(() => controller.abort(), 50);
        return slow;
      },
      { signal: controller.signal, consistency: "primary" },
    );
    await expect(aborted).rejects.toMatchObject({ name: "AbortError" });
    // The write pool has one server: the cancel reaches the backend running the sleep (see cancellation.ts for a read
    // pool whose connections a balancer spreads).
    await eventually("the aborted read's statement cancelled on the writer", 10_000, async () =>
      (await running(outputs.writer, "pgrr-aborted-read")) === 0 ? true : undefined,
    );
  });

  it("refuses a call whose signal was aborted already, running nothing", async () => {
    const db = clientWith();
    let ran = false;
    const work = async () => (ran = true);
    const signal = AbortSignal.abort();
    await expect(db.read(work, { signal })).rejects.toMatchObject({ name: "AbortError" });
    await expect(db.write(work, { signal })).rejects.toMatchObject({ name: "AbortError" });
    // A stack without an OLAP replica (dev, rehearsed through its outputs) refuses analytic() as misconfigured first.
    if (outputs.pools.olap) await expect(db.analytic(work, { signal })).rejects.toMatchObject({ name: "AbortError" });
    expect(ran).toBe(false);
  });

  it("fires a call's deadline, and the client's for every call, with a TimeoutError; a write cut short does not commit", async () => {
    const db = clientWith();
    await expect(
      db.read((tx) => tx.query("SELECT pg_sleep(30)"), { consistency: "primary", timeoutMs: 200 }),
    ).rejects.toMatchObject({ name: "TimeoutError" });
    const deadlined = clientWith({ timeoutMs: 200 });
    await expect(
      deadlined.write(async (tx) => {
        await writeVersion(tx, table, "cut-short", 1);
        await tx.query("SELECT pg_sleep(30) /* pgrr-cut-short */");
      }),
    ).rejects.toMatchObject({ name: "TimeoutError" });
    expect((await db.read((tx) => readVersion(tx, table, "cut-short"), { consistency: "primary" })).result).toBe(
      undefined,
    );
    // The per-call deadline overrides the client's.
    const long = await deadlined.read((tx) => tx.query("SELECT pg_sleep(0.4)"), {
      consistency: "primary",
      timeoutMs: 30_000,
    });
    expect(long.route.target).toBe("primary");
  });

  it.skipIf(external)(
    "ends a read that waits for a replica behind its token, without going to the primary",
    async () => {
      const reader = oltpReaders()[0]!;
      const db = clientWith({}, { read: endpointOf(reader) });
      await pauseReplay(reader.name);
      const { token } = await db.write((tx) => writeVersion(tx, table, "waiting", 1));
      let ran = false;
      const waiting = db.read(async () => (ran = true), { token, maxWaitMs: 60_000, timeoutMs: 300 });
      await expect(waiting).rejects.toMatchObject({ name: "TimeoutError" });
      expect(ran).toBe(false);
    },
  );
});
