/**
 * The read/write routing client. Writes go through the write pool and return a causality
 * token (the writer's WAL position after COMMIT). Reads choose their consistency:
 *
 *   eventual          any replica in recovery, through the read pool
 *   bounded           a replica at most maxStalenessMs behind the writer (replicaAttempts tried), else the primary
 *   read-your-writes  a replica that has replayed the token, waiting up to maxWaitMs, else the primary
 *   primary           the writer, read-only
 *
 * No replica read (but analytic ones) is served by a replica more than maxReplicaStalenessMs
 * behind the writer: the staleness ceiling, proven by positions like bounded reads.
 *
 * Analytic reads go to the OLAP pool. Every result carries the merged token, so a stateless
 * service can hand it back in a header or cookie; a Session keeps it for you.
 */
import pg from "pg";
import { abortable, acquire, callSignal, checkTimeout } from "./cancellation";
import { commitOutcome } from "./commitOutcome";
import {
  ClientConfigError,
  ClientPoolExhaustedError,
  CommitOutcomeUnknownError,
  NoServerError,
  WriteNotCommittedError,
  describeError,
} from "./errors";
import { PrimaryPositions } from "./positions";
import { type Consistency, type NamedPool, type Queryable, type Route, Router, type Served, type Work } from "./route";
import { COMMIT_WRITE, type Isolation, PRIMARY_POSITION, beginWrite } from "./sql";
import {
  type ClientTargets,
  type PoolTarget,
  targetsFromEnv,
  targetsFromOutputs,
  targetsFromOutputsFile,
} from "./targets";
import { ATTRIBUTES, Telemetry, type TelemetryOptions, type TelemetryTargets } from "./telemetry";
import { type CausalityToken, type TokenIdentity, formatLsn, mergeTokens, parseToken, reached } from "./token";
import { type AcceptedToken, type TokenDropReason, TokenPolicy, checkSecrets } from "./tokenPolicy";
import { WriterIdentity } from "./writerIdentity";
import { type ReplicaMember, ReplicaSet } from "./replicaSet";
import { Session } from "./session";
import { WindowSession, type WindowSessionOptions } from "./windowSession";
import type { BudgetOptions } from "./budget";

export interface ClientOptions extends TelemetryOptions {
  /** How long a read-your-writes read waits for a replica to reach its token before the primary serves it. */
  maxWaitMs?: number;
  /** First pause between checks of a replica that is behind; doubles up to 20 ms. */
  pollIntervalMs?: number;
  /** The bound of `bounded` reads. */
  maxStalenessMs?: number;
  /**
   * Read-pool transactions a bounded read opens before the primary serves it: each may land on another replica, so
   * one replica behind the bound does not send the read to the primary while another is within it.
   */
  replicaAttempts?: number;
  /**
   * No replica read (eventual, read-your-writes) is served by a replica further behind the writer than this: its
   * replay position is compared with the writer's, sampled at most this long ago. Analytic reads are exempt (the
   * OLAP replica falls behind by design); bounded reads have their own bound.
   */
  maxReplicaStalenessMs?: number;
  /** How long the read pool may take to connect and answer the check before it counts as unavailable. */
  replicaTimeoutMs?: number;
  /**
   * "pool" (the default): replica reads go through the read pool, which places each transaction on a replica; a
   * replica behind the token is let go and the read asked again. "direct": the client connects to each OLTP replica
   * of the writer's region itself (StackOutputs' readers; poolSize connections each), remembers each one's replay
   * position from its reads and sends a gated read straight to one known to have caught up, asking their positions
   * only when none is known to (replicaSet.ts).
   */
  replicaRouting?: "pool" | "direct";
  /** When the read pool cannot be reached: serve from the primary (counted and traced), or throw. */
  onReplicaUnavailable?: "primary" | "error";
  /**
   * Read-pool failures in a row (it could not be reached within replicaTimeoutMs) after which reads stop trying it
   * for breakerCooldownMs and go where onReplicaUnavailable says at once; then one read tries it again (breaker.ts).
   */
  breakerThreshold?: number;
  breakerCooldownMs?: number;
  /**
   * How many times a replica read cancelled by a conflict with recovery (SQLSTATE 40001: replay needed a lock or a row
   * version the read held for longer than max_standby_streaming_delay) runs again, in a new transaction, before the
   * error is thrown. The read's function then runs more than once: it must not act outside the database.
   */
  recoveryConflictRetries?: number;
  /**
   * At most `share` of the replica reads of the last `windowMs` go to the primary when no replica can serve them;
   * past it such a read fails fast with PrimaryBudgetExceededError (budget.ts). Until `minReads` reads were seen in
   * the window nothing is refused. None by default: every such read goes to the primary.
   */
  primaryBudget?: BudgetOptions;
  /** Connections per pool (each is a client connection to PgBouncer). */
  poolSize?: number;
  connectionTimeoutMs?: number;
  applicationName?: string;
  /** A deadline for every call (write, read, analytic) unless the call sets its own; none when left out. */
  timeoutMs?: number;
  /**
   * Sign the tokens this client issues (HMAC-SHA-256) and read only tokens so signed: a forged or edited token is a
   * TokenError before any I/O. At least 32 bytes, the same on every instance; a list rotates: the first signs, any
   * verifies (tokenPolicy.ts). None by default: tokens are taken as given, a position ahead of the writer is clamped.
   */
  tokenSecret?: string | readonly string[];
  /**
   * A token issued longer ago than this is dropped (Route.tokenDropped "expired"): the staleness ceiling already
   * requires more of every replica. Never below maxReplicaStalenessMs.
   */
  tokenMaxAgeMs?: number;
}

