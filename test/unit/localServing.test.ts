/**
 * Who plays which part on a local stack after a switchover: the primary's node streams as an OLTP replica on a
 * slot of its own name, the promoted replica writes with the writer's replication settings, and each keeps its
 * own group's memory and overrides.
 */
import { describe, expect, it } from "vitest";
import { asStandby, playedGroup, playedRole, servingStandbys } from "../../components/local/serving";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { allGroups, groupOf } from "../../components/topology/queries";
import { ROLE_SETTING_NAMES } from "../../components/topology/settings";
import type { DatabaseNode, Topology } from "../../components/topology/types";
import { localBase, patched } from "../support/configs";

const synchronous = () =>
  topologyFromConfig(
    patched(localBase(), {
      name: "sw",
      replication: { synchronousCommit: "remote_write", synchronousReplicas: 1 },
      resources: { primary: { memory: "1Gi" }, replica: { memory: "512Mi" } },
      postgresql: { primary: { work_mem: "16MB" } },
    }),
  ).topology;

const setting = (topology: Topology, writer: string, node: DatabaseNode, name: string) =>
  playedGroup({ topology, writer, retired: [] }, node).settings.find((s) => s.name === name)?.value;

const node = (topology: Topology, name: string) =>
  [topology.primary, ...topology.standbys].find((n) => n.name === name)!;

describe("the serving view of a local stack", () => {
  it("is the topology itself while the primary's node writes", () => {
    const topology = synchronous();
    const serving = { topology, writer: topology.primary.name, retired: [] };
    expect(servingStandbys(serving)).toEqual(topology.standbys);
    for (const member of [topology.primary, ...topology.standbys])
      expect(playedGroup(serving, member)).toBe(groupOf(topology, member));
  });

  it("after a switchover, streams the primary's node as an OLTP replica on its own slot", () => {
    const topology = synchronous();
    const serving = { topology, writer: "sw-replica-0", retired: [] };
    const standbys = servingStandbys(serving);
    expect(standbys.map((s) => s.name)).toEqual(["sw-primary-0", "sw-replica-1", "sw-olap-0"]);
    expect(standbys[0]).toMatchObject({ role: "oltp", slot: "sw_primary_0", remote: false });
    expect(playedRole(serving, topology.primary)).toBe("oltp");
    expect(playedRole(serving, node(topology, "sw-replica-0"))).toBe("primary");
    expect(asStandby(node(topology, "sw-olap-0")).role).toBe("olap");
  });

  it("gives the promoted replica the writer's replication settings and keeps its own memory", () => {
    const topology = synchronous();
    const writer = node(topology, "sw-replica-0");
    expect(setting(topology, "sw-replica-0", writer, "default_transaction_read_only")).toBeUndefined();
    expect(setting(topology, "sw-replica-0", writer, "hot_standby_feedback")).toBeUndefined();
    expect(setting(topology, "sw-replica-0", writer, "synchronous_commit")).toBe("remote_write");
    const names = setting(topology, "sw-replica-0", writer, "synchronous_standby_names")!;
    expect(names).toMatch(/^ANY 1 \("sw-primary-0", "sw-replica-1", /);
    expect(names).not.toContain('"sw-replica-0"');
    expect(setting(topology, "sw-replica-0", writer, "shared_buffers")).toBe("128MB");
    expect(setting(topology, "sw-replica-0", writer, "work_mem")).toBeUndefined();
  });

  it("gives the demoted primary a standby's replication settings and keeps its own memory and overrides", () => {
    const topology = synchronous();
    const primary = topology.primary;
    expect(setting(topology, "sw-replica-0", primary, "default_transaction_read_only")).toBe("on");
    expect(setting(topology, "sw-replica-0", primary, "hot_standby_feedback")).toBe("on");
    expect(setting(topology, "sw-replica-0", primary, "synchronous_standby_names")).toBeUndefined();
    expect(setting(topology, "sw-replica-0", primary, "shared_buffers")).toBe("256MB");
    expect(setting(topology, "sw-replica-0", primary, "work_mem")).toBe("16MB");
  });

  it("names as role settings every setting the writer and an OLTP replica of equal size set differently", () => {
    const topology = topologyFromConfig(
      patched(localBase(), { replication: { synchronousCommit: "on", synchronousReplicas: 2 } }),
    ).topology;
    const [primary, oltp] = ["primary", "oltp"].map((role) => allGroups(topology).find((g) => g.role === role)!);
    const values = (settings: readonly { name: string; value: string }[]) =>
      new Map(settings.map((s) => [s.name, s.value]));
    const [p, o] = [values(primary!.settings), values(oltp!.settings)];
    const differing = [...new Set([...p.keys(), ...o.keys()])].filter((name) => p.get(name) !== o.get(name));
    expect(differing.sort()).toEqual([...ROLE_SETTING_NAMES].sort());
  });
});
