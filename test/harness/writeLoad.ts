/**
 * The application's side of a harness drill: a client of a pool Service as the application user, and a write load
 * through the write pool (one row per transaction) that records what it saw acknowledged. Shared by the drills
 * (manifests, nodeLoss); the password is read from the stack's Secret at each connect, so it follows a rotation.
 */
import pg from "pg";
import type { BootedStack } from "./boot";

/** A client of one of the region's Services as the application user (the Secret's password unless given). */
export function appClient(stack: BootedStack, service: string, password?: string): pg.Client {
  const client = new pg.Client({
    host: stack.harness.serviceAddress(0, service),
    port: 5432,
    user: "app",
    database: "app",
    password: password ?? stack.harness.objects(0).secrets.get(`${stack.name}-credentials`)!["app-password"],
    ssl: { ca: stack.caPem, checkServerIdentity: () => undefined },
    connectionTimeoutMillis: 5000,
  });
  client.on("error", () => undefined); // a dropped connection surfaces as the next query's error
  return client;
}

export interface WriteLoadOutcome {
  acknowledged: number[];
  errors: string[];
  /** The longest time between two acknowledged writes (printed by drills, never asserted). */
  longestGapMs: number;
}

/** Writes through the write pool, one row per transaction, until stopped: the ids it saw acknowledged. */
export function writeLoad(stack: BootedStack, table: string): { stop(): Promise<WriteLoadOutcome> } {
  let running = true;
  let last = Date.now();
  let longestGapMs = 0;
  const acknowledged: number[] = [];
  const errors: string[] = [];
  const connect = async () => {
    const client = appClient(stack, "pg-pool-write");
    await client.connect();
    return client;
  };
  const loop = (async () => {
    let client = await connect();
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (id int PRIMARY KEY)`);
    for (let id = 1; running; id++) {
      try {
        await client.query(`INSERT INTO ${table} VALUES ($1)`, [id]);
        acknowledged.push(id);
        longestGapMs = Math.max(longestGapMs, Date.now() - last);
        last = Date.now();
      } catch (error) {
        errors.push((error as Error).message);
        await client.end().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 200));
        client = await connect().catch(() => client);
      }
    }
    await client.end().catch(() => undefined);
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { acknowledged, errors, longestGapMs };
    },
  };
}
