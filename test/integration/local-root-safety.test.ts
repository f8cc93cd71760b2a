/**
 * Issue 25, item 2, on a real local stack of its own, run as root (the CLI) with the servers as `postgres`: what the
 * postgres user can plant in the state directory, and a forged state.json, change nothing outside it. A sentinel file
 * and directory beside the stack, root's, keep their content, mode and owner; a root process the stack never started
 * is not signalled; scripts that would leave a marker if run, named as the stack's binaries, never run. Before this,
 * root wrote through a planted link (postgresql.conf -> anything), and ran pg_controldata from, and signalled the
 * pids in, whatever state.json said.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { external } from "./support";
import { nodeContext, poolContext } from "../../components/local/contexts";
import { resolveRunAs } from "../../components/local/identity";
import { poolLog, startPool, writePoolFiles } from "../../components/local/pgbouncerProcess";
import { livePostmaster, writeNodeConfig } from "../../components/local/postgresNode";
import { LocalRunner } from "../../components/local/runner";
import { type LocalState, writeState } from "../../components/local/state";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { standbysOf } from "../../components/topology/queries";
import { localBase, patched } from "../support/configs";

const asRoot = process.geteuid?.() === 0;
const parent = mkdtempSync(join(tmpdir(), "pgrr-rootsafe-"));
chmodSync(parent, 0o755);
const runner = new LocalRunner("rootsafe", join(parent, "rs"));
const layout = runner.layout;
const postgres = asRoot ? resolveRunAs() : undefined;

const config = patched(localBase(), {
  name: "rootsafe",
  replicas: "1",
  olap: { enabled: false },
  resources: { primary: { memory: "256Mi" }, replica: { memory: "256Mi" } },
});

/** Root's own, outside the state directory: nothing the stack does may touch them. */
const sentinel = join(parent, "sentinel");
const sentinelDir = join(parent, "sentinel.d");
/** Every tool a forged pgBin could name: each leaves this marker if anyone runs it. */
const forgedBin = join(parent, "forged-bin");
const marker = join(parent, "forged-binary-ran");
let foreign: ChildProcess;
let state: LocalState;
let genuine: string;

function snapshot(path: string): unknown[] {
  const stat = statSync(path);
  return [stat.isFile() ? readFileSync(path, "utf8") : "dir", stat.mode & 0o7777, stat.uid, stat.gid];
}
const sentinels = () => [snapshot(sentinel), snapshot(sentinelDir), snapshot(join(sentinelDir, "inside"))];
let before: unknown[];

/** As the postgres user: what a server, or whoever took one over, can do. */
function asPostgres(script: string): void {
  const ran = spawnSync("sh", ["-c", script], { uid: postgres!.uid, gid: postgres!.gid, cwd: "/" });
  if (ran.status !== 0) throw new Error(`as postgres: ${script}: ${ran.stderr.toString()}`);
}
function postgresMayNot(script: string): void {
  const ran = spawnSync("sh", ["-c", script], { uid: postgres!.uid, gid: postgres!.gid, cwd: "/" });
  expect(ran.status, `postgres could: ${script}`).not.toBe(0);
}

/** Moves `path` aside and puts a link to `target` in its place, as postgres; runs `attempt`; puts it back. */
function withPlantedLink(path: string, target: string, attempt: () => void): void {
  asPostgres(`mv '${path}' '${path}.real' && ln -s '${target}' '${path}'`);
  try {
    attempt();
  } finally {
    asPostgres(`rm '${path}' && mv '${path}.real' '${path}'`);
  }
}

function forgeState(change: (forged: Record<string, any>) => void): void {
  const forged = JSON.parse(genuine);
  change(forged);
  writeFileSync(layout.stateFile, JSON.stringify(forged));
}
function restoreState(): void {
  if (!existsSync(layout.root)) return;
  rmSync(layout.stateFile, { force: true });
  writeFileSync(layout.stateFile, genuine, { mode: 0o600 });
}

const foreignAlive = () => foreign.exitCode === null && foreign.signalCode === null;

