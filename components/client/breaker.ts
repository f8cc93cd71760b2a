/**
 * A circuit breaker for the read pool. A read pool that cannot be reached (down, blackholed, slower than
 * replicaTimeoutMs) costs every read the whole timeout before the primary serves it; after `threshold` such failures
 * in a row the breaker opens and reads skip the read pool at once for `cooldownMs`. Then one read probes it (half
 * open): a success closes the breaker, a failure opens it for another cooldown. Reads that are not the probe keep
 * skipping while it runs.
 */
export interface BreakerOptions {
  threshold: number;
  cooldownMs: number;
  /** The clock (ms); tests give their own. */
  now?: () => number;
}

export type Admission = "closed" | "probe" | "open";

export class Breaker {
  private failures = 0;
  private openedAt: number | undefined;
  private probing = false;
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Whether a read may try the read pool now: closed; the one probe after the cooldown; or open (skip it). */
  admit(): Admission {
    if (this.openedAt === undefined) return "closed";
    if (this.probing || this.now() - this.openedAt < this.options.cooldownMs) return "open";
    this.probing = true;
    return "probe";
  }

  /** Whether admit() would say "open" now, without taking the probe. */
  get blocked(): boolean {
    return this.openedAt !== undefined && (this.probing || this.now() - this.openedAt < this.options.cooldownMs);
  }

  /** How long until the next probe, for messages (0 when closed). */
  retryInMs(): number {
    if (this.openedAt === undefined) return 0;
    return Math.max(0, Math.round(this.options.cooldownMs - (this.now() - this.openedAt)));
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /**
   * The probe was taken but the read never reached the target (cancelled, or this process's own connections were all
   * busy): nothing was learned, so the next read may probe again. Without this the breaker would stay open for good.
   */
  abandoned(): void {
    this.probing = false;
  }

  succeeded(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.probing = false;
  }

  failed(): void {
    this.failures++;
    if (this.probing || this.failures >= this.options.threshold) this.openedAt = this.now();
    this.probing = false;
  }
}
