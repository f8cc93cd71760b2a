/**
 * The plan of a change to a running local stack, as `local up --dry-run` prints it and `local up`
 * carries it out: for each server and pool one action (nothing, start, reload, restart, switchover,
 * seed, remove, refused) and why. Computed from what runs now (the state's topology, who writes, the
 * file each server and pool was last given, what PostgreSQL and PgBouncer report) and the new
 * topology. Pure: changeObserve.ts gathers the observations, changeSteps.ts carries the plan out.
 *
 * A setting takes effect the way its pg_settings.context says, read from the running server:
 * postmaster needs a restart; sighup a reload; superuser and user a reload, for sessions that have
 * not SET it themselves; backend and superuser-backend a reload, for new sessions. The writer is
 * never restarted in place: a writer that needs a restart, or that the new topology removes, hands
 * over to an OLTP replica of its region first (a switchover).
 */
import { backupChangeNotes } from "./backupChangeNotes";
import type { SettingContext } from "../facts/postgres/settingContexts";
import { allNodes } from "../topology/queries";
import type { LocalTopology, StandbyNode } from "../topology/types";
import { type StackSource, changeRefusals } from "./changeRefusals";
import {
  type ValueChange,
  changedValues,
  parsePgbouncerIni,
  parsePostgresqlConf,
  withoutComments,
  withoutTarget,
} from "./configFiles";
import { asStandby, playedRole } from "./serving";

/** pg_settings.context, as the running server reports it. */
export type GucContext = SettingContext;

export type ServerAction = "nothing" | "start" | "reload" | "restart" | "switchover" | "seed" | "remove" | "refused";
export type PoolAction = "nothing" | "start" | "reload" | "restart" | "remove" | "refused";
export type Part = "writer" | "oltp" | "olap" | "retired" | "leaving";

export interface SettingChange extends ValueChange {
  /** pg_settings.context as the running server reports it; "unknown" when it did not name it. */
  context: GucContext | "unknown";
}

export interface ServerStep {
  name: string;
  now?: Part;
  next?: Part;
  action: ServerAction;
  why: string[];
  settings: SettingChange[];
}

export interface PoolStep {
  key: string;
  action: PoolAction;
  why: string[];
}

export interface ChangePlan {
  servers: ServerStep[];
  pools: PoolStep[];
  /** Why the change cannot be made in place, each naming the procedure; a plan with any changes nothing. */
  refusals: string[];
  /** The writer hands over to this replica (its restart, or its removal, needs it). */
  switchover?: { from: string; to: string };
  notes: string[];
}

export interface ObservedServer {
  running: boolean;
  hasData: boolean;
  /** postgresql.conf as it was last written for this server. */
  conf?: string;
  /** pg_settings.pending_restart: settings given to it that it has not applied yet. */
  pendingRestart: readonly string[];
  /** A standby streaming from the writer now, and how far its replay is behind. */
  streaming?: { lagBytes: number };
}

export interface ObservedPool {
  running: boolean;
  ini?: string;
  userlist?: string;
}

export interface ChangeInput {
  current: {
    topology: LocalTopology;
    source: StackSource;
    writer: string;
    retired: readonly string[];
    leaving: readonly StandbyNode[];
  };
  next: { topology: LocalTopology; source: StackSource };
  /** Every node of the running stack (its topology and any leaving). */
  servers: Readonly<Record<string, ObservedServer>>;
  /** postgresql.conf rendered from the new topology, for every node that stays, as it plays its part now. */
  desiredConf: Readonly<Record<string, string>>;
  /** pg_hba.conf of each region: as last written, and rendered from the new topology. */
  hba: Readonly<Record<string, { current?: string; desired: string }>>;
  contexts: Readonly<Record<string, GucContext>>;
  /** Pools of the running stack and of the new topology, by key. */
  pools: Readonly<Record<string, { observed?: ObservedPool; desired?: { ini: string; userlist: string } }>>;
  /** PgBouncer settings a RELOAD does not change (SHOW CONFIG: changeable = no). */
  fixedPoolSettings: readonly string[];
}

const RESTART_CONTEXTS: ReadonlySet<string> = new Set(["postmaster", "internal", "unknown"]);

function howApplied(context: SettingChange["context"]): string {
  switch (context) {
    case "postmaster":
      return "postmaster: restart";
    case "sighup":
      return "sighup: reload";
    case "superuser":
    case "user":
      return `${context}: reload, for sessions without their own SET`;
    case "backend":
    case "superuser-backend":
      return `${context}: reload, for new sessions`;
    case "internal":
      return "internal: only initdb sets it";
    case "unknown":
      return "not in pg_settings: restart to be safe";
  }
}

