/** What a preview deploys, in words for its summary: the same lines in both modes, from the Topology. */
import { nodesIn } from "../topology/queries";
import type { Topology } from "../topology/types";

function names(list: readonly { name: string }[]): string {
  return list.map((item) => item.name).join(", ");
}

const plural = (word: string, list: readonly unknown[]) => (list.length === 1 ? word : `${word}s`);

function synchronous(topology: Topology): string {
  if (topology.backend === "aurora") return "Aurora storage replication (no WAL streaming settings)";
  const { synchronousCommit, synchronousReplicas } = topology.replication;
  return synchronousReplicas > 0
    ? `synchronous commit ${synchronousCommit}, waiting for ANY ${synchronousReplicas} of the ${topology.region} OLTP replicas`
    : `synchronous commit ${synchronousCommit} (replicas asynchronous)`;
}

export function describeTopology(topology: Topology): string[] {
  const lines = topology.regions.map((region) => {
    const nodes = nodesIn(region);
    const byRole = (role: string) => nodes.filter((node) => node.role === role);
    const parts = [
      ...(region.primary ? [`primary ${names(byRole("primary"))}`] : []),
      ...(byRole("oltp").length > 0 ? [`OLTP ${plural("replica", byRole("oltp"))} ${names(byRole("oltp"))}`] : []),
      ...(byRole("olap").length > 0 ? [`OLAP replica ${names(byRole("olap"))}`] : []),
      `${plural("pool", region.pools)} ${region.pools.map((pool) => pool.name).join(", ")}`,
    ];
    return `${region.name}${region.primary ? " (primary region)" : ""}: ${parts.join("; ")}`;
  });
  lines.push(
    `PostgreSQL ${topology.postgresVersion}; ${synchronous(topology)}; TLS ${topology.access.requireTls ? "required" : "optional"}`,
  );
  if (topology.backend === "selfHosted")
    lines.push(`Kubernetes namespace ${topology.kubernetes.namespace} (every region)`);
  if (topology.backend === "aurora") {
    const { deletionProtection, skipFinalSnapshot } = topology.aurora;
    lines.push(
      `Aurora: deletion protection ${deletionProtection ? "on" : "off"}, final snapshot ${skipFinalSnapshot ? "skipped" : "taken"}`,
    );
  }
  const labels = Object.entries(topology.labels).map(([key, value]) => `${key}=${value}`);
  if (labels.length > 0) lines.push(`labels ${labels.join(", ")}`);
  return lines;
}
