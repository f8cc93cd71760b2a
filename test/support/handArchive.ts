/**
 * A source repository for the restore drill and bench, made with the product's own renderers (renderPgbackrestConf,
 * archiveCommands) and pgBackRest commands on a running local stack: until `local up` archives by itself (the
 * local-archive work), the drill switches the archive on by hand, exactly as postgresql.conf would render it.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { nodeContext, nodeByName } from "../../components/local/contexts";
import { run } from "../../components/local/exec";
import { ensureDir, writeOwnedFile } from "../../components/local/files";
import type { LocalRunner } from "../../components/local/runner";
import { startNode, stopNode } from "../../components/local/postgresNode";
import { archiveCommands, renderPgbackrestConf } from "../../components/render/pgbackrestConf";
import type { Topology } from "../../components/topology/types";

export interface HandRepository {
  path: string;
  stanza: string;
  archiveTimeoutSeconds: number;
}

function withBackup(topology: Topology, repository: HandRepository): Topology {
  return {
    ...topology,
    backup: {
      tool: "pgbackrest",
      repository: { kind: "posix", path: repository.path },
      stanza: repository.stanza,
      schedule: "0 3 * * *",
      retention: { type: "count", value: 2 },
      archiveTimeoutSeconds: repository.archiveTimeoutSeconds,
    },
  };
}

function confPath(runner: LocalRunner, node: string): string {
  return join(runner.layout.nodeDir(node), "pgbackrest", "pgbackrest.conf");
}

/** The node's own pgbackrest.conf (pg1-path is its data directory), as renderPgbackrestConf renders it. */
function writeConf(runner: LocalRunner, node: string, repository: HandRepository): string {
  const state = runner.state()!;
  const member = nodeByName(state, node);
  const dir = join(runner.layout.nodeDir(node), "pgbackrest");
  ensureDir(dir, state.runAs);
  mkdirSync(dirname(repository.path), { recursive: true, mode: 0o755 });
  ensureDir(repository.path, state.runAs, 0o750);
  const context = nodeContext(runner.layout, state);
  const text = renderPgbackrestConf(withBackup(state.topology, repository), node, {
    stanza: repository.stanza,
    dataDirectory: runner.layout.dataDir(node),
    port: state.endpoints.nodes[node]!.port,
    socketDirectory: context.socketDirOf(member),
    repositoryPath: repository.path,
    lockPath: join(dir, "lock"),
    spoolPath: join(dir, "spool"),
  });
  writeOwnedFile(confPath(runner, node), text, state.runAs);
  return confPath(runner, node);
}

/** Archive from `node` (the writer, or a promoted replica) into the repository; restarts it for archive_mode. */
export async function archiveFrom(runner: LocalRunner, node: string, repository: HandRepository): Promise<void> {
  const configFile = writeConf(runner, node, repository);
  const { archiveCommand } = archiveCommands({ configFile, stanza: repository.stanza });
  await runner.superuserQuery(node, "ALTER SYSTEM SET archive_mode = on");
  await runner.superuserQuery(node, `ALTER SYSTEM SET archive_command = '${archiveCommand.replace(/'/g, "''")}'`);
  await runner.superuserQuery(node, `ALTER SYSTEM SET archive_timeout = '${repository.archiveTimeoutSeconds}s'`);
  const state = runner.state()!;
  const context = nodeContext(runner.layout, state);
  await stopNode(context, nodeByName(state, node));
  await startNode(context, nodeByName(state, node));
}

export async function pgbackrest(runner: LocalRunner, node: string, stanza: string, args: string[]): Promise<string> {
  const state = runner.state()!;
  const { stdout } = await run("pgbackrest", [`--config=${confPath(runner, node)}`, `--stanza=${stanza}`, ...args], {
    runAs: state.runAs,
    timeoutMs: 10 * 60_000,
  });
  return stdout;
}

/** Waits until the writer's WAL up to now is in the repository (a switch, then the archiver's last segment). */
export async function archiveNow(runner: LocalRunner, node: string): Promise<void> {
  const segment = await runner.superuserQuery(node, "SELECT pg_walfile_name(pg_switch_wal())");
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const last = await runner.superuserQuery(node, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
    if (last.length === 24 && last.slice(8) >= segment.slice(8)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${node}: segment ${segment} was not archived within 60s`);
}
