/** What the client refuses or cannot do, each naming the pool or input and what to change. */
import { UserError } from "../ground/errors";

/** Bad configuration: missing or malformed URLs, outputs without pools, an OLAP read on a stack without OLAP. */
export class ClientConfigError extends UserError {
  override name = "ClientConfigError";
}

/** The read pool could not be reached (or answered too slowly) and the client was told not to fall back. */
export class ReplicaUnavailableError extends Error {
  override name = "ReplicaUnavailableError";
}

/**
 * All of this client's own connections to a pool were in use for as long as the pool waits for one (pg-pool's queue
 * timeout, PG_POOL.queueTimeoutMessage): nothing was sent to any server, and nothing is wrong with one. Not a reason
 * to move the read elsewhere or to count the pool as failing: raise poolSize, lower the process's concurrency, or
 * shorten what runs inside read() and write().
 */
export class ClientPoolExhaustedError extends Error {
  override name = "ClientPoolExhaustedError";
  constructor(
    message: string,
    /** The pool (host:port/database) whose connections were all in use. */
    readonly pool: string,
    /** Its size: the client's poolSize. */
    readonly size: number,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The read would have gone to the primary (no replica could serve it), but the primary had already served the
 * client's primaryBudget share of its replica reads in the window: no read was made. Retry later, or with
 * consistency "eventual" where that is acceptable.
 */
export class PrimaryBudgetExceededError extends Error {
  override name = "PrimaryBudgetExceededError";
}

/** Neither a replica nor the primary could serve; `cause` holds the primary's error. */
export class NoServerError extends Error {
  override name = "NoServerError";
}

/** A write that did not commit although its function returned: the transaction had already failed inside. */
export class WriteNotCommittedError extends Error {
  override name = "WriteNotCommittedError";
}

/**
 * COMMIT was sent but its answer never arrived (the connection dropped, the position query after it failed, the call
 * was aborted or timed out): the write may or may not have committed. Retrying it blindly can write twice; retry only
 * a write that is idempotent (an upsert, a unique request key checked inside it), or look for its effect first. The
 * pg-level error is `cause`; the caller's own error classes never surface here.
 */
export class CommitOutcomeUnknownError extends Error {
  override name = "CommitOutcomeUnknownError";
  constructor(
    message: string,
    /** The write pool the COMMIT went to (host:port/database). */
    readonly pool: string,
    /** The token the write was given: the position the caller had seen before it (undefined: none). */
    readonly tokenBefore: string | undefined,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The function given to read() or analytic() ended the read's transaction itself (a COMMIT or ROLLBACK inside it, as an
 * ORM's own transaction() does): its later statements ran outside the gate, possibly on a replica that had not
 * replayed the token, and on the primary no longer READ ONLY. Its result is not returned.
 */
export class ReadTransactionEndedError extends Error {
  override name = "ReadTransactionEndedError";
}

/**
 * An analytic read given a token found the OLAP replica short of it after the wait. The OLAP replica falls behind by
 * design (its replay waits for long scans), and analytic reads never move to the primary or the OLTP replicas.
 */
export class OlapBehindError extends Error {
  override name = "OlapBehindError";
  readonly required: string;
  /** What the OLAP replica had replayed when the wait ended (undefined: nothing yet). */
  readonly replayed: string | undefined;
  readonly bytesBehind: number | undefined;
  readonly server: string;
  constructor(
    message: string,
    known: { required: string; replayed: string | undefined; bytesBehind: number | undefined; server: string },
  ) {
    super(message);
    this.required = known.required;
    this.replayed = known.replayed;
    this.bytesBehind = known.bytesBehind;
    this.server = known.server;
  }
}

/** A pool answered from a server of the wrong role (a writer in recovery, an OLAP pool on a primary). */
export class WrongServerError extends Error {
  override name = "WrongServerError";
}

export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describeError).join("; ");
  const e = error as { code?: string; message?: string };
  return [e.code, e.message].filter(Boolean).join(" ") || String(error);
}