/** What every public call accepts to be cancelled: the caller's signal, a deadline, or both. */
export interface CallOptions {
  /** Aborting it rejects the call with the signal's reason and gives up its connection. */
  signal?: AbortSignal;
  /** The call's deadline in ms (> 0): it rejects with a TimeoutError. Overrides the client's timeoutMs. */
  timeoutMs?: number;
}

export const DEFAULTS = {
  maxWaitMs: 250,
  pollIntervalMs: 2,
  maxStalenessMs: 1000,
  replicaAttempts: 3,
  maxReplicaStalenessMs: 30_000,
  replicaTimeoutMs: 2000,
  onReplicaUnavailable: "primary",
  breakerThreshold: 3,
  breakerCooldownMs: 5000,
  recoveryConflictRetries: 2,
  poolSize: 10,
  connectionTimeoutMs: 5000,
  applicationName: "pg-read-replicas-client",
  tokenMaxAgeMs: 600_000,
  replicaRouting: "pool" as "pool" | "direct",
} as const satisfies Required<
  Omit<ClientOptions, keyof TelemetryOptions | "timeoutMs" | "primaryBudget" | "tokenSecret">
>;

/** Without a default: no deadline, no budget, unsigned tokens. */
type Settings = typeof DEFAULTS & {
  timeoutMs?: number;
  primaryBudget?: BudgetOptions;
  tokenSecret?: string | readonly string[];
};

/** How long the writer's identity is taken as known before it is asked again (a promotion changes the timeline). */
const IDENTITY_REFRESH_MS = 10_000;
/**
 * After the writer failed to say who it is, how long calls go on without asking again (the position samples and the
 * writes bring it anyway once the writer answers), and how long a call waits for the answer when nothing is known.
 */
const IDENTITY_RETRY_MS = 30_000;
const IDENTITY_ASK_TIMEOUT_MS = 1_000;

export interface ReadOptions extends CallOptions {
  /** Default read-your-writes: with no token that is any replica; with one, a replica that has replayed it. */
  consistency?: Consistency;
  /** From an earlier write() or read(); "" and null count as none. A malformed token is refused before any I/O. */
  token?: string | null;
  maxWaitMs?: number;
  maxStalenessMs?: number;
}

export interface ReadResult<T> {
  result: T;
  /** The given token merged with what this read saw: pass it to the next read for monotonic reads. */
  token: CausalityToken | undefined;
  route: Route;
}

export interface AnalyticOptions extends CallOptions {
  /** Enforced: the OLAP replica must have replayed it (see analytic()). */
  token?: string | null;
  maxWaitMs?: number;
}

export interface WriteOptions extends CallOptions {
  token?: string | null;
  isolation?: Isolation;
}

