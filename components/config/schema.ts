/**
 * The shape of stack config (`pg-read-replicas:*` keys), field by field.
 * Values may arrive as strings (`pulumi config set replicas 3` stores "3") or as
 * YAML-typed values (numbers, booleans, objects); both are accepted, and every
 * refusal carries its own fix. Cross-field rules live in validate.ts.
 */
import { z } from "zod";
import { closestKey } from "./errors";
import { OVERRIDABLE_GUCS, gucValueProblem, normaliseGucValue } from "./gucs";
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
} from "./units";

/** Raised inside transforms; `fix` travels in params so the formatter can print it. */
function fail(ctx: z.RefinementCtx, input: unknown, problem: string, fix: string): never {
  ctx.addIssue({ code: "custom", message: problem, input, params: { fix } });
  return z.NEVER as never;
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const MAX_REPLICAS = 15;

function wholeNumber(min: number, max: number, example: number) {
  return scalar.transform((raw, ctx) => {
    const text = String(raw).trim();
    if (!/^-?\d+(\.\d+)?$/.test(text)) {
      return fail(ctx, raw, "must be a number", `use a whole number from ${min} to ${max}, e.g. ${example}`);
    }
    const value = Number(text);
    if (!Number.isInteger(value)) {
      return fail(ctx, raw, "must be a whole number", `use a whole number from ${min} to ${max}, e.g. ${example}`);
    }
    if (value < min || value > max) {
      return fail(ctx, raw, `must be from ${min} to ${max}`, `use a whole number from ${min} to ${max}, e.g. ${example}`);
    }
    return value;
  });
}

function positiveNumber(min: number, max: number, example: number) {
  return scalar.transform((raw, ctx) => {
    const text = String(raw).trim();
    const value = Number(text);
    if (text === "" || !Number.isFinite(value)) {
      return fail(ctx, raw, "must be a number", `use a number from ${min} to ${max}, e.g. ${example}`);
    }
    if (value < min || value > max) {
      return fail(ctx, raw, `must be from ${min} to ${max}`, `use a number from ${min} to ${max}, e.g. ${example}`);
    }
    return value;
  });
}

const bool = scalar.transform((raw, ctx) => {
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
const size = parsedWith(parsePostgresSize, "is not a size", SIZE_HINT);
/** Milliseconds. */
const duration = parsedWith(parseDuration, "is not a duration", DURATION_HINT);
const cpu = scalar.transform((raw, ctx) => {
  const millicores = parseCpuQuantity(String(raw));
  if (millicores === undefined || millicores === 0) return fail(ctx, raw, "is not a CPU quantity", `write ${CPU_HINT}`);
  return String(raw);
});
const byteQuantity = scalar.transform((raw, ctx) => {
  const bytes = parseByteQuantity(String(raw));
  if (bytes === undefined || bytes === 0) {
    const hint = /^\d+\s*[KMGT]B$/i.test(String(raw)) ? `${BYTE_QUANTITY_HINT} (Kubernetes writes Gi, not GB)` : BYTE_QUANTITY_HINT;
    return fail(ctx, raw, "is not a Kubernetes quantity", `write ${hint}`);
  }
  return String(raw);
});

const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
function sqlIdentifier(what: string) {
  return z.string().transform((raw, ctx) => {
    if (!SQL_IDENTIFIER.test(raw)) {
      return fail(ctx, raw, `is not a usable ${what} name: it must be a lower-case SQL identifier`, "use letters a-z, digits and _, starting with a letter, at most 63 characters");
    }
    return raw;
  });
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
function dnsLabel(maxLength: number) {
  return z.string().transform((raw, ctx) => {
    if (!DNS_LABEL.test(raw) || raw.length > maxLength) {
      return fail(ctx, raw, "must be a DNS label", `use lower-case letters, digits and -, starting with a letter, at most ${maxLength} characters`);
    }
    return raw;
  });
}

const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$|^[a-z][a-z0-9]*$/;
const region = z.string().transform((raw, ctx) => {
  if (!REGION.test(raw) || raw.length > 30) {
    return fail(ctx, raw, "is not a region name", "use a region name such as us-east-1 or eu-west-1 (lower-case letters, digits and -)");
  }
  return raw;
});

const cidr = z.string().transform((raw, ctx) => {
  const parsed = parseCidr(raw);
  if (!parsed) {
    return fail(ctx, raw, "is not a CIDR block", "write an address with a prefix length and zero host bits, such as 10.0.0.0/8 or 192.168.1.0/24");
  }
  return parsed.text;
});
const cidrList = z.array(cidr);

function unknownGucFix(name: string): string {
  const suggestion = closestKey(name, Object.keys(OVERRIDABLE_GUCS));
  const lead = suggestion ? `did you mean ${suggestion}? ` : "";
  return `${lead}Overridable settings are listed in the README (Config reference); replication, ports, paths and TLS are set by the topology`;
}

/** Overrides of PostgreSQL settings, checked against the table of settings we allow. */
const gucOverrides = z.record(z.string(), scalar).transform((raw, ctx) => {
  const result: Record<string, string> = {};
  for (const [name, rawValue] of Object.entries(raw)) {
    const type = OVERRIDABLE_GUCS[name];
    if (!type) {
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
    const problem = gucValueProblem(type, value);
    if (problem) {
      ctx.addIssue({ code: "custom", message: `is not a valid value for ${name}`, input: rawValue, path: [name], params: { fix: problem } });
      continue;
    }
    result[name] = normaliseGucValue(type, value);
  }
  return result;
});

const capacity = z.strictObject({
  peakReadQps: positiveNumber(1, 10_000_000, 12000),
  perNodeQps: positiveNumber(1, 10_000_000, 4000),
  safetyFactor: positiveNumber(1, 3, 1.3),
});

const nodeResources = z.strictObject({
  cpu: cpu.optional(),
  memory: byteQuantity.optional(),
  storage: byteQuantity.optional(),
});
const poolerResources = z.strictObject({ cpu: cpu.optional(), memory: byteQuantity.optional() });

const resources = z.strictObject({
  primary: nodeResources.optional(),
  replica: nodeResources.optional(),
  olap: nodeResources.optional(),
  pgbouncer: poolerResources.optional(),
});

const olap = z.strictObject({
  enabled: bool,
  region: region.optional(),
  settings: gucOverrides.optional(),
});

const postgresql = z.strictObject({
  maxConnections: wholeNumber(20, 10_000, 200).optional(),
  primary: gucOverrides.optional(),
  replica: gucOverrides.optional(),
});

const poolSizing = z.strictObject({
  defaultPoolSize: wholeNumber(1, 10_000, 20).optional(),
  maxClientConn: wholeNumber(1, 100_000, 1000).optional(),
  reservePoolSize: wholeNumber(0, 10_000, 5).optional(),
});

const pgbouncer = z.strictObject({
  poolMode: z.enum(["session", "transaction", "statement"]).optional(),
  defaultPoolSize: wholeNumber(1, 10_000, 20).optional(),
  maxClientConn: wholeNumber(1, 100_000, 1000).optional(),
  reservePoolSize: wholeNumber(0, 10_000, 5).optional(),
  reservePoolTimeout: duration.optional(),
  readStatementTimeout: duration.optional(),
  instances: wholeNumber(1, 20, 2).optional(),
  pools: z
    .strictObject({ write: poolSizing.optional(), read: poolSizing.optional(), olap: poolSizing.optional() })
    .optional(),
});

const replication = z.strictObject({
  synchronousCommit: z.enum(["off", "local", "on", "remote_write", "remote_apply"]).optional(),
  synchronousReplicas: wholeNumber(0, MAX_REPLICAS, 1).optional(),
  walKeepSize: size.optional(),
  maxSlotWalKeepSize: size.optional(),
  maxLagBytes: size.optional(),
  basebackupMaxRate: z
    .string()
    .transform((raw, ctx) => {
      if (!/^\d+[kM]$/.test(raw)) return fail(ctx, raw, "is not a pg_basebackup rate", "write kilobytes or megabytes per second such as 500k or 100M");
      return raw;
    })
    .optional(),
});

const verification = z.strictObject({
  timeout: duration.optional(),
  maxLagBytes: size.optional(),
  maxLag: duration.optional(),
});

function awsId(prefix: string, what: string) {
  return z.string().transform((raw, ctx) => {
    if (!new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(raw)) return fail(ctx, raw, `is not ${what}`, `write an AWS ${what} such as ${prefix}-0123456789abcdef0`);
    return raw;
  });
}

const instanceClass = z.string().transform((raw, ctx) => {
  if (!/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(raw) && raw !== "db.serverless") {
    return fail(ctx, raw, "is not an RDS instance class", "write a class such as db.r6g.large or db.serverless");
  }
  return raw;
});

const kmsKey = z.string().transform((raw, ctx) => {
  if (!/^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+|alias\/[A-Za-z0-9/_-]+|[0-9a-f-]{36})$/.test(raw)) {
    return fail(ctx, raw, "is not a KMS key", "write a KMS key ARN, key id or alias/name");
  }
  return raw;
});

const crossRegionEntry = z.strictObject({
  region,
  replicas: wholeNumber(1, MAX_REPLICAS, 1),
  // selfHosted
  context: z.string().min(1).optional(),
  kubeconfig: z.string().min(1).optional(),
  cidrs: cidrList.optional(),
  allowedCidrs: cidrList.optional(),
  primaryHost: z.string().min(1).optional(),
  // aurora
  vpcId: awsId("vpc", "VPC id").optional(),
  subnetIds: z.array(awsId("subnet", "subnet id")).optional(),
  kmsKeyId: kmsKey.optional(),
  instanceClass: instanceClass.optional(),
});

const aurora = z.strictObject({
  engineVersion: z.string().transform((raw, ctx) => {
    if (!/^\d+\.\d+$/.test(raw)) return fail(ctx, raw, "is not an Aurora PostgreSQL engine version", "write major.minor, such as 16.8");
    return raw;
  }),
  vpcId: awsId("vpc", "VPC id"),
  subnetIds: z.array(awsId("subnet", "subnet id")),
  allowedSecurityGroupIds: z.array(awsId("sg", "security group id")).optional(),
  instanceClass: z.strictObject({ writer: instanceClass, reader: instanceClass.optional(), olap: instanceClass.optional() }),
  kmsKeyId: kmsKey.optional(),
  deletionProtection: bool.optional(),
  skipFinalSnapshot: bool.optional(),
  backupRetentionDays: wholeNumber(1, 35, 7).optional(),
  performanceInsights: bool.optional(),
  monitoringInterval: scalar
    .transform((raw, ctx) => {
      const value = Number(raw);
      if (![0, 1, 5, 10, 15, 30, 60].includes(value)) return fail(ctx, raw, "is not an enhanced monitoring interval", "use 0 (off), 1, 5, 10, 15, 30 or 60");
      return value;
    })
    .optional(),
  autoMinorVersionUpgrade: bool.optional(),
  proxy: z
    .strictObject({
      enabled: bool.optional(),
      requireTls: bool.optional(),
      maxConnectionsPercent: wholeNumber(1, 100, 90).optional(),
      idleClientTimeout: duration.optional(),
    })
    .optional(),
  autoscaling: z
    .strictObject({
      minReaders: wholeNumber(0, MAX_REPLICAS, 1),
      maxReaders: wholeNumber(1, MAX_REPLICAS, 6),
      metric: z.enum(["cpu", "connections"]).optional(),
      target: positiveNumber(1, 100_000, 60).optional(),
    })
    .optional(),
});

const kubernetes = z.strictObject({
  namespace: dnsLabel(63),
  createNamespace: bool.optional(),
  storageClass: z.string().min(1).optional(),
  antiAffinity: z.enum(["preferred", "required"]).optional(),
  images: z.strictObject({ postgres: z.string().min(1).optional(), pgbouncer: z.string().min(1).optional() }).optional(),
});

export const stackConfigSchema = z.strictObject({
  backend: z.enum(["selfHosted", "aurora", "local"]),
  name: dnsLabel(20).optional(),
  replicas: wholeNumber(1, MAX_REPLICAS, 2).optional(),
  capacity: capacity.optional(),
  postgresVersion: scalar
    .transform((raw, ctx) => {
      const text = String(raw);
      if (!["15", "16", "17"].includes(text)) return fail(ctx, raw, "is not a supported PostgreSQL major version", "use 15, 16 or 17");
      return Number(text) as 15 | 16 | 17;
    }),
  database: sqlIdentifier("database"),
  user: sqlIdentifier("user"),
  region: region.optional(),
  allowedCidrs: cidrList,
  replicationCidrs: cidrList.optional(),
  requireTls: bool.optional(),
  resources: resources.optional(),
  olap: olap.optional(),
  postgresql: postgresql.optional(),
  pgbouncer: pgbouncer.optional(),
  replication: replication.optional(),
  verification: verification.optional(),
  crossRegion: z.array(crossRegionEntry).optional(),
  kubernetes: kubernetes.optional(),
  aurora: aurora.optional(),
});

/** Stack config after shape and unit checks: sizes in bytes, durations in ms. */
export type StackConfig = z.output<typeof stackConfigSchema>;
