/**
 * Carrying out a change plan (changePlan.ts) on a running local stack, in an order that keeps
 * writes flowing: record the new topology (removed replicas leave the read pools first), seed the
 * added replicas, write every file and reload what reloads, restart replicas one at a time, hand
 * the writer over when it needs a restart or leaves (switchover.ts), remove the leaving replicas
 * and their slots, then follow with the pools. The plan was checked for refusals before this runs.
 */
import { rm } from "node:fs/promises";
import { allNodes, allPools } from "../topology/queries";
import type { DatabaseNode, LocalTopology } from "../topology/types";
import type { ChangePlan, ServerStep } from "./changePlan";
import { changedState } from "./changeState";
import {
  endpointOf,
  nodeByName,
  nodeContext,
  poolAdminLogin,
  poolContext,
  poolEndpointOf,
  poolKey,
  poolTarget,
  readPoolCandidates,
} from "./contexts";
import { LocalError } from "./errors";
import { isAlive, sleep } from "./exec";
import type { Layout } from "./layout";
import { adminCommand, showDatabaseHosts } from "./pgbouncerAdmin";
import { startPool, stopPool, writePoolFiles } from "./pgbouncerProcess";
import { seedReplica, startNode, stopNode, superuserSql, writeNodeConfig } from "./postgresNode";
import { writeRenderedFiles } from "./prepare";
import { asStandby, servingStandbys } from "./serving";
import { type LocalState, writeState } from "./state";
import { type SwitchoverResult, switchover } from "./switchover";
import { followMembers } from "./monitoring";

export interface ChangeContext {
  layout: Layout;
  /** The running stack; replaced by the changed state once recorded. */
  state: LocalState;
  topology: LocalTopology;
  rehearsal?: LocalState["rehearsal"];
  plan: ChangePlan;
  switchover?: SwitchoverResult;
}

export interface ChangeStep {
  title: string;
  run: () => Promise<void>;
}

const serversDoing = (plan: ChangePlan, action: ServerStep["action"]) =>
  plan.servers.filter((s) => s.action === action).map((s) => s.name);

/** Waits until a replica streams from the writer (pg_stat_replication, state streaming). */
export async function waitStreaming(layout: Layout, state: LocalState, name: string, timeoutMs = 120_000) {
  const node = nodeContext(layout, state);
  const writer = nodeByName(state, state.writer);
  const sql = `SELECT count(*) FROM pg_stat_replication WHERE application_name = '${name}' AND state = 'streaming'`;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    if ((await superuserSql(node, writer, ["-c", sql]).catch(() => "0")) === "1") return;
  }
  throw new LocalError(`${name} does not stream from the writer ${state.writer} after ${timeoutMs / 1000} s`);
}

/**
 * Keeps each read pool of a region to its candidates (less the draining replicas) and waits until PgBouncer uses
 * that host list; the read pool controller, re-reading the state, keeps it so.
 */
async function settleReadPools(layout: Layout, state: LocalState): Promise<void> {
  for (const pool of allPools(state.topology).filter((p) => p.target === "oltp")) {
    const key = poolKey(state, pool);
    const wanted = readPoolCandidates(state, pool).map((node) => endpointOf(state, node).host);
    // With no other replica, the read pool keeps its host list: the controller pauses it while none is ready.
    if (!isAlive(state.pids.pools[key]) || wanted.length === 0) continue;
    const target = poolTarget(state, pool, undefined);
    const endpoint = poolEndpointOf(state, pool);
    const login = poolAdminLogin(state);
    for (let attempt = 0; ; attempt++) {
      writePoolFiles(poolContext(layout, state), pool, endpoint, target);
      await adminCommand(endpoint, login, "RELOAD");
      await sleep(300);
      const hosts = (await showDatabaseHosts(endpoint, login))[state.topology.database]?.split(",") ?? [];
      if (hosts.every((host) => wanted.includes(host))) break;
      if (attempt > 20) throw new LocalError(`the ${key} pool still sends to ${hosts.join(", ")} after RELOAD`);
    }
  }
}

async function setDraining(ctx: ChangeContext, name: string, draining: boolean): Promise<void> {
  const others = (ctx.state.draining ?? []).filter((n) => n !== name);
  ctx.state.draining = draining ? [...others, name] : others;
  writeState(ctx.layout, ctx.state);
  if (draining) await settleReadPools(ctx.layout, ctx.state);
}

