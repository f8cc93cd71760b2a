/**
 * What the Aurora component hands to check time: the commands it runs through
 * @pulumi/command (the deploy check, this project's CLI, and the removal of
 * autoscaled readers before the cluster is deleted), and the JSON they read
 * from their environment: the expectation and the cleanup target, with the
 * schemas that parse them.
 */
import { UserError } from "../../ground/errors";
import { z } from "zod";
import { shq } from "../../ground/shell";

export const EXPECTATION_ENV = "PG_READ_REPLICAS_AURORA_EXPECT";
export const CLEANUP_ENV = "PG_READ_REPLICAS_AURORA_CLUSTER";
export const RESTORE_ENV = "PG_READ_REPLICAS_AURORA_RESTORE";
export const ENGINE_VERSION_ENV = "PG_READ_REPLICAS_AURORA_ENGINE_VERSION";
export const APP_ROLE_ENV = "PG_READ_REPLICAS_AURORA_APP_ROLE";
/** The application role's password: its own variable, a Pulumi secret in the Command's state, never in JSON or argv. */
export const APP_PASSWORD_ENV = "PG_READ_REPLICAS_AURORA_APP_PASSWORD";

const readerSchema = z.object({ id: z.string().min(1), role: z.enum(["oltp", "olap"]) });

const clusterSchema = z.object({
  region: z.string().min(1),
  clusterId: z.string().min(1),
  primary: z.boolean(),
  /** The writer as declared; after a failover another instance may be writer: fine unless it is the OLAP one. */
  declaredWriter: z.string().optional(),
  /** A restored cluster: the master user stack config names (`user`), which the source must have had. */
  restoredUser: z.string().optional(),
  readers: z.array(readerSchema),
});

/** What the check expects to find, declared once: the deploy side writes it, the check side parses it. */
const expectationSchema = z.object({
  timeoutMs: z.number().positive(),
  maxLagMs: z.number().positive(),
  /** The major the stack declares (postgresVersion). */
  postgresVersion: z.number().int(),
  /** held: engine changes wait for aurora.allowMajorVersionUpgrade; applied: engineVersion changes are applied. */
  majorUpgrade: z.enum(["held", "applied", "global"]),
  proxy: z.object({ region: z.string().min(1), name: z.string().min(1) }).optional(),
  clusters: z.array(clusterSchema).min(1),
});

/** What a restore is checked against before the cluster is created (checkRestore.ts). */
const restoreSchema = z.object({
  region: z.string().min(1),
  source: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("cluster"), id: z.string().min(1) }),
    z.object({ kind: z.literal("retainedBackups"), resourceId: z.string().min(1) }),
    z.object({ kind: z.literal("snapshot"), id: z.string().min(1) }),
  ]),
  /** An RFC 3339 time in UTC, or the latest restorable time (a snapshot has no target). */
  target: z.union([z.object({ at: z.string().min(1) }), z.literal("latest"), z.literal("snapshot")]),
  postgresVersion: z.number().int(),
  user: z.string().min(1),
  /** aurora.kmsKeyId is set: RDS rejects a key for a point-in-time restore of an unencrypted source. */
  kmsKeyGiven: z.boolean(),
});

/** The version a new cluster is created with, and every region the stack creates one in (engineVersionCheck.ts). */
const engineVersionSchema = z.object({
  engineVersion: z.string().min(1),
  regions: z.array(z.string().min(1)).min(1),
  /** A stack with crossRegion: its global cluster, whose running major the check compares. */
  globalCluster: z.object({ region: z.string().min(1), identifier: z.string().min(1) }).optional(),
});

/** Where the application role is created (appRoleRun.ts): the primary cluster, as its master user. */
const appRoleSchema = z.object({
  region: z.string().min(1),
  clusterId: z.string().min(1),
  clusterArn: z.string().startsWith("arn:"),
  /** The master user's secret (RDS's, or the one the product writes): the Data API logs in with it. */
  secretArn: z.string().startsWith("arn:"),
  database: z.string().min(1),
  user: z.string().min(1),
});

