/**
 * What `local up` will not change on a running stack, each refused with the reason and the
 * procedure, before anything is touched. Pure.
 *
 * - Another backend, or another PostgreSQL major: the data directories belong to one major and one kind
 *   of stack; pg_upgrade, or a dump restored into a new stack, moves data between them.
 * - The stack's name, database, application user or replication user: every node, slot and pool is
 *   named after the stack, the data lives in that database, the application's role owns it and the
 *   standbys log in with that replication role. Renaming any of them in place would rename the database
 *   or roles under running clients; a new stack with the data restored into it is the way.
 * - The regions: each has its own network namespace and certificate, made when the stack was created.
 * - A node keeping its name in another region or role (the OLAP replica moved between regions).
 * - Lowering a setting a standby must hold at least at its primary's value: PostgreSQL stops replay on
 *   a standby with less, and a switchover cannot order that without a writer restart in place.
 */
import { CHANGE_FACTS } from "../facts/local/changes";
import type { LocalTopology, Setting } from "../topology/types";
import { allNodes, groupOf } from "../topology/queries";

export interface StackSource {
  /** The backend the stack file names: local, or selfHosted when rehearsed here. */
  backend: "local" | "selfHosted";
  /** The PostgreSQL major the stack file asks for (a rehearsal may run another here). */
  postgresVersion: number;
}

export interface RefusalInput {
  current: { topology: LocalTopology; source: StackSource };
  next: { topology: LocalTopology; source: StackSource };
}

const NOTHING_CHANGED = "Nothing was changed.";

function backendChange({ current, next }: RefusalInput): string[] {
  if (current.source.backend === next.source.backend) return [];
  return [
    `backend: the running stack was created from a ${current.source.backend} stack, the stack file now says ${next.source.backend}. ` +
      "Another backend is another stack: create it beside this one (local up --state-dir <dir>), move the data with pg_dump and pg_restore, then local down this one. " +
      NOTHING_CHANGED,
  ];
}

function versionChange({ current, next }: RefusalInput): string[] {
  const [from, to] = [current.source.postgresVersion, next.source.postgresVersion];
  const [runFrom, runTo] = [current.topology.postgresVersion, next.topology.postgresVersion];
  if (from === to && runFrom === runTo) return [];
  return [
    `postgresVersion: ${from} → ${to}${runFrom !== runTo ? ` (servers here: ${runFrom} → ${runTo})` : ""}. ` +
      "The data directories are PostgreSQL " +
      `${runFrom}'s; another major cannot read them. Upgrade with pg_upgrade on a stopped copy, or create a new stack on ${to} and restore a pg_dump of this one into it. ` +
      NOTHING_CHANGED,
  ];
}

function identityChanges({ current, next }: RefusalInput): string[] {
  const [a, b] = [current.topology, next.topology];
  const named: Array<[key: string, from: string, to: string, why: string]> = [
    ["name", a.name, b.name, "every node, slot, pool and data directory is named after it"],
    ["database", a.database, b.database, "the data lives in it"],
    ["user", a.user, b.user, "the application's role owns the database and its tables"],
    ["replicationUser", a.replication.user, b.replication.user, "the standbys stream with that role's login"],
  ];
  return named
    .filter(([, from, to]) => from !== to)
    .map(
      ([key, from, to, why]) =>
        `${key}: ${from} → ${to}: ${why}. Renaming it in place would take it from under running clients; create a new stack with the new ${key} and restore a pg_dump of this one into it. ${NOTHING_CHANGED}`,
    );
}

function regionChanges({ current, next }: RefusalInput): string[] {
  const names = (topology: LocalTopology) => topology.regions.map((r) => r.name).join(", ");
  if (current.topology.region === next.topology.region && names(current.topology) === names(next.topology)) return [];
  return [
    `regions: ${names(current.topology)} (primary ${current.topology.region}) → ${names(next.topology)} (primary ${next.topology.region}). ` +
      "Each region's network and certificate were made with the stack; a region added, removed or moved needs a new stack (create it beside this one, restore a pg_dump of this one into it). " +
      NOTHING_CHANGED,
  ];
}

function nodeMoves({ current, next }: RefusalInput): string[] {
  const before = new Map(allNodes(current.topology).map((node) => [node.name, node]));
  return allNodes(next.topology).flatMap((node) => {
    const old = before.get(node.name);
    if (!old || (old.region === node.region && old.role === node.role && old.group === node.group)) return [];
    return [
      `${node.name}: moves from ${old.role} in ${old.region} to ${node.role} in ${node.region}. Turn it off first (local up without it), then on where it belongs (a second local up seeds it there). ${NOTHING_CHANGED}`,
    ];
  });
}

function settingValue(settings: readonly Setting[], name: string): number | undefined {
  const found = settings.find((s) => s.name === name);
  return found === undefined ? undefined : Number(found.value);
}

function standbyBoundDecreases({ current, next }: RefusalInput): string[] {
  const before = groupOf(current.topology, current.topology.primary).settings;
  const after = groupOf(next.topology, next.topology.primary).settings;
  return CHANGE_FACTS.standbyAtLeastPrimary.value.flatMap((name) => {
    const [from, to] = [settingValue(before, name), settingValue(after, name)];
    if (from === undefined || to === undefined || to >= from) return [];
    return [
      `${name}: ${from} → ${to}. A standby must have at least its primary's value (PostgreSQL pauses replay otherwise), and every server here keeps the old value until it restarts: lowering it needs the writer restarted in place, a write outage local up does not take. Keep ${from}, or create a new stack with ${to} and restore a pg_dump of this one into it. ${NOTHING_CHANGED}`,
    ];
  });
}

/** Every reason the change cannot be made in place; empty when it can. */
export function changeRefusals(input: RefusalInput): string[] {
  const fundamental = [...backendChange(input), ...versionChange(input), ...identityChanges(input)];
  // Past a backend, version or name change, the finer comparisons would only repeat it.
  if (fundamental.length > 0) return fundamental;
  return [...regionChanges(input), ...nodeMoves(input), ...standbyBoundDecreases(input)];
}
