/** Runs the schema and turns zod's issues into ConfigIssues that name key, value and fix. */
import { z } from "zod";
import { type ConfigIssue, closestKey } from "./errors";
import { type StackConfig, stackConfigSchema } from "./schema";

/** What to write for a required key that is missing. */
const REQUIRED_EXAMPLES: Record<string, string> = {
  backend: "pulumi config set backend selfHosted (or aurora, local)",
  postgresVersion: "pulumi config set postgresVersion 16 (a major version is never defaulted: changing it needs a data migration)",
  database: "pulumi config set database app",
  user: "pulumi config set user app",
  allowedCidrs: "pulumi config set --path 'allowedCidrs[0]' 10.0.0.0/8",
  "kubernetes.namespace": "pulumi config set --path kubernetes.namespace pg-dev",
  "olap.enabled": "pulumi config set --path olap.enabled true",
  "crossRegion[].region": "give each crossRegion entry a region, e.g. eu-west-1",
  "crossRegion[].replicas": "give each crossRegion entry a replica count, e.g. replicas: 1",
  "capacity.peakReadQps": "set capacity.peakReadQps to the peak reads per second you must serve",
  "capacity.perNodeQps": "set capacity.perNodeQps to what one replica sustains, measured under your query mix",
  "capacity.safetyFactor": "set capacity.safetyFactor, typically 1.3 to 1.5",
};

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function genericPath(path: readonly PropertyKey[]): string {
  return formatPath(path.map((s) => (typeof s === "number" ? "" : s))).replace(/\[\]/g, "[]");
}

/** The keys an object schema knows at `path`, for "did you mean" suggestions. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = stackConfigSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    if (typeof segment === "number" && schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(segment)]!;
    if (!schema) return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
  return current;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function toConfigIssues(issue: z.core.$ZodIssue, raw: unknown): ConfigIssue[] {
  const key = formatPath(issue.path);
  const input = "input" in issue ? issue.input : valueAt(raw, issue.path);
  if (input === undefined && issue.code !== "unrecognized_keys") {
    const example = REQUIRED_EXAMPLES[genericPath(issue.path)] ?? `set ${key}`;
    return [{ key, value: undefined, problem: "is required", fix: example }];
  }
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownKeysAt(issue.path);
      return issue.keys.map((unknownKey) => {
        const suggestion = closestKey(unknownKey, known);
        return {
          key: formatPath([...issue.path, unknownKey]),
          value: valueAt(raw, [...issue.path, unknownKey]),
          problem: "is not a known key",
          fix: suggestion ? `did you mean ${formatPath([...issue.path, suggestion])}? Rename it` : `remove it; known keys here are ${known.join(", ")}`,
        };
      });
    }
    case "invalid_value": {
      const options = issue.values.map(String);
      const suggestion = typeof input === "string" ? closestKey(input, options) : undefined;
      return [
        {
          key,
          value: input,
          problem: `is not one of ${options.join(", ")}`,
          fix: suggestion ? `did you mean ${suggestion}? Use one of ${options.join(", ")}` : `use one of ${options.join(", ")}`,
        },
      ];
    }
    case "invalid_type": {
      return [{ key, value: input, problem: `must be ${article(issue.expected)}`, fix: `write ${article(issue.expected)} here` }];
    }
    case "too_small":
      return [{ key, value: input, problem: "is empty", fix: "give at least one value" }];
    case "custom": {
      const fix = (issue.params as { fix?: string } | undefined)?.fix ?? "see the README's config reference";
      return [{ key, value: input, problem: issue.message, fix }];
    }
    default:
      return [{ key, value: input, problem: issue.message, fix: "see the README's config reference" }];
  }
}

function article(expected: string): string {
  if (expected === "array") return "a list";
  if (expected === "object") return "a map of keys";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

export type ParseResult = { ok: true; config: StackConfig } | { ok: false; issues: ConfigIssue[] };

export function parseStackConfig(raw: Record<string, unknown>): ParseResult {
  const result = stackConfigSchema.safeParse(raw, { reportInput: true });
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, issues: result.error.issues.flatMap((issue) => toConfigIssues(issue, raw)) };
}