/** The cluster whose autoscaled readers the cleanup removes. */
const cleanupSchema = z.object({ region: z.string().min(1), clusterId: z.string().min(1) });

export type AuroraExpectedReader = z.infer<typeof readerSchema>;
export type AuroraExpectedCluster = z.infer<typeof clusterSchema>;
export type AuroraExpectation = z.infer<typeof expectationSchema>;
export type CleanupTarget = z.infer<typeof cleanupSchema>;
export type RestoreExpectation = z.infer<typeof restoreSchema>;
export type EngineVersionExpectation = z.infer<typeof engineVersionSchema>;
export type AppRoleTarget = z.infer<typeof appRoleSchema>;

export function auroraCheckCommand(cli: string, node = process.execPath) {
  return {
    create: `${shq(node)} ${shq(cli)} aurora-check --from-env`,
    environment: (expectation: AuroraExpectation): Record<string, string> => ({
      [EXPECTATION_ENV]: JSON.stringify(expectation),
    }),
  };
}

export function restoreCheckCommand(cli: string, node = process.execPath) {
  return {
    create: `${shq(node)} ${shq(cli)} aurora-restore-check --from-env`,
    environment: (expectation: RestoreExpectation): Record<string, string> => ({
      [RESTORE_ENV]: JSON.stringify(expectation),
    }),
  };
}

export function engineVersionCheckCommand(cli: string, node = process.execPath) {
  return {
    create: `${shq(node)} ${shq(cli)} aurora-engine-version-check --from-env`,
    environment: (expectation: EngineVersionExpectation): Record<string, string> => ({
      [ENGINE_VERSION_ENV]: JSON.stringify(expectation),
    }),
  };
}

export function appRoleCommand(cli: string, node = process.execPath) {
  return {
    create: `${shq(node)} ${shq(cli)} aurora-app-role --from-env`,
    environment: (target: AppRoleTarget): Record<string, string> => ({ [APP_ROLE_ENV]: JSON.stringify(target) }),
  };
}

export function autoscaledReadersCleanupCommand(cli: string, node = process.execPath) {
  return {
    delete: `${shq(node)} ${shq(cli)} aurora-remove-autoscaled --from-env`,
    environment: (target: CleanupTarget): Record<string, string> => ({ [CLEANUP_ENV]: JSON.stringify(target) }),
  };
}

export class ExpectationError extends UserError {
  override name = "ExpectationError";
}

function parsed<T>(
  text: string | undefined,
  source: string,
  schema: z.ZodType<T>,
  what: { name: string; runBy: string },
): T {
  if (!text)
    throw new ExpectationError(`${source} is empty; the Aurora ${what.name} runs from ${what.runBy}, which sets it.`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ExpectationError(`${source} is not JSON: ${(error as Error).message}`);
  }
  const result = schema.safeParse(value);
  if (!result.success)
    throw new ExpectationError(
      `${source} is not an Aurora ${what.name} input: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return result.data;
}

export function parseExpectation(text: string | undefined, source: string): AuroraExpectation {
  return parsed(text, source, expectationSchema, { name: "check", runBy: "pulumi up" });
}

export function parseCleanupTarget(text: string | undefined, source: string): CleanupTarget {
  return parsed(text, source, cleanupSchema, { name: "cleanup", runBy: "pulumi destroy" });
}

export function parseEngineVersionExpectation(text: string | undefined, source: string): EngineVersionExpectation {
  return parsed(text, source, engineVersionSchema, { name: "engine version check", runBy: "pulumi up" });
}

export function parseAppRoleTarget(text: string | undefined, source: string): AppRoleTarget {
  return parsed(text, source, appRoleSchema, { name: "application role step", runBy: "pulumi up" });
}

export function parseRestoreExpectation(text: string | undefined, source: string): RestoreExpectation {
  return parsed(text, source, restoreSchema, { name: "restore check", runBy: "pulumi up" });
}
