/**
 * The switchover's kubectl commands, as text and in order, against a scripted kubectl: the
 * harness test runs the same procedure against real servers and pools; this checks what a real
 * cluster would be sent, that writes stop at every pool pod before anything changes, and that a
 * replica that cannot catch up leaves the cluster as it was.
 */
import { describe, expect, it } from "vitest";
import { kubectlArgs, kubectlOps } from "../../components/kubernetes/statefulset/failover/kubectl";
import { poolConsoleCommand, switchover } from "../../components/kubernetes/statefulset/failover/switchover";
import { selfHostedTopology } from "../support/topologies";

const topology = selfHostedTopology({ replicas: 2 });
const writer = topology.primary.name;
const [first] = topology.standbys.filter((s) => s.role === "oltp").map((s) => s.name);

/** A cluster as kubectl answers it: two write-pool pods, replicas that replay as told. */
function scriptedCluster(options: { replayed: boolean; streaming?: boolean; fencedWriter?: string }) {
  const sent: string[][] = [];
  let promoted: string | undefined;
  const gone = new Set<string>();
  const run = async (args: readonly string[]): Promise<string> => {
    const argv = args.slice(2); // --namespace <ns>
    sent.push([...argv]);
    const text = argv.join(" ");
    // The old writer's pod, until it is deleted (the primary's StatefulSet scaled to zero) and its node.
    if (argv[0] === "scale") gone.add(`${argv[2]}-0`);
    if (argv[0] === "delete") gone.add(argv[2]!);
    if (argv[0] === "get" && argv[1] === "pod")
      return gone.has(argv[2]!)
        ? ""
        : JSON.stringify({
            metadata: { uid: `uid-${argv[2]}` },
            spec: { nodeName: "node-1" },
            status: { phase: "Running" },
          });
    if (argv[0] === "get" && argv[1] === "node") return "True";
    if (text.includes("pg_is_in_recovery()") && argv.at(-1) === "SELECT pg_is_in_recovery()")
      return argv[1] === (promoted ?? options.fencedWriter) ? "f" : "t";
    // The proving write through the write pool: its last line names the server it landed on.
    if (text.includes("psql -h 127.0.0.1")) return `x\n${promoted ?? first}|f`;
    if (text.includes("pg_promote")) return ((promoted = argv[1]), "t");
    if (options.streaming === false && text.includes("pg_stat_replication WHERE")) return "catchup";
    if (argv[0] === "get" && argv[1] === "pods") return "pg-pool-write-a pg-pool-write-b";
    if (argv[0] === "get" && argv[1] === "configmap")
      return options.fencedWriter ? JSON.stringify({ writer: options.fencedWriter }) : "";
    if (argv[0] === "get" && argv[1] === "service" && text.includes("jsonpath")) return "{}";
    if (argv[0] === "get" && argv[1] === "service") return `service/${argv[2]}`;
    if (text.includes("pg_last_wal_receive_lsn(), '0/0'")) return argv[1] === first ? "t|5000" : "t|4000";
    if (text.includes("pg_stat_replication WHERE application_name")) return "streaming";
    if (text.includes("pg_current_wal_lsn()")) return "0/3000060";
    if (text.includes("pg_last_wal_replay_lsn() >=")) return options.replayed ? "t" : "f";
    return "";
  };
  return { sent, ops: kubectlOps({ namespace: topology.kubernetes.namespace, timeoutS: 60 }, run) };
}

const console_ = (command: string) =>
  kubectlArgs.execInPod("pg-pool-write-a", "pgbouncer", poolConsoleCommand(topology, command, 1));

