/**
 * After COMMIT is sent, the write's outcome is unknown until the answer arrives. A lost
 * answer is a CommitOutcomeUnknownError (never a raw socket error a caller would retry on),
 * although here the write did commit; a COMMIT that the server refused (a deferred
 * constraint) is the caller's own error, and the write is known not to have happened.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CommitOutcomeUnknownError, WriteNotCommittedError } from "pg-read-replicas/client";
import { clientWith, closeClients, readVersion, versionedTable, writeVersion } from "./clientSupport";
import { CutProxy } from "./cutProxy";
import { outputs, sql } from "./support";

let table: string;
const proxies: CutProxy[] = [];
beforeAll(async () => {
  table = await versionedTable("outcome");
});
afterAll(async () => {
  await closeClients();
  await Promise.all(proxies.map((p) => p.close()));
});

const onPrimary = (db: ReturnType<typeof clientWith>, id: string) =>
  db.read((tx) => readVersion(tx, table, id), { consistency: "primary" });

describe("a write whose COMMIT answer is lost", () => {
  it("throws CommitOutcomeUnknownError carrying the pool and the token before it, and the write did commit", async () => {
    const proxy = await CutProxy.to(outputs.pools.write);
    proxies.push(proxy);
    const db = clientWith({}, { write: proxy.endpoint });
    const before = (await db.write((tx) => writeVersion(tx, table, "other", 1))).token;
    const lost = await db
      .write(
        async (tx) => {
          await writeVersion(tx, table, "lost-answer", 1);
          proxy.arm(); // the next message is COMMIT and the position query
        },
        { token: before },
      )
      .catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(CommitOutcomeUnknownError);
    const unknown = lost as CommitOutcomeUnknownError;
    expect(unknown.pool).toBe(`127.0.0.1:${proxy.endpoint.port}/${outputs.database}`);
    expect(unknown.tokenBefore).toBe(before);
    expect(unknown.message).toMatch(/may have committed or not\. Retry only if the write is idempotent/);
    expect(unknown.cause).toBeInstanceOf(Error);
    // Why a blind retry is wrong: the server committed it.
    expect((await onPrimary(clientWith(), "lost-answer")).result).toBe(1);
    // The client is usable afterwards: the broken connection was dropped, not handed out again.
    const again = await db.write((tx) => writeVersion(tx, table, "after-loss", 2));
    expect(again.token).toBeTruthy();
  });

  it("leaves a COMMIT the server refused as the caller's own error: rolled back, not unknown", async () => {
    const db = clientWith();
    const deferred = `${table}_deferred`;
    await sql(
      outputs.pools.write,
      `CREATE TABLE ${deferred} (id int, CONSTRAINT ${deferred}_u UNIQUE (id) DEFERRABLE INITIALLY DEFERRED); INSERT INTO ${deferred} VALUES (1)`,
    );
    const refused = await db
      .write(async (tx) => {
        await tx.query(`INSERT INTO ${deferred} VALUES (1)`); // checked at COMMIT
        await writeVersion(tx, table, "refused-at-commit", 1);
      })
      .catch((error: unknown) => error);
    expect(refused).not.toBeInstanceOf(CommitOutcomeUnknownError);
    expect(refused).not.toBeInstanceOf(WriteNotCommittedError);
    expect((refused as { code?: string }).code).toBe("23505");
    expect((await onPrimary(db, "refused-at-commit")).result).toBeUndefined();
  });
});