export interface WriteResult<T> {
  result: T;
  /** The writer's position after COMMIT, merged with the given token (unless that was ahead of the writer). */
  token: CausalityToken;
  /** The given token was ahead of the writer (see Route.tokenClamped): the token returned is the commit's alone. */
  tokenClamped?: true;
  /** The given token was dropped (see Route.tokenDropped). */
  tokenDropped?: TokenDropReason;
}

/** The pools' addresses for spans (server.address, server.port) and the database (db.namespace). */
function telemetryTargets(targets: ClientTargets): TelemetryTargets {
  const server = (target: PoolTarget | undefined) =>
    target?.config.host ? { host: target.config.host, port: Number(target.config.port ?? 5432) } : undefined;
  return {
    // libpq and node-postgres connect to the database named like the user when none is given.
    database: targets.write.config.database ?? targets.write.config.user ?? "postgres",
    servers: { primary: server(targets.write), replica: server(targets.read), olap: server(targets.olap) },
  };
}

function checkOptions(options: ClientOptions): void {
  for (const key of ["maxWaitMs", "pollIntervalMs", "maxStalenessMs"] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0))
      throw new ClientConfigError(`client option ${key} = ${String(value)}: use a number ≥ 0`);
  }
  const ceiling = options.maxReplicaStalenessMs;
  if (ceiling !== undefined && !(Number.isFinite(ceiling) && ceiling > 0))
    throw new ClientConfigError(
      `client option maxReplicaStalenessMs = ${String(ceiling)}: use a number of milliseconds > 0`,
    );
  for (const key of ["replicaTimeoutMs", "connectionTimeoutMs", "timeoutMs", "breakerCooldownMs"] as const) {
    checkTimeout(`client option ${key}`, options[key]);
  }
  for (const key of ["poolSize", "replicaAttempts", "breakerThreshold"] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1))
      throw new ClientConfigError(`client option ${key} = ${String(value)}: use a whole number ≥ 1`);
  }
  const retries = options.recoveryConflictRetries;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0))
    throw new ClientConfigError(
      `client option recoveryConflictRetries = ${String(retries)}: use a whole number ≥ 0 (0: never run a read again)`,
    );
  if (options.primaryBudget !== undefined) checkBudget(options.primaryBudget);
  checkTokenOptions(options);
  if (options.replicaRouting !== undefined && !["pool", "direct"].includes(options.replicaRouting)) {
    throw new ClientConfigError(
      `client option replicaRouting = ${JSON.stringify(options.replicaRouting)}: use "pool" (through the read pool) or "direct" (each replica)`,
    );
  }
  if (options.onReplicaUnavailable !== undefined && !["primary", "error"].includes(options.onReplicaUnavailable)) {
    throw new ClientConfigError(
      `client option onReplicaUnavailable = ${JSON.stringify(options.onReplicaUnavailable)}: use "primary" or "error"`,
    );
  }
}

function directReplicas(targets: ClientTargets): NonNullable<ClientTargets["replicas"]> {
  if (!targets.replicas || targets.replicas.length === 0) {
    throw new ClientConfigError(
      'client option replicaRouting = "direct" needs each replica\'s address: build the client from the stack outputs ' +
        '(ReplicaClient.fromOutputs / fromOutputsFile), whose readers name them, or leave replicaRouting at "pool"',
    );
  }
  return targets.replicas;
}

function checkTokenOptions(options: ClientOptions): void {
  if (options.tokenSecret !== undefined) {
    checkSecrets(typeof options.tokenSecret === "string" ? [options.tokenSecret] : options.tokenSecret);
  }
  const maxAge = options.tokenMaxAgeMs;
  if (maxAge === undefined) return;
  const ceiling = options.maxReplicaStalenessMs ?? DEFAULTS.maxReplicaStalenessMs;
  if (!(Number.isFinite(maxAge) && maxAge >= ceiling))
    throw new ClientConfigError(
      `client option tokenMaxAgeMs = ${String(maxAge)}: use a number of milliseconds ≥ maxReplicaStalenessMs (${ceiling}); ` +
        "a token is dropped only once the staleness ceiling demands more than it does",
    );
}

