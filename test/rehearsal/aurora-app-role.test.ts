/**
 * Aurora's application-role step (aurora/appRoleRun.ts) run against a real PostgreSQL through a Data API double, on a
 * database shaped like an upgraded stack: before the role existed the application logged in as the master user, so
 * the master owns its schema, tables, sequences, views and functions.
 *
 * The double keeps what the step relies on from RDS: one transaction per BeginTransaction, `:name` parameters bound as
 * extended-protocol parameters (so log_statement = all writes them to the log, facts/postgres STATEMENT_LOGGING), and
 * the master as a role that is not a superuser (LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE: DATA_API
 * masterIsRdsSuperuser). What rds_superuser adds is modelled for the one statement that needs it: CREATE EXTENSION,
 * which the double runs without the role switch (Aurora lets rds_superuser add the extensions it offers).
 * PostgreSQL 15 here, Aurora 16 there: on 16 the master also holds ADMIN OPTION on a role it creates.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRoleStatement } from "../../components/aurora/appRole";
import { type AppRoleRequest, type DataApi, createAppRole } from "../../components/aurora/appRoleRun";
import { DATA_API } from "../../components/facts/aws";
import { freePorts } from "../../components/local/addresses";
import { scramVerifier } from "../../components/sql/scramVerifier";
import { AURORA_REPLICA_STATUS_SQL } from "../../components/sql/replicationSql";
import { STATS_OPTIONS, STATS_OWNER } from "../../components/sql/statsAccess";

const BIN = "/usr/lib/postgresql/15/bin";
const MASTER = "pgadmin";
const APP = "pgadmin_app";
const DATABASE = "shop";
const postgresUser = {
  uid: Number(execFileSync("id", ["-u", "postgres"]).toString()),
  gid: Number(execFileSync("id", ["-g", "postgres"]).toString()),
};
let dir: string;
let port: number;

const asPostgres = (command: string, args: string[]) =>
  execFileSync(command, args, { ...postgresUser, stdio: "pipe", cwd: dir });

function connect(user: string, database: string, password?: string): pg.Client {
  // The application logs in over TCP with its password (SCRAM); administration over the socket.
  return password === undefined
    ? new pg.Client({ host: dir, port, user, database })
    : new pg.Client({ host: "127.0.0.1", port, user, database, password });
}

async function sql<T = Record<string, unknown>>(text: string, user = "postgres", database = DATABASE): Promise<T[]> {
  const client = connect(user, database);
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

class DataApiError extends Error {
  constructor(
    override name: string,
    message: string,
  ) {
    super(message);
  }
}

/** `:name` → `$n`, the values in that order: what the Data API's named parameters become on the wire. */
function bound(statement: AppRoleStatement): { text: string; values: string[] } {
  const names: string[] = [];
  const text = statement.sql.replace(/(?<!:):([a-z_]+)/g, (_, name: string) => {
    if (!(name in statement.parameters)) throw new Error(`:${name} is not bound`);
    names.push(name);
    return `$${names.length}`;
  });
  return { text, values: names.map((n) => statement.parameters[n]!) };
}

/** The Data API as the step meets it, logged in as the master user (see the file's comment). */
function dataApiDouble(): DataApi {
  const open = new Map<string, pg.Client>();
  let next = 0;
  return {
    async enableHttpEndpoint() {},
    async beginTransaction() {
      const client = connect("postgres", DATABASE);
      await client.connect();
      await client.query(`SET ROLE ${MASTER}`);
      await client.query("BEGIN");
      const id = `tx-${++next}`;
      open.set(id, client);
      return id;
    },
    async executeStatement(_target, statement, transactionId) {
      const client = open.get(transactionId)!;
      const { text, values } = bound(statement);
      const extension = /^CREATE EXTENSION/.test(text) && DATA_API.masterIsRdsSuperuser.value.mayCreateExtensions;
      try {
        if (extension) await client.query("RESET ROLE");
        await client.query({ text, values });
        if (extension) await client.query(`SET ROLE ${MASTER}`);
      } catch (error) {
        throw new DataApiError("DatabaseErrorException", (error as Error).message);
      }
    },
    async commitTransaction(_target, transactionId) {
      const client = open.get(transactionId)!;
      open.delete(transactionId);
      await client.query("COMMIT");
      await client.end();
    },
    async rollbackTransaction(_target, transactionId) {
      const client = open.get(transactionId)!;
      open.delete(transactionId);
      await client.query("ROLLBACK").catch(() => undefined);
      await client.end();
    },
  };
}

const request: AppRoleRequest = {
  region: "eu-west-1",
  clusterId: "shop-primary",
  clusterArn: "arn:aws:rds:eu-west-1:123456789012:cluster:shop-primary",
  secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc",
  database: DATABASE,
  user: APP,
};
const noWait = { attempts: 1, delayMs: 0, sleep: async () => undefined };
const passwords = ["first-Password-0123456789abcdefgh", "second-Password-0123456789abcdefg"];
const serverLog = () => readFileSync(join(dir, "log"), "utf8");

