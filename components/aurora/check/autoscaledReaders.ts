/**
 * Before the cluster is deleted, remove the readers Application Auto Scaling
 * added: they are not in Pulumi's state, the provider never deletes a cluster's
 * instances, and RDS refuses to delete a cluster that still has them
 * (InvalidDBClusterStateFault). Runs from the delete step of a command that
 * depends on the cluster and that the scalable target depends on, so it runs
 * after autoscaling stops and before the cluster goes.
 */
import { UserError } from "../../ground/errors";
import { AUTOSCALING } from "../../facts/aws/limits";
import type { AuroraApi } from "./api";
import type { CleanupTarget } from "./handover";

export interface CleanupOptions {
  timeoutMs?: number;
  pollMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

/** Readers Application Auto Scaling added: it names them with this prefix. */
export function isAutoscaledReader(instanceId: string): boolean {
  return instanceId.startsWith(AUTOSCALING.addedReaderPrefix.value);
}

/** Deletes the cluster's autoscaled readers and waits until they are gone; returns their identifiers. */
export async function removeAutoscaledReaders(
  target: CleanupTarget,
  api: AuroraApi,
  options: CleanupOptions = {},
): Promise<string[]> {
  const { region, clusterId } = target;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = options.log ?? (() => {});
  const autoscaled = async () =>
    (await api.describeCluster(region, clusterId))?.members.map((m) => m.id).filter(isAutoscaledReader) ?? [];
  const found = await autoscaled();
  if (found.length === 0) return [];
  log(`removing ${found.length} autoscaled reader(s) of ${clusterId} in ${region}: ${found.join(", ")}`);
  for (const id of found) await api.deleteInstance(region, id);
  const started = now();
  for (;;) {
    const remaining = await autoscaled();
    if (remaining.length === 0) return found;
    if (now() - started >= (options.timeoutMs ?? 30 * 60_000)) {
      throw new UserError(
        `autoscaled readers of ${clusterId} in ${region} are still there: ${remaining.join(", ")}. ` +
          `Delete them (aws rds delete-db-instance --db-instance-identifier <id> --region ${region}), then run pulumi destroy again.`,
      );
    }
    await sleep(options.pollMs ?? 15_000);
  }
}
