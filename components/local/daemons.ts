/**
 * Starting the CLI's own daemons (their bundle: daemonBundle.ts): the read pool controller and the pools' exporter.
 * One that runs the code on disk is left alone; one started from other code (daemonCode.ts) is stopped and started
 * again.
 */
import { ensureDaemonBundle } from "./daemonBundle";
import { binaryOverrides } from "./binaries";
import { daemonCodeDigest, runsOldCode } from "./daemonCode";
import { type DaemonName, daemonArgs } from "./daemonMain";
import { isAlive, spawnDaemon, stopProcess } from "./exec";
import type { Layout } from "./layout";
import type { LocalState } from "./state";

let digest: string | undefined;

/** The digest once per process: `up` asks for each daemon, and the code does not change under it. */
function currentCode(): string {
  digest ??= daemonCodeDigest();
  return digest;
}

/**
 * The daemon's pid once it runs the code on disk: `pid` itself when it is alive and does, else a new one (the old one
 * stopped first). The code it runs is recorded in the state, which the caller writes.
 */
export async function ensureDaemon(
  layout: Layout,
  state: LocalState,
  name: DaemonName,
  pid: number | undefined,
  logName: string,
): Promise<number> {
  const code = currentCode();
  if (isAlive(pid) && !runsOldCode(state.daemonCode?.[name], code)) return pid!;
  await stopProcess(pid);
  const started = spawnDaemon(process.execPath, daemonArgs(ensureDaemonBundle(code), name, layout.root), {
    runAs: { ...state.runAs, switchUser: false },
    env: { PG_READ_REPLICAS_DAEMON: "1", ...binaryOverrides(process.env) },
    logFile: layout.log(logName),
  });
  state.daemonCode = { ...state.daemonCode, [name]: code };
  return started;
}
