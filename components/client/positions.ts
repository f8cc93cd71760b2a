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
 */
import { mergeTokens, parseToken } from "./token";

interface Sample {
  at: number;
  lsn: string;
}

const KEEP = 32;

export class PrimaryPositions {
  private samples: Sample[] = [];
  private pending: Promise<void> | undefined;

  constructor(
    private readonly query: () => Promise<string>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records that the writer was at `lsn` or later at time `at` (the moment before asking it). */
  record(at: number, lsn: string): void {
    parseToken(lsn);
    const last = this.samples[this.samples.length - 1];
    if (last && last.at > at) return; // out of order (a slow writer's report): the newer sample already covers it
    if (last && last.at === at) last.lsn = mergeTokens(last.lsn, lsn)!;
    else this.samples.push({ at, lsn });
    if (this.samples.length > KEEP) this.samples.splice(0, this.samples.length - KEEP);
  }

  /** The position a replica must have replayed to be at most `boundMs` behind the writer. */
  async requiredFor(boundMs: number): Promise<string> {
    const fresh = () => this.samples.filter((s) => s.at >= this.now() - boundMs);
    const newest = fresh().at(-1);
    if (!newest || this.now() - newest.at > boundMs / 2) await this.refresh();
    // A bound shorter than the round trip to the writer leaves no sample inside it: the newest is the closest there is.
    return (fresh()[0] ?? this.samples.at(-1)!).lsn;
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