describe.runIf(asRoot && !external)("the local backend run as root, against its servers' user", () => {
  beforeAll(async () => {
    writeFileSync(sentinel, "root's own\n", { mode: 0o640 });
    mkdirSync(sentinelDir, { mode: 0o700 });
    writeFileSync(join(sentinelDir, "inside"), "root's too\n", { mode: 0o600 });
    mkdirSync(forgedBin, { mode: 0o755 });
    for (const tool of ["pg_ctl", "postgres", "psql", "pg_controldata", "initdb", "pg_isready", "pg_basebackup"])
      writeFileSync(join(forgedBin, tool), `#!/bin/sh\necho "$0" >> '${marker}'\n`, { mode: 0o755 });
    foreign = spawn("sleep", ["3600"], { stdio: "ignore" });
    before = sentinels();
    await runner.up(topologyFromConfig(config).topology);
    state = runner.state()!;
    genuine = readFileSync(layout.stateFile, "utf8");
  }, 600_000);

  afterAll(async () => {
    restoreState();
    await runner.down().catch(() => undefined);
    foreign?.kill();
    rmSync(parent, { recursive: true, force: true });
  }, 300_000);

  it("keeps what root trusts where postgres cannot write, and knows its own daemons", () => {
    expect(snapshot(layout.root).slice(1)).toEqual([0o711, 0, 0]);
    expect(snapshot(layout.stateFile).slice(1)).toEqual([0o600, 0, 0]);
    postgresMayNot(`echo '{}' > '${layout.stateFile}'`);
    postgresMayNot(`echo '{}' > '${layout.root}/forged' && mv '${layout.root}/forged' '${layout.stateFile}'`);
    postgresMayNot(`ln -s /etc/passwd '${layout.outputsFile}.x'`);
    // The pids on disk are the stack's processes: reading them back keeps every one.
    const onDisk = JSON.parse(genuine) as LocalState;
    expect(Object.keys(onDisk.pids.pools).length).toBeGreaterThan(0);
    expect(state.pids).toEqual(onDisk.pids);
  });

  it("writes nothing through a link postgres planted for postgresql.conf, a socket directory, a log or a pool", () => {
    const ctx = nodeContext(layout, state);
    const writer = state.topology.primary;
    const replica = standbysOf(state.topology, "oltp")[0]!;
    withPlantedLink(layout.confFile(writer.name), sentinel, () =>
      expect(() => writeNodeConfig(ctx, writer)).toThrow(/symbolic link/),
    );
    withPlantedLink(ctx.socketDirOf(replica), sentinelDir, () =>
      expect(() => writeNodeConfig(ctx, replica)).toThrow(/symbolic link/),
    );
    const pools = poolContext(layout, state);
    const pool = state.topology.regions[0]!.pools[0]!;
    const key = pools.keyOf(pool);
    const listen = state.endpoints.pools[key]!;
    withPlantedLink(poolLog(pools, pool), sentinel, () =>
      expect(() => startPool(pools, pool)).toThrow(/symbolic link/),
    );
    withPlantedLink(layout.poolDir(key), sentinelDir, () =>
      expect(() => writePoolFiles(pools, pool, listen, listen)).toThrow(/symbolic link/),
    );
    expect(sentinels()).toEqual(before);
    // Put back, the same calls work again.
    expect(() => writeNodeConfig(ctx, writer)).not.toThrow();
  });

  it("believes no state.json postgres could have written or swapped", async () => {
    const theirs = join(layout.nodeDir(state.topology.primary.name), "state.json");
    asPostgres(`cat > '${theirs}'`);
    writeFileSync(theirs, genuine);
    try {
      writeFileSync(layout.stateFile, genuine);
      chownSync(layout.stateFile, postgres!.uid, postgres!.gid);
      expect(() => runner.state()).toThrow(/owned by uid \d+, not by uid 0/);
      rmSync(layout.stateFile);
      spawnSync("ln", ["-s", theirs, layout.stateFile]);
      expect(() => runner.state()).toThrow(/is a symbolic link/);
      await expect(runner.superuserQuery(state.topology.primary.name, "SELECT 1")).rejects.toThrow(/symbolic link/);
    } finally {
      restoreState();
    }
    expect(runner.state()).toBeDefined();
  });

  it("runs no binary and no identity a forged state.json names", async () => {
    try {
      forgeState((forged) => (forged.binaries.pgBin = forgedBin));
      expect(() => runner.state()).toThrow(/PostgreSQL binaries .*forged-bin are not where this CLI looks/);
      await expect(runner.superuserQuery(state.topology.primary.name, "SELECT 1")).rejects.toThrow(/forged-bin/);
      await expect(runner.stopNodeByName(standbysOf(state.topology, "oltp")[0]!.name)).rejects.toThrow(/forged-bin/);
      forgeState((forged) => (forged.runAs = { user: "root", uid: 0, gid: 0, home: "/root", switchUser: false }));
      expect(() => runner.state()).toThrow(/runs the servers as root \(uid 0\)/);
    } finally {
      restoreState();
    }
    expect(existsSync(marker)).toBe(false);
    expect(await runner.superuserQuery(state.topology.primary.name, "SELECT 1")).toBe("1");
  });

  it("signals no pid that is not the stack's own, from state.json or a postmaster.pid", () => {
    const ghostData = layout.dataDir("ghost");
    asPostgres(`mkdir -p '${ghostData}' && echo ${foreign.pid} > '${ghostData}/postmaster.pid'`);
    expect(livePostmaster(nodeContext(layout, state), { ...state.topology.primary, name: "ghost" })).toBeUndefined();
    expect(livePostmaster(nodeContext(layout, state), state.topology.primary)).toBeGreaterThan(0);
    forgeState((forged) => {
      forged.pids.pools.ghost = foreign.pid;
      forged.pids.pools[Object.keys(forged.pids.pools)[0]!] = foreign.pid;
    });
    const read = runner.state()!;
    expect(Object.values(read.pids.pools)).not.toContain(foreign.pid);
    expect(read.pids.pools.ghost).toBeUndefined();
  });

  it("takes back a state root an earlier version gave postgres, and local down still signals only its own", async () => {
    chownSync(layout.root, postgres!.uid, postgres!.gid);
    chmodSync(layout.root, 0o700);
    writeState(layout, runner.state()!);
    expect(snapshot(layout.root).slice(1)).toEqual([0o711, 0, 0]);
    forgeState((forged) => (forged.pids.pools.ghost = foreign.pid));
    await runner.down();
    expect(existsSync(layout.root)).toBe(false);
    expect(foreignAlive()).toBe(true);
    expect(sentinels()).toEqual(before);
    expect(existsSync(marker)).toBe(false);
  });
});
