/**
 * Runs the schema of the config's backend and turns zod's issues into
 * ConfigIssues that name key, value and fix. A key that belongs to another
 * backend is explained, not just called unknown. When `backend` itself is
 * wrong, the backend-independent keys are still checked, so every problem is
 * reported at once.
 */
import { z } from "zod";
import { type ConfigIssue, closestKey } from "./errors";
import { misplacedKey } from "./misplacedKeys";
import { BACKENDS, BACKEND_SCHEMAS, type Backend, type StackConfig, commonConfigSchema } from "./schema";
import { descriptionAt, formatPath, genericPath, knownKeysAt, valueAt } from "./schemaPaths";

interface MissingContext {
  backend: string;
  /** The key as the user would write it, e.g. crossRegion[1].vpcId. */
  key: string;
  /** For keys inside a crossRegion entry: that entry's region, if it has one. */
  region: string;
}

interface MissingText {
  problem?: (ctx: MissingContext) => string;
  fix: (ctx: MissingContext) => string;
}

const text = (value: string) => () => value;

/** What to say about a required key that is missing, by generic key path. */
const REQUIRED: Record<string, MissingText> = {
  backend: { fix: text("pulumi config set backend selfHosted (or aurora, local)") },
  postgresVersion: {
    fix: text(
      "pulumi config set postgresVersion 16 (a major version is never defaulted: changing it needs a data migration)",
    ),
  },
  database: { fix: text("pulumi config set database app") },
  user: { fix: text("pulumi config set user app") },
  region: {
    problem: ({ backend }) => `is required for backend ${backend}`,
    fix: text("pulumi config set region us-east-1 (the region of the primary)"),
  },
  allowedCidrs: { fix: text("pulumi config set --path 'allowedCidrs[0]' 10.0.0.0/8") },
  "kubernetes.namespace": {
    problem: text("is required for backend selfHosted"),
    fix: text("pulumi config set --path kubernetes.namespace pg-dev"),
  },
  aurora: {
    problem: text("is required for backend aurora"),
    fix: text(
      "set aurora.engineVersion, aurora.vpcId, aurora.subnetIds and aurora.instanceClass.writer (see the README's Aurora keys)",
    ),
  },
  "olap.enabled": { fix: text("pulumi config set --path olap.enabled true") },
  "crossRegion[].region": { fix: text("give each crossRegion entry a region, e.g. eu-west-1") },
  "crossRegion[].replicas": { fix: text("give each crossRegion entry a replica count, e.g. replicas: 1") },
  "crossRegion[].cidrs": {
    problem: text("is required: the primary admits replication from that region only over TLS from these addresses"),
    fix: ({ key, region }) => `set ${key} to the egress CIDRs of the ${region} cluster, e.g. ["10.20.0.0/16"]`,
  },
  "crossRegion[].vpcId": {
    problem: ({ region }) => `is required: the ${region} secondary cluster lives in a VPC of that region`,
    fix: text("set the VPC id of that region"),
  },
  "crossRegion[].subnetIds": {
    problem: text("is required: an RDS subnet group spans two availability zones"),
    fix: text("list private subnets in at least two zones of that region"),
  },
  "crossRegion[].kmsKeyId": {
    problem: text("is required: storage is encrypted, and an encrypted secondary needs a KMS key in its own region"),
    fix: ({ region }) =>
      `set a KMS key of ${region} (the ARN of a multi-Region replica key, or of that region's aws/rds key)`,
  },
  "capacity.peakReadQps": { fix: text("set capacity.peakReadQps to the peak reads per second you must serve") },
  "capacity.perNodeQps": {
    fix: text("set capacity.perNodeQps to what one replica sustains, measured under your query mix"),
  },
  "capacity.safetyFactor": { fix: text("set capacity.safetyFactor, typically 1.3 to 1.5") },
};