async function appClient(password: string): Promise<pg.Client> {
  const client = connect(APP, DATABASE, password);
  await client.connect();
  return client;
}

describe("the Aurora application role, on a stack upgraded from the master user as the application's login", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pgrr-aurora-role-"));
    chmodSync(dir, 0o755);
    execFileSync("chown", ["postgres:postgres", dir]);
    port = (await freePorts(1))[0]!;
    asPostgres(`${BIN}/initdb`, [
      "-D",
      join(dir, "data"),
      "-U",
      "postgres",
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
    ]);
    writeFileSync(
      join(dir, "data", "postgresql.auto.conf"),
      [
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        "shared_preload_libraries = 'pg_stat_statements'",
        // Every statement and its bound parameters in the log, as an Aurora parameter group may set it.
        "log_statement = 'all'",
        "log_parameter_max_length = -1",
        "log_min_error_statement = 'error'",
      ].join("\n") + "\n",
    );
    asPostgres(`${BIN}/pg_ctl`, ["-D", join(dir, "data"), "-l", join(dir, "log"), "-w", "start"]);
    await sql(
      `CREATE ROLE ${MASTER} WITH ${DATA_API.masterIsRdsSuperuser.value.attributes} PASSWORD 'master'; CREATE ROLE other LOGIN`,
      "postgres",
      "postgres",
    );
    for (const database of [DATABASE, "reports"])
      await sql(`CREATE DATABASE ${database} OWNER ${MASTER}`, "postgres", "postgres");
    // The application's objects, made while it logged in as the master user; one object of someone else's.
    await sql(
      [
        "CREATE SCHEMA billing",
        "CREATE TABLE billing.invoices (id serial PRIMARY KEY, total numeric)",
        "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, item text)",
        "INSERT INTO orders (item) VALUES ('kept')",
        "CREATE VIEW recent AS SELECT * FROM orders",
        "CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM orders'",
      ].join("; "),
      MASTER,
    );
    // Aurora's built-in reader status (AWS: aurora_replica_status), modelled at its worst for us: executable by
    // pg_monitor only (AWS's page names no privilege). The rows: the writer's and one reader's.
    await sql(
      [
        "CREATE FUNCTION pg_catalog.aurora_replica_status() RETURNS TABLE (server_id text, session_id text, durable_lsn bigint, replica_lag_in_msec real)",
        "LANGUAGE sql AS $$ VALUES ('shop-primary-1', 'MASTER_SESSION_ID', 0::bigint, NULL::real), ('shop-reader-1', '8d0c9e6a', 0::bigint, 18.4::real) $$;",
        "REVOKE EXECUTE ON FUNCTION pg_catalog.aurora_replica_status() FROM PUBLIC;",
        "GRANT EXECUTE ON FUNCTION pg_catalog.aurora_replica_status() TO pg_monitor",
      ].join("\n"),
      "postgres",
    );
    await sql("CREATE TABLE audit (x int)", "postgres");
    await sql("ALTER TABLE audit OWNER TO other", "postgres");
  });

  afterAll(() => {
    try {
      asPostgres(`${BIN}/pg_ctl`, ["-D", join(dir, "data"), "-m", "immediate", "stop"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("creates the role, which logs in with its password and now owns the application's objects", async () => {
    await createAppRole(dataApiDouble(), request, passwords[0]!, noWait);
    const app = await appClient(passwords[0]!);
    try {
      await app.query("INSERT INTO orders (item) VALUES ('after the upgrade')");
      await app.query("INSERT INTO billing.invoices (total) VALUES (12.5)");
      const { rows } = await app.query<{ n: string }>("SELECT order_count() AS n");
      expect(rows[0]!.n).toBe("2");
      expect((await app.query("SELECT count(*)::int AS n FROM recent")).rows[0].n).toBe(2);
      // Owner, so the application can change its own schema as before.
      await app.query("ALTER TABLE orders ADD COLUMN note text");
    } finally {
      await app.end();
    }
    const owners = await sql<{ name: string; owner: string }>(
      `SELECT c.relname AS name, pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('public', 'billing') AND c.relkind IN ('r', 'S', 'v')
         AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') ORDER BY 1`,
    );
    expect(owners.filter((o) => o.owner !== APP).map((o) => o.name)).toEqual(["audit"]);
    expect(owners.find((o) => o.name === "audit")!.owner).toBe("other");
    const databases = await sql<{ datname: string; owner: string }>(
      "SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname IN ('shop', 'reports') ORDER BY 1",
    );
    // The application database is the role's; the master's other database stays the master's.
    expect(databases).toEqual([
      { datname: "reports", owner: MASTER },
      { datname: DATABASE, owner: APP },
    ]);
    const attributes = await sql<Record<string, boolean>>(
      `SELECT rolsuper, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname = '${APP}'`,
    );
    expect(attributes[0]).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolcanlogin: true });
  });

  it("stores the verifier computed beside the password; the password reaches neither the log nor a statement", async () => {
    const stored = await sql<{ rolpassword: string }>(`SELECT rolpassword FROM pg_authid WHERE rolname = '${APP}'`);
    expect(stored[0]!.rolpassword).toBe(scramVerifier(APP, passwords[0]!));
    const log = serverLog();
    // The log holds the statements and their parameters (so this would have caught a password sent as one).
    expect(log).toContain("DETAIL:  parameters: $1 = 'SCRAM-SHA-256$4096:");
    expect(log).toContain("REASSIGN OWNED BY CURRENT_USER");
    expect(log).not.toContain(passwords[0]!);
  });

  it("lets the application read pg_stat_statements, created by the master", async () => {
    const app = await appClient(passwords[0]!);
    try {
      await app.query("SELECT 42 AS answer_for_statistics");
      const { rows } = await app.query<{ calls: string }>(
        "SELECT calls FROM pg_stat_statements WHERE query = 'SELECT $1 AS answer_for_statistics'",
      );
      expect(Number(rows[0]?.calls ?? 0)).toBeGreaterThan(0);
    } finally {
      await app.end();
    }
  });

  it("reads Aurora's reader status and its own sessions through pgrr_stats, holding no pg_monitor", async () => {
    const memberships = await sql<{ app: boolean; owner: boolean; login: boolean }>(
      `SELECT pg_has_role('${APP}', 'pg_monitor', 'MEMBER') AS app, pg_has_role('${STATS_OWNER}', 'pg_monitor', 'MEMBER') AS owner,
              (SELECT rolcanlogin FROM pg_roles WHERE rolname = '${STATS_OWNER}') AS login`,
    );
    expect(memberships[0]).toEqual({ app: false, owner: true, login: false });
    const master = connect(MASTER, DATABASE, "master");
    await master.connect();
    const busy = master.query("SELECT pg_sleep(3) /* the master's own business */");
    const app = new pg.Client({ host: "127.0.0.1", port, user: APP, database: DATABASE, password: passwords[0]! });
    const statsApp = new pg.Client({
      host: "127.0.0.1",
      port,
      user: APP,
      database: DATABASE,
      password: passwords[0]!,
      options: STATS_OPTIONS,
    });
    await Promise.all([app.connect(), statsApp.connect()]);
    try {
      // As the verifier asks the writer (its connections put pgrr_stats first): the readers and their lag.
      const readers = await statsApp.query({ text: AURORA_REPLICA_STATUS_SQL, rowMode: "array" });
      expect(readers.rows).toEqual([["shop-reader-1", "streaming", "", true, "0", "0", "18", "async"]]);
      // Without the schema first the built-in answers, which the role may not call.
      await expect(app.query(AURORA_REPLICA_STATUS_SQL)).rejects.toThrow(/permission denied for function/);
      // Another role's query text stays hidden, through the catalog and through pgrr_stats.
      for (const client of [app, statsApp]) {
        const { rows } = await client.query<{ query: string }>(
          `SELECT query FROM pg_stat_activity WHERE usename = '${MASTER}' AND state = 'active'`,
        );
        expect(rows.map((r) => r.query).join(" ")).not.toContain("the master's own business");
      }
    } finally {
      await Promise.all([app.end(), statsApp.end(), busy.catch(() => undefined)]);
      await master.end();
    }
  });

  it("takes pg_monitor back from a role an earlier version granted it to", async () => {
    await sql(`GRANT pg_monitor TO ${APP}`, MASTER);
    await createAppRole(dataApiDouble(), request, passwords[0]!, noWait);
    const member = await sql<{ m: boolean }>(`SELECT pg_has_role('${APP}', 'pg_monitor', 'MEMBER') AS m`);
    expect(member[0]!.m).toBe(false);
  });

  it("rotates the password on the next run, and leaves what the master made since as the master's", async () => {
    await sql("CREATE TABLE admin_notes (x int)", MASTER);
    await createAppRole(dataApiDouble(), request, passwords[1]!, noWait);
    await expect(appClient(passwords[0]!)).rejects.toThrow(/password authentication failed/);
    const app = await appClient(passwords[1]!);
    try {
      expect((await app.query("SELECT count(*)::int AS n FROM orders")).rows[0].n).toBe(2);
      await expect(app.query("SELECT * FROM admin_notes")).rejects.toThrow(/permission denied/);
    } finally {
      await app.end();
    }
    const owner = await sql<{ owner: string }>(
      "SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = 'admin_notes'",
    );
    expect(owner[0]!.owner).toBe(MASTER);
    expect(serverLog()).not.toContain(passwords[1]!);
  });

  it("is refused, naming the cluster and changing nothing, when the name is a superuser's", async () => {
    const refused = createAppRole(dataApiDouble(), { ...request, user: "postgres" }, passwords[0]!, noWait);
    await expect(refused).rejects.toThrow(/"postgres" was not created on shop-primary .*superuser/);
    const roles = await sql<{ rolsuper: boolean }>("SELECT rolsuper FROM pg_roles WHERE rolname = 'postgres'");
    expect(roles[0]!.rolsuper).toBe(true);
    const owner = await sql<{ owner: string }>(
      `SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = '${DATABASE}'`,
    );
    expect(owner[0]!.owner).toBe(APP);
  });
});
