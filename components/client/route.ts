/**
 * Where one read runs. A replica read is one transaction on one read-pool connection: the
 * position check and the caller's statements share it, so a transaction-mode pooler cannot
 * move them apart. A replica behind the required position is let go at once (ROLLBACK frees
 * its server connection for other reads) and asked again after a short pause: each retry is a
 * new transaction, which the read pool may place on another replica. After the wait bound the
 * read goes to the primary. A server that is not in recovery is never read from on the
 * read or OLAP pools, and the write pool must answer from one that is not.
 */
import type pg from "pg";
import {
  ClientPoolExhaustedError,
  NoServerError,
  OlapBehindError,
  PrimaryBudgetExceededError,
  ReadTransactionEndedError,
  ReplicaUnavailableError,
  WrongServerError,
  describeError,
} from "./errors";
import { Breaker } from "./breaker";
import type { ReplicaMember, ReplicaSet } from "./replicaSet";
import { type BudgetOptions, FallbackBudget } from "./budget";
import { abortable, acquire, connectionErrors, sleep } from "./cancellation";
import { BEGIN_PRIMARY_READ, BEGIN_REPLICA_READ, READ_ENDED_MARK, endPrimaryRead, endReplicaRead } from "./sql";
import { bytesBehind, reached } from "./token";
import type { TokenDropReason } from "./tokenPolicy";

export type Consistency = "eventual" | "bounded" | "read-your-writes" | "primary";
export type FallbackReason =
  | "wait_timeout"
  | "lag_over_bound"
  | "lag_over_ceiling"
  | "not_in_recovery"
  | "no_replay_position"
  | "replica_unavailable";

export interface Route {
  target: "replica" | "primary" | "olap";
  /** The server that ran the read: cluster_name, or its address. */
  server: string;
  /** Time lag (ms) of the replica that served, or of the last one passed over. */
  lagMs?: number;
  /** How far that replica was behind the required position when passed over. */
  bytesBehind?: number;
  /** Time spent on replicas that were behind (checks and pauses) before this route was taken. */
  waitedMs: number;
  /** Read-pool transactions opened. */
  attempts: number;
  /** Whether a position was required. */
  gated: boolean;
  fallback?: FallbackReason;
  /**
   * False when the staleness ceiling could not be checked against the writer (it did not answer): the replica had
   * replayed at least the writer's last reported position, or nothing was known of it.
   */
  ceilingVerified?: boolean;
  /**
   * The token given was ahead of the writer itself (its commits lost in an asynchronous failover, a token from before
   * a restore or from another cluster, a forged one): no replica can ever reach it, so the primary served, and the
   * token returned is the writer's position instead of the given one (ReplicaClient.read).
   */
  tokenClamped?: boolean;
  /**
   * The token given was not used (tokenPolicy.ts): issued longer ago than tokenMaxAgeMs (the staleness ceiling already
   * covers it), issued that far in the future, or for another cluster. The read ran as one without a token, and the
   * token returned is a new one.
   */
  tokenDropped?: TokenDropReason;
  /** The read pool's circuit breaker was open: the read pool was not tried (breaker.ts). */
  breakerOpen?: boolean;
  /** Replica reads cancelled by a conflict with recovery and run again (a new transaction, possibly elsewhere). */
  recoveryConflicts?: number;
}

/** What the caller's function gets: a connection inside the read's (or write's) transaction. */
export type Queryable = Pick<pg.ClientBase, "query">;
export type Work<T> = (tx: Queryable) => Promise<T>;

export interface Served<T> {
  result: T;
  /** The position the read saw at most (its server's replay or insert position at the end). */
  seen: string | undefined;
  route: Route;
}

export interface NamedPool {
  pool: pg.Pool;
  label: string;
}

