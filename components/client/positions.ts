/**
 * Bounded staleness without clocks on the servers: the writer's position sampled now and
 * then. A sample (t, lsn) taken by asking the writer at time t says every transaction
 * committed before t ends at or before lsn, so a replica that has replayed lsn is at most
 * (now - t) behind. For a bound B the client asks for the OLDEST sample still younger than
 * B: the weakest position that still proves the bound, so a replica a few milliseconds
 * behind qualifies. A new sample is taken when the newest is older than B/2; writes made
 * through the client are samples too.
 *
 * This avoids the time-lag traps: now() - pg_last_xact_replay_timestamp() grows on an idle
 * primary, and a replica whose stream broke has replayed everything it received.
 *
 * Samples are kept spread over the longest bound asked for (the horizon), at most KEEP of them
 * about horizon/KEEP apart: a newer sample replaces the newest one while that one is closer than
 * this to its predecessor. Keeping the last KEEP samples instead made a busy client's bound a
 * fraction of what was asked: at 1,000 writes/s, 32 samples span 31 ms, so a 1 s bound demanded
 * a replica 31 ms behind at most. Now a bound B is enforced as no less than B - horizon/KEEP.
 */
import { mergeTokens, parseToken } from "./token";

interface Sample {
  at: number;
  lsn: string;
}

const KEEP = 64;

export class PrimaryPositions {
  private samples: Sample[] = [];
  private pending: Promise<void> | undefined;
  private horizonMs: number;

  constructor(
    private readonly query: () => Promise<string>,
    /** The bound the client is configured with: samples are first spread over this. */
    horizonMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.horizonMs = Math.max(horizonMs, 1);
  }

  /** Records that the writer was at `lsn` or later at time `at` (the moment before asking it). */
  record(at: number, lsn: string): void {
    parseToken(lsn);
    const last = this.samples.at(-1);
    if (last && last.at > at) return; // out of order (a slow writer's report): the newer sample already covers it
    if (last && last.at === at) {
      last.lsn = mergeTokens(last.lsn, lsn)!;
      return;
    }
    const before = this.samples.at(-2);
    if (last && before && last.at - before.at < this.horizonMs / KEEP)
      this.samples[this.samples.length - 1] = { at, lsn };
    else this.samples.push({ at, lsn });
    this.forget();
  }

  /** The position a replica must have replayed to be at most `boundMs` behind the writer. */
  async requiredFor(boundMs: number): Promise<string> {
    this.horizonMs = Math.max(this.horizonMs, boundMs);
    const fresh = () => this.samples.filter((s) => s.at >= this.now() - boundMs);
    const newest = fresh().at(-1);
    if (!newest || this.now() - newest.at > boundMs / 2) await this.refresh();
    // A bound shorter than the round trip to the writer leaves no sample inside it: the newest is the closest there is.
    return (fresh()[0] ?? this.samples.at(-1)!).lsn;
  }

  /**
   * The staleness ceiling of every replica read: like requiredFor, but when the writer cannot be asked the last
   * position it reported is required instead (none when it never answered), and the answer says it is unverified:
   * replicas keep serving while the writer is down, no further behind than what they knew when it was last seen.
   */
  async ceilingFor(boundMs: number): Promise<{ lsn: string | undefined; verified: boolean }> {
    try {
      return { lsn: await this.requiredFor(boundMs), verified: true };
    } catch {
      const fresh = this.samples.find((s) => s.at >= this.now() - boundMs);
      return fresh ? { lsn: fresh.lsn, verified: true } : { lsn: this.samples.at(-1)?.lsn, verified: false };
    }
  }

  /** How many samples are kept (for tests of the spread). */
  get size(): number {
    return this.samples.length;
  }

  /** Samples older than the horizon prove nothing any bound asks for; the newest is always kept. */
  private forget(): void {
    const oldest = this.now() - this.horizonMs;
    let drop = 0;
    while (drop < this.samples.length - 1 && this.samples[drop]!.at < oldest) drop++;
    drop = Math.max(drop, this.samples.length - 2 * KEEP);
    if (drop > 0) this.samples.splice(0, drop);
  }

  /** One query at a time, shared by every concurrent caller. */
  private refresh(): Promise<void> {
    this.pending ??= (async () => {
      const at = this.now();
      try {
        this.record(at, await this.query());
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }
}
