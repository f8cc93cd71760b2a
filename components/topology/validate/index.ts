/**
 * Rules that relate one config key to another, run on the resolved config.
 * Field-level shape and unit checks are in config/schema.ts; these report in the
 * same form, so the user sees one list of problems.
 */
import type { ConfigIssue } from "../../config/errors";
import type { ResolvedConfig } from "../../config/resolve";
import { cloudnativePgIssues } from "../../kubernetes/cnpg/validate";
import type { Topology } from "../types";
import { auroraRules } from "./aurora";
import { commonRules } from "./common";
import { localRules } from "./local";
import { selfHostedRules } from "./selfHosted";
import type { Findings } from "./rule";

export type { Findings } from "./rule";

export function validateConfig(config: ResolvedConfig): Findings {
  const findings: Findings = { issues: [], warnings: [] };
  const backendRules = config.backend === "aurora" ? auroraRules(config) : config.backend === "local" ? localRules(config) : selfHostedRules(config);
  for (const check of [...commonRules(config), ...backendRules]) check(findings);
  return findings;
}

/** Problems only the built topology shows: what a backend would refuse of its settings. */
export function validateTopology(topology: Topology): ConfigIssue[] {
  return topology.backend === "selfHosted" ? cloudnativePgIssues(topology) : [];
}
