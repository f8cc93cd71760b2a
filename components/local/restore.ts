/**
 * `local up` of a stack with `restore` (issue 22): the writer's data directory comes from `pgbackrest restore` of the
 * source stack's stanza instead of initdb. The target is checked against the repository before anything is touched;
 * the server replays to it and promotes; the recovery settings pgBackRest left are reset; then the new stack's own
 * roles, passwords, database and slots are applied by the same bootstrap as a fresh writer. Replicas, pools and
 * verification follow as on any up. A restore only ever creates a stack (restoreOnExisting).
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import {
  RESTORE_SETTINGS_TO_RESET,
  SOURCE_SETTINGS_DROPPED,
  renderRestoreConf,
  restoreTargetArgs,
  withoutSettings,
} from "../render/pgbackrestRestore";
import type { Restore, Topology } from "../topology/types";
import { archiveLocation } from "./archive";
import { createStanza, refuseEarlierStanza } from "./backup";
import { nodeContext } from "./contexts";
import { LocalError } from "./errors";
import { CommandError, run } from "./exec";
import { ensureDir, writeOwnedFile } from "./files";
import { removeTree } from "./removeTree";
import { type RunAs, resolveRunAs } from "./identity";
import type { Layout } from "./layout";
import {
  type NodeContext,
  bootstrapPrimary,
  livePostmaster,
  startNode,
  superuserSql,
  writeNodeConfig,
} from "./postgresNode";
import { type BackupSet, type RangeSource, type RepositoryRange, backupSetFor, parseInfo } from "./restoreRange";
import type { LocalState } from "./state";
import type { PhaseListener, Step, UpContext } from "./upSteps";

type RepositoryRestore = Extract<Restore, { source: "repository" }>;

const PGBACKREST = "pgbackrest";
/** How often the writer is asked whether it has promoted: replay ends at an unknown moment, and each poll is cheap. */
const PROMOTION_POLL_MS = 50;

/** The restore a topology asks for, on the one repository kind the local backend reads (validate admits no other). */
export function repositoryRestore(topology: Topology): RepositoryRestore | undefined {
  const restore = topology.restore;
  if (restore === undefined) return undefined;
  if (restore.source !== "repository" || restore.repository.kind !== "posix" || !restore.repository.path)
    throw new LocalError(`restore.from: the local backend restores from a directory only (got ${restore.source})`);
  return restore;
}

function sourceOf(restore: RepositoryRestore): RangeSource & { path: string } {
  const path = restore.repository.kind === "posix" ? restore.repository.path! : "";
  return { repository: path, path, stanza: restore.stanza };
}

/** The repository's range; `info` exits 0 even when it cannot read the repository, so restoreRange reads the status. */
async function readRange(restore: RepositoryRestore, runAs: RunAs): Promise<RepositoryRange> {
  const source = sourceOf(restore);
  if (!existsSync(source.path))
    throw new LocalError(
      `restore.from: ${source.path} does not exist; set it to the source stack's backup.repository (a directory on this machine)`,
    );
  const { stdout } = await run(
    PGBACKREST,
    [
      "--config=/dev/null",
      `--repo1-path=${source.path}`,
      `--stanza=${source.stanza}`,
      "--log-level-console=off",
      "--log-level-file=off",
      "info",
      "--output=json",
    ],
    { runAs, timeoutMs: 60_000 },
  ).catch((error: unknown) => {
    if (error instanceof CommandError) throw error;
    throw new LocalError(
      `restore: pgbackrest could not run (${String(error)}); install it: apt-get install pgbackrest`,
    );
  });
  return parseInfo(stdout, source);
}

/** When the newest archived segment reached the repository: commits after it are not restorable yet. */
function newestArchivedAt(restore: RepositoryRestore, range: RepositoryRange): Date | undefined {
  if (!range.newest) return undefined;
  const dir = join(
    sourceOf(restore).path,
    "archive",
    restore.stanza,
    range.newest.archiveId,
    range.newest.segment.slice(0, 16),
  );
  const file = existsSync(dir) ? readdirSync(dir).find((name) => name.startsWith(range.newest!.segment)) : undefined;
  return file === undefined ? undefined : statSync(join(dir, file)).mtime;
}

