/**
 * One local PostgreSQL node: initdb, seeding through the rendered seed script,
 * start and stop through pg_ctl, superuser SQL over its socket. Every file it
 * boots from is the renderer's output, with only port and paths substituted.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bootstrapEnvironment, renderBootstrapSql } from "../render/bootstrapSql";
import { statsAccessScript } from "../sql/statsAccess";
import { type ArchivePaths, archiveCommands } from "../render/pgbackrestConf";
import { renderPostgresqlConf } from "../render/postgresqlConf";
import { standbyTls } from "./standbyTls";
import type { DatabaseNode, NodeGroup, Topology } from "../topology/types";
import { type RunOptions, isAlive, run } from "./exec";
import { ensureDir, writeOwnedFile } from "./files";
import { isStackProcess } from "./stackProcess";
import type { RunAs } from "./identity";
import type { Endpoint } from "../contract/stackOutputs";
import type { Layout } from "./layout";

export interface NodeContext {
  topology: Topology;
  layout: Layout;
  runAs: RunAs;
  pgBin: string;
  passwords: { app: string; replication: string; monitor: string };
  /** The settings the node runs with: its group's, with the replication settings of the part it plays now. */
  groupOf: (node: DatabaseNode) => NodeGroup;
  endpointOf: (node: DatabaseNode) => Endpoint;
  socketDirOf: (node: DatabaseNode) => string;
  netnsOf: (node: DatabaseNode) => string | undefined;
  /** The stack's CA and each region's server certificate, when the topology has TLS. */
  tls?: { caFile: string; forRegion: (region: string) => { certFile: string; keyFile: string } | undefined };
  /** When the topology has a WAL archive: each server's pgbackrest.conf (archive.ts). */
  archive?: { pathsOf: (node: DatabaseNode) => ArchivePaths; writeConfig: (node: DatabaseNode) => void };
}

function inNamespace(ctx: NodeContext, node: DatabaseNode): Partial<RunOptions> {
  const netns = ctx.netnsOf(node);
  return netns ? { netns } : {};
}

const tool = (ctx: NodeContext, name: string) => join(ctx.pgBin, name);
const options = (ctx: NodeContext, extra: Partial<RunOptions> = {}): RunOptions => ({
  runAs: ctx.runAs,
  env: { PATH: `${ctx.pgBin}:${process.env.PATH ?? "/usr/bin:/bin"}`, ...extra.env },
  ...(extra.input !== undefined ? { input: extra.input } : {}),
  ...(extra.netns !== undefined ? { netns: extra.netns } : {}),
  timeoutMs: extra.timeoutMs ?? 120_000,
});

/** The rendered postgresql.conf with this node's own address, the shared port and its socket directory. */
export function writeNodeConfig(ctx: NodeContext, node: DatabaseNode): void {
  ensureDir(ctx.layout.nodeDir(node.name), ctx.runAs);
  ensureDir(ctx.socketDirOf(node), ctx.runAs);
  writeOwnedFile(ctx.layout.confFile(node.name), renderNodeConfig(ctx, node), ctx.runAs);
  ctx.archive?.writeConfig(node);
}

/** The text writeNodeConfig writes: what the node should run with now. */
export function renderNodeConfig(ctx: NodeContext, node: DatabaseNode): string {
  const { host, port } = ctx.endpointOf(node);
  const certificate = ctx.tls?.forRegion(node.region);
  return renderPostgresqlConf(
    ctx.topology,
    ctx.groupOf(node),
    { port, listenAddresses: host },
    {
      hbaFile: ctx.layout.hbaFile(node.region),
      identFile: ctx.layout.identFile,
      socketDirectory: ctx.socketDirOf(node),
      ...(certificate ? { ssl: certificate } : {}),
      ...(ctx.archive ? { archive: ctx.archive.pathsOf(node) } : {}),
    },
  );
}

export async function initPrimary(ctx: NodeContext, node: DatabaseNode): Promise<void> {
  await run(
    tool(ctx, "initdb"),
    [
      "-D",
      ctx.layout.dataDir(node.name),
      "-U",
      "postgres",
      "--auth-local=peer",
      "--auth-host=scram-sha-256",
      "--locale=C.UTF-8",
      "--encoding=UTF8",
    ],
    options(ctx),
  );
}

/**
 * The bootstrap SQL, as the Kubernetes writer runs it at every start: each role gets the SCRAM verifier of its
 * password, computed here (the passwords never reach psql, nor any statement), through the environment.
 */
export async function bootstrapPrimary(ctx: NodeContext, primary: DatabaseNode): Promise<void> {
  const script = join(ctx.layout.scriptsDir, "bootstrap.sql");
  writeOwnedFile(script, renderBootstrapSql(ctx.topology), ctx.runAs);
  await superuserSql(ctx, primary, ["-f", script], bootstrapEnvironment(ctx.topology, ctx.passwords));
}

