/**
 * state.json: what `local up` created, so status, down and promote need no
 * recomputation. The topology is stored whole; its hash is checked on read.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, renameSync } from "node:fs";
import { z } from "zod";
import { UserError } from "../ground/errors";
import { topologyHash } from "../topology/hash";
import type { LocalTopology } from "../topology/types";
import { writeOwnedFile } from "./files";
import { resolveRunAs } from "./identity";
import type { Layout } from "./layout";
import { isStackProcess } from "./stackProcess";
import { secureStateRoot } from "./stateDir";
import { binariesDistrust, runAsDistrust, stateFileDistrust } from "./stateTrust";

const runAs = z.object({
  user: z.string(),
  uid: z.number(),
  gid: z.number(),
  home: z.string(),
  switchUser: z.boolean(),
});
const endpoint = z.object({ host: z.string(), port: z.number() });
const standbyNode = z.object({
  name: z.string(),
  role: z.enum(["oltp", "olap"]),
  group: z.string(),
  ordinal: z.number(),
  region: z.string(),
  remote: z.boolean(),
  slot: z.string(),
});
const regionNet = z.object({
  region: z.string(),
  namespace: z.string(),
  cidr: z.string(),
  octets: z.tuple([z.number(), z.number(), z.number()]),
});
const network = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("loopback"), reason: z.string() }),
  z.object({
    kind: z.literal("namespaces"),
    id: z.string(),
    hub: z.string(),
    clientCidr: z.string(),
    hostAddress: z.string(),
    hubAddress: z.string(),
    block: z.string(),
    regions: z.array(regionNet),
  }),
]);

const stateSchema = z.object({
  version: z.literal(3),
  stack: z.string(),
  phase: z.enum(["creating", "ready"]),
  topology: z.record(z.string(), z.unknown()),
  /** A selfHosted stack realised here: its own topology's hash, and what had to change to fit. */
  rehearsal: z
    .object({
      sourceHash: z.string(),
      changes: z.array(z.string()),
      /** The stack's own PostgreSQL major (the servers may run another here; `changes` says so). */
      sourceVersion: z.number().optional(),
    })
    .optional(),
  network,
  /** The stack's CA and each region's server certificate, when its topology has TLS. */
  tls: z
    .object({
      caFile: z.string(),
      regions: z.record(z.string(), z.object({ certFile: z.string(), keyFile: z.string() })),
    })
    .optional(),
  runAs,
  binaries: z.object({ pgBin: z.string(), pgbouncer: z.string(), pgbouncerVersion: z.string() }),
  /** poolAdmin: the read pool controller's admin-console login (RELOAD, KILL_CLIENT). */
  passwords: z.object({ app: z.string(), replication: z.string(), poolAdmin: z.string(), monitor: z.string() }),
  endpoints: z.object({
    nodes: z.record(z.string(), endpoint),
    pools: z.record(z.string(), endpoint),
    /**
     * Each node's socket directory number, kept for its life: a running server's socket cannot move, and nodes come
     * and go. Absent in states written before nodes could be added: then the node's place in the topology.
     */
    sockets: z.record(z.string(), z.number()).optional(),
  }),
  /** The node currently acting as writer; changes on promote. */
  writer: z.string(),
  /** Former writers after a promote: never started again as they are (that would be a second writer). */
  retired: z.array(z.string()),
  /** Nodes a change removes that still have data or run: no longer in the topology, stopped and deleted last. */
  leaving: z.array(standbyNode).optional(),
  /** Replicas kept out of the read pools while they restart or leave. */
  draining: z.array(z.string()).optional(),
  pids: z.object({ pools: z.record(z.string(), z.number()), readPoolController: z.number().optional() }),
  /** Per daemon of this CLI (daemonMain.ts): the digest of the code it was started from (daemonCode.ts). */
  daemonCode: z.record(z.string(), z.string()).optional(),
  /** Exporters and Prometheus, when the topology's monitoring is on: where they listen and their pids. */
  monitoring: z
    .object({
      prometheus: endpoint,
      exporters: z.record(z.string(), endpoint),
      poolExporters: z.record(z.string(), endpoint),
      pids: z.object({
        prometheus: z.number().optional(),
        poolExporter: z.number().optional(),
        exporters: z.record(z.string(), z.number()),
      }),
    })
    .optional(),
  createdAt: z.string(),
});

