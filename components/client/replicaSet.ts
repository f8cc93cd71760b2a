/**
 * Direct replica routing (replicaRouting: "direct"): the client connects to each OLTP replica itself, as GitLab's
 * database load balancer does, and keeps what it last learned of each one's replay position, from the reads
 * themselves (the check as a read opens, the position as it ends) and, when no replica is known to have caught up,
 * from one light query to each (`pg_last_wal_replay_lsn()`). A gated read goes straight to a replica known to be at
 * or past the position it needs; the check inside the read's transaction still proves it. A replica's replay
 * position only moves forward, so a position once seen stays a lower bound (a replica re-cloned from an older backup
 * would break that, and the in-transaction check catches it: the position it reports replaces the cached one).
 *
 * Each replica has its own circuit breaker: one that cannot be reached is skipped for the cooldown and its position
 * forgotten, and the others keep serving.
 */
import type pg from "pg";
import { Breaker } from "./breaker";
import type { NamedPool } from "./route";
import { parseToken } from "./token";

export interface ReplicaMember extends NamedPool {
  /** The reader's name in the stack outputs. */
  name: string;
}

interface Known {
  position: bigint | undefined;
  breaker: Breaker;
}

export interface ReplicaSetOptions {
  breakerThreshold: number;
  breakerCooldownMs: number;
  /** How long the position query may take on one replica. */
  timeoutMs: number;
  now?: () => number;
  /** Chooses among equals (tests give their own). */
  random?: () => number;
}

/** A promoted server keeps answering its last replayed position: whether it is still in recovery decides. */
const REPLAY_POSITION = "SELECT pg_is_in_recovery() AS in_recovery, pg_last_wal_replay_lsn()::text AS lsn";

export class ReplicaSet {
  private readonly known = new Map<ReplicaMember, Known>();
  private pending: Promise<void> | undefined;
  private readonly random: () => number;

  constructor(
    readonly members: readonly ReplicaMember[],
    private readonly options: ReplicaSetOptions,
  ) {
    this.random = options.random ?? Math.random;
    for (const member of members) {
      const breaker = new Breaker({
        threshold: options.breakerThreshold,
        cooldownMs: options.breakerCooldownMs,
        ...(options.now ? { now: options.now } : {}),
      });
      this.known.set(member, { position: undefined, breaker });
    }
  }

  /** What a replica reported (its replay position, or null when it has none). */
  observe(member: ReplicaMember, lsn: string | null | undefined): void {
    const known = this.known.get(member)!;
    known.position = lsn === null || lsn === undefined ? undefined : parseToken(lsn);
  }

  /** Records that a read could open a transaction on it (closes its breaker). */
  succeeded(member: ReplicaMember): void {
    this.known.get(member)!.breaker.succeeded();
  }

  /** Records that it could not be reached: its position is forgotten, and it may be skipped for a while. */
  failed(member: ReplicaMember): void {
    const known = this.known.get(member)!;
    known.position = undefined;
    known.breaker.failed();
  }

  /** A read took the replica's probe but never reached it (cancelled, or the client's own pool was busy). */
  abandoned(member: ReplicaMember): void {
    this.known.get(member)!.breaker.abandoned();
  }

  /** Replicas not skipped by their breakers. */
  get available(): ReplicaMember[] {
    return this.members.filter((m) => !this.known.get(m)!.breaker.blocked);
  }

  /**
   * A replica known to have replayed `required` (any available one when nothing is required), chosen at random among
   * those, and among those not in `avoid` when there are any (a replica that just cancelled the read for a recovery
   * conflict: another one serves its next run); undefined when none is known to have.
   */
  caughtUp(required: string | undefined, avoid: ReadonlySet<ReplicaMember> = new Set()): ReplicaMember | undefined {
    const needed = required === undefined ? undefined : parseToken(required);
    const fit = this.available.filter((m) => {
      const position = this.known.get(m)!.position;
      return needed === undefined || (position !== undefined && position >= needed);
    });
    const others = fit.filter((m) => !avoid.has(m));
    const among = others.length > 0 ? others : fit;
    const chosen = among[Math.floor(this.random() * among.length)];
    if (chosen) this.known.get(chosen)!.breaker.admit();
    return chosen;
  }

  /** How far the furthest replica is behind `required`, as last known (undefined when no position is known). */
  bytesBehind(required: string | undefined): number | undefined {
    if (required === undefined) return undefined;
    const positions = [...this.known.values()].map((k) => k.position).filter((p) => p !== undefined);
    if (positions.length === 0) return undefined;
    const best = positions.reduce((a, b) => (b > a ? b : a));
    const gap = parseToken(required) - best;
    return gap > 0n ? Number(gap) : 0;
  }

  /** Asks every available replica its replay position at once; one round at a time, shared by concurrent callers. */
  refresh(): Promise<void> {
    this.pending ??= Promise.all(this.available.map((m) => this.ask(m))).then(
      () => {
        this.pending = undefined;
      },
      () => {
        this.pending = undefined;
      },
    );
    return this.pending;
  }

  private async ask(member: ReplicaMember): Promise<void> {
    try {
      const result = await member.pool.query({
        text: REPLAY_POSITION,
        query_timeout: this.options.timeoutMs,
      } as pg.QueryConfig);
      const row = result.rows[0] as { in_recovery: boolean; lsn: string | null };
      if (!row.in_recovery) {
        this.failed(member); // promoted, or an address that reaches a writer: no replica read goes there
        return;
      }
      this.observe(member, row.lsn);
      this.succeeded(member);
    } catch {
      this.failed(member);
    }
  }
}