function article(expected: string): string {
  if (expected === "array") return "a list";
  if (expected === "object") return "a map of keys";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function missing(issue: z.core.$ZodIssue, raw: unknown, backend: string): ConfigIssue {
  // A missing kubernetes block is reported at the key the user must set.
  const path = genericPath(issue.path) === "kubernetes" ? [...issue.path, "namespace"] : issue.path;
  const key = formatPath(path);
  const region = String(valueAt(raw, [...path.slice(0, -1), "region"]) ?? "that");
  const said = REQUIRED[genericPath(path)];
  const ctx = { backend, key, region };
  return { key, value: undefined, problem: said?.problem?.(ctx) ?? "is required", fix: said?.fix(ctx) ?? `set ${key}` };
}

function unknownKeys(
  issue: z.core.$ZodIssue & { code: "unrecognized_keys" },
  raw: unknown,
  backend: Backend,
): ConfigIssue[] {
  const known = knownKeysAt(BACKEND_SCHEMAS[backend], issue.path);
  return issue.keys.map((unknownKey) => {
    const path = [...issue.path, unknownKey];
    const value = valueAt(raw, path);
    const elsewhere = misplacedKey(backend, path);
    if (elsewhere) return { key: formatPath(path), value, ...elsewhere };
    const suggestion = closestKey(unknownKey, known);
    return {
      key: formatPath(path),
      value,
      problem: "is not a known key",
      fix: suggestion
        ? `did you mean ${formatPath([...issue.path, suggestion])}? Rename it`
        : `remove it; known keys here are ${known.join(", ")}`,
    };
  });
}

/** `[2]` → `, e.g. replicas: 2`: the one value a one-element list most likely meant. */
function singleValueExample(key: string, input: unknown): string {
  const [only, ...rest] = Array.isArray(input) ? input : [];
  return rest.length === 0 && only !== undefined && typeof only !== "object"
    ? `, e.g. ${key}: ${String(only)}`
    : ", without brackets or braces";
}

function shapeOf(value: unknown): string {
  return Array.isArray(value)
    ? "a list"
    : value !== null && typeof value === "object"
      ? "a map of keys"
      : `${typeof value} ${JSON.stringify(value)}`;
}

function toConfigIssues(issue: z.core.$ZodIssue, raw: unknown, backend: Backend): ConfigIssue[] {
  const key = formatPath(issue.path);
  const input = "input" in issue ? issue.input : valueAt(raw, issue.path);
  if (issue.code === "unrecognized_keys") return unknownKeys(issue, raw, backend);
  if (input === undefined) return [missing(issue, raw, backend)];
  const meaning = descriptionAt(BACKEND_SCHEMAS[backend], issue.path);
  const about = meaning ? ` (${key}: ${meaning})` : "";
  switch (issue.code) {
    case "invalid_union":
      // Scalar keys accept text, numbers or true/false; anything else arrives here.
      return [
        {
          key,
          value: input,
          problem: `must be a single value, not ${shapeOf(input)}`,
          fix: `write one value${about}${singleValueExample(key, input)}`,
        },
      ];
    case "invalid_value": {
      const options = issue.values.map(String);
      const suggestion = typeof input === "string" ? closestKey(input, options) : undefined;
      const fix = suggestion
        ? `did you mean ${suggestion}? Use one of ${options.join(", ")}`
        : `use one of ${options.join(", ")}`;
      return [{ key, value: input, problem: `is not one of ${options.join(", ")}`, fix }];
    }
    case "invalid_type": {
      const expected = article(issue.expected);
      const example =
        issue.expected === "array" && typeof input !== "object" ? `, e.g. [${JSON.stringify(input)}]` : "";
      return [
        {
          key,
          value: input,
          problem: `must be ${expected}, not ${shapeOf(input)}`,
          fix: `write ${expected} here${example}${about}`,
        },
      ];
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

function backendIssue(raw: Record<string, unknown>): ConfigIssue {
  const value = raw.backend;
  if (value === undefined)
    return {
      key: "backend",
      value,
      problem: "is required",
      fix: "pulumi config set backend selfHosted (or aurora, local)",
    };
  const suggestion = typeof value === "string" ? closestKey(value, BACKENDS) : undefined;
  const options = BACKENDS.join(", ");
  return {
    key: "backend",
    value,
    problem: `is not one of ${options}`,
    fix: suggestion ? `did you mean ${suggestion}? Use one of ${options}` : `use one of ${options}`,
  };
}

/** Stack config must say how many replicas, directly or through capacity. */
function replicaCountIssue(config: StackConfig): ConfigIssue[] {
  if (config.replicas !== undefined || config.capacity !== undefined) return [];
  return [
    {
      key: "replicas",
      value: undefined,
      problem: "is required unless capacity is given",
      fix: "pulumi config set replicas 2, or set capacity.peakReadQps, capacity.perNodeQps and capacity.safetyFactor",
    },
  ];
}

export type ParseResult = { ok: true; config: StackConfig } | { ok: false; issues: ConfigIssue[] };

export function parseStackConfig(raw: Record<string, unknown>): ParseResult {
  const backend = BACKENDS.find((b) => b === raw.backend);
  if (!backend) {
    const common = commonConfigSchema.safeParse(raw, { reportInput: true });
    const rest = common.success ? [] : common.error.issues.flatMap((issue) => toConfigIssues(issue, raw, "selfHosted"));
    return { ok: false, issues: [backendIssue(raw), ...rest] };
  }
  const result = BACKEND_SCHEMAS[backend].safeParse(raw, { reportInput: true });
  if (!result.success)
    return { ok: false, issues: result.error.issues.flatMap((issue) => toConfigIssues(issue, raw, backend)) };
  const issues = replicaCountIssue(result.data);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, config: result.data };
}
