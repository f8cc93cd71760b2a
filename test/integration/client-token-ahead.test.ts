/**
 * A causality token ahead of the writer itself (its commits lost in an asynchronous failover, a token from before a
 * restore or from another cluster, a forged one) names WAL no server will ever have. Before, every read given it
 * waited maxWaitMs and fell back to the primary, and the token it returned was the same one, so a session or a
 * caller handing it back paid that on every read, forever. Now the first read is served by the primary and returns
 * the writer's position instead (route.tokenClamped); the read after it is a replica's again. A write given such a
 * token returns its commit's position alone. Here the token is forged far ahead of the local stack's writer, which is
 * what a lost one looks like to the writer: ahead of anything it wrote.
 */
import { afterAll, describe, expect, it } from "vitest";
import { ATTRIBUTES, formatLsn, parseToken } from "pg-read-replicas/client";
import { clientWith, closeClients, versionedTable, writeVersion } from "./clientSupport";
import { outputs, sql } from "./support";

const writerPosition = async () =>
  parseToken(
    (await sql<{ lsn: string }>(outputs.pools.write, "SELECT pg_current_wal_insert_lsn()::text AS lsn"))[0]!.lsn,
  );

/** A token 16 GiB of WAL past the writer: as a lost or foreign one, ahead of everything it wrote. */
const aheadOfWriter = async () => formatLsn((await writerPosition()) + (16n << 30n));

const one = async (tx: { query: (q: string) => Promise<{ rows: Array<{ one: number }> }> }) =>
  (await tx.query("SELECT 1 AS one")).rows[0]!.one;

afterAll(closeClients);

describe("a token ahead of the writer", () => {
  it("costs one read: the primary serves it and returns the writer's position, and the next read is a replica's", async () => {
    const client = clientWith({ maxWaitMs: 200 });
    const ahead = await aheadOfWriter();
    const first = await client.read(one, { token: ahead });
    expect(first.route).toMatchObject({ target: "primary", fallback: "wait_timeout", tokenClamped: true });
    const returned = parseToken(first.token!);
    expect(returned).toBeLessThan(parseToken(ahead));
    expect(returned).toBeLessThanOrEqual(await writerPosition());
    // The returned position is one a replica reaches: the next read is not sent to the primary for it.
    const next = await client.read(one, { token: first.token, maxWaitMs: 5_000 });
    expect(next.route.target).toBe("replica");
    expect(next.route.tokenClamped).toBeUndefined();
  });

  it("heals a session resumed with it after one read; the session's reads then stay on replicas", async () => {
    const client = clientWith({ maxWaitMs: 200 });
    const ahead = await aheadOfWriter();
    const session = client.session(ahead);
    const first = await session.read(one);
    expect(first.route.tokenClamped).toBe(true);
    expect(parseToken(session.token!)).toBeLessThan(parseToken(ahead));
    const later = await session.read(one, { maxWaitMs: 5_000 });
    expect(later.route.target).toBe("replica");
  });

  it("gives a write the commit's own position, not the unreachable one", async () => {
    const client = clientWith();
    const table = await versionedTable("ahead");
    const ahead = await aheadOfWriter();
    const written = await client.write((tx) => writeVersion(tx, table, "k", 1), { token: ahead });
    expect(written.tokenClamped).toBe(true);
    expect(parseToken(written.token)).toBeLessThanOrEqual(await writerPosition());
    const session = client.session(ahead);
    await session.write((tx) => writeVersion(tx, table, "k", 2));
    expect(parseToken(session.token!)).toBeLessThan(parseToken(ahead));
  });

  it("leaves a token the writer has reached alone: merged, not clamped", async () => {
    const client = clientWith();
    const table = await versionedTable("reached");
    const { token } = await client.write((tx) => writeVersion(tx, table, "k", 1));
    const read = await client.read(one, { token, consistency: "primary" });
    expect(read.route.tokenClamped).toBeUndefined();
    expect(parseToken(read.token!)).toBeGreaterThanOrEqual(parseToken(token));
    expect(ATTRIBUTES.tokenClamped).toBe("pg_read_replicas.causality_token.clamped");
  });
});
