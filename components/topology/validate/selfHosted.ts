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

export function selfHostedRules(config: ResolvedSelfHosted): Check[] {
  return [regionAccess(config), pools(config)];
}
