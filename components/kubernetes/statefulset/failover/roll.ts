/**
 * `pg-read-replicas kubernetes roll`: brings the group that holds the writer onto its newest pod template. That group
 * is OnDelete (manifests/statefulSet.ts updateStrategy: Kubernetes must never restart the writer on its own), so after
 * a failover its standbys, too, take a new image, setting or password only when something deletes them; `pulumi up`
 * alone never reaches them. Every other group rolls by itself (RollingUpdate).
 *
 *  1. nothing is deleted unless every pod of the group is Ready and no hand-over is under way: under OrderedReady the
 *     controller recreates a deleted pod only once every lower ordinal is Ready (facts STATEFULSET_CONTROLLER
 *     ordinalWalk), so one unready pod would leave the deleted one missing;
 *  2. the standbys not at the StatefulSet's update revision are deleted one at a time, highest ordinal first (as the
 *     controller's own rolling update goes), and each must come back at that revision, Ready, and streaming from the
 *     writer before the next goes; a pod that does not stops the roll there, with nothing else touched;
 *  3. a writer not at the update revision is handed to a standby by the switchover (zero loss: writes pause, the
 *     standby replays everything, then the writer stops); its pod, recreated on the newest template, rejoins as a
 *     standby of the new writer and is waited for as in 2. A writer in the primary's group is not recreated: that
 *     StatefulSet goes to zero, as after every hand-over.
 * Run again after a stop, it skips every pod already at the update revision.
 */
import { allGroups } from "../../../topology/queries";
import type { NodeGroup, SelfHostedTopology } from "../../../topology/types";
import { names } from "../../conventions";
import { FailoverError, type FailoverResult, candidatesFor } from "./failover";
import { readFence } from "./fence";
import type { PodState, RollOps } from "./ops";
import { switchover } from "./switchover";

export class RollError extends FailoverError {
  override name = "RollError";
}

export interface RollOptions {
  log?: (line: string) => void;
  /** How long a recreated pod may take to be Ready and streaming (ms): a re-seed takes a full copy's time. */
  readyTimeoutMs?: number;
  pollMs?: number;
  /** Leave a writer on its old template (no switchover): only the standbys roll. */
  standbysOnly?: boolean;
  /** The switchover's catch-up and proving-write bounds (ms). */
  catchUpTimeoutMs?: number;
  proveTimeoutMs?: number;
}

export interface RollResult {
  group: string;
  revision: string;
  /** Pods deleted and back on the update revision, in the order they went. */
  rolled: string[];
  /** Pods already at the update revision. */
  current: string[];
  /** The hand-over that let the old writer roll (undefined when it was current, or standbysOnly). */
  switchover?: FailoverResult;
  /** The writer still on an older template (standbysOnly). */
  writerBehind?: string;
}

/** pg_stat_replication's state for one standby on the writer ("" when it is not connected). */
function streamingSql(standby: string): string {
  return `SELECT state FROM pg_stat_replication WHERE application_name = '${standby.replace(/'/g, "''")}'`;
}

function writerGroup(topology: SelfHostedTopology, writer: string): NodeGroup {
  const group = allGroups(topology).find((g) => g.members.some((m) => m.name === writer));
  if (!group) throw new RollError(`the fence names ${writer} as the writer, but no group of this stack has that pod`);
  return group;
}

/** Step 1: every pod of the group present and Ready; the states by pod. */
async function requireAllReady(ops: RollOps, group: NodeGroup, pods: string[]): Promise<Map<string, PodState>> {
  const states = new Map<string, PodState>();
  for (const pod of pods) {
    const state = await ops.podState(pod);
    if (!state || state.terminating || !state.ready)
      throw new RollError(
        `${pod} is ${state ? (state.terminating ? "terminating" : "not Ready") : "missing"}: the StatefulSet ${group.name} (OrderedReady) would not recreate a pod deleted past it; nothing was deleted. Make it Ready first (kubectl describe pod ${pod})`,
      );
    states.set(pod, state);
  }
  return states;
}

