/**
 * `pg-read-replicas kubernetes backup` on the cloudnative-pg engine: creates a Backup (method plugin) of the main
 * Cluster and waits until the operator reports it completed or failed. The argv is pure (tested as text); the runner is
 * kubectl, or a fake in tests.
 */
import { execFile } from "node:child_process";
import { UserError } from "../../ground/errors";
import type { SelfHostedTopology } from "../../topology/types";
import { CNPG_BACKUP_API } from "../../facts/backup/barmanPlugin";
import { onDemandBackupManifest } from "./backup";

export interface BackupTarget {
  context?: string;
  namespace: string;
}

/** kubectl with optional stdin; resolves to stdout. */
export type BackupKubectl = (args: readonly string[], stdin?: string) => Promise<string>;

export const backupArgs = {
  base: (t: BackupTarget) => [...(t.context ? ["--context", t.context] : []), "--namespace", t.namespace],
  create: () => ["create", "-f", "-", "-o", "name"],
  // phase, then the error (empty while none), one per line.
  status: (name: string) => [
    "get",
    `backups.postgresql.cnpg.io/${name}`,
    "-o",
    "jsonpath={.status.phase}{'\\n'}{.status.error}",
  ],
};

/** <stack>-manual-YYYYMMDDhhmmss (UTC): sorts by time, and within the 63 characters of a label value. */
export function onDemandBackupName(topology: SelfHostedTopology, now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `${topology.name}-manual-${stamp}`;
}

export interface OnDemandBackupOptions {
  now: Date;
  timeoutS: number;
  pollMs: number;
  log?: (line: string) => void;
  /** Injected for tests (no real waiting). */
  sleep?: (ms: number) => Promise<void>;
}

export interface OnDemandBackupResult {
  name: string;
  phase: string;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function takeCnpgBackup(
  topology: SelfHostedTopology,
  kubectl: BackupKubectl,
  target: BackupTarget,
  options: OnDemandBackupOptions,
): Promise<OnDemandBackupResult> {
  if (topology.backup?.tool !== "barmanCloud")
    throw new UserError(
      `stack ${topology.name} has no backup on cloudnative-pg: set pg-read-replicas:backup (enabled: true, repository: s3://…) and run pulumi up first`,
    );
  const name = onDemandBackupName(topology, options.now);
  const k = (args: readonly string[], stdin?: string) => kubectl([...backupArgs.base(target), ...args], stdin);
  await k(backupArgs.create(), JSON.stringify(onDemandBackupManifest(topology, name)));
  options.log?.(`created Backup ${name} (method plugin) of Cluster ${topology.name}; waiting for the operator`);
  const { done, failed } = CNPG_BACKUP_API.backupPhases.value;
  const sleep = options.sleep ?? wait;
  const polls = Math.max(1, Math.ceil((options.timeoutS * 1000) / Math.max(options.pollMs, 1)));
  let phase = "";
  for (let i = 0; i < polls; i++) {
    const [current = "", error = ""] = (await k(backupArgs.status(name))).split("\n");
    if (current !== phase && current !== "") options.log?.(`Backup ${name}: ${current}`);
    phase = current;
    if (phase === done) return { name, phase };
    if (phase === failed)
      throw new UserError(
        `Backup ${name} failed: ${error.trim() || "(no error reported)"}; see kubectl describe backup ${name} -n ${target.namespace} and the plugin-barman-cloud container's log on the instance`,
      );
    await sleep(options.pollMs);
  }
  throw new UserError(
    `Backup ${name} is still ${phase || "pending"} after ${options.timeoutS}s; it goes on in the cluster: kubectl get backup ${name} -n ${target.namespace}`,
  );
}

export function backupKubectl(binary = "kubectl"): BackupKubectl {
  return (args, stdin) =>
    new Promise((resolve, reject) => {
      const child = execFile(binary, [...args], { maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new UserError(`kubectl ${args.join(" ")} failed: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      });
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
}
