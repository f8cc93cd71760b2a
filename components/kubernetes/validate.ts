/** Admission rules of the Kubernetes backend: on the resolved config, and on the built topology (per engine). */
import type { ConfigIssue } from "../config/errors";
import type { ResolvedSelfHosted } from "../config/resolve";
import type { SelfHostedTopology } from "../topology/types";
import { cnpgRules, cnpgTopologyIssues } from "./cnpg/validate";
import { statefulsetRules } from "./statefulset/validate";
import { pools } from "../topology/validate/common";
import type { Check } from "../topology/validate/rule";

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

/** Each engine's own rules, chosen once. */
function engineRules(config: ResolvedSelfHosted): Check[] {
  const { engine } = config.kubernetes;
  switch (engine.name) {
    case "statefulset":
      return statefulsetRules(config);
    case "cloudnative-pg":
      return cnpgRules(config);
  }
}

export function selfHostedRules(config: ResolvedSelfHosted): Check[] {
  return [
    regionAccess(config),
    pools(config),
    perChangeNamespace(config),
    ...engineRules(config),
    // Both engines ship backups and restore (issue 22): statefulset with pgBackRest, cloudnative-pg with the Barman
    // Cloud plugin (cnpg/validate.ts has its rules).
  ];
}

/** What the engine would refuse of the built topology (CloudNativePG's managed parameters, its Pooler's limits). */
export function kubernetesTopologyIssues(topology: SelfHostedTopology): ConfigIssue[] {
  const { engine } = topology.kubernetes;
  switch (engine.name) {
    case "statefulset":
      return [];
    case "cloudnative-pg":
      return cnpgTopologyIssues(topology);
  }
}
