/**
 * The seeds' time window, for callers that cannot carry a token: for primaryAfterWriteMs after
 * the session's last write its reads go to the primary, then to any replica (eventual, under the
 * staleness ceiling). The only state is the time of the last write, which a stateless service can
 * keep in a cookie (lastWriteAt, epoch ms) as it would a token.
 *
 * Weaker than a token: a replica more than the window behind serves a stale row, and reads after
 * the window may go back in time. npm run bench:client measures what the window costs the primary
 * against the token gate on the same workload.
 */
import { ClientConfigError } from "./errors";
import type { ReadOptions, ReadResult, ReplicaClient, WriteOptions, WriteResult } from "./replicaClient";
import type { Work } from "./route";

export interface WindowSessionOptions {
  /** How long after a write the session's reads go to the primary (> 0 ms). */
  primaryAfterWriteMs: number;
  /** When the caller last wrote (epoch ms), e.g. from a cookie; none: no write yet. */
  lastWriteAt?: number | null;
}

export class WindowSession {
  private last: number | undefined;
  private readonly windowMs: number;

  constructor(
    private readonly client: ReplicaClient,
    options: WindowSessionOptions,
    private readonly now: () => number = Date.now,
  ) {
    const { primaryAfterWriteMs, lastWriteAt } = options;
    if (!(Number.isFinite(primaryAfterWriteMs) && primaryAfterWriteMs > 0))
      throw new ClientConfigError(
        `windowSession primaryAfterWriteMs = ${String(primaryAfterWriteMs)}: use a number of milliseconds > 0`,
      );
    if (lastWriteAt !== undefined && lastWriteAt !== null && !Number.isFinite(lastWriteAt))
      throw new ClientConfigError(
        `windowSession lastWriteAt = ${String(lastWriteAt)}: use the epoch milliseconds of the last write, or leave it out`,
      );
    this.windowMs = primaryAfterWriteMs;
    this.last = lastWriteAt ?? undefined;
  }

  /** The epoch ms of the session's last write, to keep where a token would be kept. */
  get lastWriteAt(): number | undefined {
    return this.last;
  }

  async write<T>(work: Work<T>, options: Omit<WriteOptions, "token"> = {}): Promise<WriteResult<T>> {
    const written = await this.client.write(work, options);
    this.last = this.now();
    return written;
  }

  async read<T>(work: Work<T>, options: Omit<ReadOptions, "token" | "consistency"> = {}): Promise<ReadResult<T>> {
    const inWindow = this.last !== undefined && this.now() - this.last < this.windowMs;
    return this.client.read(work, { ...options, consistency: inWindow ? "primary" : "eventual" });
  }
}
