/**
 * PgBouncer's admin console (database `pgbouncer`, simple query protocol only).
 * Rows are read by column name: 1.24 added columns in the middle of SHOW SERVERS.
 */
import pg from "pg";
import type { ConsoleRows, Row } from "../monitoring/pgbouncerMetrics";
import type { Endpoint } from "../contract/stackOutputs";

export interface AdminLogin {
  user: string;
  password: string;
  /** TLS, when the pool requires it (client_tls_sslmode = require). */
  ssl?: pg.ClientConfig["ssl"];
}

export interface ServerConnection {
  /** The PostgreSQL server's address and port. */
  addr: string;
  port: number;
  database: string;
  state: string;
  /** The client it serves, as SHOW CLIENTS' ptr (empty when idle). */
  link: string;
  closeNeeded: boolean;
}

export interface ClientConnection {
  id: string;
  ptr: string;
  database: string;
}

async function withConsole<T>(
  endpoint: Endpoint,
  login: AdminLogin,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    ...endpoint,
    database: "pgbouncer",
    user: login.user,
    password: login.password,
    connectionTimeoutMillis: 5000,
    ssl: login.ssl ?? false,
  });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function adminCommand(endpoint: Endpoint, login: AdminLogin, command: string): Promise<void> {
  return withConsole(endpoint, login, async (client) => {
    await client.query(command);
  });
}

export function showServers(endpoint: Endpoint, login: AdminLogin): Promise<ServerConnection[]> {
  return withConsole(endpoint, login, async (client) => {
    const { rows } = await client.query("SHOW SERVERS");
    return rows.map((row) => ({
      addr: String(row.addr),
      port: Number(row.port),
      database: String(row.database),
      state: String(row.state),
      link: String(row.link ?? ""),
      closeNeeded: Number(row.close_needed) === 1,
    }));
  });
}

export function showClients(endpoint: Endpoint, login: AdminLogin): Promise<ClientConnection[]> {
  return withConsole(endpoint, login, async (client) => {
    const { rows } = await client.query("SHOW CLIENTS");
    return rows.map((row) => ({ id: String(row.id), ptr: String(row.ptr), database: String(row.database) }));
  });
}

/** SHOW DATABASES: each database's host list, as PgBouncer currently uses it. */
export function showDatabaseHosts(endpoint: Endpoint, login: AdminLogin): Promise<Record<string, string>> {
  return withConsole(endpoint, login, async (client) => {
    const { rows } = await client.query("SHOW DATABASES");
    return Object.fromEntries(rows.map((row) => [String(row.name), String(row.host ?? "")]));
  });
}

/** Disconnects the clients served by server connections to `hosts` (KILL_CLIENT, PgBouncer 1.24+). */
export async function killClientsOn(endpoint: Endpoint, login: AdminLogin, hosts: readonly string[]): Promise<number> {
  const servers = (await showServers(endpoint, login)).filter(
    (s) => hosts.includes(s.addr) && s.link !== "" && s.link !== "null",
  );
  if (servers.length === 0) return 0;
  const clients = await showClients(endpoint, login);
  const ids = clients.filter((c) => servers.some((s) => s.link === c.ptr)).map((c) => c.id);
  for (const id of ids) await adminCommand(endpoint, login, `KILL_CLIENT ${id}`);
  return ids.length;
}

/** SHOW CONFIG: each setting and whether a RELOAD changes it. */
export function showConfig(
  endpoint: Endpoint,
  login: AdminLogin,
): Promise<Array<{ key: string; changeable: boolean }>> {
  return withConsole(endpoint, login, async (client) => {
    const { rows } = await client.query("SHOW CONFIG");
    return rows.map((row) => ({ key: String(row.key), changeable: String(row.changeable) === "yes" }));
  });
}

/** What the PgBouncer exporter reads on each scrape, in one console session. */
export function consoleRows(endpoint: Endpoint, login: AdminLogin): Promise<ConsoleRows> {
  return withConsole(endpoint, login, async (client) => {
    const show = async (what: string) => (await client.query(`SHOW ${what}`)).rows as Row[];
    const version = String((await show("VERSION"))[0]?.version ?? "");
    return {
      version,
      pools: await show("POOLS"),
      databases: await show("DATABASES"),
      statsTotals: await show("STATS_TOTALS"),
      lists: await show("LISTS"),
      config: await show("CONFIG"),
    };
  });
}