export type LocalState = Omit<z.output<typeof stateSchema>, "topology"> & { topology: LocalTopology };

export class StateError extends UserError {
  override name = "StateError";
}

/** The state file's text, read without following a link; as root, only a file root alone could have written. */
function readStateText(layout: Layout): string | undefined {
  let fd: number;
  try {
    fd = openSync(layout.stateFile, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") throw untrusted(layout, "it is a symbolic link");
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    const myUid = process.geteuid?.();
    const distrust =
      myUid === 0
        ? stateFileDistrust({ ...stat, isFile: stat.isFile() }, myUid)
        : stat.isFile()
          ? undefined
          : "it is not a regular file";
    if (distrust) throw untrusted(layout, distrust);
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

function untrusted(layout: Layout, why: string): StateError {
  return new StateError(
    `${layout.stateFile} is not a state file root can trust: ${why}. Only pg-read-replicas writes it (as root: root-owned, 0600); ` +
      "if you did not change it, someone else did. Run local down to stop the stack and remove it.",
  );
}

/** As root: the identity and binaries must be the ones this CLI picks itself. */
function requireTrustedContents(layout: Layout, state: LocalState, env: NodeJS.ProcessEnv): void {
  if (process.geteuid?.() !== 0) return;
  const distrust =
    runAsDistrust(state.runAs, resolveRunAs()) ?? binariesDistrust(state.binaries, state.topology.postgresVersion, env);
  if (distrust) throw untrusted(layout, distrust);
}

/** Pids of processes this stack no longer runs (gone, or the number reused by another process) are forgotten. */
function forgetForeignPids(layout: Layout, state: LocalState): void {
  const ours = (pid: number | undefined) => isStackProcess(pid, layout.root);
  for (const [key, pid] of Object.entries(state.pids.pools)) if (!ours(pid)) delete state.pids.pools[key];
  if (!ours(state.pids.readPoolController)) delete state.pids.readPoolController;
  const pids = state.monitoring?.pids;
  if (!pids) return;
  for (const [key, pid] of Object.entries(pids.exporters)) if (!ours(pid)) delete pids.exporters[key];
  if (!ours(pids.prometheus)) delete pids.prometheus;
  if (!ours(pids.poolExporter)) delete pids.poolExporter;
}

export function readState(layout: Layout, env: NodeJS.ProcessEnv = process.env): LocalState | undefined {
  const text = readStateText(layout);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StateError(
      `${layout.stateFile} is not valid JSON (${(error as Error).message}); run local down to remove this state.`,
    );
  }
  const result = stateSchema.safeParse(parsed);
  if (!result.success) {
    throw new StateError(
      `${layout.stateFile} is not a state file this version understands (${result.error.issues[0]?.message}); run local down to remove it.`,
    );
  }
  const topology = result.data.topology as unknown as LocalTopology;
  if (topology.backend !== "local")
    throw new StateError(
      `${layout.stateFile} holds a ${String(topology.backend)} topology; only local ones run here. Run local down to remove it.`,
    );
  if (topologyHash(topology) !== topology.hash) {
    throw new StateError(
      `${layout.stateFile} holds a topology whose contents do not match its hash; it was edited by hand. Run local down to start fresh.`,
    );
  }
  const state: LocalState = { ...result.data, topology };
  requireTrustedContents(layout, state, env);
  forgetForeignPids(layout, state);
  return state;
}

/**
 * Written atomically and readable only by its owner: it holds passwords. Owned by whoever runs the CLI (root, not the
 * servers' user), in a state root the servers' user cannot change (secureStateRoot also moves a stack made before).
 */
export function writeState(layout: Layout, state: LocalState): void {
  secureStateRoot(layout.root, state.runAs);
  const temporary = `${layout.stateFile}.tmp`;
  writeOwnedFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { ...state.runAs, switchUser: false }, 0o600);
  renameSync(temporary, layout.stateFile);
}
