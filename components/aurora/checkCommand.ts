/** The command the Aurora check runs: this project's CLI with the expectation handed over as JSON. */
import { UserError } from "../errors";
import { z } from "zod";
import { shq } from "../render/shell";
import type { AuroraExpectation } from "./check";

export const EXPECTATION_ENV = "PG_READ_REPLICAS_AURORA_EXPECT";

export function auroraCheckCommand(cli: string, node = process.execPath) {
  return {
    create: `${shq(node)} ${shq(cli)} aurora-check --from-env`,
    environment: (expectation: AuroraExpectation): Record<string, string> => ({ [EXPECTATION_ENV]: JSON.stringify(expectation) }),
  };
}

const expectationSchema = z.object({
  timeoutMs: z.number().positive(),
  maxLagMs: z.number().positive(),
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

export class ExpectationError extends UserError {
  override name = "ExpectationError";
}

export function parseExpectation(text: string | undefined, source: string): AuroraExpectation {
  if (!text) throw new ExpectationError(`${source} is empty; the Aurora check runs from pulumi up, which sets it.`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ExpectationError(`${source} is not JSON: ${(error as Error).message}`);
  }
  const result = expectationSchema.safeParse(value);
  if (!result.success) throw new ExpectationError(`${source} is not an Aurora check expectation: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return result.data as AuroraExpectation;
}
