/** Where the CLI finds stacks and keeps state, relative to this checkout unless overridden. */
import { join, resolve } from "node:path";

export const PROJECT_ROOT = resolve(__dirname, "../..");
export const DEFAULT_STACKS_DIR = join(PROJECT_ROOT, "stacks");

export function defaultStateDir(stack: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.PG_READ_REPLICAS_STATE_DIR ?? join(PROJECT_ROOT, ".pg-read-replicas", stack);
}
