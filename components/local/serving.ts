/**
 * Who plays which part now. The topology names one primary and its standbys; promote and a
 * switchover change who writes without changing the topology. The writer is state.writer; every
 * other node that is not retired streams from it, the primary's own node included after a
 * switchover (as an OLTP replica of the primary's region, on a slot of its own name).
 *
 * A node keeps its group's settings (memory, overrides) wherever it serves, and takes the
 * replication settings of the part it plays (ROLE_SETTING_NAMES, all reloadable): a writer's
 * synchronous commit, a standby's read-only default and replay settings.
 */
import { MAX_REPLICAS } from "../config/schema";
import { nodeName, slotName } from "../topology/names";
import { allGroups, allNodes, groupOf } from "../topology/queries";
import { ROLE_SETTING_NAMES } from "../topology/settings";
import type { DatabaseNode, NodeGroup, NodeRole, Setting, StandbyNode, Topology } from "../topology/types";

/** Who writes and who no longer runs: the part of the state this module reads. */
export interface Serving {
  topology: Topology;
  writer: string;
  retired: readonly string[];
}

const ROLE_SETTINGS: ReadonlySet<string> = new Set(ROLE_SETTING_NAMES);

export function isRoleSetting(name: string): boolean {
  return ROLE_SETTINGS.has(name);
}

/** A node as a standby: the primary's node streams as an OLTP replica of its region, on a slot of its own name. */
export function asStandby(node: DatabaseNode): StandbyNode {
  if (node.role !== "primary") return node;
  return { ...node, role: "oltp", remote: false, slot: slotName(node.name) };
}

/** The part a node plays now. */
export function playedRole(serving: Serving, node: DatabaseNode): NodeRole {
  if (node.name === serving.writer) return "primary";
  return asStandby(node).role;
}

/** Every node that should stream from the writer now, in the topology's order (the primary's node first). */
export function servingStandbys(serving: Serving): StandbyNode[] {
  return allNodes(serving.topology)
    .filter((node) => node.name !== serving.writer && !serving.retired.includes(node.name))
    .map(asStandby);
}

function homeOltpGroup(topology: Topology): NodeGroup {
  const group = allGroups(topology).find((g) => g.role === "oltp" && !g.remote);
  if (!group) throw new Error(`topology ${topology.hash} has no OLTP group in the primary's region`);
  return group;
}

function primaryGroup(topology: Topology): NodeGroup {
  return groupOf(topology, topology.primary);
}

/**
 * The writer's synchronous_standby_names when it is not the primary's node: the same quorum over
 * every name that may stream from it (the primary's node, and every name the primary-region OLTP
 * group may scale to, itself excepted), so scaling never changes it.
 */
function writerStandbyNames(topology: Topology, writer: string): string {
  const home = homeOltpGroup(topology);
  const names = [topology.primary.name, ...Array.from({ length: MAX_REPLICAS }, (_, i) => nodeName(home.name, i))]
    .filter((name) => name !== writer)
    .map((name) => `"${name}"`);
  return `ANY ${topology.replication.synchronousReplicas} (${names.join(", ")})`;
}

function roleSettingsFor(topology: Topology, role: NodeRole, writer: string): Setting[] {
  const donor = role === "primary" ? primaryGroup(topology) : homeOltpGroup(topology);
  return donor.settings
    .filter((setting) => isRoleSetting(setting.name))
    .map((setting) =>
      setting.name === "synchronous_standby_names" && writer !== topology.primary.name
        ? { ...setting, value: writerStandbyNames(topology, writer) }
        : setting,
    );
}

/**
 * The settings a node runs with now: its own group's, with the replication settings of the part it plays. A fresh
 * stack's nodes play their own groups' parts, so this is their group unchanged.
 */
export function playedGroup(serving: Serving, node: DatabaseNode): NodeGroup {
  const own = groupOf(serving.topology, node);
  const role = playedRole(serving, node);
  if (role === own.role) return own;
  const kept = own.settings.filter((setting) => !isRoleSetting(setting.name));
  return { ...own, settings: [...kept, ...roleSettingsFor(serving.topology, role, serving.writer)] };
}