export function describeSetting(change: SettingChange): string {
  const value = (text?: string) => (text === undefined ? "(default)" : text === "" ? "''" : text);
  return `${change.name} ${value(change.from)} → ${value(change.to)} (${howApplied(change.context)})`;
}

interface Roles {
  current: ChangeInput["current"];
  nextNames: ReadonlySet<string>;
}

function partOf(current: ChangeInput["current"], name: string): Part | undefined {
  if (current.leaving.some((node) => node.name === name)) return "leaving";
  if (current.retired.includes(name)) return "retired";
  const node = allNodes(current.topology).find((n) => n.name === name);
  if (!node) return undefined;
  const role = playedRole(current, node);
  return role === "primary" ? "writer" : role;
}

function settingChanges(input: ChangeInput, name: string): SettingChange[] {
  const observed = input.servers[name];
  const desired = input.desiredConf[name];
  if (!observed?.conf || desired === undefined) return [];
  return changedValues(parsePostgresqlConf(observed.conf), parsePostgresqlConf(desired)).map((change) => ({
    ...change,
    context: input.contexts[change.name] ?? "unknown",
  }));
}

function hbaChanged(input: ChangeInput, region: string): boolean {
  const files = input.hba[region];
  if (files === undefined) return false;
  return files.current === undefined || withoutComments(files.current) !== withoutComments(files.desired);
}

/** A server that stays: started, reloaded, restarted (or, the writer, switched over), or left alone. */
function stayingStep(input: ChangeInput, name: string, part: Part): ServerStep {
  const node = allNodes(input.next.topology).find((n) => n.name === name)!;
  const observed = input.servers[name];
  const settings = settingChanges(input, name);
  const base = { name, now: part, next: part, settings };
  if (part === "retired")
    return {
      ...base,
      action: "nothing",
      why: [`a former writer, stopped for good; local reseed ${name} makes it a replica of the writer again`],
    };
  if (!observed?.hasData) return { ...base, action: "seed", why: ["has no data directory: seeded from the writer"] };
  const why = settings.map(describeSetting);
  if (hbaChanged(input, node.region)) why.push(`pg_hba.conf of region ${node.region} changed (reload)`);
  if (!observed.running) return { ...base, action: "start", why: ["not running: started", ...why] };
  const pending = observed.pendingRestart.filter((setting) => !settings.some((s) => s.name === setting));
  if (pending.length > 0) why.push(`waiting for a restart since an earlier change: ${pending.join(", ")}`);
  const restart = pending.length > 0 || settings.some((s) => RESTART_CONTEXTS.has(s.context));
  if (restart) return { ...base, action: part === "writer" ? "switchover" : "restart", why };
  return { ...base, action: why.length > 0 ? "reload" : "nothing", why };
}

function serverStep(input: ChangeInput, roles: Roles, name: string): ServerStep {
  const part = partOf(roles.current, name);
  const staying = roles.nextNames.has(name);
  if (part === undefined || (part === "leaving" && staying && !input.servers[name]?.hasData)) {
    const node = allNodes(input.next.topology).find((n) => n.name === name)!;
    return {
      name,
      next: node.role === "primary" ? "writer" : node.role,
      action: "seed",
      why: [
        `new ${node.role} replica${node.remote ? ` in ${node.region}` : ""}: seeded from the writer with pg_basebackup`,
      ],
      settings: [],
    };
  }
  if (!staying)
    return {
      name,
      now: part,
      action: "remove",
      why: [
        part === "writer"
          ? "no longer in the topology: hands the writer over first (switchover), then stopped, its data deleted"
          : "no longer in the topology: leaves the read pool, stopped, its data and its slot on the writer deleted",
      ],
      settings: [],
    };
  return stayingStep(input, name, part === "leaving" ? "oltp" : part);
}

/** The OLTP replica of the primary's region that streams closest behind the writer and stays. */
function switchoverTarget(input: ChangeInput, nextNames: ReadonlySet<string>): string | undefined {
  const { current } = input;
  const eligible = allNodes(current.topology)
    .filter((node) => node.name !== current.writer && !current.retired.includes(node.name))
    .map(asStandby)
    .filter((node) => node.role === "oltp" && !node.remote && nextNames.has(node.name))
    .flatMap((node) => {
      const streaming = input.servers[node.name]?.running ? input.servers[node.name]?.streaming : undefined;
      return streaming ? [{ name: node.name, lag: streaming.lagBytes }] : [];
    });
  eligible.sort((a, b) => a.lag - b.lag || a.name.localeCompare(b.name));
  return eligible[0]?.name;
}

