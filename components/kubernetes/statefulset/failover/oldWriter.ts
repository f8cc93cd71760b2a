/**
 * The old writer, made unable to take writes before anything is promoted: its pod is deleted (the primary's
 * StatefulSet scaled to zero) and the failover goes on only once the API server no longer has that pod, or it runs
 * as a standby (a switchover's rejoin), or its server is not running (the start guard refused it).
 *
 * A pod on an unreachable node never goes by itself (facts/kubernetes/nodeLoss.ts): Kubernetes cannot tell a node
 * that is down from one behind a partition whose PostgreSQL still takes writes. Only the operator can, so the
 * failover refuses, changing nothing, until they name the node as lost (`--old-writer-node-lost <node>`), which
 * force-deletes the pod, or taint the node out of service.
 */
import { NODE_LOSS } from "../../../facts/kubernetes";
import { UserError } from "../../../ground/errors";
import type { SelfHostedTopology } from "../../../topology/types";
import type { ClusterOps, PodState } from "./ops";

export class OldWriterError extends UserError {
  override name = "OldWriterError";
}

export interface StopOptions {
  /** The node the operator confirmed down (powered off or cut off for good). */
  nodeLost?: string;
  /** How long to wait for the pod to go (ms). */
  timeoutMs: number;
  pollMs?: number;
  log: (line: string) => void;
  /** The command that runs this failover again, as the operator types it (named in the refusals). */
  command?: string;
}

const DEFAULT_COMMAND = "pg-read-replicas kubernetes failover";

/** A pod bound to no node runs nowhere; one on a node whose kubelet reports Ready can be stopped through it. */
export const nodeReachable = (state: PodState) => state.node === "" || state.nodeReady === "True";

/** The refusal for a pod on a node that does not answer, with the commands that get past it. */
export function unreachableMessage(
  topology: SelfHostedTopology,
  pod: string,
  state: PodState,
  command = DEFAULT_COMMAND,
): string {
  const { namespace } = topology.kubernetes;
  const taint = NODE_LOSS.outOfServiceTaint.value;
  return [
    `the old writer ${pod} is on node ${state.node}, whose Ready condition is ${state.nodeReady}: Kubernetes cannot tell a node that is down from one behind a partition, where ${pod}'s PostgreSQL may still take writes, and it never removes that pod by itself.`,
    "Nothing was changed.",
    `Once you have confirmed that ${state.node} is down (powered off, or cut off for good), either:`,
    `  ${command} --old-writer-node-lost ${state.node}   (force-deletes pod ${pod}: kubectl delete pod ${pod} -n ${namespace} ${NODE_LOSS.forceDeleteArgs.value.join(" ")})`,
    `  or: kubectl taint nodes ${state.node} ${taint}   (the pod garbage collector then deletes ${state.node}'s pods and its volumes detach), and run the failover again.`,
    `If ${state.node} may come back (a partition), bring it back instead: the old writer then stays the writer.`,
  ].join("\n");
}

/** Refuses (before anything changes) when the old writer's node does not answer and the operator has not named it. */
export function requireReachableOrLost(
  topology: SelfHostedTopology,
  pod: string,
  state: PodState | undefined,
  nodeLost: string | undefined,
  command = DEFAULT_COMMAND,
): void {
  // A pod already gone (a run that force-deleted it, then failed later) accepts the flag again.
  if (nodeLost !== undefined && state && state.node !== nodeLost)
    throw new OldWriterError(
      `--old-writer-node-lost ${nodeLost}: the old writer ${pod} is on node ${state.node || "(none)"}, not on ${nodeLost}; nothing was changed. Name its node, or leave the flag out`,
    );
  if (state && !nodeReachable(state) && nodeLost !== state.node)
    throw new OldWriterError(unreachableMessage(topology, pod, state, command));
}

/**
 * What the old writer's pod is now. `uid`: the pod that was asked to go; while the API server still has that very pod
 * it is "present", whatever its server does. A pod of the same name with another uid was recreated by its StatefulSet
 * (a replica group): the start guard lets it start only as a standby, never as a writer the fence does not name.
 */
async function status(
  ops: ClusterOps,
  pod: string,
  uid: string | undefined,
): Promise<"gone" | "standby" | "not running" | "starting" | "present"> {
  const state = await ops.podState(pod);
  if (!state) return "gone";
  if (uid !== undefined && state.uid === uid) return "present";
  if (state.phase !== "Running") return "not running";
  const recovery = await ops.sql(pod, ["SELECT pg_is_in_recovery()"]).catch(() => "");
  if (recovery === "t") return "standby";
  return recovery === "" && uid !== undefined ? "starting" : "present";
}

/** Deletes the old writer's pod (or scales the primary's StatefulSet to zero) and waits until it cannot write. */
export async function stopOldWriter(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  pod: string,
  options: StopOptions,
): Promise<void> {
  const state = await ops.podState(pod);
  requireReachableOrLost(topology, pod, state, options.nodeLost, options.command);
  const isPrimary = pod === topology.primary.name;
  if (isPrimary) await ops.scaleStatefulSet(topology.primary.group, 0);
  if (!state) return options.log(`${pod}: no such pod; nothing to stop`);
  // A run resumed after the old writer stopped finds it a standby (a switchover's rejoin) or held by the start guard.
  const now = nodeReachable(state) ? await status(ops, pod, undefined) : "present";
  if (now === "standby" || now === "not running")
    return options.log(`${pod} is ${now === "standby" ? "a standby" : "not running"}; it takes no writes`);
  if (!nodeReachable(state)) {
    options.log(`${pod}: node ${state.node} confirmed lost by the operator; force-deleting the pod`);
    await ops.forceDeletePod(pod);
  } else if (!isPrimary) {
    await ops.deletePod(pod);
  }
  await waitUntilStopped(topology, ops, pod, state, options);
}

async function waitUntilStopped(
  topology: SelfHostedTopology,
  ops: ClusterOps,
  pod: string,
  state: PodState,
  options: StopOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = "present";
  while (Date.now() < deadline) {
    last = await status(ops, pod, state.uid);
    if (last !== "present") return options.log(`${pod} has stopped (${last})`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
  const now = await ops.podState(pod);
  // Its node stopped answering while the pod was going (or before the kubelet confirmed): the operator's call.
  if (now && !nodeReachable(now) && options.nodeLost !== now.node)
    throw new OldWriterError(unreachableMessage(topology, pod, now, options.command));
  throw new OldWriterError(
    `the old writer ${pod} is still there after ${Math.round(options.timeoutMs / 1000)} s (node ${now?.node ?? state.node}, Ready ${now?.nodeReady ?? "?"}); nothing was promoted. The fence lets no other writer start. Find out why it does not stop (kubectl describe pod ${pod}), then run the failover again: it resumes here`,
  );
}
