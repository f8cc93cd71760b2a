/** What Aurora does differently from the Topology, in words for the stack outputs and the deploy log. */
import { ROLES } from "../topology/roles";
import type { AuroraTopology } from "../topology/types";
import { type AuroraNote, auroraParameterPlan } from "./parameters";

const ROLE_NAMES = { primary: "writer", oltp: "OLTP readers", olap: "OLAP reader", cluster: "cluster" } as const;

export function describeNote(note: AuroraNote, roles: readonly AuroraNote["role"][] = [note.role]): string {
  const where = roles.map((r) => ROLE_NAMES[r]).join(", ");
  const what = note.outcome === "skipped" ? "not applied" : `applied as ${note.auroraValue}`;
  return `${where}: ${note.setting} = ${note.value} ${what}: ${note.reason}${note.fromStackConfig ? " (set in stack config)" : ""}.`;
}

/** One line per distinct note, listing every role it applies to. */
function mergedNotes(notes: readonly AuroraNote[]): string[] {
  const groups = new Map<string, { note: AuroraNote; roles: AuroraNote["role"][] }>();
  for (const note of notes) {
    const key = JSON.stringify([note.setting, note.value, note.outcome, note.reason, note.auroraValue, note.fromStackConfig]);
    const group = groups.get(key);
    if (group) group.roles.push(note.role);
    else groups.set(key, { note, roles: [note.role] });
  }
  return [...groups.values()].map(({ note, roles }) => describeNote(note, roles));
}

export function auroraNotes(topology: AuroraTopology, proxyReadOnlyEndpoint: string | undefined): string[] {
  const aurora = topology.aurora;
  const olap = topology.standbys.some((s) => s.role === "olap");
  const notes: string[] = [];
  if (!aurora.proxy.enabled) {
    notes.push("RDS Proxy is disabled (aurora.proxy.enabled: false): pools.write is the cluster endpoint and pools.read the reader endpoint, without connection pooling.");
  } else if (olap) {
    notes.push(
      `pools.read is the OLTP custom endpoint, not RDS Proxy: a proxy's READ_ONLY endpoint cannot exclude a reader, so ${proxyReadOnlyEndpoint ?? "it"} would send OLTP reads to the OLAP reader too. pools.write is RDS Proxy.`,
    );
  }
  if (olap) {
    notes.push(
      `Failover prefers OLTP readers (promotion tier ${ROLES.oltp.promotionTier}) over the OLAP reader (tier ${ROLES.olap.promotionTier}); Aurora still promotes the OLAP reader when no other reader is healthy, and the deploy check then fails with the command to fail back.`,
    );
  }
  if (aurora.autoscaling) {
    notes.push(
      `Autoscaled readers (${aurora.autoscaling.minReaders}–${aurora.autoscaling.maxReaders}) join the OLTP reader endpoint automatically; Application Auto Scaling only removes readers it added, never the OLAP reader.`,
    );
  }
  for (const secondary of aurora.secondaries) {
    notes.push(`${secondary.region}: no RDS Proxy there; its readPool is that secondary cluster's reader endpoint.`);
  }
  notes.push(...mergedNotes(auroraParameterPlan(topology).notes));
  return notes;
}
