/**
 * `kubernetes failover` when the old writer's node does not answer, when a run stops part-way, and when pg_promote()
 * does not promote: against an in-memory cluster (test/support/fakeCluster.ts) that behaves as Kubernetes does with
 * an unreachable node (facts/kubernetes/nodeLoss.ts). test/harness/nodeLoss.test.ts drills the same on real servers.
 */
import { describe, expect, it } from "vitest";
import { failover } from "../../components/kubernetes/statefulset/failover/failover";
import { FENCE_KEYS, NO_WRITER } from "../../components/kubernetes/statefulset/failover/fence";
import { fakeCluster } from "../support/fakeCluster";
import { selfHostedTopology } from "../support/topologies";

const synchronous = selfHostedTopology({
  replicas: 2,
  replication: { synchronousCommit: "remote_write", synchronousReplicas: 1 },
});
const local = selfHostedTopology({ replicas: 2 });
const primary = synchronous.primary.name;
const [first, second] = synchronous.standbys.filter((s) => s.role === "oltp").map((s) => s.name) as [string, string];
const quick = { stopTimeoutMs: 200, proveTimeoutMs: 500 };

function lostPrimary(topology = synchronous) {
  const cluster = fakeCluster(topology);
  Object.assign(cluster.pods.get(primary)!, { nodeReady: "Unknown" });
  return cluster;
}

describe("failover with the old writer's node unreachable", () => {
  it("refuses without the operator's word, naming the pod, the node and the commands, and changes nothing", async () => {
    const cluster = lostPrimary();
    const error = await failover(synchronous, cluster.ops, quick).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(`the old writer ${primary} is on node node-${primary}, whose Ready condition is Unknown`);
    expect(message).toContain("Nothing was changed.");
    expect(message).toContain(`--old-writer-node-lost node-${primary}`);
    expect(message).toContain(
      `kubectl taint nodes node-${primary} node.kubernetes.io/out-of-service=nodeshutdown:NoExecute`,
    );
    expect(message).toContain(`kubectl delete pod ${primary} -n pg-test --grace-period=0 --force`);
    expect(cluster.calls).toEqual([]);
    expect(cluster.fence).toEqual({ writer: primary });
  });

  it("refuses a flag that names another node, before anything changes", async () => {
    const cluster = lostPrimary();
    await expect(failover(synchronous, cluster.ops, { ...quick, oldWriterNodeLost: "node-x" })).rejects.toThrow(
      new RegExp(`--old-writer-node-lost node-x: the old writer ${primary} is on node node-${primary}, not on node-x`),
    );
    expect(cluster.calls).toEqual([]);
  });

  it("with the node confirmed lost: fences, scales to zero, force-deletes, and only then chooses and promotes", async () => {
    const cluster = lostPrimary();
    const result = await failover(synchronous, cluster.ops, { ...quick, oldWriterNodeLost: `node-${primary}` });
    expect(result).toMatchObject({ from: primary, to: first });
    expect(cluster.calls.slice(0, 6)).toEqual([
      `fence ${NO_WRITER} stopping`,
      `scale ${synchronous.primary.group} 0`,
      `force-delete ${primary}`,
      `fence ${first} promoting`,
      // Labelled the writer before it is promoted: it leaves ro while still a standby (roleLabels.ts).
      `label ${first} primary`,
      `promote ${first}`,
    ]);
    expect(cluster.calls.at(-1)).toBe(`fence ${first} done`);
    expect(cluster.fence).toMatchObject({ writer: first, [FENCE_KEYS.from]: primary, [FENCE_KEYS.step]: "done" });
    // The operator is told what a partitioned old writer can still do: on this stack, acknowledge nothing.
    expect(result.warnings.join("\n")).toMatch(/commits synchronously .* nothing it takes there is acknowledged/);
  });

  it("says acknowledged writes on a partitioned old writer are lost on a local-commit stack", async () => {
    const cluster = lostPrimary(local);
    const result = await failover(local, cluster.ops, { ...quick, oldWriterNodeLost: `node-${primary}` });
    expect(result.warnings.join("\n")).toMatch(/commits locally .* acknowledges there are lost/);
  });

  it("stops with the fence closed when the old writer's pod does not go, and a retry with the flag finishes", async () => {
    const cluster = fakeCluster(synchronous);
    const pod = cluster.pods.get(primary)!;
    const ops = { ...cluster.ops, scaleStatefulSet: async () => void (pod.terminating = true) };
    await expect(failover(synchronous, ops, quick)).rejects.toThrow(new RegExp(`${primary} is still there`));
    expect(cluster.fence).toMatchObject({ writer: NO_WRITER, [FENCE_KEYS.from]: primary });
    expect(cluster.calls.some((c) => c.startsWith("promote"))).toBe(false);
    // Its node stopped answering meanwhile: refused until the operator confirms it, then resumed.
    pod.nodeReady = "Unknown";
    await expect(failover(synchronous, cluster.ops, quick)).rejects.toThrow(/Nothing was changed/);
    const result = await failover(synchronous, cluster.ops, { ...quick, oldWriterNodeLost: `node-${primary}` });
    expect(result).toMatchObject({ from: primary, to: first });
  });
});

