/**
 * Issue 23, finding 1: over the rendered objects of every statefulset-engine example stack, as configured and after
 * a failover to each OLTP replica of the primary's region, no pod of an OrderedReady StatefulSet holds a state its
 * readiness probe can never pass. Each probe is run as the kubelet runs it (bash, the pod's labels and fence as
 * files, POD_NAME), against a stand-in psql that answers each rendered query as a healthy server in that role
 * would (the queries themselves are checked against real servers in the integration suite). Then the StatefulSet
 * controller's model (test/harness/statefulSetController.ts) must reach every pod, recreate a missing follower and
 * roll a changed template; the eviction model (test/harness/evictionModel.ts) must refuse to evict the writer; and
 * the ro Service must not select it.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../components/config/stackFile";
import { PATHS, POD_NAME_LABEL } from "../../components/kubernetes/conventions";
import { roleServiceManifest } from "../../components/kubernetes/manifests/services";
import { groupDisruptionBudget } from "../../components/kubernetes/statefulset/manifests/disruptionBudgets";
import { statefulSetManifest } from "../../components/kubernetes/statefulset/manifests/statefulSet";
import { markWriter } from "../../components/kubernetes/statefulset/roleLabels";
import { topologyFromPulumiConfig } from "../../components/pipeline/loadTopology";
import { HELD_ROLE, heldRoleSql, readinessSql, writerReadinessSql } from "../../components/sql/replicationSql";
import type { NodeGroup, SelfHostedTopology } from "../../components/topology/types";
import { type BudgetSpec, type EvictablePod, evict, selects } from "../harness/evictionModel";
import { type ControlledPod, settle } from "../harness/statefulSetController";

type State = "writer" | "standby";

const STACKS = ["dev", "staging", "prod", "pr"];

function stackTopology(stack: string): SelfHostedTopology | undefined {
  const built = topologyFromPulumiConfig(readStackConfig("stacks", stack), stack).topology;
  if (built.backend !== "selfHosted" || built.kubernetes.engine.name !== "statefulset") return undefined;
  return built;
}

function withWriter(topology: SelfHostedTopology, writer: string): SelfHostedTopology {
  return { ...topology, kubernetes: { ...topology.kubernetes, writer } };
}

/** What a healthy server in each state answers to each query the probes send. */
function answers(topology: SelfHostedTopology, state: State): Map<string, string> {
  const lag = topology.replication.maxLagBytes;
  return new Map([
    [heldRoleSql(topology.database, lag), state === "writer" ? HELD_ROLE.writer : HELD_ROLE.standby],
    [writerReadinessSql(topology.database), state === "writer" ? "t" : "f"],
    [readinessSql("oltp", lag), state === "standby" ? "t" : "f"],
    [readinessSql("olap", lag), state === "standby" ? "t" : "f"],
  ]);
}

/** A psql on PATH that prints the answer to the query after -c, from files (no quoting of SQL in shell). */
function fakePsql(dir: string, table: Map<string, string>): string {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  [...table].forEach(([sql, answer], i) => {
    writeFileSync(join(dir, `q${i}.sql`), sql);
    writeFileSync(join(dir, `q${i}.answer`), `${answer}\n`);
  });
  const script = `#!/bin/bash
while [ $# -gt 0 ]; do [ "$1" = -c ] && sql=$2; shift; done
printf %s "$sql" > "${dir}/asked"
for q in "${dir}"/q*.sql; do cmp -s "$q" "${dir}/asked" && exec cat "\${q%.sql}.answer"; done
echo "psql stand-in: unknown query" >&2; exit 2
`;
  writeFileSync(join(bin, "psql"), script);
  chmodSync(join(bin, "psql"), 0o755);
  return bin;
}

interface PodCase {
  topology: SelfHostedTopology;
  group: NodeGroup;
  pod: string;
  state: State;
  labels: Record<string, string>;
}

type Manifest = ReturnType<typeof statefulSetManifest>;
// The rendered spec, read as plain data (the args type is all Inputs).
const specOf = (m: Manifest) => m.spec as unknown as Record<string, any>;

