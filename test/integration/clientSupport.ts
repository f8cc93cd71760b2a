/**
 * Helpers for the routing client's tests: clients on the stack's pools or on one server, versioned rows, replay paused.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { type PeerCertificate, checkServerIdentity } from "node:tls";
import {
  type ClientOptions,
  type ClientTargets,
  type Queryable,
  ReplicaClient,
  targetsFromOutputs,
} from "pg-read-replicas/client";
import type { Endpoint } from "../../components/contract/stackOutputs";
import { eventually, outputs, runner, sql } from "./support";

const opened: ReplicaClient[] = [];

/** The stack's own pools, or with the read (or OLAP) pool replaced by one server or any endpoint. */
export function clientWith(
  options: ClientOptions = {},
  replace: { read?: Endpoint; olap?: Endpoint; write?: Endpoint } = {},
): ReplicaClient {
  const base = targetsFromOutputs(outputs);
  const at = (endpoint: Endpoint & { verifyAs?: string }) => ({
    label: `${endpoint.host}:${endpoint.port}/${outputs.database}`,
    config: { ...base.write.config, host: endpoint.host, port: endpoint.port, ...relayedTls(base.write, endpoint) },
  });
  const targets: ClientTargets = {
    write: replace.write ? at(replace.write) : base.write,
    read: replace.read ? at(replace.read) : base.read,
    ...(replace.olap ? { olap: at(replace.olap) } : base.olap ? { olap: base.olap } : {}),
    ...(base.replicas ? { replicas: base.replicas } : {}),
  };
  const client = new ReplicaClient(targets, { applicationName: "pg-read-replicas-test", ...options });
  opened.push(client);
  return client;
}

/**
 * A relay's endpoint (cutProxy.ts) passes the server's certificate through: verify-full checks it against the name the
 * relay stands for, not the relay's own address.
 */
function relayedTls(base: ClientTargets["write"], endpoint: { verifyAs?: string }) {
  const { ssl } = base.config;
  if (!endpoint.verifyAs || !ssl || typeof ssl !== "object") return {};
  const name = endpoint.verifyAs;
  return {
    ssl: { ...ssl, checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(name, cert) },
  };
}

export async function closeClients(): Promise<void> {
  await Promise.all(opened.splice(0).map((c) => c.close()));
}

/** A table of versioned rows, one per key: a read older than the last write shows a lower version. */
export async function versionedTable(prefix: string): Promise<string> {
  const table = `${prefix}_${randomBytes(4).toString("hex")}`;
  await sql(outputs.pools.write, `CREATE TABLE ${table} (id text PRIMARY KEY, version int NOT NULL)`);
  return table;
}

export async function writeVersion(tx: Queryable, table: string, id: string, version: number): Promise<void> {
  await tx.query(
    `INSERT INTO ${table} (id, version) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET version = excluded.version`,
    [id, version],
  );
}

export async function readVersion(tx: Queryable, table: string, id: string): Promise<number | undefined> {
  const { rows } = await tx.query(`SELECT version FROM ${table} WHERE id = $1`, [id]);
  return rows[0]?.version;
}

export async function readAll(tx: Queryable, table: string): Promise<Map<string, number>> {
  const { rows } = await tx.query(`SELECT id, version FROM ${table}`);
  return new Map(rows.map((r: { id: string; version: number }) => [r.id, r.version]));
}

export async function pauseReplay(name: string): Promise<void> {
  await runner().superuserQuery(name, "SELECT pg_wal_replay_pause()");
  await eventually(`${name}'s replay paused`, 10_000, async () =>
    (await runner().superuserQuery(name, "SELECT pg_get_wal_replay_pause_state()")).trim() === "paused"
      ? true
      : undefined,
  );
}

export async function resumeReplay(name: string): Promise<void> {
  await runner().superuserQuery(name, "SELECT pg_wal_replay_resume()");
}

/** What the replica has replayed, asked directly. */
export async function replayed(reader: Endpoint): Promise<string> {
  const [row] = await sql<{ lsn: string }>(reader, "SELECT pg_last_wal_replay_lsn()::text AS lsn");
  return row!.lsn;
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<{ host: string; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return { host: "127.0.0.1", port };
}
