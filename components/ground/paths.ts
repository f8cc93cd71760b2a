/** Where this checkout keeps its CLI, stacks and local state. */
import { join, resolve } from "node:path";

export const PROJECT_ROOT = resolve(__dirname, "../..");
/** The CLI entry: the Pulumi local backend and the Aurora check run it; `local up` starts daemons with it. */
export const CLI_ENTRY = join(PROJECT_ROOT, "bin", "pg-read-replicas.cjs");
export const DEFAULT_STACKS_DIR = join(PROJECT_ROOT, "stacks");

export function defaultStateDir(stack: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.PG_READ_REPLICAS_STATE_DIR ?? join(PROJECT_ROOT, ".pg-read-replicas", stack);
}
