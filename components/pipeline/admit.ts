/**
 * Admission: which rules a config and its built topology must pass. The rules that need no
 * backend live in topology/validate; each backend owns its own (aurora/validate.ts,
 * kubernetes/validate.ts, local/validate.ts). Every rule reports in the same form, so the user
 * sees one list of problems.
 */
import { auroraRules } from "../aurora/validate";
import type { ConfigIssue } from "../config/errors";
import type { ResolvedConfig } from "../config/resolve";
import { kubernetesTopologyIssues, selfHostedRules } from "../kubernetes/validate";
import { localRules } from "../local/validate";
import type { Topology } from "../topology/types";
import { backupRules } from "../topology/validate/backup";
import { commonRules } from "../topology/validate/common";
import type { Check, Findings } from "../topology/validate/rule";

export type { Findings } from "../topology/validate/rule";

function backendRules(config: ResolvedConfig): Check[] {
  switch (config.backend) {
    case "aurora":
      return auroraRules(config);
    case "selfHosted":
      return selfHostedRules(config);
    case "local":
      return localRules(config);
  }
}

/** The resolved config: rules that relate one key to another, shared and the backend's. */
export function admitConfig(config: ResolvedConfig): Findings {
  const findings: Findings = { issues: [], warnings: [] };
  for (const check of [...commonRules(config), ...backupRules(config), ...backendRules(config)]) check(findings);
  return findings;
}

/** Problems only the built topology shows: what a backend would refuse of its settings. */
export function admitTopology(topology: Topology): ConfigIssue[] {
  switch (topology.backend) {
    case "selfHosted":
      return kubernetesTopologyIssues(topology);
    case "aurora":
    case "local":
      return [];
  }
}
