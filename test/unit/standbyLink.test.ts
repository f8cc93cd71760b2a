/**
 * Standbys notice a lost upstream in seconds, not PostgreSQL's 60 s wal_receiver_timeout (which dominated the
 * node-loss failover): a shorter timeout on every server, keepalives and tcp_user_timeout on every standby's
 * connection, each a reload (not a restart) on a running stack.
 */
import { describe, expect, it } from "vitest";
import { STANDBY_LINK } from "../../components/facts/postgres";
import { clusterParameters } from "../../components/kubernetes/cnpg/parameters";
import { clusterPlans } from "../../components/kubernetes/cnpg/plan";
import { renderSeedReplicaScript } from "../../components/render/seedReplicaScript";
import { needsRestart } from "../../components/settings/contexts";
import { cnpgTopology, setting, stackTopology } from "../support/topologies";

const SELF_HOSTED = [
  ["local", "local"],
  ["staging", "selfHosted"],
  ["prod", "selfHosted"],
] as const;

describe.each(SELF_HOSTED)("stack %s", (stack, backend) => {
  const topology = stackTopology(stack, backend);

  it("gives every server (any may become a standby) wal_receiver_timeout below PostgreSQL's 60 s", () => {
    for (const group of topology.regions.flatMap((r) => r.groups))
      expect(setting(topology, group, "wal_receiver_timeout"), group.name).toBe("10s");
  });

  it("streams with keepalives and tcp_user_timeout: a gone upstream ends the connection within seconds", () => {
    const script = renderSeedReplicaScript(topology);
    const conninfo = /^conninfo="([^"]+)"$/m.exec(script)![1]!;
    for (const [key, value] of Object.entries(STANDBY_LINK.connection.value))
      expect(conninfo, key).toContain(` ${key}=${value}`);
    const { keepalives_idle, keepalives_interval, keepalives_count } = STANDBY_LINK.connection.value;
    expect(Number(keepalives_idle) + Number(keepalives_interval) * Number(keepalives_count)).toBeLessThan(60);
  });
});

describe("on a running stack", () => {
  it("both are reloads: primary_conninfo and wal_receiver_timeout are sighup settings", () => {
    expect(needsRestart("wal_receiver_timeout")).toBe(false);
  });
});

describe("cloudnative-pg", () => {
  it("sends wal_receiver_timeout to every Cluster (the operator writes primary_conninfo itself)", () => {
    const topology = cnpgTopology();
    for (const plan of clusterPlans(topology, topology.regions[0]!))
      expect(clusterParameters(plan).parameters.wal_receiver_timeout, plan.name).toBe("10s");
  });
});
