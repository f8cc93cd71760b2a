/** What the deploy check expects to find, from the Topology and the identifiers AWS assigned. Pure. */
import type { AuroraTopology, DatabaseNode } from "../topology/types";
import type { AuroraExpectation } from "./check/handover";
import { versionPolicy } from "./versions";

export interface CreatedIdentifiers {
  clusterId: string;
  /** Identifiers of the primary cluster's instances, in the order of `nodes`. */
  instanceIds: readonly string[];
  /** Per secondary region, in the Topology's order: its cluster and its readers. */
  secondaries: ReadonlyArray<{ clusterId: string; readerIds: readonly string[] }>;
  /** RDS Proxy's name, when the stack has one. */
  proxyName?: string;
}

function majorUpgrade(topology: AuroraTopology): AuroraExpectation["majorUpgrade"] {
  if (topology.aurora.secondaries.length > 0) return "global";
  return versionPolicy(topology.aurora).parameterGroups.includes("family") ? "held" : "applied";
}

export function auroraExpectation(
  topology: AuroraTopology,
  nodes: readonly DatabaseNode[],
  ids: CreatedIdentifiers,
): AuroraExpectation {
  const readers = nodes.flatMap((node, index) => {
    const id = ids.instanceIds[index];
    return node.role === "primary" || id === undefined ? [] : [{ id, role: node.role }];
  });
  const writerIndex = nodes.findIndex((node) => node.role === "primary");
  const declaredWriter = ids.instanceIds[writerIndex];
  return {
    timeoutMs: topology.verification.timeoutMs,
    maxLagMs: topology.verification.maxLagMs,
    postgresVersion: topology.postgresVersion,
    majorUpgrade: majorUpgrade(topology),
    ...(ids.proxyName !== undefined ? { proxy: { region: topology.region, name: ids.proxyName } } : {}),
    clusters: [
      {
        region: topology.region,
        clusterId: ids.clusterId,
        primary: true,
        ...(declaredWriter !== undefined ? { declaredWriter } : {}),
        ...(topology.restore !== undefined ? { restoredUser: topology.user } : {}),
        readers,
      },
      ...topology.aurora.secondaries.flatMap((secondary, index) => {
        const created = ids.secondaries[index];
        if (!created) return [];
        return [
          {
            region: secondary.region,
            clusterId: created.clusterId,
            primary: false,
            readers: created.readerIds.map((id) => ({ id, role: "oltp" as const })),
          },
        ];
      }),
    ],
  };
}
