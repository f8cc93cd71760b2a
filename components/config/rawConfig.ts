/**
 * Raw config values as Pulumi hands them to a program: "namespace:key" → string,
 * objects and lists JSON-encoded. Used by the Pulumi program (allConfig) and by
 * anything reading a stack file directly, so both see identical input.
 */
import { type ConfigIssue, CONFIG_NAMESPACE, editDistance } from "./errors";

export type RawConfig = Record<string, unknown>;

function decode(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}

/** Strips our namespace; flags keys whose namespace looks like a typo of ours. */
export function rawConfigFrom(all: Record<string, string>): { raw: RawConfig; issues: ConfigIssue[] } {
  const raw: RawConfig = {};
  const issues: ConfigIssue[] = [];
  for (const [fullKey, value] of Object.entries(all)) {
    const separator = fullKey.indexOf(":");
    const namespace = separator < 0 ? "" : fullKey.slice(0, separator);
    const key = fullKey.slice(separator + 1);
    if (namespace === CONFIG_NAMESPACE) {
      raw[key] = decode(value);
    } else if (namespace !== "" && editDistance(namespace, CONFIG_NAMESPACE) <= 3) {
      issues.push({
        key: fullKey,
        value,
        problem: `is in namespace ${namespace}, which is not this project's`,
        fix: `rename it to ${CONFIG_NAMESPACE}:${key}`,
      });
    }
  }
  return { raw, issues };
}

/** How the Pulumi CLI encodes a stack file's YAML value for the program. */
export function encodeConfigValue(value: unknown): string {
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}
