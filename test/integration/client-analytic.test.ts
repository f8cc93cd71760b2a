/**
 * analytic() enforces a token on the OLAP replica: it waits for the replica to replay it,
 * bounded, and when the replica stays behind (its replay paused, as a long scan holds it)
 * fails with OlapBehindError; it never moves the read to the primary. Without a token it
 * reads whatever the replica has. Needs the superuser to pause replay: skipped with
 * STACK_OUTPUTS.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OlapBehindError, formatLsn, parseToken } from "pg-read-replicas/client";
import {
  clientWith,
  closeClients,
  pauseReplay,
  readVersion,
  resumeReplay,
  versionedTable,
  writeVersion,
} from "./clientSupport";
import { external, olapReaders } from "./support";

let table: string;
beforeAll(async () => {
  table = await versionedTable("analytic");
});
afterEach(async () => {
  if (!external) await resumeReplay(olapReaders()[0]!.name);
});
afterAll(closeClients);

describe.skipIf(external)("analytic reads with a token", () => {
  it("refuse with OlapBehindError, reading nothing anywhere, while the OLAP replica stays short of the token", async () => {
    const olap = olapReaders()[0]!.name;
    const db = clientWith();
    await db.write((tx) => writeVersion(tx, table, "report", 1));
    await pauseReplay(olap);
    const { token } = await db.write((tx) => writeVersion(tx, table, "report", 2));
    let ran = false;
    const refused = await db
      .analytic(async () => (ran = true), { token, maxWaitMs: 50 })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OlapBehindError);
    const behind = refused as OlapBehindError;
    expect(behind).toMatchObject({ required: formatLsn(parseToken(token)), server: olap });
    expect(parseToken(behind.replayed!)).toBeLessThan(parseToken(token));
    expect(behind.bytesBehind).toBeGreaterThan(0);
    expect(behind.message).toMatch(/never move to the primary/);
    expect(ran).toBe(false);
    // Without the token the same replica serves, and shows the older version it has.
    const eventual = await db.analytic((tx) => readVersion(tx, table, "report"));
    expect(eventual.route).toMatchObject({ target: "olap", gated: false });
    expect(eventual.result).toBe(1);
  });

  it("wait for the OLAP replica to replay the token and then read the write", async () => {
    const olap = olapReaders()[0]!.name;
    const db = clientWith();
    await pauseReplay(olap);
    const { token } = await db.write((tx) => writeVersion(tx, table, "waited", 5));
    const read = db.analytic((tx) => readVersion(tx, table, "waited"), { token, maxWaitMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 100)); // let it find the replica behind at least once
    await resumeReplay(olap);
    const served = await read;
    expect(served.result).toBe(5);
    expect(served.route).toMatchObject({ target: "olap", gated: true });
    expect(served.route.attempts).toBeGreaterThan(1);
    expect(parseToken(served.token!)).toBeGreaterThanOrEqual(parseToken(token));
  });
});