/** Runs the pod's rendered readiness probe as the kubelet would, with its labels and the fence as files. */
function probePasses(c: PodCase, manifest: Manifest): boolean {
  const container = specOf(manifest).template.spec.containers[0];
  const [shell, flag, script] = container.readinessProbe.exec.command as string[];
  const dir = mkdtempSync(join(tmpdir(), "probe-"));
  try {
    const bin = fakePsql(dir, answers(c.topology, c.state));
    const labelsFile = join(dir, "labels");
    const fenceFile = join(dir, "fence");
    writeFileSync(
      labelsFile,
      Object.entries(c.labels)
        .map(([key, value]) => `${key}="${value}"\n`)
        .join(""),
    );
    writeFileSync(fenceFile, c.topology.kubernetes.writer);
    const rewritten = script!.split(PATHS.podLabels).join(labelsFile).split(PATHS.fenceWriter).join(fenceFile);
    const env = Object.fromEntries(
      (container.env as Array<{ name: string; value?: string }>)
        .filter((e) => e.value !== undefined)
        .map((e) => [e.name, e.value!]),
    );
    const result = spawnSync(shell!, [flag!, rewritten], {
      env: { ...env, POD_NAME: c.pod, PATH: `${bin}:${process.env.PATH}` },
      encoding: "utf8",
    });
    return result.status === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every pod the stack runs with this writer, in the state it holds and with the labels it carries. */
function podCases(topology: SelfHostedTopology): Array<PodCase & { manifest: Manifest }> {
  const writer = topology.kubernetes.writer;
  const cases: Array<PodCase & { manifest: Manifest }> = [];
  for (const region of topology.regions)
    for (const group of region.groups) {
      const manifest = statefulSetManifest(topology, group, { restart: "r", credentials: "c" });
      const replicas = specOf(manifest).replicas as number;
      for (const member of group.members.slice(0, replicas)) {
        const labels = { ...specOf(manifest).template.metadata.labels, [POD_NAME_LABEL]: member.name };
        const state: State = member.name === writer ? "writer" : "standby";
        cases.push({ topology, group, pod: member.name, state, labels, manifest });
      }
    }
  return cases;
}

/** The labels after the failover: markWriter's on the promoted pod. */
async function relabelled(c: PodCase): Promise<Record<string, string>> {
  if (c.state !== "writer" || c.group.role === "primary") return c.labels;
  const labels = { ...c.labels };
  await markWriter({ labelPod: async (_pod, more) => void Object.assign(labels, more) }, c.pod);
  return labels;
}

const stacks = STACKS.flatMap((stack) => {
  const topology = stackTopology(stack);
  if (!topology) return [];
  const promotable = topology.standbys.filter((s) => s.role === "oltp" && !s.remote);
  const writers = [topology.kubernetes.writer, ...promotable.map((s) => s.name)];
  return [...new Set(writers)].map((writer) => ({ stack, writer, topology: withWriter(topology, writer) }));
});

describe("OrderedReady StatefulSets: every pod's readiness can pass in the state it holds", () => {
  it("covers every statefulset example stack, as configured and after a failover", () => {
    expect(new Set(stacks.map((s) => s.stack)).size).toBeGreaterThanOrEqual(3);
    expect(stacks.some((s) => s.writer !== s.topology.primary.name)).toBe(true);
  });

  describe.each(stacks)("$stack with the writer $writer", ({ topology }) => {
    it("passes the readiness of every pod once the failover has labelled the writer", async () => {
      const unready: string[] = [];
      for (const c of podCases(topology)) {
        if (specOf(c.manifest).podManagementPolicy !== "OrderedReady") continue;
        if (!probePasses({ ...c, labels: await relabelled(c) }, c.manifest)) unready.push(`${c.pod} (${c.state})`);
      }
      expect(unready).toEqual([]);
    });

    it("lets no sidecar decide a database pod's readiness (a slow exporter scrape must not take the writer out of rw)", () => {
      for (const c of podCases(topology)) {
        const [, ...sidecars] = specOf(c.manifest).template.spec.containers as Array<{
          name: string;
          readinessProbe?: unknown;
        }>;
        expect(
          sidecars.filter((s) => s.readinessProbe !== undefined).map((s) => s.name),
          c.pod,
        ).toEqual([]);
      }
    });

    it("keeps a writer that is not labelled as the writer unready, and ro never selects the writer", async () => {
      const ro = roleServiceManifest(topology, "oltp").spec as unknown as { selector: Record<string, string> };
      for (const c of podCases(topology).filter((p) => p.state === "writer")) {
        expect(selects({ matchLabels: ro.selector }, await relabelled(c))).toBe(false);
        if (c.group.role !== "primary") expect(probePasses(c, c.manifest)).toBe(false);
      }
      for (const c of podCases(topology).filter((p) => p.state === "standby" && p.group.role === "oltp"))
        if (!c.group.remote) expect(selects({ matchLabels: ro.selector }, c.labels)).toBe(true);
    });

    it("lets the controller reach every pod, recreate a missing follower and roll a changed template", async () => {
      for (const region of topology.regions)
        for (const group of region.groups) {
          const cases = podCases(topology).filter((c) => c.group === group);
          if (cases.length === 0) continue;
          const spec = specOf(cases[0]!.manifest);
          const ready = new Map<number, boolean>();
          for (const c of cases)
            ready.set(
              group.members.find((m) => m.name === c.pod)!.ordinal,
              probePasses({ ...c, labels: await relabelled(c) }, c.manifest),
            );
          const set = {
            podManagementPolicy: spec.podManagementPolicy,
            updateStrategy: spec.updateStrategy.type,
            updateRevision: "r1",
            replicas: spec.replicas as number,
          };
          const pods: ControlledPod[] = [...ready].map(([ordinal, ok]) => ({ ordinal, revision: "r1", ready: ok }));
          // A follower (the highest ordinal) lost: created again.
          const highest = Math.max(...pods.map((p) => p.ordinal));
          const lost = settle(
            set,
            pods.filter((p) => p.ordinal !== highest),
            (o) => ready.get(o)!,
          );
          expect(lost.last, `${group.name}: recreate ${highest}`).toEqual({ done: true });
          expect(lost.steps).toEqual([{ create: highest, revision: "r1" }]);
          // A changed template: RollingUpdate rolls every pod; OnDelete (the group holding the writer) none.
          const rolled = settle({ ...set, updateRevision: "r2" }, pods, (o) => ready.get(o)!);
          expect(rolled.last, `${group.name}: roll`).toEqual({ done: true });
          const deleted = rolled.steps.filter((s) => "delete" in s).map((s) => (s as { delete: number }).delete);
          if (set.updateStrategy === "OnDelete") expect(deleted).toEqual([]);
          else expect(deleted).toEqual([...ready.keys()].sort((a, b) => b - a));
        }
    });

    it("refuses to evict the writer and lets a drain take one standby of a group at a time", async () => {
      const home = topology.regions.find((r) => r.primary)!;
      const budgets: BudgetSpec[] = [];
      for (const group of home.groups) {
        const budget = groupDisruptionBudget(topology, group);
        if (budget) budgets.push({ name: group.name, ...(budget.spec as object) } as BudgetSpec);
      }
      const pods: EvictablePod[] = [];
      for (const c of podCases(topology).filter((p) => home.groups.includes(p.group))) {
        const replicas = specOf(c.manifest).replicas as number;
        const labels = await relabelled(c);
        pods.push({ name: c.pod, labels, ready: true, phase: "Running", owner: { name: c.group.name, replicas } });
      }
      const writer = pods.find((p) => p.name === topology.kubernetes.writer)!;
      expect(evict(writer, budgets, pods)).toMatchObject({ refused: 429 });
      expect(
        evict(
          { ...writer, ready: false },
          budgets,
          pods.map((p) => (p === writer ? { ...p, ready: false } : p)),
        ),
      ).toMatchObject({ refused: 429 });
      for (const group of home.groups.filter((g) => g.role === "oltp")) {
        const standbys = pods.filter((p) => p.owner.name === group.name && p !== writer);
        if (standbys.length < 2) continue;
        expect(evict(standbys[0]!, budgets, pods), `${group.name}: first standby`).toEqual({ evicted: true });
        const after = pods.map((p) => (p === standbys[0] ? { ...p, ready: false, phase: "Pending" as const } : p));
        expect(
          evict(
            standbys[1]!,
            budgets,
            after.filter((p) => p.name !== standbys[0]!.name),
          ),
        ).toMatchObject({
          refused: 429,
        });
      }
    });
  });
});
