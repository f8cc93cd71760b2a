/**
 * `local reseed`'s refusals live in one place (reseedTarget, called by LocalRunner.reseed before anything is
 * stopped): the writer, a name the stack does not have, and a former writer without --discard-writes are refused
 * with the node, the stack and the fix; a replica, or a former writer told to discard, is re-seeded as a standby.
 */
import { describe, expect, it } from "vitest";
import { LocalError } from "../../components/local/errors";
import { type ReseedRequest, reseedTarget } from "../../components/local/reseedTarget";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { slotName } from "../../components/topology/names";
import { localBase, patched } from "../support/configs";

const topology = topologyFromConfig(patched(localBase(), { name: "rs" })).topology;
const primary = topology.primary.name;
const [first, second] = topology.standbys;
const request = (name: string, discardWrites = false): ReseedRequest => ({
  stack: "rs",
  name,
  discardWrites,
  dataDir: `/state/rs/data/${name}`,
});
const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LocalError);
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
};

describe("reseedTarget", () => {
  it("refuses the writer, naming the stack and the replicas to choose from", () => {
    const message = refusal(() => reseedTarget({ topology, writer: primary, retired: [] }, request(primary)));
    expect(message).toContain(`${primary} is the writer of stack rs; only replicas are re-seeded`);
    expect(message).toContain(`its replicas are ${topology.standbys.map((s) => s.name).join(", ")}`);
    expect(message).toContain("pg-read-replicas local status --stack rs");
  });

  it("refuses a name the stack does not have", () => {
    const message = refusal(() => reseedTarget({ topology, writer: primary, retired: [] }, request("rs-replica-9")));
    expect(message).toContain("rs-replica-9 is not a node of stack rs; its replicas are");
    expect(message).toContain(first!.name);
  });

  it("refuses a former writer unless its writes may be discarded, pointing at its data directory", () => {
    const serving = { topology, writer: first!.name, retired: [primary] };
    const message = refusal(() => reseedTarget(serving, request(primary)));
    expect(message).toContain(`${primary} is a former writer of stack rs`);
    expect(message).toContain(`its data directory: /state/rs/data/${primary}`);
    expect(message).toContain("--discard-writes");
    const standby = reseedTarget(serving, request(primary, true));
    expect(standby).toMatchObject({ name: primary, role: "oltp", slot: slotName(primary) });
  });

  it("re-seeds a replica as the standby it is, and the old writer's replicas after a switchover", () => {
    expect(reseedTarget({ topology, writer: primary, retired: [] }, request(second!.name))).toEqual(second);
    const switched = { topology, writer: first!.name, retired: [] };
    expect(reseedTarget(switched, request(primary)).slot).toBe(slotName(primary));
    expect(refusal(() => reseedTarget(switched, request(first!.name)))).toContain("is the writer of stack rs");
  });
});
