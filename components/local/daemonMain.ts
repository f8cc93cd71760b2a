/**
 * A local stack's daemons: `read-pool --state-dir <dir>` or `pool-exporter --state-dir <dir>`. Started by `local up`
 * (daemons.ts) from a bundle of this module and what it imports (daemonBundle.ts), never by hand: the process carries
 * what it runs, not the CLI, nor tsx.
 */
import { serveReadPool } from "./readPoolDaemon";
import { servePoolExporter } from "./poolExporterDaemon";

type Serve = (stateDir: string, log: (message: string) => void) => Promise<void>;

const DAEMONS = { "read-pool": serveReadPool, "pool-exporter": servePoolExporter } as const satisfies Record<
  string,
  Serve
>;

export type DaemonName = keyof typeof DAEMONS;

export async function main(args: readonly string[]): Promise<void> {
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
    await DAEMONS[name as DaemonName](stateDir, log);
  } catch (error) {
    process.stderr.write(`pgrr-daemon ${name}: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}

/** The argv that starts a daemon (after the Node binary). */
export function daemonArgs(entry: string, name: DaemonName, stateDir: string): string[] {
  return [entry, name, "--state-dir", stateDir];
}
