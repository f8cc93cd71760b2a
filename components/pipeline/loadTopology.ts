/**
 * The one pipeline from stack config to a checked Topology, for the Pulumi program, the CLI
 * and preview alike: parse → resolve defaults → admit the config (shared rules and the
 * backend's own) → build → admit the built topology (what the backend would refuse of it).
 */
import { ConfigError } from "../config/errors";
import { parseStackConfig } from "../config/parse";
import { rawConfigFrom } from "../config/rawConfig";
import { resolveConfig } from "../config/resolve";
import { buildTopology } from "../topology/build";
import type { Topology } from "../topology/types";
import { admitConfig, admitTopology } from "./admit";

export interface BuiltTopology {
  topology: Topology;
  /** Non-fatal findings (e.g. fewer replicas than capacity asks for) to show the user. */
  warnings: string[];
}

/** Raw config values (strings or YAML-typed) to a frozen Topology, or a ConfigError naming every problem. */
export function topologyFromConfig(raw: Record<string, unknown>, source = "stack config"): BuiltTopology {
  const parsed = parseStackConfig(raw);
  if (!parsed.ok) throw new ConfigError(parsed.issues, source);
  const config = resolveConfig(parsed.config);
  const findings = admitConfig(config);
  if (findings.issues.length > 0) throw new ConfigError(findings.issues, source);
  const topology = buildTopology(config);
  const late = admitTopology(topology);
  if (late.length > 0) throw new ConfigError(late, source);
  return { topology, warnings: findings.warnings };
}

/** From "namespace:key" → string pairs (Pulumi's allConfig, or a stack file read the same way). */
export function topologyFromPulumiConfig(all: Record<string, string>, source = "stack config"): BuiltTopology {
  const { raw, issues } = rawConfigFrom(all);
  if (issues.length > 0) throw new ConfigError(issues, source);
  return topologyFromConfig(raw, source);
}
