/**
 * The commands the Aurora component runs through @pulumi/command: the deploy
 * check (this project's CLI, the expectation handed over as JSON), and the
 * removal of autoscaled readers before the cluster is deleted.
 */
import { UserError } from "../../ground/errors";
import { z } from "zod";
import { shq } from "../../ground/shell";
import type { AuroraExpectation } from "./check";
import type { CleanupTarget } from "./autoscaledReaders";

export const EXPECTATION_ENV = "PG_READ_REPLICAS_AURORA_EXPECT";
export const CLEANUP_ENV = "PG_READ_REPLICAS_AURORA_CLUSTER";

export function auroraCheckCommand(cli: string, node = process.execPath) {
  return {
    create: `${shq(node)} ${shq(cli)} aurora-check --from-env`,
    environment: (expectation: AuroraExpectation): Record<string, string> => ({
      [EXPECTATION_ENV]: JSON.stringify(expectation),
    }),
  };
}

export function autoscaledReadersCleanupCommand(cli: string, node = process.execPath) {
  return {
    delete: `${shq(node)} ${shq(cli)} aurora-remove-autoscaled --from-env`,
    environment: (target: CleanupTarget): Record<string, string> => ({ [CLEANUP_ENV]: JSON.stringify(target) }),
  };
}

const expectationSchema = z.object({
  timeoutMs: z.number().positive(),
  maxLagMs: z.number().positive(),
  postgresVersion: z.number().int(),
  majorUpgrade: z.enum(["held", "applied", "global"]),
  proxy: z.object({ region: z.string().min(1), name: z.string().min(1) }).optional(),
  clusters: z
    .array(
      z.object({
        region: z.string().min(1),
        clusterId: z.string().min(1),
        primary: z.boolean(),
        declaredWriter: z.string().optional(),
        readers: z.array(z.object({ id: z.string().min(1), role: z.enum(["oltp", "olap"]) })),
      }),
    )
    .min(1),
});

const cleanupSchema = z.object({ region: z.string().min(1), clusterId: z.string().min(1) });

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
  return parsed(text, source, expectationSchema, { name: "check", runBy: "pulumi up" }) as AuroraExpectation;
}

export function parseCleanupTarget(text: string | undefined, source: string): CleanupTarget {
  return parsed(text, source, cleanupSchema, { name: "cleanup", runBy: "pulumi destroy" });
}
