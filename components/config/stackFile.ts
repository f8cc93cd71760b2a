/** Reads stacks/Pulumi.<stack>.yaml the way the Pulumi CLI would hand it to the program. */
import { UserError } from "../ground/errors";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { encodeConfigValue } from "./rawConfig";

export class StackFileError extends UserError {
  override name = "StackFileError";
}

export function stackFilePath(stacksDir: string, stack: string): string {
  return join(stacksDir, `Pulumi.${stack}.yaml`);
}

export function listStacks(stacksDir: string): string[] {
  if (!existsSync(stacksDir)) return [];
  return readdirSync(stacksDir)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

/** "namespace:key" → string, exactly as `pulumi up` passes config to a program. */
export function readStackConfig(stacksDir: string, stack: string): Record<string, string> {
  const path = stackFilePath(stacksDir, stack);
  if (!existsSync(path)) {
    const known = listStacks(stacksDir);
    throw new StackFileError(
      `stack ${stack}: no file ${path}. Known stacks: ${known.join(", ") || "(none)"}; create it or pass one of those with --stack.`,
    );
  }
  let document: unknown;
  try {
    document = parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new StackFileError(`stack ${stack}: ${path} is not valid YAML: ${(error as Error).message}`);
  }
  const config = (document as { config?: unknown } | null)?.config;
  if (config === undefined || config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new StackFileError(`stack ${stack}: ${path} has no config: map; add one with the pg-read-replicas:* keys.`);
  }
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    if (value !== null && typeof value === "object" && "secure" in (value as object)) {
      throw new StackFileError(
        `stack ${stack}: ${key} is encrypted (secure:); only the Pulumi CLI can decrypt it. Use a plain value for this stack or run it through pulumi.`,
      );
    }
    result[key] = encodeConfigValue(value);
  }
  return result;
}
