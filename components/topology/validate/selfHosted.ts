/** Rules of the Kubernetes backend. */
import type { ResolvedSelfHosted } from "../../config/resolve";
import { pools } from "./common";
import type { Check } from "./rule";

function regionAccess(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    config.crossRegion.forEach((entry, index) => {
      if ((entry.context === undefined) !== (entry.kubeconfig === undefined)) return;
      issues.push({
        key: `crossRegion[${index}].context`,
        value: entry.context ?? entry.kubeconfig,
        problem: "needs exactly one of context or kubeconfig to reach that region's cluster",
        fix: "set context to a kubeconfig context name, or kubeconfig to a kubeconfig path or its contents (as a secret)",
      });
    });
  };
}

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

/** A per-change stack lives in a namespace of its own: one the stack creates, with a name Kubernetes accepts. */
function perChangeNamespace(config: ResolvedSelfHosted): Check {
  return ({ issues }) => {
    const { changeId, kubernetes } = config;
    if (changeId === undefined) return;
    if (kubernetes.namespace.length > 63) {
      issues.push({
        key: "changeId",
        value: changeId,
        problem: `makes the namespace ${kubernetes.namespace} (${kubernetes.namespace.length} characters), over Kubernetes' 63`,
        fix: "use a shorter change id or kubernetes.namespace",
      });
    }
    if (!kubernetes.createNamespace) {
      issues.push({
        key: "kubernetes.createNamespace",
        value: false,
        problem: `is false, but changeId gives this stack its own namespace ${kubernetes.namespace}, which nothing else creates`,
        fix: "set kubernetes.createNamespace to true for per-change stacks",
      });
    }
  };
}

export function selfHostedRules(config: ResolvedSelfHosted): Check[] {
  return [regionAccess(config), pools(config), writer(config), perChangeNamespace(config)];
}