function checkBudget(budget: BudgetOptions): void {
  const { share, windowMs, minReads } = budget;
  if (!(typeof share === "number" && share > 0 && share <= 1))
    throw new ClientConfigError(
      `client option primaryBudget.share = ${String(share)}: use a share of replica reads > 0 and ≤ 1 (0.2: a fifth)`,
    );
  checkTimeout("client option primaryBudget.windowMs", windowMs);
  if (!(Number.isInteger(minReads) && minReads >= 1))
    throw new ClientConfigError(`client option primaryBudget.minReads = ${String(minReads)}: use a whole number ≥ 1`);
}

/**
 * The token a read returns: a new one for the position it saw, unless the given one is later (it is returned as it
 * is). Served by the primary, `seen` is the writer's own position after the read: a given token beyond it names WAL
 * the writer never wrote (lost in an asynchronous failover, from before a restore, forged), which no replica will
 * ever reach, and keeping it would make every later read with it wait and fall back to the primary again. So the
 * writer's position replaces it, and the route says so. (A token from a lost timeline that the new writer's position
 * has already passed is not detected: it costs nothing, and the writes it stood for are gone either way.)
 */
function tokenAfterRead<T>(
  accepted: AcceptedToken,
  served: Served<T>,
  issue: (position: string) => CausalityToken,
): { token: CausalityToken | undefined; route: Route } {
  const { seen, route } = served;
  const dropped = accepted.dropped ? { tokenDropped: accepted.dropped } : {};
  const required = accepted.required;
  if (seen === undefined)
    return { token: accepted.dropped ? undefined : accepted.given, route: { ...route, ...dropped } };
  if (required !== undefined && !reached(seen, required)) {
    if (route.target === "primary") return { token: issue(seen), route: { ...route, tokenClamped: true } };
    return { token: accepted.given, route };
  }
  return { token: issue(seen), route: { ...route, ...dropped } };
}

function resultsOf(value: unknown): pg.QueryResult[] {
  return (Array.isArray(value) ? value : [value]) as pg.QueryResult[];
}

export class ReplicaClient {
  private readonly settings: Settings;
  private readonly pools: {
    write: NamedPool;
    primaryReads: NamedPool;
    read: NamedPool;
    olap?: NamedPool;
    replicas?: ReplicaMember[];
  };
  private readonly router: Router;
  private readonly telemetry: Telemetry;
  private readonly positions: PrimaryPositions;
  private readonly ceilingPositions: PrimaryPositions;
  private readonly tokens: TokenPolicy;
  private readonly identity: WriterIdentity;

  static fromOutputs(outputs: unknown, options: ClientOptions = {}): ReplicaClient {
    return new ReplicaClient(targetsFromOutputs(outputs), options);
  }

  static fromOutputsFile(path: string, options: ClientOptions = {}): ReplicaClient {
    return new ReplicaClient(targetsFromOutputsFile(path), options);
  }