/** The base backup the target restores from, or a clear error when the target is outside the repository. */
export async function checkRestoreSource(restore: RepositoryRestore, runAs: RunAs): Promise<BackupSet> {
  const range = await readRange(restore, runAs);
  const archivedAt = newestArchivedAt(restore, range);
  return backupSetFor(
    range,
    restore.target,
    { now: new Date(), ...(archivedAt ? { newestArchivedAt: archivedAt } : {}) },
    sourceOf(restore),
  );
}

function restorePaths(layout: Layout, writer: string): { conf: string; lock: string; spool: string } {
  const dir = join(layout.nodeDir(writer), "restore");
  return { conf: join(dir, "pgbackrest.conf"), lock: join(dir, "lock"), spool: join(dir, "spool") };
}

/** pgbackrest restore into the writer's (absent) data directory: the chosen set, the target, promote at the end. */
async function restoreDataDirectory(node: NodeContext, restore: RepositoryRestore, set: BackupSet): Promise<void> {
  const writer = node.topology.primary.name;
  const paths = restorePaths(node.layout, writer);
  ensureDir(node.layout.nodeDir(writer), node.runAs);
  ensureDir(join(node.layout.nodeDir(writer), "restore"), node.runAs);
  const conf = renderRestoreConf({
    repositoryPath: sourceOf(restore).path,
    stanza: restore.stanza,
    dataDirectory: node.layout.dataDir(writer),
    lockPath: paths.lock,
    spoolPath: paths.spool,
  });
  writeOwnedFile(paths.conf, conf, node.runAs);
  const args = [`--config=${paths.conf}`, `--stanza=${restore.stanza}`, "restore", `--set=${set.label}`];
  await run(PGBACKREST, [...args, ...restoreTargetArgs(restore.target)], { runAs: node.runAs, timeoutMs: 60 * 60_000 });
  const autoConf = join(node.layout.dataDir(writer), "postgresql.auto.conf");
  writeOwnedFile(autoConf, withoutSettings(readFileSync(autoConf, "utf8"), SOURCE_SETTINGS_DROPPED), node.runAs);
}

function logTail(layout: Layout, name: string): string {
  const file = layout.log(name);
  if (!existsSync(file)) return "";
  const lines = readFileSync(file, "utf8").trim().split("\n");
  return lines.slice(-8).join("\n");
}

/** Recovery ends by promotion (target-action promote, or the archive's end for latest); a FATAL ends the server. */
async function waitForPromotion(node: NodeContext, signal?: AbortSignal): Promise<void> {
  const writer = node.topology.primary;
  for (;;) {
    if (signal?.aborted) throw new LocalError("interrupted");
    if (livePostmaster(node, writer) === undefined) throw recoveryFailed(node.layout, writer.name);
    const inRecovery = await superuserSql(node, writer, ["-c", "SELECT pg_is_in_recovery()"]).catch(() => "t");
    if (inRecovery === "f") return;
    await new Promise((resolve) => setTimeout(resolve, PROMOTION_POLL_MS));
  }
}

function recoveryFailed(layout: Layout, writer: string): LocalError {
  const tail = logTail(layout, writer);
  const notReached = /recovery ended before configured recovery target was reached/.test(tail);
  return new LocalError(
    `restore: ${writer} stopped during recovery${notReached ? " before reaching the target: the archive holds no commit after it (restore latest: true, or an earlier target)" : ""}.\n${tail}\nServer log: ${layout.log(writer)}`,
  );
}

/**
 * The recovery lines pgBackRest wrote would travel into every replica's copy: gone from postgresql.auto.conf once the
 * writer has promoted (nothing reads them again: a writer never recovers without a restart, which reads the file), then
 * a reload so the running server shows its own restore_command again. A file edit and a signal, where ALTER SYSTEM
 * RESET took a session and a durable rewrite of the file per setting (0.5 s of a restore under load, bench:backup).
 */
async function resetRecoverySettings(node: NodeContext): Promise<void> {
  const writer = node.topology.primary;
  const autoConf = join(node.layout.dataDir(writer.name), "postgresql.auto.conf");
  writeOwnedFile(autoConf, withoutSettings(readFileSync(autoConf, "utf8"), RESTORE_SETTINGS_TO_RESET), node.runAs);
  const pid = livePostmaster(node, writer);
  if (pid === undefined) throw recoveryFailed(node.layout, writer.name);
  process.kill(pid, "SIGHUP");
}