async function record(ctx: ChangeContext): Promise<void> {
  ctx.state = await changedState(ctx.state, ctx.topology, ctx.rehearsal);
  writeState(ctx.layout, ctx.state);
  writeRenderedFiles(ctx.layout, ctx.state);
  await settleReadPools(ctx.layout, ctx.state);
}

async function seed(ctx: ChangeContext, names: string[]): Promise<void> {
  const node = nodeContext(ctx.layout, ctx.state);
  for (const name of names) {
    const member = asStandby(nodeByName(ctx.state, name));
    await seedReplica(node, member, endpointOf(ctx.state, ctx.state.writer));
    writeNodeConfig(node, member);
    await startNode(node, member);
    await waitStreaming(ctx.layout, ctx.state, name);
    ctx.state.leaving = (ctx.state.leaving ?? []).filter((n) => n.name !== name);
    await setDraining(ctx, name, false);
  }
}

/** Every staying server gets its new postgresql.conf; those whose changes all reload are reloaded. */
async function writeAndReload(ctx: ChangeContext): Promise<void> {
  const node = nodeContext(ctx.layout, ctx.state);
  const reload = new Set(serversDoing(ctx.plan, "reload"));
  for (const member of allNodes(ctx.state.topology)) {
    if (ctx.state.retired.includes(member.name)) continue;
    writeNodeConfig(node, member);
    if (reload.has(member.name)) await superuserSql(node, member, ["-c", "SELECT pg_reload_conf()"]);
  }
}

async function restartReplica(ctx: ChangeContext, member: DatabaseNode): Promise<void> {
  const node = nodeContext(ctx.layout, ctx.state);
  await setDraining(ctx, member.name, true);
  await stopNode(node, member);
  await startNode(node, member);
  await waitStreaming(ctx.layout, ctx.state, member.name);
  await setDraining(ctx, member.name, false);
}

async function restartReplicas(ctx: ChangeContext): Promise<void> {
  const node = nodeContext(ctx.layout, ctx.state);
  for (const name of serversDoing(ctx.plan, "start")) await startNode(node, nodeByName(ctx.state, name));
  for (const name of serversDoing(ctx.plan, "restart")) await restartReplica(ctx, nodeByName(ctx.state, name));
}

async function handOver(ctx: ChangeContext): Promise<void> {
  const handover = ctx.plan.switchover;
  if (!handover) return;
  const staying = allNodes(ctx.state.topology).some((n) => n.name === handover.from);
  ctx.switchover = await switchover(ctx.layout, ctx.state, { ...handover, rejoin: staying });
  if (staying) await waitStreaming(ctx.layout, ctx.state, handover.from);
}

/** Stops each leaving replica, deletes its data and drops its slot on the writer. */
async function removeLeaving(ctx: ChangeContext): Promise<void> {
  const node = nodeContext(ctx.layout, ctx.state);
  const writer = nodeByName(ctx.state, ctx.state.writer);
  for (const member of ctx.state.leaving ?? []) {
    await stopNode(node, member);
    // Asynchronous: deleting a data directory takes seconds, and a synchronous delete would stall whatever shares
    // this process (the read pool controller's callers, a test's or bench's write load).
    await rm(ctx.layout.nodeDir(member.name), { recursive: true, force: true });
    await dropSlot(ctx, writer, member.slot);
    ctx.state.leaving = (ctx.state.leaving ?? []).filter((n) => n.name !== member.name);
    ctx.state.draining = (ctx.state.draining ?? []).filter((n) => n !== member.name);
    ctx.state.retired = ctx.state.retired.filter((n) => n !== member.name);
    delete ctx.state.endpoints.nodes[member.name];
    delete ctx.state.endpoints.sockets?.[member.name];
    writeState(ctx.layout, ctx.state);
  }
}

