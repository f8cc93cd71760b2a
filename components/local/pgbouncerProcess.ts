/** Local PgBouncer pools: the rendered pgbouncer.ini with loopback ports and local paths. */
import { renderPgbouncerIni, renderUserlist } from "../render/pgbouncerIni";
import type { Pool, Topology } from "../topology/types";
import { spawnDaemon, stopProcess } from "./exec";
import { ensureDir, writeOwnedFile } from "./files";
import type { RunAs } from "./identity";
import type { Layout } from "./layout";
import { LOOPBACK } from "./ports";

export interface PoolContext {
  topology: Topology;
  layout: Layout;
  runAs: RunAs;
  pgbouncer: string;
  appPassword: string;
}

export function writePoolFiles(ctx: PoolContext, pool: Pool, listenPort: number, targetPort: number): void {
  ensureDir(ctx.layout.poolDir(pool.service), ctx.runAs);
  writeOwnedFile(ctx.layout.poolUserlist(pool.service), renderUserlist(ctx.topology.user, ctx.appPassword), ctx.runAs);
  const ini = renderPgbouncerIni(ctx.topology, pool, {
    target: { host: LOOPBACK, port: targetPort },
    listen: { host: LOOPBACK, port: listenPort },
    authFile: ctx.layout.poolUserlist(pool.service),
    serverTlsMode: "disable",
  });
  writeOwnedFile(ctx.layout.poolIni(pool.service), ini, ctx.runAs);
}

/** Runs in the foreground of its own session (no pidfile needed); returns its pid. */
export function startPool(ctx: PoolContext, pool: Pool): number {
  return spawnDaemon(ctx.pgbouncer, [ctx.layout.poolIni(pool.service)], { runAs: ctx.runAs, logFile: ctx.layout.log(pool.service) });
}

/** SIGINT is PgBouncer's safe shutdown: it waits for clients' transactions to finish. */
export async function stopPool(pid: number | undefined): Promise<void> {
  await stopProcess(pid, "SIGINT", 5000);
}

/** SIGHUP re-reads pgbouncer.ini; a changed host or port makes it reconnect to the new target. */
export function reloadPool(pid: number): void {
  process.kill(pid, "SIGHUP");
}
