/**
 * A self-hosted stack's primary region as the failover's ClusterOps see it, in memory: pods on nodes that can stop
 * answering (a graceful deletion then only marks the pod Terminating: facts/kubernetes/nodeLoss.ts), StatefulSets that
 * recreate a deleted replica pod (the start guard keeps a writer's data directory down: Pending), servers that are
 * writers or standbys with a received LSN. Every call is recorded, so a test can say what was touched and in which
 * order. The harness (test/harness) runs the same procedure against real servers; this covers the branches.
 */
import { PROMOTE_SQL, RECEIVED_LSN_SQL, WRITER_LSN_SQL } from "../../components/sql/promotionSql";
import type { PodState, RollOps } from "../../components/kubernetes/statefulset/failover/ops";
import { allGroups } from "../../components/topology/queries";
import type { SelfHostedTopology } from "../../components/topology/types";

interface FakePod extends PodState {
  server: "writer" | "standby" | "down";
  lsn: number;
  /** A writer's synchronous_standby_names as ALTER SYSTEM set it: a commit waits for `k` of `names` to stream. */
  waitsFor?: { k: number; names: string[] };
}

export interface FakeCluster {
  ops: RollOps;
  calls: string[];
  pods: Map<string, FakePod>;
  fence: Record<string, string>;
  /** What pg_promote() answers (default "t"); "f" leaves the server in recovery, as a timed-out promotion does. */
  promoteAnswer: { value: string };
  /** Operations that fail once, by name (e.g. "rolloutRestart"). */
  failOnce: Set<string>;
  /** Each StatefulSet's update revision (default "rev-1" for all); a recreated pod takes its group's. */
  revisions: Map<string, string>;
  /** Revisions whose pods never become Ready (a broken template). */
  brokenRevisions: Set<string>;
}