/** A slot is dropped once no walsender holds it (a stopped standby's lingers for a moment). */
async function dropSlot(ctx: ChangeContext, writer: DatabaseNode, slot: string): Promise<void> {
  const node = nodeContext(ctx.layout, ctx.state);
  const sql = `SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE slot_name = '${slot}' AND NOT active`;
  const left = `SELECT count(*) FROM pg_replication_slots WHERE slot_name = '${slot}'`;
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(200)) {
    await superuserSql(node, writer, ["-c", sql]);
    if ((await superuserSql(node, writer, ["-c", left])) === "0") return;
  }
  throw new LocalError(`slot ${slot} on ${writer.name} is still held after 30 s`);
}

/** The writer's slots are exactly its standbys': any other (a standby removed earlier, by hand) is dropped if idle. */
export async function writerSlots(layout: Layout, state: LocalState): Promise<{ slots: string[]; expected: string[] }> {
  const node = nodeContext(layout, state);
  const writer = nodeByName(state, state.writer);
  const text = await superuserSql(node, writer, ["-c", "SELECT slot_name FROM pg_replication_slots ORDER BY 1"]);
  return {
    slots: text.split("\n").filter(Boolean),
    expected: servingStandbys(state)
      .map((s) => s.slot)
      .sort(),
  };
}

async function tidySlots(ctx: ChangeContext): Promise<void> {
  const { slots, expected } = await writerSlots(ctx.layout, ctx.state);
  const writer = nodeByName(ctx.state, ctx.state.writer);
  for (const slot of slots.filter((s) => !expected.includes(s))) await dropSlot(ctx, writer, slot);
}

/** Pools follow: removed ones stop, changed ones reload (or restart), every file is rewritten; new ones start later. */
async function followPools(ctx: ChangeContext): Promise<void> {
  const { layout, state } = ctx;
  const context = poolContext(layout, state);
  for (const step of ctx.plan.pools) {
    if (step.action === "remove") {
      await stopPool(state.pids.pools[step.key]);
      delete state.pids.pools[step.key];
      delete state.endpoints.pools[step.key];
      writeState(layout, state);
    }
  }
  for (const pool of allPools(state.topology)) {
    const key = poolKey(state, pool);
    const step = ctx.plan.pools.find((p) => p.key === key);
    if (!isAlive(state.pids.pools[key])) continue;
    writePoolFiles(context, pool, poolEndpointOf(state, pool), poolTarget(state, pool));
    if (step?.action === "reload") await adminCommand(poolEndpointOf(state, pool), poolAdminLogin(state), "RELOAD");
    if (step?.action === "restart") {
      await stopPool(state.pids.pools[key]);
      state.pids.pools[key] = startPool(context, pool);
      writeState(layout, state);
    }
  }
}

/** The steps of a change, titled from the plan; those with nothing to do are left out. */
export function changeSteps(ctx: ChangeContext): ChangeStep[] {
  const { plan } = ctx;
  const names = (action: ServerStep["action"]) => serversDoing(plan, action).join(", ");
  const steps: Array<ChangeStep | false> = [
    {
      title: `Record the new topology${serversDoing(plan, "remove").length ? ` (${names("remove")} leave the read pools)` : ""}`,
      run: () => record(ctx),
    },
    serversDoing(plan, "seed").length > 0 && {
      title: `Seed ${names("seed")} from the writer ${ctx.state.writer} with pg_basebackup`,
      run: () => seed(ctx, serversDoing(plan, "seed")),
    },
    {
      title: `Write each server's postgresql.conf${serversDoing(plan, "reload").length ? `; reload ${names("reload")}` : ""}`,
      run: () => writeAndReload(ctx),
    },
    (serversDoing(plan, "restart").length > 0 || serversDoing(plan, "start").length > 0) && {
      title: `Restart ${names("restart") || names("start")}, one at a time, each streaming again before the next`,
      run: () => restartReplicas(ctx),
    },
    plan.switchover !== undefined && {
      title: `Switch the writer over from ${plan.switchover.from} to ${plan.switchover.to} (write pool paused, nothing lost)`,
      run: () => handOver(ctx),
    },
    {
      title: `Remove ${names("remove") || "leaving replicas"}: stop, delete data, drop their slots on the writer`,
      run: async () => {
        await removeLeaving(ctx);
        await tidySlots(ctx);
      },
    },
    {
      title: "Follow with the pools and monitoring",
      run: async () => {
        await followPools(ctx);
        await followMembers(ctx.layout, ctx.state);
      },
    },
  ];
  return steps.filter((step): step is ChangeStep => step !== false);
}
