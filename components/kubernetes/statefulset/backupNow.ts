/**
 * `pg-read-replicas kubernetes backup`: a base backup now, as the schedule would take it: a Job made from the stack's
 * backup CronJob (the same pod, RBAC and script), awaited until it succeeds or fails, its log printed either way.
 */
import type { SelfHostedTopology } from "../../topology/types";
import { UserError } from "../../ground/errors";
import { names } from "../conventions";
import { type KubectlRunner, type KubectlTarget, kubectlArgs } from "./failover/kubectl";

/** Every argv the command sends to kubectl. */
export const backupNowArgs = {
  getCronJob: (name: string) => ["get", "cronjob", name, "--ignore-not-found", "-o", "name"],
  createJob: (job: string, cronJob: string) => ["create", "job", job, `--from=cronjob/${cronJob}`],
  jobStatus: (job: string) => ["get", "job", job, "-o", "jsonpath={.status.succeeded},{.status.failed}"],
  logs: (job: string) => ["logs", `job/${job}`, "--all-containers"],
};

export interface BackupNowResult {
  job: string;
  succeeded: boolean;
  log: string;
}

/** Unique per run and within the 63 characters of a Job's name (its pods' job-name label). */
export function manualJobName(topology: SelfHostedTopology, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").toLowerCase();
  return `${names.backupCronJob(topology)}-manual-${stamp}`.slice(0, 63);
}

export async function backupNow(
  topology: SelfHostedTopology,
  target: KubectlTarget,
  run: KubectlRunner,
  options: { now: Date; pollMs: number; sleep: (ms: number) => Promise<void>; elapsedMs: () => number },
): Promise<BackupNowResult> {
  if (topology.backup?.tool !== "pgbackrest")
    throw new UserError(
      `stack ${topology.name} has no backup: set backup.enabled: true and backup.repository (s3://… or pvc://…), run pulumi up, then back up`,
    );
  const k = (args: readonly string[]) => run([...kubectlArgs.base(target), ...args]);
  const cronJob = names.backupCronJob(topology);
  if ((await k(backupNowArgs.getCronJob(cronJob))).trim() === "")
    throw new UserError(
      `no CronJob ${cronJob} in namespace ${target.namespace}: set backup.enabled (with backup.repository) and run pulumi up first`,
    );
  const job = manualJobName(topology, options.now);
  await k(backupNowArgs.createJob(job, cronJob));
  for (;;) {
    const [succeeded = "", failed = ""] = (await k(backupNowArgs.jobStatus(job))).trim().split(",");
    if (Number(succeeded) > 0 || Number(failed) > 0) {
      const log = await k(backupNowArgs.logs(job)).catch((error: Error) => `(no log: ${error.message})`);
      return { job, succeeded: Number(succeeded) > 0, log };
    }
    if (options.elapsedMs() >= target.timeoutS * 1000)
      throw new UserError(
        `backup Job ${job} neither succeeded nor failed within ${target.timeoutS}s; it keeps running: kubectl --namespace ${target.namespace} logs -f job/${job}`,
      );
    await options.sleep(options.pollMs);
  }
}