  /** DATABASE_PRIMARY_URL, DATABASE_REPLICA_URL and, optionally, DATABASE_OLAP_URL. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, options: ClientOptions = {}): ReplicaClient {
    return new ReplicaClient(targetsFromEnv(env), options);
  }

  constructor(targets: ClientTargets, options: ClientOptions = {}) {
    checkOptions(options);
    const { tracerProvider, meterProvider, ...rest } = options;
    const settings = {
      ...DEFAULTS,
      ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    } as ReplicaClient["settings"];
    this.settings = settings;
    const open = (target: PoolTarget, connectionTimeoutMillis: number): NamedPool => {
      const pool = new pg.Pool({
        ...target.config,
        max: settings.poolSize,
        connectionTimeoutMillis,
        application_name: settings.applicationName,
      });
      // An idle connection dropped by the server or pooler is replaced on next use; without a listener it would crash
      // the process.
      pool.on("error", () => undefined);
      return { pool, label: target.label };
    };
    this.pools = {
      write: open(targets.write, settings.connectionTimeoutMs),
      // Reads the primary serves (consistency primary, fallbacks) have connections of their own: a surge of them,
      // when replicas cannot serve, queues behind its own pool and leaves the writes' connections free.
      primaryReads: open(targets.write, settings.connectionTimeoutMs),
      read: open(targets.read, settings.replicaTimeoutMs),
      ...(targets.olap ? { olap: open(targets.olap, settings.connectionTimeoutMs) } : {}),
      ...(settings.replicaRouting === "direct"
        ? {
            replicas: directReplicas(targets).map((r) => ({
              name: r.name,
              ...open(r.target, settings.replicaTimeoutMs),
            })),
          }
        : {}),
    };
    const replicas = this.pools.replicas
      ? new ReplicaSet(this.pools.replicas, {
          breakerThreshold: settings.breakerThreshold,
          breakerCooldownMs: settings.breakerCooldownMs,
          timeoutMs: settings.replicaTimeoutMs,
        })
      : undefined;
    this.router = new Router(this.pools.primaryReads, this.pools.read, this.pools.olap, {
      ...settings,
      ...(replicas ? { replicas } : {}),
    });
    this.telemetry = new Telemetry(telemetryTargets(targets), {
      ...(tracerProvider ? { tracerProvider } : {}),
      ...(meterProvider ? { meterProvider } : {}),
    });
    const askWriter = async () => {
      const at = Date.now();
      const row = (await this.pools.write.pool.query(PRIMARY_POSITION)).rows[0] as TokenIdentity & { lsn: string };
      this.identity.observe({ system: row.system, timeline: row.timeline }, at);
      return row;
    };
    const writerPosition = async () => (await askWriter()).lsn;
    this.identity = new WriterIdentity(askWriter, {
      refreshMs: IDENTITY_REFRESH_MS,
      retryMs: IDENTITY_RETRY_MS,
      askTimeoutMs: IDENTITY_ASK_TIMEOUT_MS,
    });
    const secret = settings.tokenSecret;
    this.tokens = new TokenPolicy({
      ...(secret !== undefined ? { secrets: typeof secret === "string" ? [secret] : secret } : {}),
      maxAgeMs: settings.tokenMaxAgeMs,
    });
    // Two samplers: samples spread over the 30 s ceiling would be too coarse for a 1 s bound (positions.ts).
    this.positions = new PrimaryPositions(writerPosition, settings.maxStalenessMs);
    this.ceilingPositions = new PrimaryPositions(writerPosition, settings.maxReplicaStalenessMs);
  }

  /** Runs `work` in a transaction on the writer and returns its result with the commit's causality token. */
  async write<T>(work: Work<T>, options: WriteOptions = {}): Promise<WriteResult<T>> {
    const signal = this.signalFor(options);
    const accepted = await this.accept(options.token);
    const given = accepted.dropped ? undefined : accepted.required;
    return this.telemetry.span(
      "write",
      { [ATTRIBUTES.target]: "primary", [ATTRIBUTES.routedToPrimary]: true },
      async (span) => {
        const conn = await acquire(this.pools.write, signal).catch((error: unknown) => {
          signal?.throwIfAborted();
          if (error instanceof ClientPoolExhaustedError) throw error;
          throw new NoServerError(
            `the write pool ${this.pools.write.label} is unavailable (${describeError(error)}); nothing was written.`,
            { cause: error },
          );
        });
        let result: T;
        try {
          await conn.query(beginWrite(options.isolation));
          result = await abortable(work(conn), signal);
        } catch (error) {
          // Cancelled before COMMIT was sent: the statement is cancelled and the connection closed (cancellation.ts),
          // so the server rolls the transaction back.
          signal?.throwIfAborted();
          const rolledBack = await conn.query("ROLLBACK").then(
            () => true,
            () => false,
          );
          conn.release(rolledBack ? undefined : (error as Error));
          throw error;
        }
        const committed = await this.commit(conn, accepted.dropped ? undefined : accepted.given);
        if (committed.command !== "COMMIT") {
          throw new WriteNotCommittedError(
            `the write was rolled back, not committed (COMMIT answered ${committed.command}): a statement inside it failed and its error was caught. Nothing was written; no token was issued.`,
          );
        }
        this.positions.record(committed.at, committed.lsn);
        this.ceilingPositions.record(committed.at, committed.lsn);
        if (committed.timeline !== undefined) this.identity.observeTimeline(committed.timeline, committed.at);
        const token = this.tokens.issue(committed.lsn, await this.identity.current());
        span.setAttribute(ATTRIBUTES.causalityToken, token);
        if (accepted.dropped) {
          span.setAttribute(ATTRIBUTES.tokenDropped, accepted.dropped);
          return { result, token, tokenDropped: accepted.dropped };
        }
        // The commit is at the writer's position: a given token beyond it is one no server will ever reach.
        if (given !== undefined && !reached(committed.lsn, given)) {
          span.setAttribute(ATTRIBUTES.tokenClamped, true);
          return { result, token, tokenClamped: true };
        }
        return { result, token };
      },
    );
  }

