/** A Topology handed over as JSON (by the Pulumi local backend): accepted only if its hash matches its contents. */
import { UserError } from "../ground/errors";
import { topologyHash } from "./hash";
import type { Topology } from "./types";

export class TopologyJsonError extends UserError {
  override name = "TopologyJsonError";
}

export function topologyFromJson(text: string | undefined, source: string): Topology {
  if (!text)
    throw new TopologyJsonError(`${source} is empty; it must hold the topology JSON the Pulumi program computed.`);
  let value: Topology;
  try {
    value = JSON.parse(text) as Topology;
  } catch (error) {
    throw new TopologyJsonError(`${source} is not JSON: ${(error as Error).message}`);
  }
  if (typeof value?.hash !== "string" || topologyHash(value) !== value.hash) {
    throw new TopologyJsonError(
      `${source} does not hold a topology whose contents match its hash; pass the JSON the program produced, unedited.`,
    );
  }
  return value;
}