export interface RouterOptions {
  pollIntervalMs: number;
  /** How long the read pool may take to open a transaction and answer the check. */
  replicaTimeoutMs: number;
  onReplicaUnavailable: "primary" | "error";
  /** Read-pool failures in a row that open the breaker, and how long it stays open before a probe. */
  breakerThreshold: number;
  breakerCooldownMs: number;
  /** How many times a replica read cancelled by a conflict with recovery runs again before its error is thrown. */
  recoveryConflictRetries: number;
  /** The primary's share of replica reads (budget.ts); none: every fallback is served. */
  primaryBudget?: BudgetOptions;
  /** replicaRouting "direct": the replicas, each on its own pool, with their positions (replicaSet.ts). */
  replicas?: ReplicaSet;
  /** The breaker's clock (tests). */
  now?: () => number;
}

export interface Gate {
  /** The position the replica must have replayed; undefined: any replica in recovery. */
  required: string | undefined;
  waitMs: number;
  /** Read-pool transactions opened, one after another without a pause, before the wait (if any) decides. */
  attempts: number;
  /** Why the primary serves when no replica reached the position in time. */
  lagReason: "wait_timeout" | "lag_over_bound" | "lag_over_ceiling";
}

interface ReplicaStatus {
  in_recovery: boolean;
  replay_lsn: string | null;
  lag_ms: number | null;
  server: string;
  /** When the read's transaction began (sql.ts), for its closing message to check it is still the one open. */
  began: string;
}

const MAX_POLL_MS = 20;

/** Results of a multi-statement message: node-postgres returns an array of them. */
function resultsOf(value: unknown): pg.QueryResult[] {
  return (Array.isArray(value) ? value : [value]) as pg.QueryResult[];
}

/**
 * Runs the caller's statements and the closing message; on any failure rolls back and drops the connection if it is
 * unusable. A transaction the caller's function ended itself fails the read (see READ_ENDED_MARK): its statements
 * after that point already ran outside the gate, so running the check again cannot make their results consistent.
 */
async function runAndClose<T>(
  conn: pg.PoolClient,
  work: Work<T>,
  end: string,
  signal: AbortSignal | undefined,
): Promise<{ result: T; seen: string | undefined }> {
  try {
    const result = await abortable(work(conn), signal);
    const [position] = resultsOf(await conn.query(end).catch(gateEnded));
    conn.release();
    return { result, seen: position?.rows[0]?.lsn ?? undefined };
  } catch (error) {
    // Cancelled: the connection is being cancelled and closed (cancellation.ts); nothing to wait for here.
    signal?.throwIfAborted();
    const rolledBack = await conn.query("ROLLBACK").then(
      () => true,
      () => false,
    );
    conn.release(rolledBack ? undefined : (error as Error));
    throw error;
  }
}

function gateEnded(error: unknown): never {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === "22P02" && typeof message === "string" && message.includes(READ_ENDED_MARK)) {
    throw new ReadTransactionEndedError(
      "the read's function ended the read's transaction itself (a COMMIT or ROLLBACK inside it, such as an ORM's own transaction()): " +
        "what it ran afterwards ran outside the read's gate, possibly on a replica behind the token, so its result is discarded. " +
        "Run the function's statements on the transaction read() hands it, without a transaction of its own; writes belong in write().",
      { cause: error },
    );
  }
  throw error;
}

/**
 * A hot standby cancels a query that holds up replay longer than max_standby_streaming_delay (a lock or a row version
 * replay needs) with SQLSTATE 40001, "conflict with recovery": not the read's fault, and another transaction (which the
 * read pool may place elsewhere, or which waits for replay to pass) usually succeeds. A read-committed, read-only
 * transaction on a standby raises 40001 for nothing else (serialization failures need a writer or SERIALIZABLE).
 */
export const RECOVERY_CONFLICT_CODE = "40001";

function recoveryConflict(error: unknown): boolean {
  return (error as { code?: unknown }).code === RECOVERY_CONFLICT_CODE;
}

/**
 * The read's statements failed because recovery cancelled them, or because it ended their connection while the
 * function was between statements (FATAL 40001, which pg reports apart from the statement that then fails).
 */
function cancelledByRecovery(error: unknown, conn: pg.PoolClient): boolean {
  return recoveryConflict(error) || connectionErrors(conn).some(recoveryConflict);
}

