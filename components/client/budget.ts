/**
 * The primary's share of replica reads. Reads meant for a replica go to the primary when no replica can serve them
 * (lagging past the wait or a bound, the read pool unreachable); when that happens to every read at once (replay
 * stopped, a read pool down), the whole read load lands on the writer. With a budget, at most `share` of the replica
 * reads of the last `windowMs` may be served by the primary; past it a read fails fast instead
 * (PrimaryBudgetExceededError). Until `minReads` reads were seen in the window, fallbacks are not limited, so a quiet
 * client is not refused for its first read. Refused reads count as reads: the primary keeps serving its share.
 */
export interface BudgetOptions {
  /** At most this share (0 < share <= 1) of a window's replica reads may go to the primary. */
  share: number;
  windowMs: number;
  /** Reads in the window below which fallbacks are not limited. */
  minReads: number;
}

/** Timestamps in arrival order, forgotten once older than the window. */
class Window {
  private times: number[] = [];
  private head = 0;

  add(at: number): void {
    this.times.push(at);
  }

  count(since: number): number {
    while (this.head < this.times.length && this.times[this.head]! <= since) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }
}

export class FallbackBudget {
  private readonly reads = new Window();
  private readonly fallbacks = new Window();
  private readonly now: () => number;

  constructor(
    readonly options: BudgetOptions,
    now?: () => number,
  ) {
    this.now = now ?? (() => performance.now());
  }

  /** A replica served a read. */
  served(): void {
    this.reads.add(this.now());
  }

  /** Whether the primary may serve this read; either way it counts as a read of the window. */
  admitFallback(): { admitted: boolean; reads: number; fallbacks: number } {
    const at = this.now();
    const since = at - this.options.windowMs;
    const reads = this.reads.count(since) + 1;
    const fallbacks = this.fallbacks.count(since) + 1;
    this.reads.add(at);
    const admitted = reads < this.options.minReads || fallbacks / reads <= this.options.share;
    if (admitted) this.fallbacks.add(at);
    return { admitted, reads, fallbacks: admitted ? fallbacks : fallbacks - 1 };
  }
}