/**
 * The application user's statistics (pgrr_stats) on the writer, and its pg_monitor taken back: a stack whose bootstrap
 * ran before this version gets them on its next `local up`. Idempotent.
 */
export async function grantStatistics(ctx: NodeContext, writer: DatabaseNode): Promise<void> {
  const script = join(ctx.layout.scriptsDir, "statistics.sql");
  writeOwnedFile(script, statsAccessScript(ctx.topology.database, ctx.topology.user), ctx.runAs);
  await superuserSql(ctx, writer, ["-f", script]);
}

/**
 * The server's restore_command, for a stack that archives: the seed script lets a standby whose slot was lost catch up
 * from the archive when it holds the WAL needed (its pgbackrest.conf written first, so the command can run).
 */
function restoreCommandEnv(ctx: NodeContext, node: DatabaseNode): Record<string, string> {
  if (!ctx.archive) return {};
  ctx.archive.writeConfig(node);
  return { RESTORE_COMMAND: archiveCommands(ctx.archive.pathsOf(node)).restoreCommand };
}

/** Runs the rendered seed-replica.sh exactly as the Kubernetes init container does. */
export async function seedReplica(ctx: NodeContext, node: DatabaseNode, primary: Endpoint): Promise<void> {
  ensureDir(ctx.layout.nodeDir(node.name), ctx.runAs);
  const tls = standbyTls(ctx.topology, node, ctx.tls?.caFile);
  await run(
    "bash",
    [join(ctx.layout.scriptsDir, "seed-replica.sh")],
    options(ctx, {
      env: {
        NODE_NAME: node.name,
        PGDATA: ctx.layout.dataDir(node.name),
        PRIMARY_HOST: primary.host,
        PRIMARY_PORT: String(primary.port),
        REPLICATION_PASSWORD: ctx.passwords.replication,
        PASSFILE: ctx.layout.passfile(node.name),
        PRIMARY_SSLMODE: tls.sslmode,
        ...(tls.sslrootcert ? { PRIMARY_SSLROOTCERT: tls.sslrootcert } : {}),
        SEED_WAIT_SECONDS: "60",
        ...restoreCommandEnv(ctx, node),
      },
      timeoutMs: 30 * 60_000,
      ...inNamespace(ctx, node),
    }),
  );
}

export async function startNode(ctx: NodeContext, node: DatabaseNode): Promise<void> {
  const serverOptions = `-c config_file='${ctx.layout.confFile(node.name)}' -c cluster_name='${node.name}'`;
  await run(
    tool(ctx, "pg_ctl"),
    [
      "-D",
      ctx.layout.dataDir(node.name),
      "-l",
      ctx.layout.log(node.name),
      "-o",
      serverOptions,
      "-w",
      "-t",
      "120",
      "start",
    ],
    options(ctx, inNamespace(ctx, node)),
  );
}

/** The postmaster's pid from its lock file, if the file names a live process (a crashed one leaves the file behind). */
export function livePostmaster(ctx: NodeContext, node: DatabaseNode): number | undefined {
  const lock = join(ctx.layout.dataDir(node.name), "postmaster.pid");
  if (!existsSync(lock)) return undefined;
  const pid = Number(readFileSync(lock, "utf8").split("\n")[0]);
  // The servers' user writes the lock file: a pid root signals must be this node's server, not any process.
  return isStackProcess(pid, ctx.layout.dataDir(node.name)) && isAlive(pid) ? pid : undefined;
}

export async function stopNode(
  ctx: NodeContext,
  node: DatabaseNode,
  mode: "fast" | "immediate" = "fast",
): Promise<void> {
  if (livePostmaster(ctx, node) === undefined) return;
  await run(
    tool(ctx, "pg_ctl"),
    ["-D", ctx.layout.dataDir(node.name), "-m", mode, "-w", "-t", "60", "stop"],
    options(ctx),
  ).catch(async (error) => {
    if (mode === "fast") await stopNode(ctx, node, "immediate");
    else throw error;
  });
}

/** A live postmaster owns the data directory (pg_ctl status would count a zombie as running). */
export async function nodeIsRunning(ctx: NodeContext, node: DatabaseNode): Promise<boolean> {
  return livePostmaster(ctx, node) !== undefined;
}

/** psql as the database superuser over the node's socket (peer authentication, pg_ident's admins map). */
export async function superuserSql(
  ctx: NodeContext,
  node: DatabaseNode,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const { stdout } = await run(
    tool(ctx, "psql"),
    [
      "-h",
      ctx.socketDirOf(node),
      "-p",
      String(ctx.endpointOf(node).port),
      "-U",
      "postgres",
      "-d",
      "postgres",
      "-X",
      "-q",
      "-A",
      "-t",
      "-v",
      "ON_ERROR_STOP=1",
      ...args,
    ],
    options(ctx, { env }),
  );
  return stdout.trim();
}
