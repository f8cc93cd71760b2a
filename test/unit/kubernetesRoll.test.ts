/**
 * `kubernetes roll` (failover/roll.ts): after a failover the writer's group is OnDelete, so a new template reaches its
 * standbys only when they are deleted. Against the in-memory cluster (test/support/fakeCluster.ts): a recreated pod
 * takes its StatefulSet's update revision, a broken revision is never Ready, a switchover's old writer rejoins.
 */
import { describe, expect, it } from "vitest";
import { failover } from "../../components/kubernetes/statefulset/failover/failover";
import { FENCE_KEYS } from "../../components/kubernetes/statefulset/failover/fence";
import { roll } from "../../components/kubernetes/statefulset/failover/roll";
import { fakeCluster } from "../support/fakeCluster";
import { selfHostedTopology } from "../support/topologies";

const topology = selfHostedTopology({
  replicas: 3,
  replication: { synchronousCommit: "remote_write", synchronousReplicas: 1 },
});
const oltp = topology.standbys.filter((s) => s.role === "oltp");
const group = oltp[0]!.group;
const [first, second, third] = oltp.map((s) => s.name) as [string, string, string];
const quick = { stopTimeoutMs: 200, proveTimeoutMs: 500, readyTimeoutMs: 300, pollMs: 10, catchUpTimeoutMs: 500 };

/** A stack failed over to the first replica, whose group then gets a new template (rev-2). */
async function failedOverWithNewTemplate() {
  const cluster = fakeCluster(topology);
  await failover(topology, cluster.ops, quick);
  cluster.revisions.set(group, "rev-2");
  cluster.calls.length = 0;
  return cluster;
}

const deletions = (calls: string[]) => calls.filter((c) => c.startsWith("delete"));
const writers = (cluster: ReturnType<typeof fakeCluster>) =>
  [...cluster.pods].filter(([, p]) => p.server === "writer").map(([name]) => name);

describe("kubernetes roll after a failover", () => {
  it("rolls the standbys one at a time, highest ordinal first, then switches over and rolls the old writer", async () => {
    const cluster = await failedOverWithNewTemplate();
    const result = await roll(topology, cluster.ops, quick);
    expect(result).toMatchObject({ group, revision: "rev-2", current: [] });
    expect(result.rolled).toEqual([third, second, first]);
    expect(deletions(cluster.calls)).toEqual([`delete ${third}`, `delete ${second}`, `delete ${first}`]);
    // The writer goes last, by a switchover to a standby already on the new template: no write lost.
    expect(result.switchover).toMatchObject({ from: first, to: third });
    expect(cluster.calls.indexOf(`promote ${third}`)).toBeGreaterThan(cluster.calls.indexOf(`delete ${second}`));
    for (const pod of [first, second, third]) expect(cluster.pods.get(pod)).toMatchObject({ revision: "rev-2" });
    expect(writers(cluster)).toEqual([third]);
    expect(cluster.pods.get(first)).toMatchObject({ server: "standby", ready: true });
    expect(cluster.fence).toMatchObject({ writer: third, [FENCE_KEYS.step]: "done" });
  });

  it("with standbysOnly leaves the writer where it is and says it is behind", async () => {
    const cluster = await failedOverWithNewTemplate();
    const result = await roll(topology, cluster.ops, { ...quick, standbysOnly: true });
    expect(result).toMatchObject({ rolled: [third, second], writerBehind: first });
    expect(result.switchover).toBeUndefined();
    expect(writers(cluster)).toEqual([first]);
    expect(cluster.pods.get(first)).toMatchObject({ revision: "rev-1" });
  });

  it("stops at a standby that does not come back Ready, deleting nothing else", async () => {
    const cluster = await failedOverWithNewTemplate();
    cluster.brokenRevisions.add("rev-2");
    await expect(roll(topology, cluster.ops, quick)).rejects.toThrow(
      new RegExp(`${third} was deleted to take revision rev-2 and is recreated, not Ready .* the roll stopped here`),
    );
    expect(deletions(cluster.calls)).toEqual([`delete ${third}`]);
    expect(writers(cluster)).toEqual([first]);
  });

  it("deletes nothing while a pod of the group is not Ready (OrderedReady would not recreate past it)", async () => {
    const cluster = await failedOverWithNewTemplate();
    cluster.pods.get(second)!.ready = false;
    await expect(roll(topology, cluster.ops, quick)).rejects.toThrow(
      new RegExp(`${second} is not Ready: the StatefulSet ${group} \\(OrderedReady\\) would not recreate`),
    );
    expect(deletions(cluster.calls)).toEqual([]);
  });

  it("run again, skips the pods already on the newest template", async () => {
    const cluster = await failedOverWithNewTemplate();
    await roll(topology, cluster.ops, { ...quick, standbysOnly: true });
    cluster.calls.length = 0;
    const result = await roll(topology, cluster.ops, quick);
    expect(result.current).toEqual(expect.arrayContaining([second, third]));
    expect(deletions(cluster.calls)).toEqual([`delete ${first}`]);
    expect(result.rolled).toEqual([first]);
  });

  it("refuses while a failover is under way", async () => {
    const cluster = await failedOverWithNewTemplate();
    cluster.fence[FENCE_KEYS.step] = "stopping";
    await expect(roll(topology, cluster.ops, quick)).rejects.toThrow(/hand-over from .* is under way/);
    expect(cluster.calls).toEqual([]);
  });

  it("on a stack never failed over switches the primary's writer to a replica (its StatefulSet goes to zero)", async () => {
    const cluster = fakeCluster(topology);
    cluster.revisions.set(topology.primary.group, "rev-2");
    const result = await roll(topology, cluster.ops, quick);
    expect(result).toMatchObject({ group: topology.primary.group, rolled: [] });
    expect(result.switchover?.from).toBe(topology.primary.name);
    expect(cluster.calls).toContain(`scale ${topology.primary.group} 0`);
    expect(writers(cluster)).toEqual([result.switchover?.to]);
  });
});
