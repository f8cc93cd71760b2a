/**
 * Each role in every vocabulary it has: the stack config key, the Aurora
 * instance role, the Kubernetes Service, the pool, the failover promotion tier.
 * Code that translates one vocabulary to another reads this table.
 */
import type { NodeRole, PoolName } from "./types";

export interface RoleNames {
  /** Key under resources.* (and the overrides block's name). */
  configKey: "primary" | "replica" | "olap";
  /** Aurora instance role and parameter group suffix. */
  aurora: "writer" | "reader" | "olap";
  /** Suffix of the Kubernetes Service selecting this role (`<name>-rw`). */
  service: "rw" | "ro" | "olap";
  /** The pool that serves this role. */
  pool: PoolName;
  /** Aurora failover promotes the lowest tier first: OLTP readers before the OLAP reader. */
  promotionTier: number;
  /** How status tables name the role. */
  label: string;
}

export const ROLES = {
  primary: { configKey: "primary", aurora: "writer", service: "rw", pool: "write", promotionTier: 0, label: "writer" },
  oltp: {
    configKey: "replica",
    aurora: "reader",
    service: "ro",
    pool: "read",
    promotionTier: 1,
    label: "OLTP replica",
  },
  olap: { configKey: "olap", aurora: "olap", service: "olap", pool: "olap", promotionTier: 15, label: "OLAP replica" },
} as const satisfies Record<NodeRole, RoleNames>;

/** The role a pool's server connections land on. */
export const POOL_TARGET = { write: "primary", read: "oltp", olap: "olap" } as const satisfies Record<
  PoolName,
  NodeRole
>;

export const NODE_ROLES = ["primary", "oltp", "olap"] as const satisfies readonly NodeRole[];
export const POOL_NAMES = ["write", "read", "olap"] as const satisfies readonly PoolName[];
