/**
 * bin/pgrr-daemon.cjs: `read-pool --state-dir <dir>` or `pool-exporter --state-dir <dir>`. Started by
 * `local up` (upSteps.ts, monitoring.ts), never by hand; each daemon's module is imported alone so
 * that the process carries what it runs and nothing of the CLI.
 */
import { join } from "node:path";
import type { serveReadPool } from "./readPoolDaemon";
import type { servePoolExporter } from "./poolExporterDaemon";

type Serve = (stateDir: string, log: (message: string) => void) => Promise<void>;
/** The bin's require (tsx's CommonJS hook): a module is loaded only when its daemon is asked for. */
export type Load = (path: string) => unknown;

const DAEMONS = {
  "read-pool": (load: Load): Serve =>
    (load(join(__dirname, "readPoolDaemon.ts")) as { serveReadPool: typeof serveReadPool }).serveReadPool,
  "pool-exporter": (load: Load): Serve =>
    (load(join(__dirname, "poolExporterDaemon.ts")) as { servePoolExporter: typeof servePoolExporter })
      .servePoolExporter,
} as const;

export type DaemonName = keyof typeof DAEMONS;

export async function main(args: readonly string[], load: Load): Promise<void> {
  const [name, flag, stateDir, ...rest] = args;
  if (!(name !== undefined && name in DAEMONS) || flag !== "--state-dir" || !stateDir || rest.length > 0) {
    process.stderr.write(
      `pgrr-daemon: usage: pgrr-daemon <${Object.keys(DAEMONS).join("|")}> --state-dir <dir> (got: ${args.join(" ")})\n`,
    );
    process.exitCode = 2;
    return;
  }
  const log = (message: string) => console.log(`${new Date().toISOString()} ${message}`);
  try {
    await DAEMONS[name as DaemonName](load)(stateDir, log);
  } catch (error) {
    process.stderr.write(`pgrr-daemon ${name}: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}

/** The argv that starts a daemon (after the Node binary). */
export function daemonArgs(entry: string, name: DaemonName, stateDir: string): string[] {
  return [entry, name, "--state-dir", stateDir];
}
