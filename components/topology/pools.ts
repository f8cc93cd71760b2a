/** PgBouncer pool definitions: sizing resolved per pool, and the pools a region serves. */
import type { ResolvedConfig } from "../config/resolve";
import { poolServiceName } from "./names";
import { POOL_TARGET } from "./roles";
import type { Pool, PoolName } from "./types";

export function buildPool(config: ResolvedConfig, pool: PoolName, region: string): Pool {
  const { pgbouncer } = config;
  const { configKey: _configKey, ...sizing } = pgbouncer.pools[pool];
  return {
    name: pool,
    service: poolServiceName(config.name, pool),
    region,
    target: POOL_TARGET[pool],
    poolMode: pgbouncer.poolMode,
    ...sizing,
    reservePoolTimeoutMs: pgbouncer.reservePoolTimeoutMs,
    // OLTP reads get a statement timeout so one runaway query cannot pin a pooled
    // connection; analytics and writes are not cut short.
    ...(pool === "read" ? { statementTimeoutMs: pgbouncer.readStatementTimeoutMs } : {}),
    serverRoundRobin: pool === "read",
    instances: pgbouncer.instances,
  };
}
