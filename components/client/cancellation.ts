/**
 * Every public call can be cancelled: by the caller's AbortSignal, by its own deadline
 * (timeoutMs), or both. A cancelled call rejects with the signal's reason (an AbortError, or
 * a TimeoutError for a deadline), never waits on anything first, and gives its connection up:
 * a connection held when the call is cancelled is destroyed, not returned to the pool, since
 * a statement may still be running on it. The server ends that statement when it notices the
 * closed connection (at its next write to it; client_connection_check_interval makes that
 * sooner); statement_timeout is the server's own bound.
 */
import type pg from "pg";
import { ClientConfigError } from "./errors";

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

/**
 * A connection from `pool` for one call. Its release() may be called more than once (only the first counts); a
 * cancellation while it is held destroys it, which fails the statement running on it at once; and a connection lost
 * while held fails that statement (pg rejects it) without also raising an unhandled 'error' event that would end the
 * process (pg-pool listens for those only on idle connections).
 */
export async function acquire(pool: pg.Pool, signal: AbortSignal | undefined): Promise<pg.PoolClient> {
  signal?.throwIfAborted();
  const connecting = pool.connect();
  const conn = await abortable(connecting, signal, () => {
    connecting.then(
      (late) => late.release(),
      () => undefined,
    );
  });
  const release = conn.release.bind(conn);
  const ignore = () => undefined;
  let released = false;
  const destroy = () => once(signal!.reason instanceof Error ? signal!.reason : new Error(String(signal!.reason)));
  const once = (error?: Error | boolean) => {
    if (released) return;
    released = true;
    signal?.removeEventListener("abort", destroy);
    // Back in the pool it is pg-pool's to watch; a destroyed one keeps the listener for its last events.
    if (!error) conn.removeListener("error", ignore);
    release(error);
  };
  conn.on("error", ignore);
  conn.release = once;
  signal?.addEventListener("abort", destroy, { once: true });
  return conn;
}
