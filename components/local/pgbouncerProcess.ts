/** Local PgBouncer pools: the rendered pgbouncer.ini with local addresses and paths, one process per pool. */
import type { Endpoint } from "../contract/stackOutputs";
import { renderPgbouncerIni, renderUserlist } from "../render/pgbouncerIni";
import { type ServerTls, serverTlsForTarget } from "../render/tlsModes";
import { prometheusMonitoring } from "../topology/queries";
import type { Pool, Topology } from "../topology/types";
import { spawnDaemon, stopProcess } from "./exec";
import { ensureDir, replaceOwnedFile } from "./files";
import type { RunAs } from "./identity";
import type { Layout } from "./layout";

/** The admin-console login of local pools: the read pool controller reloads and drains with it. */
export const POOL_ADMIN_USER = "pgrr_admin";

export interface PoolContext {
  topology: Topology;
  layout: Layout;
  runAs: RunAs;
  pgbouncer: string;
  passwords: { app: string; poolAdmin: string; monitor: string };
  /** The stack's choice; a host list may check less (render/tlsModes.ts serverTlsForTarget). */
  serverTls: ServerTls;
  pgbouncerVersion: string;
  /** A pool's name in the state, files and logs (unique across regions). */
  keyOf: (pool: Pool) => string;
  netnsOf: (pool: Pool) => string | undefined;
  /** The certificate of the pool's region, when the stack has TLS. */
  clientTls?: (pool: Pool) => { certFile: string; keyFile: string } | undefined;
}

export function renderLocalPoolIni(ctx: PoolContext, pool: Pool, listen: Endpoint, target: Endpoint): string {
  const clientTls = ctx.clientTls?.(pool);
  return renderPgbouncerIni(ctx.topology, pool, {
    target,
    listen,
    authFile: ctx.layout.poolUserlist(ctx.keyOf(pool)),
    serverTls: serverTlsForTarget(ctx.serverTls, target.host, ctx.pgbouncerVersion),
    adminUser: POOL_ADMIN_USER,
    ...(clientTls ? { clientTls } : {}),
  });
}

/**
 * Writes userlist.txt and pgbouncer.ini, each replaced by rename: a PgBouncer reloading at that moment reads the old
 * file or the new one, never half of one. (The userlist written in place once let a RELOAD read it truncated: every
 * client of that pool then failed SCRAM with "SASL authentication failed" until the next reload.)
 */
export function writePoolFiles(ctx: PoolContext, pool: Pool, listen: Endpoint, target: Endpoint): void {
  const key = ctx.keyOf(pool);
  ensureDir(ctx.layout.poolDir(key), ctx.runAs);
  const files = renderPoolFiles(ctx, pool, listen, target);
  replaceOwnedFile(ctx.layout.poolUserlist(key), files.userlist, ctx.runAs);
  replaceOwnedFile(ctx.layout.poolIni(key), files.ini, ctx.runAs);
}

/** The two files writePoolFiles writes, as text. */
export function renderPoolFiles(
  ctx: PoolContext,
  pool: Pool,
  listen: Endpoint,
  target: Endpoint,
): { ini: string; userlist: string } {
  const monitoring = prometheusMonitoring(ctx.topology);
  const logins: Array<readonly [string, string]> = [
    [POOL_ADMIN_USER, ctx.passwords.poolAdmin],
    ...(monitoring ? [[monitoring.user, ctx.passwords.monitor] as const] : []),
  ];
  return {
    userlist: renderUserlist(ctx.topology.user, ctx.passwords.app, ...logins),
    ini: renderLocalPoolIni(ctx, pool, listen, target),
  };
}

/** Runs in the foreground of its own session, in its region's namespace if it has one; returns its pid. */
export function startPool(ctx: PoolContext, pool: Pool): number {
  const netns = ctx.netnsOf(pool);
  return spawnDaemon(ctx.pgbouncer, [ctx.layout.poolIni(ctx.keyOf(pool))], {
    runAs: ctx.runAs,
    logFile: ctx.layout.log(`pool-${ctx.keyOf(pool)}`),
    ...(netns ? { netns } : {}),
  });
}

export function poolLog(ctx: Pick<PoolContext, "layout" | "keyOf">, pool: Pool): string {
  return ctx.layout.log(`pool-${ctx.keyOf(pool)}`);
}

/** SIGINT is PgBouncer's safe shutdown: it waits for clients' transactions to finish. */
export async function stopPool(pid: number | undefined): Promise<void> {
  await stopProcess(pid, "SIGINT", 5000);
}

/** SIGHUP re-reads pgbouncer.ini; a changed host or port makes it reconnect to the new target. */
export function reloadPool(pid: number): void {
  process.kill(pid, "SIGHUP");
}
