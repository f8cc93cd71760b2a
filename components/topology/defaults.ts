/**
 * Every default the product applies, in one place (the README's config
 * reference lists the same). Anything not here must be set in stack config.
 */
import type { StackConfig } from "../config/schema";
import { parseByteQuantity } from "../config/units";
import type { PoolMode, SynchronousCommit } from "./types";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export const DEFAULTS = {
  name: "pg",
  /** Region label for the local backend, which runs on one machine. */
  localRegion: "local",
  resources: {
    primary: { cpu: "1", memory: "2Gi", storage: "20Gi" },
    replica: { cpu: "1", memory: "2Gi", storage: "20Gi" },
    olap: { cpu: "2", memory: "4Gi", storage: "20Gi" },
    pgbouncer: { cpu: "100m", memory: "128Mi" },
  },
  maxConnections: 200,
  pgbouncer: {
    poolMode: "transaction" as PoolMode,
    defaultPoolSize: 20,
    maxClientConn: 1000,
    reservePoolSize: 5,
    reservePoolTimeoutMs: 3000,
    readStatementTimeoutMs: 30_000,
    instances: 2,
  },
  replication: {
    synchronousCommit: "local" as SynchronousCommit,
    synchronousReplicas: 0,
    walKeepSizeBytes: 1 * GiB,
    maxSlotWalKeepSizeBytes: 10 * GiB,
    /** Past this a replica leaves the read Service: the "critical" byte-lag threshold. */
    maxLagBytes: 100 * MiB,
    basebackupMaxRate: "100M",
  },
  verification: { timeoutMs: 5 * 60_000, maxLagMs: 5000 },
  kubernetes: {
    createNamespace: true,
    antiAffinity: "preferred" as const,
    postgresImage: (version: number) => `postgres:${version}-bookworm`,
    pgbouncerImage: "edoburu/pgbouncer:v1.25.1-p0",
  },
} as const;

/** Server connections kept free on every node for admins, probes and the verifier. */
export const CONNECTION_HEADROOM = 10;

export interface ResolvedResources {
  cpu: string;
  memory: string;
  memoryBytes: number;
  storage: string;
}

export function resolveNodeResources(
  config: StackConfig,
  role: "primary" | "replica" | "olap",
): ResolvedResources {
  const given = config.resources?.[role] ?? {};
  const fallback = DEFAULTS.resources[role];
  const memory = given.memory ?? fallback.memory;
  return {
    cpu: given.cpu ?? fallback.cpu,
    memory,
    memoryBytes: parseByteQuantity(memory)!,
    storage: given.storage ?? fallback.storage,
  };
}