export class Router {
  private readonly breaker: Breaker;
  private readonly budget: FallbackBudget | undefined;

  /** `write` serves primary reads: the client gives it a pool of its own, apart from the one writes use. */
  constructor(
    private readonly write: NamedPool,
    private readonly read: NamedPool,
    private readonly olapPool: NamedPool | undefined,
    private readonly options: RouterOptions,
  ) {
    this.breaker = new Breaker({
      threshold: options.breakerThreshold,
      cooldownMs: options.breakerCooldownMs,
      ...(options.now ? { now: options.now } : {}),
    });
    this.budget = options.primaryBudget ? new FallbackBudget(options.primaryBudget, options.now) : undefined;
  }

  /** A read on a replica that has replayed `gate.required`, or on the primary once the wait is over. */
  async replica<T>(work: Work<T>, gate: Gate, signal: AbortSignal | undefined): Promise<Served<T>> {
    if (this.options.replicas) return this.direct(this.options.replicas, work, gate, signal);
    const started = performance.now();
    const gated = gate.required !== undefined;
    let delay = Math.max(1, this.options.pollIntervalMs);
    let attempts = 0;
    let conflicts = 0;
    const retried = () => (conflicts > 0 ? { recoveryConflicts: conflicts } : {});
    for (;;) {
      const waited = () => Math.round(performance.now() - started);
      if (this.breaker.admit() === "open") {
        const skipped = new Error(
          `not tried: its circuit breaker is open after ${this.breaker.consecutiveFailures} failures in a row; the next read tries it in ${this.breaker.retryInMs()} ms`,
        );
        return this.unavailable(work, skipped, { attempts, gated, waitedMs: waited(), breakerOpen: true }, signal);
      }
      attempts++;
      const attemptStarted = performance.now();
      const opened = await this.open(this.read, signal).catch((error: unknown) => error as Error);
      if (opened instanceof Error) {
        // A cancelled read goes nowhere else and says nothing of the read pool; nor does this process's own pool being
        // busy (and the primary must not take that overflow). Either way a probe it took is given back.
        if (signal?.aborted || opened instanceof ClientPoolExhaustedError) this.breaker.abandoned();
        signal?.throwIfAborted();
        if (opened instanceof ClientPoolExhaustedError) throw opened;
        this.breaker.failed();
        return this.unavailable(work, opened, { attempts, gated, waitedMs: waited(), ...retried() }, signal);
      }
      this.breaker.succeeded();
      const { conn, status } = opened;
      const lagMs = status.lag_ms ?? undefined;
      // A standby with no replay position (none replayed yet; or not PostgreSQL's WAL replay) cannot prove a token.
      const unfit = !status.in_recovery
        ? "not_in_recovery"
        : gated && status.replay_lsn === null
          ? "no_replay_position"
          : undefined;
      if (unfit) {
        await this.abandon(conn);
        return this.primary(
          work,
          {
            fallback: unfit,
            attempts,
            gated,
            waitedMs: waited(),
            ...(lagMs !== undefined ? { lagMs } : {}),
            ...retried(),
          },
          signal,
        );
      }
      if (status.replay_lsn === null || reached(status.replay_lsn, gate.required)) {
        // Waited: the checks that failed and the pauses between them, not this last check.
        const route = { attempts, gated, waitedMs: Math.round(attemptStarted - started), conflicts };
        const served = await this.serveOnReplica(conn, status, work, route, signal);
        if (served === undefined) {
          conflicts++;
          continue;
        }
        return served;
      }
      await this.abandon(conn);
      if (attempts < gate.attempts) continue; // the next transaction may land on another replica
      const passedOver = {
        bytesBehind: bytesBehind(status.replay_lsn, gate.required),
        ...(lagMs !== undefined ? { lagMs } : {}),
      };
      if (performance.now() + delay - started > gate.waitMs) {
        const route = { fallback: gate.lagReason, attempts, gated, waitedMs: waited(), ...passedOver, ...retried() };
        return this.primary(work, route, signal);
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, MAX_POLL_MS);
    }
  }

