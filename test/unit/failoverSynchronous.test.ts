/**
 * A synchronous stack's failover when its other replicas are down (a refused old writer, a lost node): the new writer
 * must not name only standbys that cannot stream, or every commit — the failover's own proving write first — waits
 * forever. It commits locally for now and the operator is told how to make commits synchronous again. Against the
 * in-memory cluster (test/support/fakeCluster.ts), whose writer holds a commit as PostgreSQL does.
 */
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { synchronousAfterPromotion } from "../../components/failover/promotion";
import { failover, proveWrite } from "../../components/kubernetes/statefulset/failover/failover";
import { fakeCluster } from "../support/fakeCluster";
import { selfHostedTopology } from "../support/topologies";

const synchronous = selfHostedTopology({
  replicas: 2,
  replication: { synchronousCommit: "remote_write", synchronousReplicas: 1 },
});
const primary = synchronous.primary.name;
const [first, second] = synchronous.standbys.filter((s) => s.role === "oltp").map((s) => s.name) as [string, string];
const quick = { stopTimeoutMs: 200, proveTimeoutMs: 500 };

/** The second replica cannot start: an old writer the start guard refuses (Pending), as after two failovers. */
function secondRefused() {
  const cluster = fakeCluster(synchronous);
  Object.assign(cluster.pods.get(second)!, { phase: "Pending", server: "down", ready: false });
  return cluster;
}

describe("synchronous_standby_names after a promotion", () => {
  it("waits for at most as many standbys as run, names every survivor, and commits locally only when none runs", () => {
    const topologies = [1, 2, 3].map((k) =>
      selfHostedTopology({ replicas: 3, replication: { synchronousCommit: "on", synchronousReplicas: k } }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...topologies),
        fc.subarray([0, 1, 2]),
        fc.subarray([0, 1, 2]),
        (topology, followerIndexes, runningIndexes) => {
          const oltp = topology.standbys.filter((s) => s.role === "oltp");
          const followers = followerIndexes.map((i) => oltp[i]!);
          const running = new Set(runningIndexes.map((i) => oltp[i]!.name));
          const plan = synchronousAfterPromotion(topology, followers, running);
          const runningFollowers = followers.filter((f) => running.has(f.name)).length;
          const any = plan.names.match(/^ANY (\d+) \((.*)\)$/);
          const full = Math.min(topology.replication.synchronousReplicas, followers.length);
          // What the keeper raises it to as the survivors stream: recorded exactly when the plan falls short of it.
          expect(plan.wanted).toEqual(
            runningFollowers < full
              ? { commit: "on", names: `ANY ${full} (${followers.map((f) => `"${f.name}"`).join(", ")})` }
              : undefined,
          );
          if (runningFollowers === 0) {
            expect(plan).toMatchObject({ commit: "local", names: "" });
          } else {
            expect(any).not.toBeNull();
            const k = Number(any![1]);
            expect(k).toBe(Math.min(topology.replication.synchronousReplicas, runningFollowers));
            // Every survivor is named, so one that starts again counts without another change.
            expect(any![2]).toBe(followers.map((f) => `"${f.name}"`).join(", "));
            expect(plan.commit).toBe("on");
          }
        },
      ),
    );
  });
});

describe("kubernetes failover on a synchronous stack whose other replica cannot start", () => {
  it("a writer naming only a standby that does not stream holds the proving write (the fake models the wait)", async () => {
    const cluster = fakeCluster(synchronous);
    Object.assign(cluster.pods.get(second)!, { phase: "Pending", server: "down" });
    cluster.pods.get(primary)!.waitsFor = { k: 1, names: [second] };
    await expect(proveWrite(synchronous, cluster.ops, primary, 300)).rejects.toThrow(
      /does not land on it \(.*waits for a synchronous standby\)/,
    );
  });

  it("promotes with local commits, proves a write, and tells the operator how to make commits synchronous again", async () => {
    const cluster = secondRefused();
    const result = await failover(synchronous, cluster.ops, quick);
    expect(result).toMatchObject({ from: primary, to: first });
    expect(result.synchronous).toMatch(new RegExp(`asynchronous for now: none of .*\\(${second}\\) runs`));
    expect(cluster.pods.get(first)!.waitsFor).toEqual({ k: 0, names: [] });
    const warning = result.warnings.join("\n");
    expect(warning).toContain(`${first} commits locally`);
    // The command as a shell runs it: psql gets each statement whole, the standby names' double quotes included.
    const command = warning.match(/kubectl exec .* -- psql (.*)$/m)![1]!;
    const args = execFileSync("bash", ["-c", `printf '%s\\n' ${command}`], { encoding: "utf8" })
      .trimEnd()
      .split("\n");
    expect(args).toEqual([
      "-c",
      `ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 ("${second}")'`,
      "-c",
      "ALTER SYSTEM SET synchronous_commit = 'remote_write'",
      "-c",
      "SELECT pg_reload_conf()",
    ]);
  });

  it("keeps commits synchronous when the other replica runs", async () => {
    const cluster = fakeCluster(synchronous);
    const result = await failover(synchronous, cluster.ops, quick);
    expect(result.synchronous).toContain(`synchronous_standby_names = ANY 1 ("${second}")`);
    expect(cluster.pods.get(first)!.waitsFor).toEqual({ k: 1, names: [second] });
    expect(result.warnings).toEqual([]);
  });

  it("counts a replica on a node that does not answer as not running", async () => {
    const cluster = fakeCluster(synchronous);
    Object.assign(cluster.pods.get(second)!, { nodeReady: "Unknown" });
    const result = await failover(synchronous, cluster.ops, quick);
    expect(result.to).toBe(first);
    expect(cluster.pods.get(first)!.waitsFor).toEqual({ k: 0, names: [] });
    expect(result.warnings.join("\n")).toContain(`${first} commits locally`);
  });
});
