/**
 * The shell commands the Pulumi local backend runs: `local up` with the
 * program's Topology handed over as JSON, and `local down`. Pure, so the
 * integration suite can run exactly what `pulumi up -s local` would.
 */
import { shq } from "../ground/shell";
import type { Topology } from "../topology/types";

export interface LocalCommands {
  create: string;
  delete: string;
  environment: Record<string, string>;
}

export function localCommands(
  topology: Topology,
  stack: string,
  stateDir: string,
  cli: string,
  node = process.execPath,
): LocalCommands {
  const base = `${shq(node)} ${shq(cli)} local`;
  const where = `--stack ${shq(stack)} --state-dir ${shq(stateDir)}`;
  return {
    // --json: stdout carries only the StackOutputs; progress goes to stderr.
    create: `${base} up --from-env --json ${where}`,
    delete: `${base} down ${where}`,
    environment: { PG_READ_REPLICAS_TOPOLOGY: JSON.stringify(topology) },
  };
}