  /**
   * replicaRouting "direct": straight to a replica known to have replayed `gate.required` (replicaSet.ts); when none is
   * known to, every replica is asked its position (one light query each), and asked again after a pause until the wait
   * is over, then the primary serves. A replica that cannot be reached or is no longer in recovery is skipped and
   * another tried; with none left the read goes where onReplicaUnavailable says.
   */
  private async direct<T>(
    set: ReplicaSet,
    work: Work<T>,
    gate: Gate,
    signal: AbortSignal | undefined,
  ): Promise<Served<T>> {
    const started = performance.now();
    const gated = gate.required !== undefined;
    let delay = Math.max(1, this.options.pollIntervalMs);
    let attempts = 0;
    let conflicts = 0;
    const retried = () => (conflicts > 0 ? { recoveryConflicts: conflicts } : {});
    let lastError: Error | undefined;
    // Replicas that cancelled this read for a recovery conflict: its next run goes to another when one has caught up.
    const cancelledOn = new Set<ReplicaMember>();
    for (;;) {
      const waited = () => Math.round(performance.now() - started);
      let member = set.caughtUp(gate.required, cancelledOn);
      if (!member) {
        await abortable(set.refresh(), signal);
        member = set.caughtUp(gate.required, cancelledOn);
      }
      if (!member) {
        if (set.available.length === 0) {
          const why = lastError ?? new Error("every replica is skipped by its circuit breaker");
          return this.unavailable(work, why, { attempts, gated, waitedMs: waited(), ...retried() }, signal);
        }
        if (performance.now() + delay - started > gate.waitMs) {
          const behind = set.bytesBehind(gate.required);
          const route = {
            fallback: gate.lagReason,
            attempts,
            gated,
            waitedMs: waited(),
            ...(behind !== undefined ? { bytesBehind: behind } : {}),
            ...retried(),
          };
          return this.primary(work, route, signal);
        }
        await sleep(delay, signal);
        delay = Math.min(delay * 2, MAX_POLL_MS);
        continue;
      }
      attempts++;
      const attemptStarted = performance.now();
      const opened = await this.open(member, signal).catch((error: unknown) => error as Error);
      if (opened instanceof Error) {
        if (signal?.aborted || opened instanceof ClientPoolExhaustedError) set.abandoned(member);
        signal?.throwIfAborted();
        if (opened instanceof ClientPoolExhaustedError) throw opened;
        lastError = opened;
        set.failed(member);
        continue;
      }
      const { conn, status } = opened;
      set.observe(member, status.replay_lsn);
      if (!status.in_recovery) {
        // Promoted, or a pool pointed at a writer: never a replica read's server.
        await this.abandon(conn);
        lastError = new Error(`${status.server} (${member.label}) is not in recovery`);
        set.failed(member);
        continue;
      }
      set.succeeded(member);
      if (status.replay_lsn === null ? gated : !reached(status.replay_lsn, gate.required)) {
        await this.abandon(conn); // behind after all (its position went back): the set now knows
        continue;
      }
      const route = { attempts, gated, waitedMs: Math.round(attemptStarted - started), conflicts };
      const served = await this.serveOnReplica(conn, status, work, route, signal, (seen) => set.observe(member, seen));
      if (served === undefined) {
        conflicts++;
        cancelledOn.add(member);
        continue;
      }
      return served;
    }
  }

  /**
   * Runs the read on the replica transaction opened and checked, and says how it went. Undefined: recovery cancelled
   * it and it may run again (`conflicts` so far are under recoveryConflictRetries), in a new transaction.
   */
  private async serveOnReplica<T>(
    conn: pg.PoolClient,
    status: ReplicaStatus,
    work: Work<T>,
    route: { attempts: number; gated: boolean; waitedMs: number; conflicts: number },
    signal: AbortSignal | undefined,
    sawPosition?: (seen: string) => void,
  ): Promise<Served<T> | undefined> {
    const { conflicts, ...counted } = route;
    let ran: Awaited<ReturnType<typeof runAndClose<T>>>;
    try {
      ran = await runAndClose(conn, work, endReplicaRead(status.began), signal);
    } catch (error) {
      if (cancelledByRecovery(error, conn) && conflicts < this.options.recoveryConflictRetries) return undefined;
      throw error;
    }
    if (ran.seen !== undefined) sawPosition?.(ran.seen);
    this.budget?.served();
    const lagMs = status.lag_ms ?? undefined;
    return {
      result: ran.result,
      seen: ran.seen,
      route: {
        target: "replica",
        server: status.server,
        ...counted,
        ...(lagMs !== undefined ? { lagMs } : {}),
        ...(conflicts > 0 ? { recoveryConflicts: conflicts } : {}),
      },
    };
  }

