/** The relabelling a failover or switchover does to the promoted pod, as kubectl's argv and as the probe reads it. */
import { describe, expect, it } from "vitest";
import { ROLE_LABEL, WRITER_ROLE, roleSelector } from "../../components/kubernetes/conventions";
import { labelPodArgs, markStandby, markWriter } from "../../components/kubernetes/statefulset/roleLabels";
import type { NodeGroup, SelfHostedTopology } from "../../components/topology/types";

describe("role labels after a failover", () => {
  it("labels the promoted pod with the writer's role, overwriting its group's", async () => {
    const calls: Array<[string, Record<string, string>]> = [];
    const labeller = {
      labelPod: async (pod: string, labels: Record<string, string>) => void calls.push([pod, labels]),
    };
    await markWriter(labeller, "pg-replica-1");
    await markStandby(labeller, "pg-replica-0", { role: "oltp" } as NodeGroup);
    expect(calls).toEqual([
      ["pg-replica-1", { "pg-read-replicas/role": "primary" }],
      ["pg-replica-0", { "pg-read-replicas/role": "oltp" }],
    ]);
    expect(labelPodArgs("pg-replica-1", { [ROLE_LABEL]: WRITER_ROLE })).toEqual([
      "label",
      "pod",
      "pg-replica-1",
      "--overwrite",
      "pg-read-replicas/role=primary",
    ]);
  });

  it("takes the relabelled pod out of ro's selector and into the writer's", () => {
    const topology = { name: "pg" } as SelfHostedTopology;
    const pod = { "app.kubernetes.io/instance": "pg", "app.kubernetes.io/name": "postgresql", [ROLE_LABEL]: "oltp" };
    const relabelled = { ...pod, [ROLE_LABEL]: WRITER_ROLE };
    const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(selector).every(([key, value]) => labels[key] === value);
    expect(selects(roleSelector(topology, "oltp"), pod)).toBe(true);
    expect(selects(roleSelector(topology, "oltp"), relabelled)).toBe(false);
    expect(selects(roleSelector(topology, WRITER_ROLE), relabelled)).toBe(true);
  });
});
