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
  return [regionAccess(config), pools(config), perChangeNamespace(config)];
}