  /**
   * Sends COMMIT and the position query, and releases the connection. An error that proves the rollback (a deferred
   * constraint, a serialization failure) is the caller's and is thrown as it is; any other leaves the outcome unknown.
   */
  private async commit(conn: pg.PoolClient, given: CausalityToken | undefined) {
    const at = Date.now();
    try {
      const [commit, position] = resultsOf(await conn.query(COMMIT_WRITE));
      conn.release();
      const row = position?.rows[0] as { lsn: string; timeline: number } | undefined;
      return { command: commit?.command ?? "", lsn: row?.lsn as string, timeline: row?.timeline, at };
    } catch (error) {
      const outcome = commitOutcome(error);
      // After a proven rollback the session is idle and reusable; otherwise its state is unknown too.
      conn.release(outcome === "rolled back" ? undefined : (error as Error));
      if (outcome === "rolled back") throw error;
      const pool = this.pools.write.label;
      throw new CommitOutcomeUnknownError(
        `the write's COMMIT was sent to ${pool}, but no answer came back (${describeError(error)}): it may have committed or not. ` +
          "Retry only if the write is idempotent (an upsert, a unique request key), or check for its effect first; " +
          `no token was issued${given ? ` (the token before it was ${given})` : ""}.`,
        pool,
        given,
        { cause: error },
      );
    }
  }

  /**
   * Reads with the chosen consistency (default read-your-writes) and returns the result, the merged token and the
   * route.
   */
  async read<T>(work: Work<T>, options: ReadOptions = {}): Promise<ReadResult<T>> {
    const consistency = options.consistency ?? "read-your-writes";
    if (!["eventual", "bounded", "read-your-writes", "primary"].includes(consistency)) {
      throw new ClientConfigError(
        `consistency ${JSON.stringify(consistency)}: use eventual, bounded, read-your-writes or primary`,
      );
    }
    const signal = this.signalFor(options);
    const accepted = await this.accept(options.token);
    return this.telemetry.span("read", { [ATTRIBUTES.consistency]: consistency }, async (span) => {
      const served = await this.route(work, consistency, accepted, options, signal).catch((error: unknown) => {
        signal?.throwIfAborted();
        throw error;
      });
      const healed = tokenAfterRead(accepted, served, await this.issuer());
      this.telemetry.routed(span, consistency, healed.route);
      return { result: served.result, token: healed.token, route: healed.route };
    });
  }

  /**
   * An analytic read on the OLAP replica. Without a token it reads whatever the replica has replayed; with one, it
   * waits up to maxWaitMs for the replica to replay it and otherwise throws OlapBehindError (never the primary).
   */
  async analytic<T>(work: Work<T>, options: AnalyticOptions = {}): Promise<ReadResult<T>> {
    if (!this.pools.olap) {
      throw new ClientConfigError(
        "analytic read: this client has no OLAP pool (set DATABASE_OLAP_URL, or use a stack with olap.enabled: true); no read was made.",
      );
    }
    const signal = this.signalFor(options);
    const accepted = await this.accept(options.token);
    const token = accepted.required;
    const consistency = token === undefined ? "eventual" : "read-your-writes";
    return this.telemetry.span("analytic", { [ATTRIBUTES.consistency]: consistency }, async (span) => {
      const gate = { required: token, waitMs: options.maxWaitMs ?? this.settings.maxWaitMs };
      const served = await this.router.olap(work, gate, signal).catch((error: unknown) => {
        signal?.throwIfAborted();
        throw error;
      });
      const healed = tokenAfterRead(accepted, served, await this.issuer());
      this.telemetry.routed(span, consistency, healed.route);
      return { result: served.result, token: healed.token, route: healed.route };
    });
  }

  /** A session: its token follows every write and read, so its reads see its writes and never go back in time. */
  session(token?: string | null): Session {
    return new Session(this, token);
  }

  /** For callers that cannot carry a token: reads go to the primary for a while after each write (windowSession.ts). */
  windowSession(options: WindowSessionOptions): WindowSession {
    return new WindowSession(this, options);
  }

