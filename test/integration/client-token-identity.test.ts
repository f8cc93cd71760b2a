/**
 * Tokens carry the writer's identity (issue 26 item 5): the cluster's system identifier and the timeline, as the
 * writer itself reports them, and the time they were issued. A token from another cluster or one past tokenMaxAgeMs
 * is dropped without a wait or a primary read (the staleness ceiling still holds); with a tokenSecret, a token edited
 * or made by hand is refused before any I/O, and two clients sharing the secret read each other's tokens.
 */
import { afterAll, describe, expect, it } from "vitest";
import { type Queryable, TokenError, formatLsn, parseToken } from "pg-read-replicas/client";
import { decodeToken, encodeToken } from "../../components/client/token";
import { clientWith, closeClients, closedPort, readVersion, versionedTable, writeVersion } from "./clientSupport";
import { outputs, sql } from "./support";

const SECRET = "integration-test-secret-of-32-bytes!";

const one = async (tx: Queryable) => (await tx.query("SELECT 1 AS one")).rows[0].one as number;

async function writerIdentity(): Promise<{ system: string; timeline: number; position: bigint }> {
  const [row] = await sql<{ system: string; file: string; lsn: string }>(
    outputs.pools.write,
    `SELECT system_identifier::text AS system, pg_walfile_name(pg_current_wal_insert_lsn()) AS file,
            pg_current_wal_insert_lsn()::text AS lsn FROM pg_control_system()`,
  );
  return { system: row!.system, timeline: parseInt(row!.file.slice(0, 8), 16), position: parseToken(row!.lsn) };
}

/** A token far ahead of the writer, as another cluster's or a lost one would be, with the given identity and age. */
async function farToken(system: string, issuedAt: number): Promise<string> {
  const writer = await writerIdentity();
  return encodeToken({ position: writer.position + (16n << 30n), identity: { system, timeline: 1 }, issuedAt });
}

afterAll(closeClients);

describe("tokens with the writer's identity", () => {
  it("name the writer's cluster and timeline, as the writer reports them, and when they were issued", async () => {
    const client = clientWith();
    const table = await versionedTable("identity");
    const before = Date.now();
    const { token } = await client.write((tx) => writeVersion(tx, table, "k", 1));
    const writer = await writerIdentity();
    const decoded = decodeToken(token);
    expect(decoded.identity).toEqual({ system: writer.system, timeline: writer.timeline });
    expect(decoded.issuedAt).toBeGreaterThanOrEqual(before);
    expect(decoded.issuedAt).toBeLessThanOrEqual(Date.now());
    expect(decoded.position).toBeLessThanOrEqual(writer.position);
    // The same token gates a read as the bare position did: the row is there.
    const read = await client.read((tx) => readVersion(tx, table, "k"), { token, maxWaitMs: 5_000 });
    expect(read.result).toBe(1);
    expect(read.route.target).toBe("replica");
    expect(decodeToken(read.token!).identity).toEqual(decoded.identity);
  });

  it("drop another cluster's token: no wait, no primary read, a fresh token back", async () => {
    const client = clientWith({ maxWaitMs: 2_000 });
    const foreign = await farToken("12345", Date.now());
    const read = await client.read(one, { token: foreign });
    expect(read.route).toMatchObject({ target: "replica", tokenDropped: "other_cluster", gated: true });
    expect(read.route.waitedMs).toBeLessThan(2_000);
    expect(decodeToken(read.token!).identity?.system).toBe((await writerIdentity()).system);
    // A session holding it takes the fresh token: its next read is not dropped again.
    const session = client.session(foreign);
    await session.read(one);
    expect((await session.read(one)).route.tokenDropped).toBeUndefined();
    const written = await client.write(async () => undefined, { token: foreign });
    expect(written.tokenDropped).toBe("other_cluster");
  });

  it("drop a token older than tokenMaxAgeMs, which the staleness ceiling already covers", async () => {
    const client = clientWith({ maxWaitMs: 2_000, tokenMaxAgeMs: 30_000, maxReplicaStalenessMs: 30_000 });
    const { system } = await writerIdentity();
    const old = await farToken(system, Date.now() - 31_000);
    const read = await client.read(one, { token: old });
    expect(read.route).toMatchObject({ target: "replica", tokenDropped: "expired" });
    // Within the age the same (unreachable) token is honoured: the primary serves and clamps it.
    const recent = await farToken(system, Date.now() - 1_000);
    const served = await client.read(one, { token: recent, maxWaitMs: 100 });
    expect(served.route).toMatchObject({ target: "primary", tokenClamped: true });
    expect(served.route.tokenDropped).toBeUndefined();
  });
});

describe("signed tokens (tokenSecret)", () => {
  it("are read by every client with the secret, and gate the read as usual", async () => {
    const writer = clientWith({ tokenSecret: SECRET });
    const reader = clientWith({ tokenSecret: ["a-newer-secret-that-is-32-bytes-long", SECRET] });
    const table = await versionedTable("signed");
    const { token } = await writer.write((tx) => writeVersion(tx, table, "k", 7));
    expect(decodeToken(token).mac).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const read = await reader.read((tx) => readVersion(tx, table, "k"), { token, maxWaitMs: 5_000 });
    expect(read.result).toBe(7);
    // The reader signs with its first secret; the writer, without that one, refuses what the reader issued.
    expect(() => writer.checkToken(read.token)).toThrow(TokenError);
  });

  it("refuse an edited, unsigned or bare token before any I/O", async () => {
    // Every pool points at a closed port: anything but a TokenError would mean the client tried to connect.
    const closed = await closedPort();
    const client = clientWith({ tokenSecret: SECRET }, { write: closed, read: closed, olap: closed });
    const signer = clientWith({ tokenSecret: SECRET });
    const { token } = await signer.write(async () => undefined);
    const decoded = decodeToken(token);
    const edited = encodeToken({ ...decoded, position: decoded.position + (1n << 30n) });
    const unsigned = encodeToken({ ...decoded, mac: undefined });
    for (const given of [edited, unsigned, formatLsn(decoded.position)]) {
      await expect(client.read(one, { token: given })).rejects.toThrow(TokenError);
      await expect(client.write(async () => undefined, { token: given })).rejects.toThrow(TokenError);
      expect(() => client.session(given)).toThrow(TokenError);
    }
    await expect(client.analytic(one, { token: edited })).rejects.toThrow(TokenError);
  });
});
