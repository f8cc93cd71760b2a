/**
 * backup.schedule on the local stack: base backups at the schedule's minutes (UTC), driven by the read pool
 * controller's tick (readPoolDaemon.ts) rather than a process of its own — that daemon already runs for every stack
 * and wakes each second, so the schedule costs no extra idle process. A backup runs in the background: the tick
 * never waits for it, and a run that is due while one is still going is skipped (logged), as a CronJob with
 * concurrencyPolicy Forbid does. Runs missed while the daemon was stopped are not caught up (cron's rule too).
 */
import { type CronSchedule, nextRun, parseCron } from "../ground/cron";

export interface ScheduleClock {
  now: () => number;
}

export class BackupSchedule {
  private text?: string;
  private schedule?: CronSchedule;
  private next?: number;
  private running?: Promise<void>;

  constructor(
    private readonly backup: () => Promise<void>,
    private readonly log: (message: string) => void,
    private readonly clock: ScheduleClock = { now: Date.now },
  ) {}

  /** A schedule that never fires (31 February) is logged once and runs nothing. */
  private reschedule(text: string, now: number): void {
    this.text = text;
    try {
      this.schedule = parseCron(text);
      this.next = nextRun(this.schedule, now);
      this.log(`base backups on "${text}" (UTC); next ${new Date(this.next).toISOString()}`);
    } catch (error) {
      this.schedule = this.next = undefined;
      this.log(`no scheduled backups: ${(error as Error).message}`);
    }
  }

  /** When the next backup is due (epoch ms), once a schedule is set. */
  get nextAt(): number | undefined {
    return this.next;
  }

  /**
   * Called every tick with the stack's current schedule (undefined: backup off). A changed schedule takes effect at
   * once; a due run starts in the background. Returns the started run, for tests.
   */
  tick(text: string | undefined): Promise<void> | undefined {
    if (text === undefined) {
      this.text = this.schedule = this.next = undefined;
      return undefined;
    }
    const now = this.clock.now();
    if (this.text !== text) this.reschedule(text, now);
    if (this.schedule === undefined || this.next === undefined || now < this.next) return undefined;
    const due = this.next;
    this.next = nextRun(this.schedule, now);
    if (this.running) {
      this.log(`the backup due ${new Date(due).toISOString()} is skipped: the previous one still runs`);
      return undefined;
    }
    const run = this.backup()
      .then(() => this.log(`scheduled backup (due ${new Date(due).toISOString()}) done`))
      .catch((error: unknown) => this.log(`scheduled backup failed: ${(error as Error).message}`))
      .finally(() => {
        this.running = undefined;
      });
    this.running = run;
    return run;
  }
}
