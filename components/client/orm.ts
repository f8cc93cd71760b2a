/**
 * ORMs and query builders on the router's transactions. read(), write() and analytic() hand their function the
 * node-postgres connection of the transaction they opened (the gate already checked on it); `ormClient` wraps that
 * connection in the caller's ORM once per call, so application code writes queries, not callbacks on raw `pg`:
 *
 *   const orm = ormClient(db, (connection) => drizzle({ client: connection }));            // drizzle-orm/node-postgres
 *   const orm = ormClient(db, (connection) =>
 *     new Kysely<DB>({ dialect: new PostgresDialect({ pool: connectionPool(connection) }) })); // kysely
 *   const orm = ormClient(db, (connection) => new PrismaClient({ adapter: new PrismaPg(connectionPool(connection)) }));
 *   const { token } = await orm.write((q) => q.insert(notes).values({ body: "hi" }));
 *   const { result } = await orm.read((q) => q.select().from(notes), { token });
 *
 * read() and write() are the transaction: the ORM must not open one of its own. Inside a read its COMMIT would end the
 * gated transaction (ReadTransactionEndedError); inside a write it would commit the write's statements early and run
 * the rest outside any transaction.
 */
import pg from "pg";
import type {
  AnalyticOptions,
  ReadOptions,
  ReadResult,
  ReplicaClient,
  WriteOptions,
  WriteResult,
} from "./replicaClient";
import type { Queryable } from "./route";
import type { CausalityToken } from "./token";

export type OrmWork<Db, T> = (db: Db) => Promise<T>;

export interface OrmSession<Db> {
  readonly token: CausalityToken | undefined;
  read<T>(work: OrmWork<Db, T>, options?: Omit<ReadOptions, "token">): Promise<ReadResult<T>>;
  write<T>(work: OrmWork<Db, T>, options?: Omit<WriteOptions, "token">): Promise<WriteResult<T>>;
}

export interface OrmClient<Db> {
  read<T>(work: OrmWork<Db, T>, options?: ReadOptions): Promise<ReadResult<T>>;
  write<T>(work: OrmWork<Db, T>, options?: WriteOptions): Promise<WriteResult<T>>;
  analytic<T>(work: OrmWork<Db, T>, options?: AnalyticOptions): Promise<ReadResult<T>>;
  /** A session (Session): its token follows every write and read. */
  session(token?: string | null): OrmSession<Db>;
}

/** The router with every call's connection wrapped by `open` (the ORM over that one connection). */
export function ormClient<Db>(client: ReplicaClient, open: (connection: pg.PoolClient) => Db): OrmClient<Db> {
  // The router passes its pg.PoolClient; the Work type names only what raw callers need of it.
  const on =
    <T>(work: OrmWork<Db, T>) =>
    (tx: Queryable) =>
      work(open(tx as pg.PoolClient));
  return {
    read: (work, options) => client.read(on(work), options),
    write: (work, options) => client.write(on(work), options),
    analytic: (work, options) => client.analytic(on(work), options),
    session(token) {
      const session = client.session(token);
      return {
        get token() {
          return session.token;
        },
        read: (work, options) => session.read(on(work), options),
        write: (work, options) => session.write(on(work), options),
      };
    },
  };
}

/**
 * A pool of exactly the one connection the router opened, in the shape node-postgres pools have, for libraries that
 * take a pool (kysely's PostgresDialect, Prisma's PrismaPg): `connect()` hands that connection out with a release that
 * does nothing (the router releases it when the call ends), `query()` runs on it, `end()` leaves it open.
 */
export function connectionPool(connection: pg.PoolClient): pg.Pool {
  const lent = new Proxy(connection, {
    get(target, property, receiver) {
      if (property === "release") return () => undefined;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  // A pg.Pool by prototype, opening nothing: Prisma's PrismaPg takes a pool only if it is `instanceof pg.Pool`
  // (anything else it reads as a connection config and opens a pool of its own, somewhere else).
  const pool = Object.create(pg.Pool.prototype) as pg.Pool;
  const own: Record<string, unknown> = {
    connect: async () => lent,
    query: (...args: unknown[]) => (connection.query as (...a: unknown[]) => unknown)(...args),
    end: async () => undefined,
    on: () => pool,
    removeListener: () => pool,
    options: {},
    totalCount: 1,
    idleCount: 0,
    waitingCount: 0,
  };
  for (const [key, value] of Object.entries(own)) Object.defineProperty(pool, key, { value, enumerable: true });
  return pool;
}
