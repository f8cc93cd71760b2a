/**
 * Building blocks of the stack config schema. Values may arrive as strings
 * (`pulumi config set replicas 3` stores "3") or YAML-typed (numbers, booleans);
 * both are accepted, and every refusal carries its own fix.
 */
import { z } from "zod";
import { closestKey } from "./errors";
import { SERVERLESS_V2_CLASS } from "../facts/aws/serverless";
import { CHANGE_ID_RULE, PRODUCT_LABEL_KEYS, changeIdProblem, labelKeyProblem, labelValueProblem } from "./labels";
import { OVERRIDABLE_GUC_NAMES, gucSpec } from "../settings/registry";
import { gucValueProblem, normaliseGucValue } from "../settings/values";
import {
  BYTE_QUANTITY_HINT,
  CPU_HINT,
  DURATION_HINT,
  SIZE_HINT,
  parseByteQuantity,
  parseCidr,
  parseCpuQuantity,
  parseDuration,
  parsePostgresSize,
} from "../ground/units";

/** What the README's config reference shows for a key: its meaning, and a default computed from other keys. */
export interface FieldDoc {
  description: string;
  /** For defaults that depend on other keys ("allowedCidrs"); static defaults are the schema's own prefault. */
  derivedDefault?: string;
}

export function doc<T extends z.ZodType>(schema: T, description: string, derivedDefault?: string): T {
  return schema.meta({ description, ...(derivedDefault !== undefined ? { derivedDefault } : {}) } satisfies FieldDoc);
}

/** Raised inside transforms; `fix` travels in params so the formatter can print it. */
export function fail(ctx: z.RefinementCtx, input: unknown, problem: string, fix: string): never {
  ctx.addIssue({ code: "custom", message: problem, input, params: { fix } });
  return z.NEVER as never;
}

export const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** The most replicas a stack takes in one region (readers, on Aurora). */
export const MAX_REPLICAS = 15;

export function wholeNumber(min: number, max: number, example: number) {
  const fix = `use a whole number from ${min} to ${max}, e.g. ${example}`;
  return scalar.transform((raw, ctx) => {
    const text = String(raw).trim();
    if (!/^-?\d+(\.\d+)?$/.test(text)) return fail(ctx, raw, "must be a number", fix);
    const value = Number(text);
    if (!Number.isInteger(value)) return fail(ctx, raw, "must be a whole number", fix);
    if (value < min || value > max) return fail(ctx, raw, `must be from ${min} to ${max}`, fix);
    return value;
  });
}

export function positiveNumber(min: number, max: number, example: number) {
  const fix = `use a number from ${min} to ${max}, e.g. ${example}`;
  return scalar.transform((raw, ctx) => {
    const text = String(raw).trim();
    const value = Number(text);
    if (text === "" || !Number.isFinite(value)) return fail(ctx, raw, "must be a number", fix);
    if (value < min || value > max) return fail(ctx, raw, `must be from ${min} to ${max}`, fix);
    return value;
  });
}

export const bool = scalar.transform((raw, ctx) => {
  if (raw === true || raw === "true") return true;
  if (raw === false || raw === "false") return false;
  return fail(ctx, raw, "must be true or false", "write true or false");
});

function parsedWith<T>(parse: (text: string) => T | undefined, problem: string, hint: string) {
  return scalar.transform((raw, ctx) => {
    const value = parse(String(raw));
    if (value === undefined) return fail(ctx, raw, problem, `write ${hint}`);
    return value;
  });
}

/** Bytes, from PostgreSQL size syntax. */
export const size = parsedWith(parsePostgresSize, "is not a size", SIZE_HINT);
/** Milliseconds. */
export const duration = parsedWith(parseDuration, "is not a duration", DURATION_HINT);

export const cpu = scalar.transform((raw, ctx) => {
  const millicores = parseCpuQuantity(String(raw));
  if (millicores === undefined || millicores === 0) return fail(ctx, raw, "is not a CPU quantity", `write ${CPU_HINT}`);
  return String(raw);
});

