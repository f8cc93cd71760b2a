/**
 * The failover's kubectl commands, as text: the harness test runs the same
 * procedure against real servers through ClusterOps; this checks what a real
 * cluster would be sent, and in which order.
 */
import { describe, expect, it } from "vitest";
import { kubectlArgs, kubectlOps } from "../../components/kubernetes/statefulset/failover/kubectl";

describe("kubectl argv for the failover", () => {
  it("patches the fence and Services with JSON merge patches that replace the selector", async () => {
    const sent: string[][] = [];
    const ops = kubectlOps({ context: "prod-us-east-1", namespace: "pg-prod", timeoutS: 300 }, async (args) => {
      sent.push([...args]);
      if (args.includes("jsonpath={.spec.selector}"))
        return JSON.stringify({ "app.kubernetes.io/instance": "pg", "pg-read-replicas/role": "primary" });
      return "";
    });
    await ops.patchConfigMap("pg-fence", { writer: "pg-replica-1" });
    await ops.patchService(
      "pg-rw",
      { "app.kubernetes.io/instance": "pg", "statefulset.kubernetes.io/pod-name": "pg-replica-1" },
      true,
    );
    expect(sent[0]).toEqual([
      "--context",
      "prod-us-east-1",
      "--namespace",
      "pg-prod",
      "patch",
      "configmap",
      "pg-fence",
      "--type",
      "merge",
      "-p",
      '{"data":{"writer":"pg-replica-1"}}',
    ]);
    const patch = JSON.parse(sent[2]!.at(-1)!);
    // The old role key is removed (null), the pod-name key set: the Service then selects exactly one pod.
    expect(patch).toEqual({
      spec: {
        selector: {
          "pg-read-replicas/role": null,
          "app.kubernetes.io/instance": "pg",
          "statefulset.kubernetes.io/pod-name": "pg-replica-1",
        },
        publishNotReadyAddresses: true,
      },
    });
  });

  it("scales and deletes without waiting (the failover polls the pod's uid), and force-deletes with grace period 0", async () => {
    const sent: string[][] = [];
    const ops = kubectlOps({ namespace: "pg-dev", timeoutS: 120 }, async (args) => (sent.push([...args]), ""));
    await ops.scaleStatefulSet("pg-primary", 0);
    await ops.deletePod("pg-replica-1");
    await ops.forceDeletePod("pg-primary-0");
    expect(sent).toEqual([
      ["--namespace", "pg-dev", "scale", "statefulset", "pg-primary", "--replicas=0"],
      ["--namespace", "pg-dev", "delete", "pod", "pg-replica-1", "--wait=false"],
      ["--namespace", "pg-dev", "delete", "pod", "pg-primary-0", "--grace-period=0", "--force", "--wait=false"],
    ]);
  });

  it("reads a pod's uid, node, phase and deletion, and its node's Ready condition", async () => {
    const sent: string[][] = [];
    const ops = kubectlOps({ namespace: "pg-dev", timeoutS: 120 }, async (args) => {
      sent.push([...args]);
      if (args.includes("pod"))
        return JSON.stringify({
          metadata: { uid: "u-1", deletionTimestamp: "2026-12-06T16:00:00Z" },
          spec: { nodeName: "ip-10-0-1-7" },
          status: { phase: "Running" },
        });
      return args.includes("ip-10-0-1-7") ? "Unknown" : "";
    });
    expect(await ops.podState("pg-primary-0")).toEqual({
      uid: "u-1",
      node: "ip-10-0-1-7",
      nodeReady: "Unknown",
      phase: "Running",
      terminating: true,
      ready: false,
    });
    expect(sent[1]).toEqual([
      "--namespace",
      "pg-dev",
      "get",
      "node",
      "ip-10-0-1-7",
      "--ignore-not-found",
      "-o",
      'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    ]);
    const none = kubectlOps({ namespace: "pg-dev", timeoutS: 1 }, async () => "");
    expect(await none.podState("pg-primary-0")).toBeUndefined();
  });

  it("reads a pod's template revision and Ready condition, and its StatefulSet's update revision (kubernetes roll)", async () => {
    const sent: string[][] = [];
    const ops = kubectlOps({ namespace: "pg-dev", timeoutS: 120 }, async (args) => {
      sent.push([...args]);
      if (args.includes("pod"))
        return JSON.stringify({
          metadata: { uid: "u-2", labels: { "controller-revision-hash": "pg-replica-7d9f" } },
          spec: { nodeName: "n1" },
          status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
        });
      if (args.includes("statefulset")) return "pg-replica-5c4b\n";
      return "True";
    });
    expect(await ops.podState("pg-replica-1")).toMatchObject({ revision: "pg-replica-7d9f", ready: true });
    expect(await ops.updateRevision("pg-replica")).toBe("pg-replica-5c4b");
    expect(sent.at(-1)).toEqual([
      "--namespace",
      "pg-dev",
      "get",
      "statefulset",
      "pg-replica",
      "-o",
      "jsonpath={.status.updateRevision}",
    ]);
  });

  it("runs SQL in the postgres container over its socket, one -c per statement", () => {
    expect(kubectlArgs.sql("pg-replica-0", ["SELECT 1", "SELECT 2"])).toEqual([
      "exec",
      "pg-replica-0",
      "-c",
      "postgres",
      "--",
      "psql",
      "-h",
      "/var/run/postgresql",
      "-U",
      "postgres",
      "-d",
      "postgres",
      "-XAtq",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      "SELECT 1",
      "-c",
      "SELECT 2",
    ]);
  });

  it("reports a failing kubectl with its stderr", async () => {
    const ops = kubectlOps({ namespace: "pg-dev", timeoutS: 10 }, async () => {
      throw new Error('kubectl failed: Error from server (NotFound): configmaps "pg-fence" not found');
    });
    await expect(ops.patchConfigMap("pg-fence", { writer: "x" })).rejects.toThrow(/NotFound/);
  });
});
