/**
 * A steady write load through a stack's write pool, for the change drill and the change bench: a few
 * clients insert sequential ids one commit at a time and record every commit the server acknowledged
 * (with when) and every failure. What was acknowledged must all be there at the end; the longest
 * gap between two acknowledged commits in a window is how long writes waited.
 */
import type pg from "pg";
import { stackClient } from "../components/contract/connection";
import type { StackOutputs } from "../components/contract/stackOutputs";

export const LOAD_TABLE = "change_load";

export interface Ack {
  id: number;
  at: number;
}

export class WriteLoad {
  readonly acknowledged: Ack[] = [];
  readonly failures: Array<{ at: number; message: string }> = [];
  private next = 1;
  private running = false;
  private loops: Array<Promise<void>> = [];

  constructor(
    private readonly outputs: StackOutputs,
    private readonly clients = 2,
  ) {}

  async start(): Promise<void> {
    const setup = this.client();
    await setup.connect();
    await setup.query(`CREATE TABLE IF NOT EXISTS ${LOAD_TABLE} (id bigint PRIMARY KEY, at timestamptz DEFAULT now())`);
    await setup.end();
    this.running = true;
    this.loops = Array.from({ length: this.clients }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Acknowledged ids the writer does not hold now: must be none. */
  async lost(outputs: StackOutputs = this.outputs): Promise<number[]> {
    const reader = stackClient(outputs, outputs.pools.write, { queryTimeoutMs: 60_000 });
    await reader.connect();
    try {
      const rows = (await reader.query<{ id: string }>(`SELECT id FROM ${LOAD_TABLE}`)).rows;
      const present = new Set(rows.map((r) => Number(r.id)));
      return this.acknowledged.filter((ack) => !present.has(ack.id)).map((ack) => ack.id);
    } finally {
      await reader.end().catch(() => undefined);
    }
  }

  /** The longest time in [from, to] with no acknowledged commit (ms): 0-ish under a steady load. */
  longestGap(from: number, to: number): number {
    return this.longestGapAt(from, to).ms;
  }

  /** The longest gap and when it began. */
  longestGapAt(from: number, to: number): { ms: number; at: number } {
    const times = this.acknowledged.map((a) => a.at).sort((a, b) => a - b);
    let previous = Math.max(times.filter((t) => t <= from).pop() ?? from, from);
    let longest = { ms: 0, at: from };
    for (const t of times.filter((t) => t > from)) {
      const gap = Math.min(t, to) - previous;
      if (gap > longest.ms) longest = { ms: gap, at: previous };
      if (t >= to) return longest;
      previous = t;
    }
    return to - previous > longest.ms ? { ms: to - previous, at: previous } : longest;
  }

  failuresBetween(from: number, to: number): string[] {
    return this.failures.filter((f) => f.at >= from && f.at <= to).map((f) => f.message);
  }

  private client(): pg.Client {
    // Writes wait while the write pool is paused for a switchover: far longer than that is a failure.
    return stackClient(this.outputs, this.outputs.pools.write, { queryTimeoutMs: 60_000 });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const client = this.client();
      try {
        await client.connect();
        while (this.running) {
          const id = this.next++;
          await client.query(`INSERT INTO ${LOAD_TABLE} (id) VALUES ($1)`, [id]);
          this.acknowledged.push({ id, at: Date.now() });
        }
      } catch (error) {
        this.failures.push({ at: Date.now(), message: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }
}
