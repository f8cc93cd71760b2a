/**
 * refresh.sh as the statefulset engine renders it, run beside a local stack's writer as the postgres user: what the
 * refresher sidecar does in a pod, on real servers. Its credentials volume is a directory filled as the engine's
 * Secret fills it (SCRAM verifiers, and the replication password).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REFRESH_KEYS } from "../../components/kubernetes/conventions";
import { nodeContext } from "../../components/local/contexts";
import type { LocalRunner } from "../../components/local/runner";
import type { LocalState } from "../../components/local/state";
import { refreshRoles, renderRefreshScript } from "../../components/render/refreshScript";
import { scramVerifier } from "../../components/sql/scramVerifier";

export interface Refresher {
  process: ChildProcess;
  /** Its log so far (stdout and stderr). */
  log: () => string;
  stop: () => Promise<void>;
}

/** The script pointed at `writer`'s port and socket, every `intervalSeconds`; `dir` holds it and its passfile. */
export function startRefresher(
  runner: LocalRunner,
  state: LocalState,
  options: { writer: string; credentialsDir: string; dir: string; intervalSeconds?: number },
): Refresher {
  const node = state.topology.primary.name === options.writer ? state.topology.primary : undefined;
  const writer = node ?? state.topology.standbys.find((s) => s.name === options.writer)!;
  const topology = { ...state.topology, port: state.endpoints.nodes[writer.name]!.port };
  const socketDir = nodeContext(runner.layout, state).socketDirOf(writer);
  const script = join(options.dir, "refresh.sh");
  writeFileSync(script, renderRefreshScript(topology, refreshRoles(topology, REFRESH_KEYS), socketDir), {
    mode: 0o755,
  });
  const env = {
    PATH: `${state.binaries.pgBin}:/usr/bin:/bin`,
    CREDENTIALS_DIR: options.credentialsDir,
    PASSFILE: join(options.dir, "passfile"),
    REFRESH_INTERVAL_SECONDS: String(options.intervalSeconds ?? 1),
  };
  const { runAs } = state;
  const child = runAs.switchUser
    ? spawn("setpriv", [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, "--clear-groups", "--", "bash", script], {
        env,
        stdio: ["ignore", "pipe", "pipe"],
      })
    : spawn("bash", [script], { env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    process: child,
    log: () => log,
    stop: async () => {
      // setpriv execs bash: the signal reaches the script, whose TERM trap exits.
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The credentials volume as the statefulset engine's Secret fills it: verifiers, and the replication password. */
export function writeCredentials(
  state: LocalState,
  dir: string,
  next: { app: string; replication: string; monitor: string },
): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const { topology } = state;
  const files: Record<string, string> = {
    [REFRESH_KEYS.verifiers.app]: scramVerifier(topology.user, next.app),
    [REFRESH_KEYS.verifiers.replication]: scramVerifier(topology.replication.user, next.replication),
    [REFRESH_KEYS.verifiers.monitor]: scramVerifier(topology.monitoring.user, next.monitor),
    [REFRESH_KEYS.replication]: next.replication,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o644 });
}
