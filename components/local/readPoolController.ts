/**
 * The local counterpart of the ro Service's endpoints: each tick asks every OLTP
 * replica the readiness probe's question (in recovery, streaming, within the lag
 * bound) and keeps the read pool's host list to the ready ones. A replica that
 * stops being ready gets no new server connections at once (the host list is
 * rewritten and PgBouncer reloaded, which also closes its idle connections),
 * and the clients still on it are disconnected after `drainMs`. With no replica
 * ready the pool's database is killed and paused, as a Service with no endpoints
 * refuses connections, until one is ready again.
 */

export interface ReadPoolActions {
  /** Is this replica ready (the readiness probe's SQL)? */
  probe: (replica: string) => Promise<boolean>;
  /** Write the pool's host list (these replicas, in this order) and reload PgBouncer. */
  apply: (ready: readonly string[]) => Promise<void>;
  /** Disconnect clients still served by these replicas; returns how many. */
  drain: (replicas: readonly string[]) => Promise<number>;
  /** Stop serving (no replica ready) and serve again. */
  pause: () => Promise<void>;
  resume: () => Promise<void>;
  log: (message: string) => void;
  now: () => number;
}

export interface ReadPoolStatus {
  ready: string[];
  paused: boolean;
  draining: string[];
}

export class ReadPoolController {
  private ready: string[];
  private paused = false;
  /** The first tick applies what it sees whatever came before (a restarted controller may find a pool paused). */
  private settled = false;
  /** Replicas removed from the list, and when: their remaining clients are cut after drainMs. */
  private readonly draining = new Map<string, number>();

  constructor(
    private readonly actions: ReadPoolActions,
    initial: readonly string[],
    private readonly drainMs: number,
  ) {
    this.ready = [...initial];
  }

  status(): ReadPoolStatus {
    return { ready: [...this.ready], paused: this.paused, draining: [...this.draining.keys()] };
  }

  /** One round: probe everyone in `candidates` (in order), apply changes, drain what has waited long enough. */
  async tick(candidates: readonly string[]): Promise<void> {
    const verdicts = await Promise.all(candidates.map((name) => this.actions.probe(name).catch(() => false)));
    const ready = candidates.filter((_, index) => verdicts[index]);
    await this.applyChange(ready);
    await this.drainExpired();
  }

  private async applyChange(ready: string[]): Promise<void> {
    const removed = this.ready.filter((name) => !ready.includes(name));
    const added = ready.filter((name) => !this.ready.includes(name));
    if (this.settled && removed.length === 0 && added.length === 0 && !(this.paused && ready.length > 0)) return;
    this.settled = true;
    for (const name of removed) this.draining.set(name, this.actions.now());
    for (const name of added) this.draining.delete(name);
    if (ready.length === 0) {
      this.actions.log(`no replica is ready (removed ${removed.join(", ")}): pausing the read pool`);
      await this.actions.pause();
      this.paused = true;
    } else {
      this.actions.log(
        `ready: ${ready.join(", ")}${added.length ? `; added ${added.join(", ")}` : ""}${removed.length ? `; removed ${removed.join(", ")}` : ""}`,
      );
      await this.actions.apply(ready);
      await this.actions.resume();
      this.paused = false;
    }
    this.ready = ready;
  }

  private async drainExpired(): Promise<void> {
    const due = [...this.draining]
      .filter(([, since]) => this.actions.now() - since >= this.drainMs)
      .map(([name]) => name);
    if (due.length === 0) return;
    const cut = await this.actions.drain(due);
    for (const name of due) this.draining.delete(name);
    if (cut > 0) this.actions.log(`disconnected ${cut} client(s) still on ${due.join(", ")} after ${this.drainMs} ms`);
  }
}
