/**
 * A running stack changed, as `pulumi up` changes it on the statefulset engine, with the manifests run as the kubelet
 * runs them (test/harness): staging with synchronous commit to one replica, holding data. Scaled down, the writer keeps
 * exactly the declared standbys' slots (the slots Job, after the StatefulSet controller's test double has removed the
 * pod), never an active one and never another tool's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BootedStack, bootStack } from "./boot";
import type { ClusterObjects } from "./objects";

const WRITER = "pg-primary-0";

async function bootAll(stack: BootedStack): Promise<void> {
  const { harness } = stack;
  const sets = harness.objects(0).workloads.filter((w) => w.kind === "StatefulSet");
  for (const set of [...sets].sort((a, b) => Number(b.name.endsWith("-primary")) - Number(a.name.endsWith("-primary"))))
    await harness.startStatefulSet(0, set.name);
  for (const deployment of harness.objects(0).workloads.filter((w) => w.kind === "Deployment"))
    await harness.startDeployment(0, deployment.name);
}

/** Commits wait for one replica: a replica that stops streaming for long would stall writes. */
function synchronous(config: Record<string, string>): void {
  const replication = JSON.parse(config["pg-read-replicas:replication"] ?? "{}");
  config["pg-read-replicas:replication"] = JSON.stringify({
    ...replication,
    synchronousReplicas: 1,
    synchronousCommit: "on",
  });
}

function jobOf(objects: ClusterObjects, pattern: RegExp): string {
  const job = objects.workloads.find((w) => w.kind === "Job" && pattern.test(w.name));
  if (!job) throw new Error(`no Job matching ${pattern}: ${objects.workloads.map((w) => w.name).join(", ")}`);
  return job.name;
}

describe("a running staging stack changed by up (statefulset engine)", () => {
  let stack: BootedStack;
  const slots = async () =>
    (await stack.harness.pod(WRITER).psql("SELECT slot_name FROM pg_replication_slots ORDER BY 1")).split("\n");

  beforeAll(async () => {
    stack = await bootStack("staging", 15, synchronous);
    await bootAll(stack);
    await stack.harness
      .pod(WRITER)
      .psql([
        "CREATE TABLE IF NOT EXISTS lifecycle (id bigint PRIMARY KEY, at timestamptz DEFAULT now())",
        "INSERT INTO lifecycle (id) SELECT generate_series(1, 1000)",
      ]);
  }, 600_000);
  afterAll(async () => stack?.teardown(), 180_000);

  it("drops the removed replica's slot after a scale-down, never an active one nor another tool's", async () => {
    expect(await slots()).toEqual(["pg_olap_0", "pg_replica_0", "pg_replica_1"]);
    await stack.harness.pod(WRITER).psql("SELECT pg_create_physical_replication_slot('backup_tool_0')");
    const [next] = await stack.rerender((config) => (config["pg-read-replicas:replicas"] = "1"));
    const job = jobOf(next!, /^pg-slots-[0-9a-f]{16}$/);

    // Run before the StatefulSet scaled down (as if nothing ordered them): pg-replica-1 still streams, so its slot is
    // left in place and the Job fails, naming it.
    const early = await stack.harness.runNewJob(0, next!, job, {
      name: `${job}-early`,
      env: { SLOT_WAIT_SECONDS: "4" },
    });
    expect(early.code, early.output).not.toBe(0);
    expect(early.output).toMatch(/still in use: pg_replica_1 \(streaming to pg-replica-1\)/);
    expect(await slots()).toContain("pg_replica_1");

    // As up orders it: the StatefulSet scales down (the controller's test double removes pg-replica-1), then the Job.
    expect(await stack.harness.scaleStatefulSetDown(0, "pg-replica", 1)).toEqual(["pg-replica-1"]);
    const result = await stack.harness.runNewJob(0, next!, job);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/dropped pg_replica_1: no declared standby uses it/);
    expect(await slots()).toEqual(["backup_tool_0", "pg_olap_0", "pg_replica_0"]);
    const streaming = await stack.harness
      .pod(WRITER)
      .psql("SELECT application_name || ':' || state FROM pg_stat_replication ORDER BY 1");
    expect(streaming.split("\n")).toEqual(["pg-olap-0:streaming", "pg-replica-0:streaming"]);
    await stack.harness.pod(WRITER).psql("SELECT pg_drop_replication_slot('backup_tool_0')");
  });
});
