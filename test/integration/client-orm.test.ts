/**
 * ORMs on the router (issue 26 item 12): drizzle-orm, kysely and Prisma (its pg driver adapter) run their queries on
 * the transaction read() and write() opened, so the gate holds for them as for raw pg. With replay paused on every
 * OLTP replica, a read with the write's token returns the row (the primary served it after the wait) while the
 * replicas, asked directly, do not have it; with replay running the token's read is a replica's and has the row.
 * drizzle's own transaction() inside a read is refused (ReadTransactionEndedError), and sessions carry the token
 * between ORM calls.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { integer, pgTable, text } from "drizzle-orm/pg-core";
import { Kysely, PostgresDialect } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ReadTransactionEndedError, connectionPool, ormClient } from "pg-read-replicas/client";
import { clientWith, closeClients, pauseReplay, resumeReplay } from "./clientSupport";
import { endpointOf, external, oltpReaders, outputs, sql } from "./support";

const notes = pgTable("orm_notes", { id: text("id").primaryKey(), version: integer("version").notNull() });
interface Database {
  orm_notes: { id: string; version: number };
}

beforeAll(async () => {
  await sql(outputs.pools.write, "CREATE TABLE IF NOT EXISTS orm_notes (id text PRIMARY KEY, version int NOT NULL)");
});
afterEach(async () => {
  if (!external) for (const reader of oltpReaders()) await resumeReplay(reader.name);
});
afterAll(closeClients);

/** How many rows with this id each OLTP replica has, asked directly. */
const onReplicas = async (id: string) =>
  Promise.all(
    oltpReaders().map(
      async (r) =>
        (await sql<{ n: number }>(endpointOf(r), "SELECT count(*)::int AS n FROM orm_notes WHERE id = $1", [id]))[0]!.n,
    ),
  );

const pauseReplicas = async () => {
  for (const reader of oltpReaders()) await pauseReplay(reader.name);
};

describe("drizzle-orm on the router", () => {
  const orm = () => ormClient(clientWith({ maxWaitMs: 200 }), (connection) => drizzle({ client: connection }));

  it.skipIf(external)("reads its own write with the token while every replica is paused; without it, not", async () => {
    const db = orm();
    await pauseReplicas();
    const { token } = await db.write((q) => q.insert(notes).values({ id: "d1", version: 1 }));
    const gated = await db.read((q) => q.select().from(notes).where(eq(notes.id, "d1")), { token });
    expect(gated.result).toEqual([{ id: "d1", version: 1 }]);
    expect(gated.route).toMatchObject({ target: "primary", fallback: "wait_timeout" });
    expect(await onReplicas("d1")).toEqual(oltpReaders().map(() => 0));
  });

  it("serves the token's read from a replica once it has replayed it", async () => {
    const db = orm();
    const { token } = await db.write((q) =>
      q
        .insert(notes)
        .values({ id: "d2", version: 2 })
        .onConflictDoUpdate({ target: notes.id, set: { version: 2 } }),
    );
    const read = await db.read((q) => q.select().from(notes).where(eq(notes.id, "d2")), { token, maxWaitMs: 5_000 });
    expect(read.route.target).toBe("replica");
    expect(read.result).toEqual([{ id: "d2", version: 2 }]);
  });

  it("refuses drizzle's own transaction() inside a read: its COMMIT ends the gated transaction", async () => {
    const db = orm();
    const read = db.read((q) => q.transaction((t) => t.select().from(notes)));
    await expect(read).rejects.toThrow(ReadTransactionEndedError);
  });

  it("carries the token through a session from write to read", async () => {
    const session = orm().session();
    await session.write((q) =>
      q
        .insert(notes)
        .values({ id: "d3", version: 3 })
        .onConflictDoUpdate({ target: notes.id, set: { version: 3 } }),
    );
    expect(session.token).toBeDefined();
    const read = await session.read((q) => q.select({ version: notes.version }).from(notes).where(eq(notes.id, "d3")), {
      maxWaitMs: 5_000,
    });
    expect(read.result).toEqual([{ version: 3 }]);
  });
});

