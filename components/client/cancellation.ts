/**
 * Every public call can be cancelled: by the caller's AbortSignal, by its own deadline
 * (timeoutMs), or both. A cancelled call rejects with the signal's reason (an AbortError, or
 * a TimeoutError for a deadline), never waits on anything first, and gives its connection up:
 * a connection held when the call is cancelled is destroyed, not returned to the pool, since
 * a statement may still be running on it. Before that, the server is asked to cancel the
 * statement (PostgreSQL's CancelRequest, which PgBouncer passes on to the server connection
 * the client holds): a closed connection alone is noticed only when the server next writes
 * to it, so a long scan or a sleep would run on. Through a pool spread over several servers
 * (the local read pool's host list) the cancel may reach another server, which ignores it:
 * the suite saw it stop the statement through the write pool, not through the read pool.
 */
import { connect } from "node:net";
import type pg from "pg";
import { PG_POOL } from "../facts/postgres/pgPool";
import { ClientConfigError, ClientPoolExhaustedError } from "./errors";

/**
 * A timeout must be a positive number of milliseconds. 0 is refused, not read as "no timeout" (node-postgres's
 * meaning for connectionTimeoutMillis and query_timeout), so a computed 0 cannot switch a timeout off unnoticed.
 */
export function checkTimeout(what: string, value: number | undefined): void {
  if (value === undefined || (Number.isFinite(value) && value > 0)) return;
  throw new ClientConfigError(
    `${what} = ${String(value)}: use a number of milliseconds > 0 (0 does not mean "no timeout" here; leave the option out for its default)`,
  );
}

/** The caller's signal and the call's deadline as one signal; undefined when there is neither. */
export function callSignal(signal: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal | undefined {
  const deadline = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  if (signal && deadline) return AbortSignal.any([signal, deadline]);
  return signal ?? deadline;
}

/**
 * Waits for `promise` unless `signal` fires first: then runs `onAbort` and rejects with the signal's reason. The
 * promise's own later outcome is observed (a late rejection is not unhandled) and otherwise ignored.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, onAbort?: () => void): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort?.();
      reject(signal.reason);
    };
    if (signal.aborted) return abort();
    signal.addEventListener("abort", abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", abort);
        reject(error);
      },
    );
  });
}

export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return abortable(new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), signal, () =>
    clearTimeout(timer),
  );
}

const lostWith = new WeakMap<pg.PoolClient, Error[]>();

function noteLost(conn: pg.PoolClient, error: Error): void {
  lostWith.set(conn, [...(lostWith.get(conn) ?? []), error]);
}

/**
 * What the server said as it closed a connection between two of its caller's statements (pg emits it as an 'error'
 * event; the next statement fails only with "not queryable"): a hot standby's FATAL 40001 when a recovery conflict
 * meets a transaction idle between statements, for one.
 */
export function connectionErrors(conn: pg.PoolClient): readonly Error[] {
  return lostWith.get(conn) ?? [];
}

/**
 * A connection from `pool` for one call. Its release() may be called more than once (only the first counts); a
 * cancellation while it is held asks the server to cancel its statement and then destroys it (the call itself has
 * rejected already, or fails with the statement); and a connection lost
 * while held fails that statement (pg rejects it) without also raising an unhandled 'error' event that would end the
 * process (pg-pool listens for those only on idle connections).
 */
export async function acquire(
  { pool, label }: { pool: pg.Pool; label: string },
  signal: AbortSignal | undefined,
): Promise<pg.PoolClient> {
  signal?.throwIfAborted();
  const connecting = pool.connect().catch((error: unknown) => {
    throw exhausted(error, pool, label) ?? error;
  });
  const conn = await abortable(connecting, signal, () => {
    connecting.then(
      (late) => late.release(),
      () => undefined,
    );
  });
  const release = conn.release.bind(conn);
  const ignore = (error: Error) => noteLost(conn, error);
  const running = signal ? track(conn) : () => Promise.resolve();
  let released = false;
  const destroy = () => {
    // The cancel must reach the pooler while this client still holds its server connection (PgBouncer forgets a
    // closed client's key): close only once the statement has answered it, or after a bound.
    void requestCancel(conn)
      .then(() => settled(running(), CANCEL_SETTLE_MS))
      .finally(() => once(signal!.reason instanceof Error ? signal!.reason : new Error(String(signal!.reason))));
  };
  const once = (error?: Error | boolean) => {
    if (released) return;
    released = true;
    signal?.removeEventListener("abort", destroy);
    delete (conn as Partial<pg.PoolClient>).query; // the prototype's query again, for the next holder
    // Back in the pool it is pg-pool's to watch; a destroyed one keeps the listener for its last events.
    if (!error) conn.removeListener("error", ignore);
    release(error);
  };
  conn.on("error", ignore);
  conn.release = once;
  signal?.addEventListener("abort", destroy, { once: true });
  return conn;
}

/** Records the last statement sent on `conn` (its promise), for a cancellation to wait on. */
function track(conn: pg.PoolClient): () => Promise<unknown> {
  let last: Promise<unknown> = Promise.resolve();
  const query = conn.query;
  conn.query = function (this: pg.PoolClient, ...args: Parameters<typeof query>) {
    const sent = (query as (...a: unknown[]) => unknown).apply(this, args);
    if (sent instanceof Promise) last = sent;
    return sent;
  } as typeof query;
  return () => last;
}

function settled(promise: Promise<unknown>, boundMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)));
  return Promise.race([promise.then(ignored, ignored), bound]).finally(() => clearTimeout(timer));
}

const ignored = () => undefined;

/** The protocol's CancelRequest code (PostgreSQL's protocol docs, "Canceling Requests in Progress"). */
const CANCEL_REQUEST_CODE = 80877102;
const CANCEL_SEND_MS = 1000;
/** How long a cancelled statement may take to answer the cancel before its connection is closed anyway. */
const CANCEL_SETTLE_MS = 1000;

/**
 * Sends a CancelRequest for whatever `conn` runs, on a new connection to the same address (plain, as libpq's PQcancel
 * does; it carries only the backend's key). Best effort: resolves once sent, failed, or after CANCEL_SEND_MS.
 */
function requestCancel(conn: pg.PoolClient): Promise<void> {
  const { processID, secretKey, host, port } = conn as unknown as {
    processID: number | null;
    secretKey: number | null;
    host: string;
    port: number;
  };
  if (processID === null || secretKey === null || typeof secretKey !== "number") return Promise.resolve();
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  packet.writeInt32BE(processID, 8);
  packet.writeInt32BE(secretKey, 12);
  return new Promise((resolve) => {
    const socket = host.startsWith("/") ? connect(`${host}/.s.PGSQL.${port}`) : connect(port, host);
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.setTimeout(CANCEL_SEND_MS, done);
    socket.on("error", done);
    socket.on("connect", () => socket.end(packet, done));
  });
}

/** pg-pool's own queue timed out: every connection of this client's pool was in use (PG_POOL.queueTimeoutMessage). */
function exhausted(error: unknown, pool: pg.Pool, label: string): ClientPoolExhaustedError | undefined {
  if ((error as Error | undefined)?.message !== PG_POOL.queueTimeoutMessage.value) return undefined;
  const { max, connectionTimeoutMillis } = pool.options as { max: number; connectionTimeoutMillis: number };
  return new ClientPoolExhaustedError(
    `all ${max} of this client's connections to ${label} were in use for ${connectionTimeoutMillis} ms; nothing was sent to the server, which is not at fault. ` +
      "Raise the client's poolSize, run fewer calls at once in this process, or do less inside each read() and write().",
    label,
    max,
    { cause: error },
  );
}
