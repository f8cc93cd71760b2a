/**
 * The fence ConfigMap as the failover's record. `writer` (and `rejoin`) are what the start guard reads; the
 * `failover-*` keys record a hand-over under way, so a failover that stopped part-way resumes from its step and never
 * mistakes the target it already named for the old writer. The component creates the fence with `writer` only and
 * ignores later changes to its data, so these keys survive `pulumi up`.
 */
import type { SelfHostedTopology } from "../../../topology/types";
import { NO_WRITER_YET } from "../../../render/startGuardScript";
import { names } from "../../conventions";
import type { ClusterOps } from "./ops";

/** The steps of a hand-over, in order. */
export type FailoverStep = "stopping" | "promoting" | "done";

export interface FailoverRecord {
  /** The writer being replaced. */
  from: string;
  /** The pod being promoted ("" until the old writer is confirmed stopped). */
  to: string;
  step: FailoverStep;
}

export const FENCE_KEYS = { from: "failover-from", to: "failover-to", step: "failover-step" } as const;

/**
 * The fence's `writer` while the old writer is being stopped and no target is chosen yet: no pod has this name, so the
 * start guard lets no writer's data directory start (the old writer's pod, recreated by a replica StatefulSet, stays
 * down). Backups (which exec into the fenced writer) fail until the fence names the new writer.
 */
export const NO_WRITER = NO_WRITER_YET;

export async function readFence(
  topology: SelfHostedTopology,
  ops: ClusterOps,
): Promise<{ writer: string; record?: FailoverRecord }> {
  const fence = (await ops.readConfigMap(names.fence(topology))) ?? {};
  const writer = fence.writer || topology.kubernetes.writer;
  const from = fence[FENCE_KEYS.from];
  const step = fence[FENCE_KEYS.step] as FailoverStep | undefined;
  if (!from || !step) return { writer };
  return { writer, record: { from, to: fence[FENCE_KEYS.to] ?? "", step } };
}

/** The fence's data for a step: the start guard's `writer` and `rejoin`, and the record. */
export function fenceData(record: FailoverRecord, writer: string, rejoin = ""): Record<string, string> {
  return {
    writer,
    rejoin,
    [FENCE_KEYS.from]: record.from,
    [FENCE_KEYS.to]: record.to,
    [FENCE_KEYS.step]: record.step,
  };
}

export async function writeFence(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  record: FailoverRecord,
  writer: string,
  rejoin = "",
): Promise<void> {
  await ops.patchConfigMap(names.fence(topology), fenceData(record, writer, rejoin));
}