/** Step 2's wait: the pod recreated (another uid) at the revision, Ready, and streaming from the writer. */
async function waitRolled(
  ops: RollOps,
  context: { pod: string; oldUid: string; revision: string; writer: string },
  options: RollOptions,
): Promise<void> {
  const { pod, oldUid, revision, writer } = context;
  const timeoutMs = options.readyTimeoutMs ?? 1_800_000;
  const deadline = Date.now() + timeoutMs;
  let last = "not recreated yet";
  while (Date.now() < deadline) {
    const state = await ops.podState(pod);
    if (!state || state.uid === oldUid) last = "not recreated yet";
    else if (state.revision !== revision) last = `recreated at revision ${state.revision ?? "?"}, not ${revision}`;
    else if (!state.ready) last = "recreated, not Ready";
    else {
      const streaming = await ops.sql(writer, [streamingSql(pod)]).catch(() => "");
      if (streaming === "streaming") return;
      last = `Ready, but not streaming from ${writer} (pg_stat_replication: ${streaming || "absent"})`;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
  }
  throw new RollError(
    `${pod} was deleted to take revision ${revision} and is ${last} after ${Math.round(timeoutMs / 1000)} s; the roll stopped here and touched nothing else. Find out why (kubectl describe pod ${pod}; kubectl logs ${pod} -c postgres), then run the roll again: it skips the pods already rolled`,
  );
}

async function rollStandby(
  ops: RollOps,
  context: { pod: string; state: PodState; revision: string; writer: string },
  options: RollOptions,
): Promise<void> {
  const log = options.log ?? (() => undefined);
  log(`${context.pod}: at revision ${context.state.revision ?? "?"}; deleting it to take ${context.revision}`);
  await ops.deletePod(context.pod);
  await waitRolled(ops, { ...context, oldUid: context.state.uid }, options);
  log(`${context.pod}: back at ${context.revision}, Ready and streaming from ${context.writer}`);
}

/** Step 3: a standby already at the revision takes the writer (the most advanced one when none is). */
function switchoverTarget(
  topology: SelfHostedTopology,
  writer: string,
  atRevision: readonly string[],
): string | undefined {
  const candidates = candidatesFor(topology, writer).map((c) => c.name);
  return atRevision.find((pod) => candidates.includes(pod));
}

export async function roll(topology: SelfHostedTopology, ops: RollOps, options: RollOptions = {}): Promise<RollResult> {
  const log = options.log ?? (() => undefined);
  const fence = await readFence(topology, ops);
  if (fence.record && fence.record.step !== "done")
    throw new RollError(
      `a hand-over from ${fence.record.from} is under way (ConfigMap ${names.fence(topology)}, ${fence.record.step}); nothing was deleted. Finish it first: pg-read-replicas kubernetes failover`,
    );
  const writer = fence.writer;
  const group = writerGroup(topology, writer);
  const pods = group.members.map((m) => m.name);
  const revision = await ops.updateRevision(group.name);
  if (!revision) throw new RollError(`StatefulSet ${group.name} reports no update revision; nothing was deleted`);
  log(`${group.name} holds the writer ${writer} (OnDelete); its newest template is revision ${revision}`);
  const states = await requireAllReady(ops, group, pods);
  const atRevision = (pod: string) => states.get(pod)?.revision === revision;
  const current = pods.filter(atRevision);
  const rolled: string[] = [];
  const standbys = group.members.filter((m) => m.name !== writer).sort((a, b) => b.ordinal - a.ordinal);
  for (const { name } of standbys.filter((m) => !atRevision(m.name))) {
    await rollStandby(ops, { pod: name, state: states.get(name)!, revision, writer }, options);
    rolled.push(name);
  }
  const result = { group: group.name, revision, rolled, current };
  if (atRevision(writer)) return result;
  if (options.standbysOnly) return { ...result, writerBehind: writer };
  const to = switchoverTarget(topology, writer, [...rolled, ...current]);
  log(`${writer} (the writer) is behind: switching over${to ? ` to ${to}` : ""} so it can take ${revision}`);
  const handover = await switchover(topology, ops, {
    ...(to ? { to } : {}),
    log,
    ...(options.catchUpTimeoutMs !== undefined ? { catchUpTimeoutMs: options.catchUpTimeoutMs } : {}),
    ...(options.proveTimeoutMs !== undefined ? { proveTimeoutMs: options.proveTimeoutMs } : {}),
  });
  if (group.role !== "primary") {
    // The switchover deleted the old writer's pod; OnDelete recreates it at the update revision (facts
    // STATEFULSET_CONTROLLER recreatedAtUpdateRevision) and the start guard lets it rejoin as a standby.
    await waitRolled(ops, { pod: writer, oldUid: states.get(writer)!.uid, revision, writer: handover.to }, options);
    log(`${writer}: back at ${revision} as a standby of ${handover.to}`);
    rolled.push(writer);
  }
  return { ...result, rolled, switchover: handover };
}
