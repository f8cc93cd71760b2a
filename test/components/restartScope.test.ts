/**
 * Day two on the statefulset engine: which pods a change restarts. Each case renders an example stack twice, the
 * second time with one kind of change, and compares the pod templates Kubernetes would roll (a changed template is a
 * restart; everything else reaches running pods as files updated in place and reloaded). The writer's StatefulSet
 * takes a changed template only through `pg-read-replicas kubernetes switchover` (OnDelete).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { TYPES, ofType } from "../support/graph";
import { templateOf } from "../support/kubernetesFacts";
import { type ProgramRun, type Registered, runProgram } from "../support/pulumiMocks";

type Config = Record<string, string>;
type Edit = (config: Config) => void;

const KEY = (key: string) => `pg-read-replicas:${key}`;
const json = (config: Config, key: string): any => JSON.parse(config[KEY(key)] ?? "{}");
const setJson = (config: Config, key: string, value: unknown) => (config[KEY(key)] = JSON.stringify(value));

async function render(stack: string, edit: Edit = () => undefined): Promise<ProgramRun> {
  return runProgram(stack, (config) => {
    edit(config);
    return config;
  });
}

/** Pod templates by workload name (StatefulSets and Deployments of every region). */
function templates(run: ProgramRun): Map<string, { kind: string; resource: Registered }> {
  const all = [...ofType(run, TYPES.statefulSet), ...ofType(run, TYPES.deployment)];
  return new Map(all.map((r) => [r.name, { kind: r.type === TYPES.statefulSet ? "set" : "pool", resource: r }]));
}

const writerSet = (run: ProgramRun) =>
  ofType(run, TYPES.statefulSet).find((r) => r.inputs.spec.updateStrategy?.type === "OnDelete")!;

/** The workloads whose pod template differs between two renders: the pods Kubernetes would restart. */
function restarted(before: ProgramRun, after: ProgramRun): string[] {
  const old = templates(before);
  return [...templates(after)]
    .filter(([name, { resource }]) => {
      const was = old.get(name);
      return was !== undefined && JSON.stringify(templateOf(was.resource)) !== JSON.stringify(templateOf(resource));
    })
    .map(([name]) => name);
}

const CHANGES: Record<string, Edit> = {
  "the stack's labels": (c) => setJson(c, "labels", { team: "payments", "pg-read-replicas/expires": "2031-01-01" }),
  "pool sizes": (c) =>
    setJson(c, "pgbouncer", { ...json(c, "pgbouncer"), defaultPoolSize: 77, maxClientConn: 4321, reservePoolSize: 3 }),
  "verification settings": (c) => setJson(c, "verification", { timeout: "17m", maxLag: "9s" }),
  "the replica count": (c) => {
    if (c[KEY("capacity")]) setJson(c, "capacity", { ...json(c, "capacity"), peakReadQps: 20_000 });
    else c[KEY("replicas")] = String(Number(c[KEY("replicas")] ?? "1") + 1);
  },
  "a reloadable setting (work_mem on every role)": (c) =>
    setJson(c, "postgresql", {
      ...json(c, "postgresql"),
      primary: { ...json(c, "postgresql").primary, work_mem: "48MB" },
      replica: { work_mem: "48MB" },
    }),
  "the client CIDRs (pg_hba.conf)": (c) => setJson(c, "allowedCidrs", ["10.0.0.0/8", "192.168.7.0/24"]),
};

describe.each(["dev", "staging", "prod"])("on %s, a change restarts only the pods that must take it", (stack) => {
  let base: ProgramRun;
  beforeAll(async () => {
    base = await render(stack);
  });

  it("holds the writer's StatefulSet to OnDelete, and every other one to a rolling update", () => {
    const sets = ofType(base, TYPES.statefulSet).filter((r) => r.inputs.spec.replicas > 0);
    const strategies = sets.map((r) => [r.inputs.metadata.name, r.inputs.spec.updateStrategy.type]);
    expect(strategies.filter(([, type]) => type === "OnDelete")).toEqual([["pg-primary", "OnDelete"]]);
    expect(strategies.filter(([, type]) => type !== "OnDelete").every(([, type]) => type === "RollingUpdate")).toBe(
      true,
    );
  });

  it.each(Object.entries(CHANGES))("%s: restarts no database pod and no pool", async (_kind, edit) => {
    const changed = await render(stack, edit);
    expect(restarted(base, changed)).toEqual([]);
  });

  it("PgBouncer memory: restarts the pools only, never a database pod", async () => {
    const changed = await render(stack, (c) =>
      setJson(c, "resources", { ...json(c, "resources"), pgbouncer: { cpu: "300m", memory: "384Mi" } }),
    );
    const names = restarted(base, changed);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(templates(changed).get(name)!.kind, name).toBe("pool");
  });

  it("a restart-needing setting (shared_buffers, postmaster context) on the writer: its template changes, and waits", async () => {
    const changed = await render(stack, (c) =>
      setJson(c, "postgresql", {
        ...json(c, "postgresql"),
        primary: { ...json(c, "postgresql").primary, shared_buffers: "1GB" },
      }),
    );
    expect(restarted(base, changed)).toEqual([writerSet(changed).name]);
    expect(writerSet(changed).inputs.spec.updateStrategy).toEqual({ type: "OnDelete" });
  });
});