function poolStep(input: ChangeInput, key: string): PoolStep {
  const { observed, desired } = input.pools[key]!;
  if (!desired) return { key, action: "remove", why: ["no longer in the topology: stopped"] };
  if (!observed) return { key, action: "start", why: ["new pool: started"] };
  if (!observed.running) return { key, action: "start", why: ["not running: started"] };
  const changes = observed.ini
    ? changedValues(withoutTarget(parsePgbouncerIni(observed.ini)), withoutTarget(parsePgbouncerIni(desired.ini)))
    : [{ name: "pgbouncer.ini", to: "(missing: rewritten)" }];
  const why = changes.map((c) => `${c.name} ${c.from ?? "(default)"} → ${c.to ?? "(default)"}`);
  if (observed.userlist !== desired.userlist) why.push("auth file changed (reload)");
  if (changes.some((c) => input.fixedPoolSettings.includes(c.name)))
    return {
      key,
      action: "restart",
      why: [...why, "PgBouncer reads these only at start (SHOW CONFIG: not changeable)"],
    };
  return { key, action: why.length > 0 ? "reload" : "nothing", why };
}

function notesFor(input: ChangeInput, servers: ServerStep[]): string[] {
  const notes: string[] = [];
  const [a, b] = [input.current.topology, input.next.topology];
  if (a.port !== b.port || a.poolPort !== b.poolPort)
    notes.push("port and poolPort have no effect locally: the local backend chooses its own addresses and ports");
  if (servers.some((s) => s.action === "seed"))
    notes.push("new replicas join their region's read pool once the read pool controller finds them ready");
  if (servers.some((s) => s.action === "restart" && s.now === "oltp"))
    notes.push("a restarting replica leaves the read pool first and joins again once it streams, one at a time");
  notes.push(...backupChangeNotes(a, b));
  return notes;
}

export function planChange(input: ChangeInput): ChangePlan {
  const refusals = changeRefusals({ current: input.current, next: input.next });
  const nextNames = new Set(allNodes(input.next.topology).map((n) => n.name));
  const roles: Roles = { current: input.current, nextNames };
  const names = [
    ...new Set([
      ...allNodes(input.current.topology).map((n) => n.name),
      ...input.current.leaving.map((n) => n.name),
      ...nextNames,
    ]),
  ];
  const servers = names.map((name) => serverStep(input, roles, name));
  const writerStep = servers.find((s) => s.name === input.current.writer);
  const handsOver = writerStep && (writerStep.action === "switchover" || writerStep.action === "remove");
  const target = handsOver ? switchoverTarget(input, nextNames) : undefined;
  if (handsOver && target === undefined) {
    refusals.push(
      `the writer ${input.current.writer} must ${writerStep.action === "remove" ? "leave" : "restart"}, and no OLTP replica of the primary's region streams from it to take over: start or add one first (the writer is never restarted in place). Nothing was changed.`,
    );
  }
  if (handsOver && target && writerStep.action === "switchover")
    writerStep.why.push(`hands the writer to ${target}, then rejoins as its replica (pg_rewind)`);
  for (const step of servers) if (step.name === target) step.next = "writer";
  if (writerStep && target && writerStep.next === "writer") writerStep.next = "oltp";
  const pools = Object.keys(input.pools).map((key) => poolStep(input, key));
  if (refusals.length > 0)
    for (const step of [...servers, ...pools]) if (step.action !== "nothing") step.action = "refused";
  return {
    servers,
    pools,
    refusals,
    ...(target ? { switchover: { from: input.current.writer, to: target } } : {}),
    notes: notesFor(input, servers),
  };
}

/** Whether the plan changes more than starting what is stopped (which a plain resume does). */
export function planChangesSomething(plan: ChangePlan): boolean {
  const resumes = (action: string) => action === "nothing" || action === "start";
  return (
    plan.refusals.length > 0 ||
    plan.servers.some((s) => !resumes(s.action)) ||
    plan.pools.some((p) => !resumes(p.action) || p.why.includes("new pool: started"))
  );
}