export const byteQuantity = scalar.transform((raw, ctx) => {
  const bytes = parseByteQuantity(String(raw));
  if (bytes === undefined || bytes === 0) {
    const hint = /^\d+\s*[KMGT]B$/i.test(String(raw))
      ? `${BYTE_QUANTITY_HINT} (Kubernetes writes Gi, not GB)`
      : BYTE_QUANTITY_HINT;
    return fail(ctx, raw, "is not a Kubernetes quantity", `write ${hint}`);
  }
  return String(raw);
});

const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
export function sqlIdentifier(what: string) {
  return z.string().transform((raw, ctx) => {
    if (!SQL_IDENTIFIER.test(raw)) {
      return fail(
        ctx,
        raw,
        `is not a usable ${what} name: it must be a lower-case SQL identifier`,
        "use letters a-z, digits and _, starting with a letter, at most 63 characters",
      );
    }
    return raw;
  });
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export function dnsLabel(maxLength: number) {
  return z.string().transform((raw, ctx) => {
    if (!DNS_LABEL.test(raw) || raw.length > maxLength) {
      return fail(
        ctx,
        raw,
        "must be a DNS label",
        `use lower-case letters, digits and -, starting with a letter, at most ${maxLength} characters`,
      );
    }
    return raw;
  });
}

/** A DNS domain of one or more labels (RFC 1123), e.g. cluster.local: a Kubernetes cluster's service domain. */
export const dnsDomain = z.string().transform((raw, ctx) => {
  const labels = raw.split(".");
  if (raw.length > 253 || !labels.every((label) => DNS_LABEL.test(label) && label.length <= 63)) {
    return fail(
      ctx,
      raw,
      "is not a DNS domain",
      "use dot-separated lower-case labels (letters, digits and -, each starting with a letter), without a leading or trailing dot, e.g. cluster.local or k8s.example.internal",
    );
  }
  return raw;
});

const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$|^[a-z][a-z0-9]*$/;
export const region = z.string().transform((raw, ctx) => {
  if (!REGION.test(raw) || raw.length > 30) {
    return fail(
      ctx,
      raw,
      "is not a region name",
      "use a region name such as us-east-1 or eu-west-1 (lower-case letters, digits and -)",
    );
  }
  return raw;
});

const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** An RFC 1123 host name or an IP address, and nothing else: it is written into libpq connection strings, where a
 * space or `=` would add keywords (`h sslmode=disable`). */
export const hostName = z.string().transform((raw, ctx) => {
  const isName = raw.length <= 253 && raw.split(".").every((label) => HOST_LABEL.test(label));
  const isIpv6 = /^[0-9a-f:.]+$/i.test(raw) && raw.includes(":");
  if (!isName && !isIpv6)
    return fail(
      ctx,
      raw,
      "is not a host name or an IP address",
      "write a DNS name such as db.eu.example.com, or an address such as 198.18.0.10 (no spaces, ports or keywords)",
    );
  return raw;
});

export const cidr = z.string().transform((raw, ctx) => {
  const parsed = parseCidr(raw);
  if (!parsed) {
    return fail(
      ctx,
      raw,
      "is not a CIDR block",
      "write an address with a prefix length and zero host bits, such as 10.0.0.0/8 or 192.168.1.0/24",
    );
  }
  return parsed.text;
});
export const cidrList = z.array(cidr);

function unknownGucFix(name: string): string {
  const suggestion = closestKey(name, OVERRIDABLE_GUC_NAMES);
  const lead = suggestion ? `did you mean ${suggestion}? ` : "";
  return `${lead}Overridable settings are listed in the README (Config reference); replication, ports, paths and TLS are set by the topology`;
}

/** Overrides of PostgreSQL settings, checked against the settings registry. */
export const gucOverrides = z.record(z.string(), scalar).transform((raw, ctx) => {
  const result: Record<string, string> = {};
  for (const [name, rawValue] of Object.entries(raw)) {
    const spec = gucSpec(name);
    if (!spec || !("overridable" in spec)) {
      ctx.addIssue({
        code: "custom",
        message: "is not a setting stack config may override",
        input: rawValue,
        path: [name],
        params: { fix: unknownGucFix(name) },
      });
      continue;
    }
    const value = String(rawValue);
    const problem = gucValueProblem(spec.type, value);
    if (problem) {
      ctx.addIssue({
        code: "custom",
        message: `is not a valid value for ${name}`,
        input: rawValue,
        path: [name],
        params: { fix: problem },
      });
      continue;
    }
    result[name] = normaliseGucValue(spec.type, value);
  }
  return result;
});

export function awsId(prefix: string, what: string) {
  return z.string().transform((raw, ctx) => {
    if (!new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(raw))
      return fail(ctx, raw, `is not ${what}`, `write an AWS ${what} such as ${prefix}-0123456789abcdef0`);
    return raw;
  });
}

export const instanceClass = z.string().transform((raw, ctx) => {
  // Serverless v2 needs a capacity range on the cluster that the product does not set (facts/aws/serverless.ts).
  if (raw === SERVERLESS_V2_CLASS.value.instanceClass)
    return fail(
      ctx,
      raw,
      `is Aurora Serverless v2, which needs ${SERVERLESS_V2_CLASS.value.needs}; this product does not set one, so AWS would refuse the instance`,
      "write a provisioned class such as db.r6g.large (db.t4g.medium for development)",
    );
  if (!/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(raw)) {
    return fail(ctx, raw, "is not an RDS instance class", "write a class such as db.r6g.large");
  }
  return raw;
});

export const postgresVersion = scalar.transform((raw, ctx) => {
  const text = String(raw);
  if (!["15", "16", "17"].includes(text))
    return fail(ctx, raw, "is not a supported PostgreSQL major version", "use 15, 16 or 17");
  return Number(text) as 15 | 16 | 17;
});

export const basebackupRate = z.string().transform((raw, ctx) => {
  if (!/^\d+[kM]$/.test(raw))
    return fail(
      ctx,
      raw,
      "is not a pg_basebackup rate",
      "write kilobytes or megabytes per second such as 500k or 100M",
    );
  return raw;
});

export const monitoringInterval = scalar.transform((raw, ctx) => {
  const value = Number(raw);
  if (![0, 1, 5, 10, 15, 30, 60].includes(value))
    return fail(ctx, raw, "is not an enhanced monitoring interval", "use 0 (off), 1, 5, 10, 15, 30 or 60");
  return value;
});

export const auroraEngineVersion = z.string().transform((raw, ctx) => {
  if (!/^\d+\.\d+$/.test(raw))
    return fail(ctx, raw, "is not an Aurora PostgreSQL engine version", "write major.minor, such as 16.8");
  return raw;
});

/**
 * Labels for every Kubernetes object and AWS resource (config/labels.ts): Kubernetes syntax, the product's own keys
 * refused.
 */
export const labelMap = z.record(z.string(), scalar).transform((raw, ctx) => {
  const result: Record<string, string> = {};
  for (const [key, rawValue] of Object.entries(raw)) {
    const value = String(rawValue);
    const keyProblem = labelKeyProblem(key);
    const owned = PRODUCT_LABEL_KEYS[key];
    const valueProblem = labelValueProblem(value);
    if (keyProblem) {
      ctx.addIssue({
        code: "custom",
        message: `key ${JSON.stringify(key)} ${keyProblem}`,
        input: rawValue,
        path: [key],
        params: { fix: "use a key such as team or example.com/cost-center" },
      });
    } else if (owned) {
      const fix = key.endsWith("/change") ? "set changeId instead" : "remove it; use a key of your own";
      ctx.addIssue({
        code: "custom",
        message: `is a label the product sets itself: ${owned}`,
        input: rawValue,
        path: [key],
        params: { fix },
      });
    } else if (valueProblem) {
      ctx.addIssue({
        code: "custom",
        message: valueProblem,
        input: rawValue,
        path: [key],
        params: { fix: "quote a value such as 20250603T120000Z or team-data" },
      });
    } else {
      result[key] = value;
    }
  }
  return result;
});

/**
 * A change (pull request) id: lower-case letters, digits and -, so it can end a namespace name and be a label value.
 */
export const changeId = scalar.transform((raw, ctx) => {
  const text = String(raw);
  const problem = changeIdProblem(text);
  if (problem) return fail(ctx, raw, problem, `use ${CHANGE_ID_RULE}`);
  return text;
});