  async close(): Promise<void> {
    const { replicas = [], ...pools } = this.pools;
    await Promise.all([...Object.values(pools), ...replicas].map((p) => p.pool.end()));
  }

  /**
   * A token as this client takes it, in canonical form: well formed, and signed with its tokenSecret when it has one
   * (TokenError otherwise); undefined for none. No I/O: for checking a request's token before doing anything with it.
   */
  checkToken(token: string | null | undefined): CausalityToken | undefined {
    return this.tokens.accept(token, undefined).given;
  }

  /**
   * A given token checked (tokenPolicy.ts): malformed or badly signed throws before any I/O; one with an identity is
   * compared with the writer's, asked for first when not yet known.
   */
  private async accept(token: string | null | undefined): Promise<AcceptedToken> {
    const first = this.tokens.accept(token, this.identity.peek);
    if (first.given === undefined || first.dropped || this.identity.peek || !first.given.includes(".")) return first;
    return this.tokens.accept(token, await this.identity.current());
  }

  /** Issues tokens with the writer's identity as known now. */
  private async issuer(): Promise<(position: string) => CausalityToken> {
    const identity = await this.identity.current();
    return (position) => this.tokens.issue(position, identity);
  }

  /** The call's signal: its own, and its deadline (its timeoutMs, else the client's), checked first. */
  private signalFor(options: CallOptions): AbortSignal | undefined {
    checkTimeout("timeoutMs", options.timeoutMs);
    return callSignal(options.signal, options.timeoutMs ?? this.settings.timeoutMs);
  }

  private async route<T>(
    work: Work<T>,
    consistency: Consistency,
    accepted: AcceptedToken,
    options: ReadOptions,
    signal: AbortSignal | undefined,
  ) {
    if (consistency === "primary") return this.router.primary(work, { waitedMs: 0, attempts: 0, gated: false }, signal);
    const token = accepted.required;
    if (consistency === "bounded") return this.bounded(work, token, options, signal);
    // Every other replica read stays under the staleness ceiling, proven by the writer's position, not by a lag
    // figure (a replica whose WAL receiver died reports lag 0).
    const ceiling = await abortable(this.ceilingPositions.ceilingFor(this.settings.maxReplicaStalenessMs), signal);
    // A token dropped for its age is covered by the ceiling only when the writer could be asked: otherwise it still
    // counts, as the only floor there is.
    const floor =
      !ceiling.verified && accepted.dropped === "expired" && accepted.given
        ? formatLsn(parseToken(accepted.given))
        : undefined;
    const required = mergeTokens(ceiling.lsn, floor);
    const withCeiling = <R extends { route: Route }>(served: R): R => ({
      ...served,
      route: { ...served.route, ceilingVerified: ceiling.verified },
    });
    if (consistency === "eventual" || token === undefined) {
      const gate = {
        required,
        waitMs: consistency === "eventual" ? 0 : (options.maxWaitMs ?? this.settings.maxWaitMs),
        attempts: this.settings.replicaAttempts,
        lagReason: "lag_over_ceiling" as const,
      };
      return withCeiling(await this.router.replica(work, gate, signal));
    }
    const gate = {
      required: mergeTokens(token, required),
      waitMs: options.maxWaitMs ?? this.settings.maxWaitMs,
      attempts: 1,
      lagReason: "wait_timeout" as const,
    };
    return withCeiling(await this.router.replica(work, gate, signal));
  }

  private async bounded<T>(
    work: Work<T>,
    token: string | undefined,
    options: ReadOptions,
    signal: AbortSignal | undefined,
  ): Promise<Served<T>> {
    const bound = options.maxStalenessMs ?? this.settings.maxStalenessMs;
    const position = await abortable(this.positions.requiredFor(bound), signal).catch((error: unknown) => {
      signal?.throwIfAborted();
      throw new NoServerError(
        `bounded read: the writer's position could not be read through ${this.pools.write.label} (${describeError(error)}); no read was made.`,
        { cause: error },
      );
    });
    return this.router.replica(
      work,
      {
        required: mergeTokens(token, position),
        waitMs: 0,
        attempts: this.settings.replicaAttempts,
        lagReason: "lag_over_bound",
      },
      signal,
    );
  }
}

export type { Queryable };