export function fakeCluster(topology: SelfHostedTopology): FakeCluster {
  const calls: string[] = [];
  const pods = new Map<string, FakePod>();
  let uid = 0;
  const groupOfPod = new Map(allGroups(topology).flatMap((g) => g.members.map((m) => [m.name, g.name] as const)));
  const revisions = new Map(allGroups(topology).map((g) => [g.name, "rev-1"]));
  const brokenRevisions = new Set<string>();
  const add = (name: string, server: FakePod["server"], lsn: number) => {
    const revision = revisions.get(groupOfPod.get(name) ?? "") ?? "rev-1";
    pods.set(name, {
      uid: `uid-${++uid}`,
      node: `node-${name}`,
      nodeReady: "True",
      phase: "Running",
      terminating: false,
      revision,
      ready: server !== "down" && !brokenRevisions.has(revision),
      server,
      lsn,
    });
  };
  add(topology.primary.name, "writer", 9000);
  topology.standbys.forEach((s, i) => add(s.name, "standby", 5000 - i * 100));
  const fence: Record<string, string> = { writer: topology.primary.name };
  const promoteAnswer = { value: "t" };
  const failOnce = new Set<string>();
  const reachable = (name: string) => {
    const pod = pods.get(name);
    if (!pod) throw new Error(`pods "${name}" not found`);
    if (pod.nodeReady !== "True") throw new Error(`error dialing backend: ${pod.node} unreachable`);
    if (pod.server === "down" || pod.phase !== "Running") throw new Error(`container not running in ${name}`);
    return pod;
  };
  // A replica group recreates its deleted pod (OnDelete or not: at its update revision); the start guard refuses a
  // writer's data directory (Pending) unless the fence names it to rejoin (a switchover's old writer).
  const recreate = (name: string, old: FakePod) => {
    if (name === topology.primary.name) return;
    const standby = old.server === "standby" || fence.rejoin === name;
    add(name, standby ? "standby" : "down", old.lsn);
    if (!standby) pods.get(name)!.phase = "Pending";
  };
  const failing = (op: string) => {
    if (failOnce.delete(op)) throw new Error(`${op} failed (injected)`);
  };
  const ops: RollOps = {
    async readConfigMap() {
      return { ...fence };
    },
    async patchConfigMap(_name, data) {
      calls.push(`fence ${data.writer} ${data["failover-step"] ?? ""}`);
      Object.assign(fence, data);
    },
    async labelPod(name, labels) {
      calls.push(`label ${name} ${Object.values(labels).join(",")}`);
    },
    async podState(name) {
      const pod = pods.get(name);
      if (!pod) return undefined;
      const { server: _s, lsn: _l, ...state } = pod;
      return state;
    },
    async scaleStatefulSet(name, replicas) {
      calls.push(`scale ${name} ${replicas}`);
      const pod = pods.get(topology.primary.name);
      if (!pod) return;
      if (pod.nodeReady === "True") pods.delete(topology.primary.name);
      else pod.terminating = true;
    },
    async deletePod(name) {
      calls.push(`delete ${name}`);
      const pod = pods.get(name);
      if (!pod) return;
      if (pod.nodeReady !== "True") {
        pod.terminating = true;
        return;
      }
      pods.delete(name);
      recreate(name, pod);
    },
    async forceDeletePod(name) {
      calls.push(`force-delete ${name}`);
      const pod = pods.get(name);
      if (!pod) return;
      pods.delete(name);
      recreate(name, pod);
    },
    async serviceExists() {
      return true;
    },
    async patchService(name, selector) {
      calls.push(`service ${name} ${Object.values(selector).at(-1)}`);
    },
    async sql(name, statements) {
      const pod = reachable(name);
      const [first] = statements;
      if (first === "SELECT pg_is_in_recovery()") return pod.server === "standby" ? "t" : "f";
      if (first === RECEIVED_LSN_SQL) return `${pod.server === "standby" ? "t" : "f"}|${pod.lsn}`;
      if (first === WRITER_LSN_SQL) return `0/${pod.lsn.toString(16).toUpperCase()}`;
      if (first?.startsWith("SELECT pg_is_in_recovery() AND")) return pod.server === "standby" ? "t" : "f";
      const streaming = first?.match(/FROM pg_stat_replication WHERE application_name = '([^']+)'/)?.[1];
      if (streaming !== undefined) {
        const standby = pods.get(streaming);
        return pod.server === "writer" && standby?.server === "standby" && standby.ready ? "streaming" : "";
      }
      const synchronousNames = statements
        .map((statement) => statement.match(/^ALTER SYSTEM SET synchronous_standby_names = '(.*)'$/)?.[1])
        .find((value) => value !== undefined);
      if (synchronousNames !== undefined) {
        const any = synchronousNames.match(/^ANY (\d+) \((.*)\)$/);
        pod.waitsFor = any
          ? { k: Number(any[1]), names: any[2]!.split(", ").map((n) => n.replaceAll('"', "")) }
          : { k: 0, names: [] };
      }
      if (first === PROMOTE_SQL) {
        calls.push(`promote ${name}`);
        if (promoteAnswer.value === "t") pod.server = "writer";
        return promoteAnswer.value;
      }
      return "";
    },
    async rolloutRestart(deployment) {
      calls.push(`restart ${deployment}`);
      failing("rolloutRestart");
    },
    async listPods() {
      return [`${topology.pools.write.service}-0`];
    },
    async execInPod() {
      return "";
    },
    async execInDeployment() {
      const [writer, pod] = [...pods].find(([, p]) => p.server === "writer" && p.nodeReady === "True") ?? [];
      // PostgreSQL holds a commit until k of synchronous_standby_names confirm it: with fewer streaming, forever.
      const streaming = (name: string) => {
        const standby = pods.get(name);
        return standby?.server === "standby" && standby.phase === "Running" && standby.nodeReady === "True";
      };
      if (pod?.waitsFor && pod.waitsFor.names.filter(streaming).length < pod.waitsFor.k)
        throw new Error(`the proving write's commit on ${writer} waits for a synchronous standby`);
      return `x\n${writer}|f`;
    },
    async updateRevision(statefulSet) {
      return revisions.get(statefulSet) ?? "";
    },
  };
  return { ops, calls, pods, fence, promoteAnswer, failOnce, revisions, brokenRevisions };
}