/** The two steps a restore adds to `local up`: check the source (before any state), then build the writer from it. */
export function restoreSteps(ctx: UpContext, restore: RepositoryRestore): { check: Step; writer: Step } {
  let set: BackupSet | undefined;
  const from = `${sourceOf(restore).path} (stanza ${restore.stanza})`;
  const target =
    restore.target.type === "time"
      ? `time ${restore.target.at}`
      : restore.target.type === "lsn"
        ? `LSN ${restore.target.lsn}`
        : "the latest archived WAL";
  return {
    check: {
      title: `Check the restore source ${from} holds ${target}`,
      run: async () => {
        set = await checkRestoreSource(restore, resolveRunAs());
      },
    },
    writer: {
      title: `Restore the primary ${ctx.source.topology.primary.name} from ${from} to ${target}, promote it, apply this stack's roles and passwords`,
      run: async () => {
        if (!ctx.state || !set) throw new Error("local up: the restore ran before its source was checked");
        // With backup.enabled the new stack archives to its own stanza (never restore.from: refused at admission),
        // created as soon as the writer has promoted; ensureArchive takes its first backup later in up.
        const archive = archiveLocation(ctx.state.topology, ctx.state.stack, ctx.state.runAs);
        if (archive) refuseEarlierStanza(archive);
        const timed = phaseTimer(ctx.onPhase);
        await restoreWriter(nodeContext(ctx.layout, ctx.state), restore, set, timed, ctx.signal);
        if (archive) await timed("stanza-create (this stack's archive)", () => createStanza(ctx.layout, ctx.state!));
      },
    },
  };
}

type Timed = <T>(phase: string, work: () => Promise<T>) => Promise<T>;

/** Runs each phase, telling the listener (if any) how long it took: where a restore's time goes. */
function phaseTimer(listener: PhaseListener | undefined): Timed {
  return async (phase, work) => {
    const started = performance.now();
    const result = await work();
    listener?.(phase, performance.now() - started);
    return result;
  };
}

async function restoreWriter(
  node: NodeContext,
  restore: RepositoryRestore,
  set: BackupSet,
  timed: Timed,
  signal?: AbortSignal,
): Promise<void> {
  const writer = node.topology.primary;
  await timed("pgbackrest restore", () => restoreDataDirectory(node, restore, set));
  await timed("write postgresql.conf", async () => writeNodeConfig(node, writer));
  await timed("start (pg_ctl -w: until it accepts connections)", () =>
    startNode(node, writer).catch((error: unknown) => {
      throw livePostmaster(node, writer) === undefined ? recoveryFailed(node.layout, writer.name) : error;
    }),
  );
  await timed("replay until promoted", () => waitForPromotion(node, signal));
  await timed("reset the recovery settings", () => resetRecoverySettings(node));
  await timed("bootstrap: this stack's roles and passwords", () => bootstrapPrimary(node, writer));
  await removeTree(restorePaths(node.layout, writer.name).spool, node.runAs);
}

/**
 * A restore creates a stack; it never replaces one. With state present: a stack this very restore created carries on
 * (the block stays in its stack file, as bootstrap.recovery does on CloudNativePG) and the step says the restore is
 * skipped; any other stack is refused, naming the state directory and the way out. A half-created stack of the same
 * stack file is the restore's own leftover, removed and redone by createSteps.
 */
export function restoreOnExisting(
  layout: Layout,
  existing: LocalState | undefined,
  topology: Topology,
): Step | undefined {
  const restore = topology.restore;
  if (!restore || !existing) return undefined;
  if (existing.phase === "creating" && existing.topology.hash === topology.hash) return undefined;
  if (existing.phase === "ready" && isDeepStrictEqual(existing.topology.restore, restore))
    return {
      title: `Restore skipped: stack ${existing.stack} was created from this restore on ${existing.createdAt} (restore applies at creation only)`,
      run: async () => undefined,
    };
  throw new LocalError(
    `restore: ${layout.root} already holds stack ${existing.stack} (created ${existing.createdAt}${existing.topology.restore ? " from another restore" : ""}); ` +
      "a restore creates a new stack and never overwrites one. Restore into a new stack (another --stack or --state-dir), " +
      `or remove the restore block to keep this one; to replace its data on purpose, run pg-read-replicas local down --stack ${existing.stack} first (it deletes the local data).`,
  );
}
