/** Config source → Topology, for the Pulumi program and the CLI alike. */
import { ConfigError } from "../config/errors";
import { rawConfigFrom } from "../config/rawConfig";
import { type BuiltTopology, topologyFromConfig } from "./build";

/** From "namespace:key" → string pairs (Pulumi's allConfig, or a stack file read the same way). */
export function topologyFromPulumiConfig(all: Record<string, string>, source = "stack config"): BuiltTopology {
  const { raw, issues } = rawConfigFrom(all);
  if (issues.length > 0) throw new ConfigError(issues, source);
  return topologyFromConfig(raw, source);
}
