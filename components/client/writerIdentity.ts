/**
 * The writer's identity (system identifier and timeline) as this client last saw it, for the tokens it issues and the
 * tokens it checks (tokenPolicy.ts). Every sample of the writer's position brings it along (sql.ts PRIMARY_POSITION);
 * when none has yet, or the last is older than refreshMs, it is asked for, one query at a time. After the writer failed
 * to answer, callers get what is known (possibly nothing: tokens are then bare positions) without waiting on it again
 * for retryMs.
 */
import type { TokenIdentity } from "./token";

export interface IdentityOptions {
  refreshMs: number;
  retryMs: number;
  /**
   * How long a caller waits for the answer when nothing is known yet; past it the call goes on without (a bare token)
   * and the answer, if it comes, is kept. A writer that is down would otherwise hold a read for the pool's whole
   * connection timeout.
   */
  askTimeoutMs: number;
  now?: () => number;
}

export class WriterIdentity {
  private known: TokenIdentity | undefined;
  private seenAt = -Infinity;
  private failedAt = -Infinity;
  private pending: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly query: () => Promise<TokenIdentity>,
    private readonly options: IdentityOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** What is known now, without asking. */
  get peek(): TokenIdentity | undefined {
    return this.known;
  }

  /** Records what a sample of the writer said. */
  observe(identity: TokenIdentity, at = this.now()): void {
    if (at < this.seenAt) return;
    this.known = { system: identity.system, timeline: identity.timeline };
    this.seenAt = at;
  }

  /** Records the timeline a commit was written on (the system identifier does not change). */
  observeTimeline(timeline: number, at = this.now()): void {
    if (this.known && at >= this.seenAt && timeline !== this.known.timeline) this.known = { ...this.known, timeline };
  }

  /**
   * The identity, asked for first when nothing is known; a stale one is returned at once and refreshed behind it. Never
   * throws: a writer that cannot be asked leaves what is known.
   */
  async current(): Promise<TokenIdentity | undefined> {
    const now = this.now();
    const stale = now - this.seenAt > this.options.refreshMs;
    const mayAsk = now - this.failedAt > this.options.retryMs;
    if (stale && mayAsk) {
      const refresh = this.refresh();
      if (!this.known) await this.within(refresh);
    }
    return this.known;
  }

  /** Waits for `work` at most askTimeoutMs; a timeout counts as a failure to answer (no new wait for retryMs). */
  private async within(work: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.failedAt = this.now();
        resolve();
      }, this.options.askTimeoutMs);
      timer.unref?.();
    });
    await Promise.race([work, timedOut]);
    clearTimeout(timer);
  }

  private refresh(): Promise<void> {
    this.pending ??= (async () => {
      const at = this.now();
      try {
        this.observe(await this.query(), at);
      } catch {
        this.failedAt = this.now();
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }
}
