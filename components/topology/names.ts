/**
 * Every name the topology hands out. Kubernetes object names, pod names,
 * replication application_names and slot names all derive from here, so a
 * replica's pod, its slot and its row in pg_stat_replication always agree.
 */
import type { PoolName } from "./types";

export const primaryGroupName = (name: string) => `${name}-primary`;
export const olapGroupName = (name: string) => `${name}-olap`;
export const replicaGroupName = (name: string, region: string, remote: boolean) =>
  remote ? `${name}-replica-${region}` : `${name}-replica`;
export const nodeName = (group: string, ordinal: number) => `${group}-${ordinal}`;
/** Slot names allow [a-z0-9_] only. */
export const slotName = (node: string) => node.replace(/-/g, "_");
/**
 * Every slot name this stack's groups can produce, whatever the replica counts, regions or OLAP: the slot of
 * `<name>-primary-N`, `<name>-olap-N`, `<name>-replica-N` or `<name>-replica-<region>-N`. A slot outside it belongs to
 * another tool and is never ours to drop.
 */
export const slotPattern = (name: string) => `^${slotName(name)}_(primary|olap|replica(_[a-z0-9_]+)?)_[0-9]+$`;
export const poolServiceName = (name: string, pool: PoolName) => `${name}-pool-${pool}`;

/** StatefulSet names must leave room for the controller-revision-hash label (63 - 11). */
export const MAX_GROUP_NAME = 52;