  /** A read-only transaction on the writer, through the write pool. */
  async primary<T>(
    work: Work<T>,
    route: Omit<Route, "target" | "server">,
    signal: AbortSignal | undefined,
  ): Promise<Served<T>> {
    this.spend(route.fallback);
    const { conn, server, began } = await this.openPrimary(signal);
    const { result, seen } = await runAndClose(conn, work, endPrimaryRead(began), signal);
    return { result, seen, route: { ...route, target: "primary", server } };
  }

  private async openPrimary(
    signal: AbortSignal | undefined,
  ): Promise<{ conn: pg.PoolClient; server: string; began: string }> {
    const conn = await acquire(this.write, signal);
    try {
      const [, check] = resultsOf(await conn.query(BEGIN_PRIMARY_READ));
      const row = check?.rows[0] as { in_recovery: boolean; server: string; began: string };
      if (row.in_recovery) {
        throw new WrongServerError(
          `the write pool ${this.write.label} answered from ${row.server}, which is in recovery (a replica): no read was made. ` +
            "After a failover the write pool must point at the new writer (pg-read-replicas promote does this locally).",
        );
      }
      return { conn, server: row.server, began: row.began };
    } catch (error) {
      await conn.query("ROLLBACK").catch(() => undefined);
      conn.release(error as Error);
      throw error;
    }
  }

  /**
   * Analytic reads: the OLAP pool, never the primary (a long scan there is what the OLAP replica exists to avoid) nor
   * the OLTP replicas (they cancel long queries). A token is enforced like on the OLTP route, waiting up to
   * `gate.waitMs`; the OLAP replica falls behind by design while a long scan holds its replay
   * (max_standby_streaming_delay = -1), so when the wait is over the read fails with OlapBehindError instead of
   * moving elsewhere.
   */
  async olap<T>(
    work: Work<T>,
    gate: Omit<Gate, "lagReason" | "attempts">,
    signal: AbortSignal | undefined,
  ): Promise<Served<T>> {
    if (!this.olapPool) throw new Error("no OLAP pool"); // the client checks first, with a clear message
    const started = performance.now();
    const pool = this.olapPool;
    let delay = Math.max(1, this.options.pollIntervalMs);
    for (let attempts = 1; ; attempts++) {
      const attemptStarted = performance.now();
      const { conn, status } = await this.openOlap(pool, signal);
      const lag = status.lag_ms !== null ? { lagMs: status.lag_ms } : {};
      if (status.replay_lsn === null ? gate.required === undefined : reached(status.replay_lsn, gate.required)) {
        const { result, seen } = await runAndClose(conn, work, endReplicaRead(status.began), signal);
        const route = { server: status.server, waitedMs: Math.round(attemptStarted - started), attempts, ...lag };
        return { result, seen, route: { ...route, target: "olap", gated: gate.required !== undefined } };
      }
      await this.abandon(conn);
      if (performance.now() + delay - started > gate.waitMs) {
        const behind = status.replay_lsn === null ? "has replayed nothing yet" : `has replayed ${status.replay_lsn}`;
        throw new OlapBehindError(
          `analytic read: the OLAP replica ${status.server} ${behind}, short of the token ${gate.required} after waiting ${Math.round(performance.now() - started)} ms; no read was made. ` +
            "It falls behind while long scans hold its replay, and analytic reads never move to the primary: wait longer (maxWaitMs), retry later, or read without the token.",
          {
            required: gate.required!,
            replayed: status.replay_lsn ?? undefined,
            bytesBehind: status.replay_lsn === null ? undefined : bytesBehind(status.replay_lsn, gate.required),
            server: status.server,
          },
        );
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, MAX_POLL_MS);
    }
  }

