/**
 * The plan `local up` makes for a running local stack whose config changed: each server and pool's
 * action and its reason, from the files they were last given and PostgreSQL's own setting contexts.
 * Example changes first, then properties over random pairs of configs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ChangePlan, type ServerStep, planChange } from "../../components/local/changePlan";
import { parsePgbouncerIni, parsePostgresqlConf } from "../../components/local/configFiles";
import { quoteSetting } from "../../components/render/postgresqlConf";
import { allNodes } from "../../components/topology/queries";
import { changeInput, localTopology } from "../support/changeInputs";
import { type Raw, localBase, patched } from "../support/configs";

const base = (patch: Raw = {}): Raw =>
  patched(localBase(), {
    name: "cs",
    resources: { primary: { memory: "256Mi" }, replica: { memory: "256Mi" }, olap: { memory: "256Mi" } },
    ...patch,
  });
const topology = (patch: Raw = {}) => localTopology(base(patch));

const step = (plan: ChangePlan, name: string): ServerStep => {
  const found = plan.servers.find((s) => s.name === name);
  if (!found) throw new Error(`no step for ${name}: ${plan.servers.map((s) => s.name).join(", ")}`);
  return found;
};
const actions = (plan: ChangePlan) => Object.fromEntries(plan.servers.map((s) => [s.name, s.action]));
const poolActions = (plan: ChangePlan) => Object.fromEntries(plan.pools.map((p) => [p.key, p.action]));

describe("reading back rendered files", () => {
  it("reads every postgresql.conf value as PostgreSQL would, quoted ones included", () => {
    for (const value of ["128MB", 'ANY 1 ("a-b", "c")', "it's", "back\\slash", "%m [%p] %q%u@%d ", ""]) {
      const conf = `# header\nname_x = ${quoteSetting(value)}                # why, with 'quotes'\n`;
      expect(parsePostgresqlConf(conf).get("name_x")).toBe(value);
    }
  });

  it("reads pgbouncer.ini keys and database lines, comments skipped", () => {
    const ini =
      "; c\n[databases]\napp = host=a port=1 dbname=app\n\n[pgbouncer]\n; x\nmax_client_conn = 10\nserver_reset_query =\n";
    expect([...parsePgbouncerIni(ini)]).toEqual([
      ["[databases] app", "host=a port=1 dbname=app"],
      ["max_client_conn", "10"],
      ["server_reset_query", ""],
    ]);
  });
});

describe("the change plan of a running local stack", () => {
  it("does nothing when nothing changed", () => {
    const plan = planChange(changeInput({ topology: topology() }, topology()));
    expect(plan.refusals).toEqual([]);
    expect(new Set(Object.values(actions(plan)))).toEqual(new Set(["nothing"]));
    expect(new Set(Object.values(poolActions(plan)))).toEqual(new Set(["nothing"]));
  });

  it("seeds added replicas and removes dropped ones, touching nobody else", () => {
    const up = planChange(changeInput({ topology: topology() }, topology({ replicas: 3 })));
    expect(actions(up)).toEqual({
      "cs-primary-0": "nothing",
      "cs-replica-0": "nothing",
      "cs-replica-1": "nothing",
      "cs-olap-0": "nothing",
      "cs-replica-2": "seed",
    });
    const down = planChange(changeInput({ topology: topology({ replicas: 3 }) }, topology({ replicas: 1 })));
    expect(actions(down)).toMatchObject({
      "cs-replica-1": "remove",
      "cs-replica-2": "remove",
      "cs-replica-0": "nothing",
    });
    expect(down.switchover).toBeUndefined();
  });

  it("restarts replicas for a postmaster setting and hands the writer over instead of restarting it", () => {
    const plan = planChange(
      changeInput(
        { topology: topology() },
        topology({
          resources: { primary: { memory: "512Mi" }, replica: { memory: "512Mi" }, olap: { memory: "512Mi" } },
        }),
      ),
    );
    expect(actions(plan)).toEqual({
      "cs-primary-0": "switchover",
      "cs-replica-0": "restart",
      "cs-replica-1": "restart",
      "cs-olap-0": "restart",
    });
    expect(plan.switchover).toEqual({ from: "cs-primary-0", to: "cs-replica-0" });
    expect(step(plan, "cs-replica-0").next).toBe("writer");
    expect(step(plan, "cs-primary-0").next).toBe("oltp");
    expect(step(plan, "cs-replica-1").why).toContain("shared_buffers 64MB → 128MB (postmaster: restart)");
  });

  it("turning backup on restarts every server for archive_mode (the writer hands over) and says what follows", () => {
    const plan = planChange(changeInput({ topology: topology() }, topology({ backup: { enabled: true } })));
    expect(actions(plan)).toEqual({
      "cs-primary-0": "switchover",
      "cs-replica-0": "restart",
      "cs-replica-1": "restart",
      "cs-olap-0": "restart",
    });
    const why = step(plan, "cs-replica-1").why;
    expect(why).toContain("archive_mode (default) → on (postmaster: restart)");
    expect(why.some((line) => line.startsWith("restore_command (default) → pgbackrest"))).toBe(true);
    expect(plan.notes.join("\n")).toContain("backup turned on");
    expect(plan.notes.join("\n")).toContain("a first full backup");
  });

  it("changing archiveTimeout reloads; retention and schedule restart nothing and are said in the notes", () => {
    const on = topology({ backup: { enabled: true } });
    const timeout = planChange(
      changeInput({ topology: on }, topology({ backup: { enabled: true, archiveTimeout: "120s" } })),
    );
    expect(new Set(Object.values(actions(timeout)))).toEqual(new Set(["reload"]));
    expect(step(timeout, "cs-primary-0").why).toEqual(["archive_timeout 60s → 120s (sighup: reload)"]);
    const kept = planChange(
      changeInput({ topology: on }, topology({ backup: { enabled: true, retention: "3", schedule: "30 1 * * *" } })),
    );
    expect(new Set(Object.values(actions(kept)))).toEqual(new Set(["nothing"]));
    expect(kept.notes).toEqual([
      "backup.retention 7d → 3 full: each pgbackrest.conf is rewritten, no restart; the next backup expires by it",
      'backup.schedule "0 3 * * *" → "30 1 * * *" (UTC): the read pool controller takes it within a second, no restart',
    ]);
  });

  it("turning backup off restarts every server and keeps the repository", () => {
    const plan = planChange(changeInput({ topology: topology({ backup: { enabled: true } }) }, topology()));
    expect(step(plan, "cs-replica-0").why).toContain("archive_mode on → (default) (postmaster: restart)");
    expect(plan.notes.join("\n")).toContain("the repository and its backups are kept");
  });

  it("reloads for settings PostgreSQL applies on a reload, naming each with its context", () => {
    const plan = planChange(
      changeInput(
        { topology: topology() },
        topology({ postgresql: { replica: { work_mem: "8MB" } }, replication: { walKeepSize: "128MB" } }),
      ),
    );
    expect(actions(plan)).toEqual({
      "cs-primary-0": "reload",
      "cs-replica-0": "reload",
      "cs-replica-1": "reload",
      "cs-olap-0": "reload",
    });
    expect(step(plan, "cs-replica-0").why).toEqual([
      "wal_keep_size 1GB → 128MB (sighup: reload)",
      "work_mem (default) → 8MB (user: reload, for sessions without their own SET)",
    ]);
  });

  it("reloads the writer to change the synchronous quorum", () => {
    const sync = (k: number) => topology({ replication: { synchronousCommit: "on", synchronousReplicas: k } });
    const plan = planChange(changeInput({ topology: sync(1) }, sync(2)));
    expect(actions(plan)).toMatchObject({ "cs-primary-0": "reload", "cs-replica-0": "nothing" });
    expect(step(plan, "cs-primary-0").settings.map((s) => [s.name, s.context])).toEqual([
      ["synchronous_standby_names", "sighup"],
    ]);
  });

  it("reloads a pool whose settings changed and starts or stops the OLAP pool with its replica", () => {
    const plan = planChange(
      changeInput({ topology: topology() }, topology({ pgbouncer: { pools: { write: { defaultPoolSize: 30 } } } })),
    );
    expect(poolActions(plan)).toEqual({ write: "reload", read: "nothing", olap: "nothing" });
    expect(plan.pools[0]!.why).toEqual(["default_pool_size 20 → 30"]);
    const off = planChange(changeInput({ topology: topology() }, topology({ olap: { enabled: false } })));
    expect(actions(off)["cs-olap-0"]).toBe("remove");
    expect(poolActions(off).olap).toBe("remove");
    const on = planChange(changeInput({ topology: topology({ olap: { enabled: false } }) }, topology()));
    expect(actions(on)["cs-olap-0"]).toBe("seed");
    expect(poolActions(on).olap).toBe("start");
  });

  it("after a switchover, keeps the new writer and treats the primary's node as a replica", () => {
    const running = { topology: topology(), writer: "cs-replica-0" };
    expect(new Set(Object.values(actions(planChange(changeInput(running, topology())))))).toEqual(new Set(["nothing"]));
    const bigger = topology({
      resources: { primary: { memory: "512Mi" }, replica: { memory: "256Mi" }, olap: { memory: "256Mi" } },
    });
    const plan = planChange(changeInput(running, bigger));
    expect(actions(plan)).toMatchObject({ "cs-primary-0": "restart", "cs-replica-0": "nothing" });
    expect(step(plan, "cs-primary-0").now).toBe("oltp");
  });

  it("hands the writer over before removing it", () => {
    const running = { topology: topology({ replicas: 3 }), writer: "cs-replica-2" };
    const plan = planChange(changeInput(running, topology({ replicas: 1 })));
    expect(actions(plan)).toMatchObject({ "cs-replica-2": "remove", "cs-replica-1": "remove" });
    expect(plan.switchover).toEqual({ from: "cs-replica-2", to: "cs-primary-0" });
  });

  it("refuses a writer restart when no replica of its region streams to take over", () => {
    const running = { topology: topology({ replicas: 1 }) };
    const next = topology({ replicas: 1, resources: { primary: { memory: "512Mi" } } });
    const plan = planChange(changeInput(running, next, { servers: { "cs-replica-0": { streaming: undefined } } }));
    expect(plan.refusals.join("\n")).toMatch(/no OLTP replica of the primary's region streams from it/);
    expect(actions(plan)["cs-primary-0"]).toBe("refused");
  });

  it("refuses another major, another backend, other names and fewer connections, changing nothing", () => {
    const cases: Array<[Raw, RegExp]> = [
      [{ postgresVersion: "16" }, /postgresVersion: 15 → 16.*pg_upgrade/],
      [{ database: "other" }, /database: app → other.*pg_dump/],
      [{ user: "owner" }, /user: app → owner/],
      [{ name: "renamed" }, /name: cs → renamed/],
      [{ postgresql: { maxConnections: 50 } }, /max_connections: 200 → 50/],
    ];
    for (const [patch, message] of cases) {
      const plan = planChange(changeInput({ topology: topology() }, topology(patch)));
      expect(plan.refusals.join("\n")).toMatch(message);
      expect(plan.servers.every((s) => s.action === "nothing" || s.action === "refused")).toBe(true);
    }
    const rehearsed = planChange(
      changeInput({ topology: topology() }, topology(), { nextSource: { backend: "selfHosted", postgresVersion: 15 } }),
    );
    expect(rehearsed.refusals.join("\n")).toMatch(/backend: .* local stack, the stack file now says selfHosted/);
  });

  it("restarts what an earlier, interrupted change left pending, and starts what is stopped", () => {
    const plan = planChange(
      changeInput({ topology: topology() }, topology(), {
        servers: { "cs-replica-1": { pendingRestart: ["shared_buffers"] }, "cs-olap-0": { running: false } },
      }),
    );
    expect(actions(plan)).toMatchObject({ "cs-replica-1": "restart", "cs-olap-0": "start", "cs-replica-0": "nothing" });
  });
});

const memory = fc.constantFrom("256Mi", "512Mi");
const configs = fc.record({
  replicas: fc.integer({ min: 1, max: 4 }),
  olap: fc.boolean(),
  primaryMemory: memory,
  replicaMemory: memory,
  workMem: fc.constantFrom(undefined, "8MB", "16MB"),
  poolSize: fc.constantFrom(20, 30),
});
type Drawn = typeof configs extends fc.Arbitrary<infer T> ? T : never;
const fromDrawn = (c: Drawn) =>
  topology({
    replicas: c.replicas,
    olap: { enabled: c.olap },
    resources: {
      primary: { memory: c.primaryMemory },
      replica: { memory: c.replicaMemory },
      olap: { memory: "256Mi" },
    },
    postgresql: { replica: c.workMem ? { work_mem: c.workMem } : {} },
    pgbouncer: { pools: { write: { defaultPoolSize: c.poolSize } } },
  });

describe("change plans, for any two configs", () => {
  it("name every server once, seed exactly the new ones, remove exactly the dropped ones, never restart the writer", () => {
    fc.assert(
      fc.property(configs, configs, fc.boolean(), (a, b, switched) => {
        const [current, next] = [fromDrawn(a), fromDrawn(b)];
        const writer = switched ? "cs-replica-0" : "cs-primary-0";
        const plan = planChange(changeInput({ topology: current, writer }, next));
        const before = new Set(allNodes(current).map((n) => n.name));
        const after = new Set(allNodes(next).map((n) => n.name));
        expect(plan.servers.map((s) => s.name).sort()).toEqual([...new Set([...before, ...after])].sort());
        expect(plan.refusals).toEqual([]);
        for (const s of plan.servers) {
          expect(s.action === "seed").toBe(!before.has(s.name));
          expect(s.action === "remove").toBe(!after.has(s.name));
          if (s.name === writer) expect(["nothing", "reload", "switchover", "remove"]).toContain(s.action);
          const restarts = s.settings.some((c) => c.context === "postmaster");
          if (s.action === "restart" || s.action === "switchover") expect(restarts).toBe(true);
          if (s.action === "reload" || s.action === "nothing") expect(restarts).toBe(false);
        }
        expect(plan.switchover !== undefined).toBe(step(plan, writer).action === "switchover");
      }),
      { numRuns: 60 },
    );
  });

  it("change nothing, whatever else differs, when the major version differs", () => {
    fc.assert(
      fc.property(configs, configs, (a, b) => {
        const plan = planChange(
          changeInput({ topology: fromDrawn(a) }, fromDrawn(b), {
            nextSource: { backend: "local", postgresVersion: 16 },
          }),
        );
        expect(plan.refusals.length).toBeGreaterThan(0);
        expect([...plan.servers, ...plan.pools].every((s) => s.action === "nothing" || s.action === "refused")).toBe(
          true,
        );
      }),
      { numRuns: 25 },
    );
  });
});