describe("a failover run again after it stopped part-way", () => {
  it("resumes from the recorded old writer and never deletes the target or a healthy standby", async () => {
    const cluster = fakeCluster(synchronous);
    cluster.failOnce.add("rolloutRestart");
    await expect(failover(synchronous, cluster.ops, quick)).rejects.toThrow(/rolloutRestart failed/);
    expect(cluster.fence).toMatchObject({ writer: first, [FENCE_KEYS.from]: primary, [FENCE_KEYS.to]: first });
    const uids = new Map([...cluster.pods].map(([name, pod]) => [name, pod.uid]));
    cluster.calls.length = 0;
    const result = await failover(synchronous, cluster.ops, quick);
    expect(result).toMatchObject({ from: primary, to: first });
    expect(cluster.calls.filter((c) => /^(delete|force-delete|promote)/.test(c))).toEqual([]);
    for (const standby of [first, second]) expect(cluster.pods.get(standby)!.uid).toBe(uids.get(standby));
    expect(cluster.fence[FENCE_KEYS.step]).toBe("done");
  });

  it("refuses to promote another pod than the one a resumed failover already promoted", async () => {
    const cluster = fakeCluster(synchronous);
    cluster.failOnce.add("rolloutRestart");
    await expect(failover(synchronous, cluster.ops, quick)).rejects.toThrow();
    await expect(failover(synchronous, cluster.ops, { ...quick, to: second })).rejects.toThrow(
      new RegExp(`--to ${second}: ${first} was already promoted`),
    );
  });

  it("fails clearly when pg_promote() returns false, moves nothing, and a retry promotes the same target", async () => {
    const cluster = fakeCluster(synchronous);
    cluster.promoteAnswer.value = "f";
    await expect(failover(synchronous, cluster.ops, quick)).rejects.toThrow(
      new RegExp(
        `pg_promote\\(\\) on ${first} returned f: the server did not finish promoting .*rw and the pools were not moved`,
      ),
    );
    expect(cluster.calls.some((c) => c.startsWith("service") || c.startsWith("restart"))).toBe(false);
    cluster.promoteAnswer.value = "t";
    cluster.calls.length = 0;
    const result = await failover(synchronous, cluster.ops, quick);
    expect(result).toMatchObject({ from: primary, to: first });
    expect(cluster.calls.filter((c) => /^(delete|force-delete)/.test(c))).toEqual([]);
  });

  it("a second failover starts from the new writer once the first is done", async () => {
    const cluster = fakeCluster(synchronous);
    await failover(synchronous, cluster.ops, quick);
    cluster.calls.length = 0;
    const result = await failover(synchronous, cluster.ops, quick);
    expect(result).toMatchObject({ from: first, to: second });
    expect(cluster.calls).toContain(`delete ${first}`);
  });
});
