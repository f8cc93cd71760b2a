/**
 * Reads a StackOutputs file: `pulumi stack output --json --show-secrets` or the
 * local runner's outputs.json. Anything missing or malformed is named.
 */
import { UserError } from "../ground/errors";
import { existsSync, readFileSync } from "node:fs";
import { type StackOutputs, stackOutputsSchema } from "./stackOutputs";
import { connectionUrls } from "./urls";

/** An outputs file: files written before the client existed lack connectionUrls, and older ones notes. */
const outputsFileSchema = stackOutputsSchema.extend({
  notes: stackOutputsSchema.shape.notes.default([]),
  connectionUrls: stackOutputsSchema.shape.connectionUrls.optional(),
});

export class OutputsFileError extends UserError {
  override name = "OutputsFileError";
}

export function parseOutputs(value: unknown, source: string): StackOutputs {
  if (value && typeof value === "object" && (value as { password?: unknown }).password === "[secret]") {
    throw new OutputsFileError(
      `${source}: password is "[secret]"; export the outputs with: pulumi stack output --json --show-secrets > ${source}`,
    );
  }
  const result = outputsFileSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(top level)"}: ${issue.message}`);
    throw new OutputsFileError(
      `${source} is not a pg-read-replicas outputs file:\n  - ${problems.join("\n  - ")}\nCreate it with pulumi stack output --json --show-secrets, or use the file local up printed.`,
    );
  }
  const { connectionUrls: urls, ...rest } = result.data;
  return { ...rest, connectionUrls: urls ?? connectionUrls(rest) };
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
