/**
 * The node `reseed` may throw away, or the refusal naming the node, the stack and the fix: the writer is never
 * re-seeded, nor a name the stack does not have; a former writer only when told its writes may be discarded (its
 * data may hold commits the current writer never received). The one place these checks live: the CLI prints after
 * them, it does not repeat them.
 */
import { allNodes } from "../topology/queries";
import type { StandbyNode } from "../topology/types";
import { LocalError } from "./errors";
import { type Serving, asStandby } from "./serving";

export interface ReseedRequest {
  stack: string;
  name: string;
  /** A former writer's data may be discarded (the CLI's --discard-writes). */
  discardWrites: boolean;
  /** Where the node's data lives, for the refusal that asks to copy it out first. */
  dataDir: string;
}

/** The node to re-seed, as the standby it becomes (a retired former writer streams on a slot of its own name). */
export function reseedTarget(serving: Serving, request: ReseedRequest): StandbyNode {
  const { stack, name } = request;
  const replicas = allNodes(serving.topology)
    .map((node) => node.name)
    .filter((node) => node !== serving.writer);
  const listed = `its replicas are ${replicas.join(", ")}; name one of them (pg-read-replicas local status --stack ${stack} lists every node).`;
  if (name === serving.writer)
    throw new LocalError(`${name} is the writer of stack ${stack}; only replicas are re-seeded: ${listed}`);
  const found = allNodes(serving.topology).find((node) => node.name === name);
  if (!found) throw new LocalError(`${name} is not a node of stack ${stack}; ${listed}`);
  if (serving.retired.includes(name) && !request.discardWrites)
    throw new LocalError(
      `${name} is a former writer of stack ${stack}: its data may hold commits ${serving.writer} never received, and ` +
        `re-seeding discards them. Copy what you need out of it first (its data directory: ${request.dataDir}), ` +
        `then run again with --discard-writes.`,
    );
  return asStandby(found);
}