  /** A read transaction on the OLAP pool, refused on a server that is not in recovery. */
  private async openOlap(
    pool: NamedPool,
    signal: AbortSignal | undefined,
  ): Promise<{ conn: pg.PoolClient; status: ReplicaStatus }> {
    const { conn, status } = await this.open(pool, signal).catch((error: unknown) => {
      signal?.throwIfAborted();
      if (error instanceof ClientPoolExhaustedError) throw error;
      throw new ReplicaUnavailableError(
        `the OLAP pool ${pool.label} is unavailable (${describeError(error)}); no analytic read was made.`,
        { cause: error },
      );
    });
    if (!status.in_recovery) {
      await this.abandon(conn);
      throw new WrongServerError(
        `the OLAP pool ${pool.label} answered from ${status.server}, which is not in recovery: no analytic read was made on a writer.`,
      );
    }
    return { conn, status };
  }

  /** Opens a read transaction and reads the server's status in the same message, within the replica timeout. */
  private async open(
    target: NamedPool,
    signal: AbortSignal | undefined,
  ): Promise<{ conn: pg.PoolClient; status: ReplicaStatus }> {
    const conn = await acquire(target, signal);
    try {
      const [, check] = resultsOf(
        await conn.query({ text: BEGIN_REPLICA_READ, query_timeout: this.options.replicaTimeoutMs } as pg.QueryConfig),
      );
      return { conn, status: check?.rows[0] as ReplicaStatus };
    } catch (error) {
      // A timed-out message may still be queued in the pooler: this connection cannot be reused.
      conn.release(error as Error);
      throw error;
    }
  }

  /** A read meant for a replica is about to go to the primary: within the budget, or refused before any I/O. */
  private spend(reason: FallbackReason | undefined): void {
    if (!this.budget || reason === undefined) return;
    const { admitted, reads, fallbacks } = this.budget.admitFallback();
    if (admitted) return;
    const { share, windowMs } = this.budget.options;
    throw new PrimaryBudgetExceededError(
      `the read would go to the primary (${reason}), but the primary already served ${fallbacks} of the last ${reads} replica reads in ${windowMs} ms, its primaryBudget share of ${share}; no read was made. ` +
        'Retry later, read with consistency "eventual" where that will do, or look at why replicas cannot serve (replay lag, the read pool).',
    );
  }

  private async abandon(conn: pg.PoolClient): Promise<void> {
    try {
      await conn.query("ROLLBACK");
      conn.release();
    } catch (error) {
      conn.release(error as Error);
    }
  }

  private async unavailable<T>(
    work: Work<T>,
    error: Error,
    route: Omit<Route, "target" | "server">,
    signal: AbortSignal | undefined,
  ): Promise<Served<T>> {
    const why = `the read pool ${this.read.label} is unavailable (${describeError(error)})`;
    if (this.options.onReplicaUnavailable === "error") {
      throw new ReplicaUnavailableError(`${why}; no read was made (onReplicaUnavailable: "error").`, { cause: error });
    }
    this.spend("replica_unavailable");
    let opened: Awaited<ReturnType<Router["openPrimary"]>>;
    try {
      opened = await this.openPrimary(signal);
    } catch (primaryError) {
      signal?.throwIfAborted();
      if (primaryError instanceof WrongServerError || primaryError instanceof ClientPoolExhaustedError)
        throw primaryError;
      throw new NoServerError(
        `${why}, and the write pool ${this.write.label} failed too (${describeError(primaryError)}); no read was made.`,
        { cause: primaryError },
      );
    }
    const { result, seen } = await runAndClose(opened.conn, work, endPrimaryRead(opened.began), signal);
    return {
      result,
      seen,
      route: { ...route, fallback: "replica_unavailable", target: "primary", server: opened.server },
    };
  }
}
