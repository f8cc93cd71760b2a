/** Admission rules of the statefulset engine. */
import type { ResolvedSelfHosted } from "../../config/resolve";
import type { Check } from "../../topology/validate/rule";

/** After a failover the writer is an OLTP replica of the primary's region: one that exists. */
function writer(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    const primary = `${config.name}-primary-0`;
    const replicas = Array.from({ length: config.replicas.count }, (_, i) => `${config.name}-replica-${i}`);
    if (config.kubernetes.writer === primary || replicas.includes(config.kubernetes.writer)) return;
    issues.push({
      key: "kubernetes.writer",
      value: config.kubernetes.writer,
      problem: "is neither the primary's pod nor an OLTP replica pod of the primary's region",
      fix: `use ${primary} or the replica pg-read-replicas kubernetes failover promoted (one of ${replicas.join(", ")})`,
    });
  };
}

export function statefulsetRules(config: ResolvedSelfHosted): Check[] {
  return [writer(config)];
}
