/**
 * Reads a StackOutputs file: `pulumi stack output --json --show-secrets` or the
 * local runner's outputs.json. Anything missing or malformed is named.
 */
import { UserError } from "../errors";
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import type { StackOutputs } from "../outputs";
import { connectionUrls } from "../client/urls";

const endpoint = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });

const outputsSchema = z.object({
  backend: z.enum(["selfHosted", "aurora", "local"]),
  database: z.string().min(1),
  user: z.string().min(1),
  password: z.string().min(1),
  writer: endpoint,
  readerEndpoint: endpoint,
  readers: z.array(endpoint.extend({ name: z.string(), region: z.string(), role: z.enum(["oltp", "olap"]), slot: z.string().optional() })),
  pools: z.object({ write: endpoint, read: endpoint, olap: endpoint.optional() }),
  regions: z.array(z.object({ region: z.string(), primary: z.boolean(), readerEndpoint: endpoint, readPool: endpoint })),
  topologyHash: z.string(),
  capacity: z.object({ requiredReplicas: z.number(), formula: z.string() }).optional(),
  verification: z.object({ timeoutMs: z.number().positive(), maxLagBytes: z.number().nonnegative(), maxLagMs: z.number().positive() }),
  notes: z.array(z.string()).default([]),
  tls: z.object({ required: z.boolean(), caPem: z.string().optional() }).optional(),
  // Optional: files written before the client existed lack it; it is derived from the pools then.
  connectionUrls: z.object({ primary: z.string(), replica: z.string(), olap: z.string().optional() }).optional(),
});

export class OutputsFileError extends UserError {
  override name = "OutputsFileError";
}

export function parseOutputs(value: unknown, source: string): StackOutputs {
  if (value && typeof value === "object" && (value as { password?: unknown }).password === "[secret]") {
    throw new OutputsFileError(`${source}: password is "[secret]"; export the outputs with: pulumi stack output --json --show-secrets > ${source}`);
  }
  const result = outputsSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(top level)"}: ${issue.message}`);
    throw new OutputsFileError(
      `${source} is not a pg-read-replicas outputs file:\n  - ${problems.join("\n  - ")}\nCreate it with pulumi stack output --json --show-secrets, or use the file local up printed.`,
    );
  }
  const { connectionUrls: urls, ...rest } = result.data;
  return { ...rest, connectionUrls: urls ?? connectionUrls(rest) } as StackOutputs;
}

export function readOutputsFile(path: string): StackOutputs {
  if (!existsSync(path)) {
    throw new OutputsFileError(
      `${path} does not exist; for a deployed stack create it with pulumi stack output --json --show-secrets > ${path}, for a local one local up writes it (and local down removes it)`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new OutputsFileError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseOutputs(value, path);
}
