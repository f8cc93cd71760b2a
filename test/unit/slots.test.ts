/**
 * Which of the writer's slots are the stack's to drop: the pattern covers every slot any of its topologies can name,
 * and nothing another tool (or another stack) would name; the declared set is the serving standbys'.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { declaredSlots, renderDropSlotsScript } from "../../components/render/dropSlotsScript";
import { undeclaredSlotsSql } from "../../components/sql/replicationSql";
import { slotName, slotPattern } from "../../components/topology/names";
import { localConfig, selfHostedConfig } from "../support/arbitraries";
import { localBase, patched, selfHostedBase } from "../support/configs";
import { accepted, selfHostedTopology } from "../support/topologies";

describe("the stack's slots", () => {
  it("match the stack's pattern for every standby of every topology validation accepts", () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.oneof(selfHostedConfig, localConfig), (config) => {
        const topology = accepted(config)?.topology;
        if (!topology) return;
        const pattern = new RegExp(slotPattern(topology.name));
        for (const standby of topology.standbys) expect(standby.slot).toMatch(pattern);
        expect(slotName(topology.primary.name)).toMatch(pattern);
        checked++;
      }),
      { numRuns: 200 },
    );
    expect(checked).toBeGreaterThan(50);
  });

  it("leave other tools' and other stacks' slots alone", () => {
    const pattern = new RegExp(slotPattern("pg"));
    for (const foreign of [
      "debezium",
      "pg_cdc_0",
      "pg_replica",
      "pg_replica_",
      "pgx_replica_0",
      "orders_replica_0",
      "pg_replica_0_backup",
      "barman_pg_replica_0",
    ])
      expect(foreign).not.toMatch(pattern);
    for (const ours of ["pg_primary_0", "pg_replica_4", "pg_olap_0", "pg_replica_eu_west_1_1"])
      expect(ours).toMatch(pattern);
  });

  it("declare the serving standbys' slots: after a failover not the promoted writer's own", () => {
    const before = selfHostedTopology({ name: "pg", replicas: 2, olap: { enabled: true } });
    expect(declaredSlots(before)).toEqual(["pg_olap_0", "pg_replica_0", "pg_replica_1"]);
    const after = selfHostedTopology({
      name: "pg",
      replicas: 2,
      olap: { enabled: true },
      kubernetes: { ...(selfHostedBase().kubernetes as object), writer: "pg-replica-1" },
    });
    expect(declaredSlots(after)).toEqual(["pg_olap_0", "pg_replica_0"]);
  });

  it("are listed by SQL that quotes the pattern and the declared names, and an empty set declares none", () => {
    expect(undeclaredSlotsSql("^it's_[0-9]+$", ["a'b"])).toContain("'^it''s_[0-9]+$'");
    expect(undeclaredSlotsSql("^x$", ["a'b"])).toContain("ARRAY['a''b']::text[]");
    expect(undeclaredSlotsSql("^x$", [])).toContain("NOT s.slot_name = ANY (ARRAY[]::text[])");
  });

  it("name the kept slots in the script's closing line, so its log says what the writer keeps", () => {
    const topology = accepted(patched(localBase(), { name: "pg", replicas: 2 }))!.topology;
    expect(renderDropSlotsScript(topology, 60)).toContain(`only (${declaredSlots(topology).join(" ")})`);
  });
});