describe("kysely on the router", () => {
  const orm = () =>
    ormClient(
      clientWith({ maxWaitMs: 200 }),
      (connection) => new Kysely<Database>({ dialect: new PostgresDialect({ pool: connectionPool(connection) }) }),
    );

  it.skipIf(external)("reads its own write with the token while every replica is paused; without it, not", async () => {
    const db = orm();
    await pauseReplicas();
    const { token } = await db.write((q) => q.insertInto("orm_notes").values({ id: "k1", version: 1 }).execute());
    const select = (q: Kysely<Database>) => q.selectFrom("orm_notes").selectAll().where("id", "=", "k1").execute();
    const gated = await db.read(select, { token });
    expect(gated.result).toEqual([{ id: "k1", version: 1 }]);
    expect(gated.route.target).toBe("primary");
    expect(await onReplicas("k1")).toEqual(oltpReaders().map(() => 0));
  });

  it("runs several statements of one read in the gated transaction, and leaves the connection to the router", async () => {
    const db = orm();
    const { token } = await db.write(async (q) => {
      await q
        .insertInto("orm_notes")
        .values({ id: "k2", version: 1 })
        .onConflict((c) => c.column("id").doUpdateSet({ version: 1 }))
        .execute();
      await q.updateTable("orm_notes").set({ version: 2 }).where("id", "=", "k2").execute();
    });
    for (let i = 0; i < 3; i++) {
      const read = await db.read(
        async (q) => ({
          row: await q.selectFrom("orm_notes").select("version").where("id", "=", "k2").executeTakeFirst(),
          readOnly: (
            await q
              .selectNoFrom((e) => e.fn<string>("current_setting", [e.val("transaction_read_only")]).as("ro"))
              .executeTakeFirst()
          )?.ro,
        }),
        { token, maxWaitMs: 5_000 },
      );
      expect(read.result).toEqual({ row: { version: 2 }, readOnly: "on" });
      expect(read.route.target).toBe("replica");
    }
  });
});

/**
 * Prisma Client 7 generated from test/integration/prisma/schema.prisma. `prisma generate` needs no engine binary
 * (the client it writes runs on the driver adapter and a bundled query compiler), but the CLI downloads its schema
 * engine first unless PRISMA_SCHEMA_ENGINE_BINARY names one; this machine cannot reach binaries.prisma.sh, and
 * generate never runs it, so /bin/true stands in.
 */
async function generatedPrisma(): Promise<{ PrismaClient: new (options: { adapter: unknown }) => PrismaLike }> {
  const schema = join(__dirname, "prisma", "schema.prisma");
  execFileSync(join(process.cwd(), "node_modules", ".bin", "prisma"), ["generate", "--schema", schema], {
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: "/bin/true", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    stdio: "pipe",
  });
  return (await import(join(__dirname, "prisma", "generated", "client.ts"))) as never;
}

interface PrismaLike {
  ormNote: {
    upsert(args: unknown): Promise<{ id: string; version: number }>;
    findUnique(args: unknown): Promise<{ id: string; version: number } | null>;
  };
  $queryRawUnsafe(sql: string): Promise<unknown[]>;
}

describe("Prisma (through @prisma/adapter-pg) on the router", () => {
  let orm: ReturnType<typeof ormClient<PrismaLike>>;
  beforeAll(async () => {
    const { PrismaClient } = await generatedPrisma();
    orm = ormClient(
      clientWith({ maxWaitMs: 200 }),
      (connection) => new PrismaClient({ adapter: new PrismaPg(connectionPool(connection)) }),
    );
  }, 120_000);

  const upsert = (id: string, version: number) => (q: PrismaLike) =>
    q.ormNote.upsert({ where: { id }, create: { id, version }, update: { version } });

  it.skipIf(external)("reads its own write with the token while every replica is paused", async () => {
    await pauseReplicas();
    const { token } = await orm.write(upsert("p1", 1));
    const gated = await orm.read((q) => q.ormNote.findUnique({ where: { id: "p1" } }), { token });
    expect(gated.result).toEqual({ id: "p1", version: 1 });
    expect(gated.route.target).toBe("primary");
    expect(await onReplicas("p1")).toEqual(oltpReaders().map(() => 0));
  });

  it("serves the token's read from a replica once it has replayed it, on the connection the router opened", async () => {
    const { token } = await orm.write(upsert("p2", 2));
    const read = await orm.read((q) => q.ormNote.findUnique({ where: { id: "p2" } }), { token, maxWaitMs: 5_000 });
    expect(read.result).toEqual({ id: "p2", version: 2 });
    expect(read.route.target).toBe("replica");
    // Its statements ran in the router's read-only transaction on that replica, not on a pool of the adapter's own.
    const where = await orm.read(
      (q) =>
        q.$queryRawUnsafe(
          "SELECT current_setting('transaction_read_only') AS ro, pg_is_in_recovery() AS replica, current_setting('cluster_name') AS server",
        ),
      { token, maxWaitMs: 5_000 },
    );
    expect(where.result).toEqual([{ ro: "on", replica: true, server: where.route.server }]);
  });
});
