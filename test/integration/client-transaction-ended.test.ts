/**
 * A read's function that ends the read's transaction itself (drizzle-orm's transaction()
 * sends begin ... commit on the connection it is given; here its statements are sent as it
 * sends them, and client-orm.test.ts runs drizzle's own) is refused: what it ran after its
 * COMMIT ran outside the gate. Its own savepoints, which ORMs use for nested transactions, are fine.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Queryable, ReadTransactionEndedError } from "pg-read-replicas/client";
import { clientWith, closeClients, readVersion, versionedTable, writeVersion } from "./clientSupport";

let table: string;
beforeAll(async () => {
  table = await versionedTable("ended");
});
afterAll(closeClients);

/** What an ORM's transaction() does on the connection it is handed: its own BEGIN and COMMIT around the work. */
async function ormTransaction<T>(tx: Queryable, work: () => Promise<T>): Promise<T> {
  await tx.query("begin"); // inside read(): a warning, "there is already a transaction in progress"
  const result = await work();
  await tx.query("commit"); // ends the read's own transaction
  return result;
}

describe("a read whose function ends the read's transaction", () => {
  it.each(["read-your-writes", "primary"] as const)(
    "is refused on the %s route when an ORM's transaction() commits inside it",
    async (consistency) => {
      const db = clientWith();
      const { token } = await db.write((tx) => writeVersion(tx, table, "orm", 1));
      const read = db.read(
        async (tx) => {
          const inside = await ormTransaction(tx, () => readVersion(tx, table, "orm"));
          return { inside, after: await readVersion(tx, table, "orm") }; // outside the gate
        },
        { token, consistency },
      );
      await expect(read).rejects.toThrow(ReadTransactionEndedError);
      await expect(read).rejects.toThrow(/ended the read's transaction itself .* its result is discarded/);
    },
  );

  it("is refused when the function commits and opens a transaction of its own", async () => {
    const db = clientWith();
    const read = db.read(async (tx) => {
      await tx.query("COMMIT");
      await tx.query("BEGIN");
      return readVersion(tx, table, "orm");
    });
    await expect(read).rejects.toThrow(ReadTransactionEndedError);
    // The connection it ran on was cleaned up: the next reads are served normally.
    for (let i = 0; i < 3; i++) expect((await db.read((tx) => tx.query("SELECT 1"))).route.target).toBe("replica");
  });

  it("on the primary route, rolls back what the function began after its own COMMIT: no write is committed", async () => {
    const db = clientWith();
    const marker = `after-commit-${Date.now()}`;
    const read = db.read(
      async (tx) => {
        await tx.query("COMMIT");
        await tx.query("BEGIN"); // a transaction of its own, not READ ONLY
        await tx.query(`INSERT INTO ${table} (id, version) VALUES ($1, 1)`, [marker]);
        return "written";
      },
      { consistency: "primary" },
    );
    await expect(read).rejects.toThrow(ReadTransactionEndedError);
    const after = await db.read((tx) => tx.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = $1`, [marker]), {
      consistency: "primary",
    });
    expect(after.result.rows[0].n).toBe(0);
  });

  it("is served when the function uses savepoints of its own, as ORMs do for nested transactions", async () => {
    const db = clientWith();
    const { token } = await db.write((tx) => writeVersion(tx, table, "nested", 4));
    const read = await db.read(
      async (tx) => {
        await tx.query("SAVEPOINT orm_1");
        await tx.query("SELECT 1 / 0").catch(() => undefined);
        await tx.query("ROLLBACK TO SAVEPOINT orm_1");
        await tx.query("RELEASE SAVEPOINT orm_1");
        return readVersion(tx, table, "nested");
      },
      { token },
    );
    expect(read.result).toBe(4);
  });
});
