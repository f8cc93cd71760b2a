/** PgBouncer pool definitions: sizing from config with per-pool overrides, and the pools a region serves. */
import type { StackConfig } from "../config/schema";
import { DEFAULTS } from "./defaults";
import { poolServiceName } from "./names";
import type { Pool, PoolName, PoolSizing } from "./types";

export function poolSizing(config: StackConfig, pool: PoolName): PoolSizing {
  const global = config.pgbouncer ?? {};
  const own = config.pgbouncer?.pools?.[pool] ?? {};
  return {
    defaultPoolSize: own.defaultPoolSize ?? global.defaultPoolSize ?? DEFAULTS.pgbouncer.defaultPoolSize,
    maxClientConn: own.maxClientConn ?? global.maxClientConn ?? DEFAULTS.pgbouncer.maxClientConn,
    reservePoolSize: own.reservePoolSize ?? global.reservePoolSize ?? DEFAULTS.pgbouncer.reservePoolSize,
  };
}

/** The local backend runs one PgBouncer per pool; clusters run two for availability. */
export function poolInstancesDefault(config: StackConfig): number {
  return config.backend === "local" ? 1 : DEFAULTS.pgbouncer.instances;
}

export function buildPool(config: StackConfig, name: string, pool: PoolName, region: string): Pool {
  const settings = config.pgbouncer ?? {};
  const readStatementTimeoutMs = settings.readStatementTimeout ?? DEFAULTS.pgbouncer.readStatementTimeoutMs;
  return {
    name: pool,
    service: poolServiceName(name, pool),
    region,
    target: pool === "write" ? "primary" : pool === "read" ? "oltp" : "olap",
    poolMode: settings.poolMode ?? DEFAULTS.pgbouncer.poolMode,
    ...poolSizing(config, pool),
    reservePoolTimeoutMs: settings.reservePoolTimeout ?? DEFAULTS.pgbouncer.reservePoolTimeoutMs,
    // OLTP reads get a statement timeout so one runaway query cannot pin a pooled
    // connection; analytics and writes are not cut short.
    ...(pool === "read" ? { statementTimeoutMs: readStatementTimeoutMs } : {}),
    serverLifetimeS: pool === "read" ? 300 : 3600,
    serverRoundRobin: pool === "read",
    instances: settings.instances ?? poolInstancesDefault(config),
  };
}