describe("kubectl argv for the switchover", () => {
  it("lists a Deployment's running pods by its labels, and runs a command in one container of a pod", () => {
    expect(kubectlArgs.listPods({ "app.kubernetes.io/instance": "pg", "pg-read-replicas/pool": "write" })).toEqual([
      "get",
      "pods",
      "-l",
      "app.kubernetes.io/instance=pg,pg-read-replicas/pool=write",
      "--field-selector=status.phase=Running",
      "-o",
      "jsonpath={.items[*].metadata.name}",
    ]);
    expect(console_("PAUSE")).toEqual([
      "exec",
      "pg-pool-write-a",
      "-c",
      "pgbouncer",
      "--",
      "timeout",
      "1",
      "psql",
      "-h",
      "/var/run/pgbouncer",
      "-p",
      String(topology.poolPort),
      "-U",
      "pgbouncer",
      "-d",
      "pgbouncer",
      "-XAtq",
      "-c",
      "PAUSE",
    ]);
  });

  it("pauses every write-pool pod, waits for the target's replay, then fences, stops, promotes, repoints and resumes", async () => {
    const { sent, ops } = scriptedCluster({ replayed: true });
    const result = await switchover(topology, ops, { catchUpTimeoutMs: 2000, proveTimeoutMs: 2000 });
    expect(result).toMatchObject({ from: writer, to: first });
    const step = (match: (argv: string[]) => boolean) => sent.findIndex(match);
    const pauses = sent.filter((a) => a[0] === "exec" && a.at(-1) === "PAUSE").map((a) => a[1]);
    const resumes = sent.filter((a) => a[0] === "exec" && a.at(-1) === "RESUME").map((a) => a[1]);
    expect(pauses).toEqual(["pg-pool-write-a", "pg-pool-write-b"]);
    expect(resumes).toEqual(["pg-pool-write-a", "pg-pool-write-b"]);
    const paused = step((a) => a.at(-1) === "PAUSE");
    const writerLsn = step((a) => a[1] === writer && a.at(-1) === "SELECT pg_current_wal_lsn()");
    const caughtUp = step((a) => a[1] === first && a.some((x) => x.includes("'0/3000060'::pg_lsn")));
    const fenced = step((a) => a[0] === "patch" && a[1] === "configmap");
    const stopped = step((a) => a[0] === "scale");
    const promoted = step((a) => a.includes("SELECT pg_promote(true, 60)"));
    const repointed = step((a) => a[0] === "patch" && a[1] === "service");
    const resumed = step((a) => a.at(-1) === "RESUME");
    expect([paused, writerLsn, caughtUp, fenced, stopped, promoted, repointed, resumed]).toEqual(
      [paused, writerLsn, caughtUp, fenced, stopped, promoted, repointed, resumed].sort((a, b) => a - b),
    );
    expect(Math.min(paused, writerLsn, caughtUp, fenced, stopped, promoted, repointed, resumed)).toBeGreaterThanOrEqual(
      0,
    );
    // The primary goes to zero (no rejoin): only a replica-group writer comes back as a standby.
    expect(JSON.parse(sent[fenced]!.at(-1)!)).toEqual({
      data: { writer: first, rejoin: "", "failover-from": writer, "failover-to": first, "failover-step": "promoting" },
    });
  });

  it("names an old writer of a replica group in the fence's rejoin, deletes its pod and gives it a slot on the new writer", async () => {
    const { sent, ops } = scriptedCluster({ replayed: true, fencedWriter: first });
    const result = await switchover(topology, ops, { catchUpTimeoutMs: 2000, proveTimeoutMs: 2000 });
    expect(result.from).toBe(first);
    const slot = topology.standbys.find((s) => s.name === first)!.slot;
    const fenced = sent.findIndex((a) => a[0] === "patch" && a[1] === "configmap");
    expect(JSON.parse(sent[fenced]!.at(-1)!).data).toMatchObject({ writer: result.to, rejoin: first });
    const deleted = sent.findIndex((a) => a[0] === "delete" && a[2] === first);
    expect(deleted).toBeGreaterThan(fenced);
    expect(sent.some((a) => a[0] === "scale")).toBe(false);
    const slotMade = sent.findIndex((a) => a[1] === result.to && a.some((x) => x.includes(`'${slot}'`)));
    expect(slotMade).toBeGreaterThan(deleted);
  });

  it("resumes the pool and changes nothing when the target cannot catch up", async () => {
    const { sent, ops } = scriptedCluster({ replayed: false });
    await expect(switchover(topology, ops, { catchUpTimeoutMs: 500 })).rejects.toThrow(
      /did not replay up to 0\/3000060 .*resumed and nothing changed/,
    );
    expect(sent.filter((a) => a.at(-1) === "RESUME")).toHaveLength(2);
    expect(sent.some((a) => a[0] === "patch" || a[0] === "scale" || a.includes("SELECT pg_promote(true, 60)"))).toBe(
      false,
    );
  });

  it("refuses before touching anything when the target is not streaming", async () => {
    const { sent, ops } = scriptedCluster({ replayed: true, streaming: false });
    await expect(switchover(topology, ops, { to: first })).rejects.toThrow(
      new RegExp(`${first} is not streaming .*catchup.*nothing was changed`),
    );
    expect(sent.some((a) => a.includes("PAUSE") || a.includes("patch"))).toBe(false);
  });
});
