/**
 * One connection per replica for the read pool controller's probe, kept between ticks. A new connection each second
 * cost a TCP (and TLS) handshake, a SCRAM exchange (4,096 PBKDF2 rounds on each side) and a backend fork per replica
 * per second, most of the controller's idle CPU. A connection that fails in any way is closed and dropped, so the next
 * probe connects afresh (with the password as the state has it then); one whose replica moved to another address is
 * replaced the same way.
 */
import type pg from "pg";
import { stackClient } from "../contract/connection";
import type { Endpoint, StackOutputs } from "../contract/stackOutputs";

interface Held {
  client: pg.Client;
  address: string;
}

export class ProbeConnections {
  private readonly held = new Map<string, Held>();

  constructor(private readonly queryTimeoutMs: number) {}

  /** Runs `sql` on the named replica's connection (opened first when there is none); rows as arrays. */
  async query(
    name: string,
    outputs: Pick<StackOutputs, "database" | "user" | "password" | "tls">,
    endpoint: Endpoint,
    sql: string,
  ): Promise<unknown[][]> {
    const address = `${endpoint.host}:${endpoint.port}`;
    let held = this.held.get(name);
    if (held && held.address !== address) held = this.drop(name);
    try {
      if (!held) {
        const client = stackClient(outputs, endpoint, {
          queryTimeoutMs: this.queryTimeoutMs,
          applicationName: "pg-read-replicas-read-pool",
          // The probe reads each replica's WAL receiver: a server, through pgrr_stats (sql/statsAccess.ts).
          stats: true,
        });
        held = { client, address };
        this.held.set(name, held);
        await client.connect();
      }
      const result = await held.client.query({ text: sql, rowMode: "array" });
      return (Array.isArray(result) ? result : [result]).flatMap((r: pg.QueryArrayResult) => r.rows ?? []);
    } catch (error) {
      this.drop(name);
      throw error;
    }
  }

  /** How many connections are held (tests). */
  get size(): number {
    return this.held.size;
  }

  async close(): Promise<void> {
    await Promise.all([...this.held.keys()].map((name) => this.drop(name)));
  }

  private drop(name: string): undefined {
    const held = this.held.get(name);
    this.held.delete(name);
    void held?.client.end().catch(() => undefined);
    return undefined;
  }
}
