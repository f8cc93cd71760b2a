/** Rehearsal keeps a selfHosted stack's topology and changes only what cannot fit this machine, saying what. */
import { describe, expect, it } from "vitest";
import type { NamespacePlan } from "../../components/local/network";
import { rehearsalTopology } from "../../components/local/rehearsal";
import { renderBootstrapSql } from "../../components/render/bootstrapSql";
import { renderPgHba } from "../../components/render/pgHba";
import { stackTopology, setting } from "../support/topologies";

const namespaces: NamespacePlan = {
  kind: "namespaces",
  id: "abc123",
  hub: "pgrr-abc123-hub",
  clientCidr: "198.18.8.0/24",
  hostAddress: "198.18.8.1",
  hubAddress: "198.18.8.2",
  block: "198.18.8.0/21",
  regions: [
    { region: "us-east-1", namespace: "pgrr-abc123-r0", cidr: "198.18.9.0/24", octets: [198, 18, 9] },
    { region: "eu-west-1", namespace: "pgrr-abc123-r1", cidr: "198.18.10.0/24", octets: [198, 18, 10] },
  ],
};

describe("rehearsing prod", () => {
  const source = stackTopology("prod", "selfHosted");
  const { topology, changes } = rehearsalTopology(source, namespaces, { postgresVersion: 15 });

  it("keeps nodes, slots, roles, regions, synchronous commit and TLS as the cluster gets them", () => {
    expect(topology.backend).toBe("local");
    expect(topology.standbys.map((s) => [s.name, s.slot, s.region])).toEqual(
      source.standbys.map((s) => [s.name, s.slot, s.region]),
    );
    expect(topology.replication).toEqual(source.replication);
    expect(topology.access).toMatchObject({ requireTls: true, tls: true });
    expect(setting(topology, "pg-primary", "synchronous_standby_names")).toBe(
      setting(source, "pg-primary", "synchronous_standby_names"),
    );
    expect(setting(topology, "pg-olap", "work_mem")).toBe("256MB");
    expect(topology.hash).not.toBe(source.hash);
  });

  it("scales memory-derived settings down and runs one PgBouncer per pool, listing both", () => {
    expect(setting(source, "pg-primary", "shared_buffers")).toBe("4GB");
    expect(setting(topology, "pg-primary", "shared_buffers")).toBe("128MB");
    expect(topology.regions.flatMap((r) => r.pools).every((p) => p.instances === 1)).toBe(true);
    expect(changes).toContain(
      "pg-primary: memory 16Gi → 512Mi, so shared_buffers 128MB and effective_cache_size 384MB (from 4GB and 12GB)",
    );
    expect(changes.some((c) => c.startsWith("pg-pool-read (us-east-1): 3 PgBouncer pods → 1 process"))).toBe(true);
  });

  it("keeps pg_hba's shape with this machine's per-region subnets: TLS only from the remote region", () => {
    const hba = renderPgHba(topology, "us-east-1");
    expect(hba).toMatch(/^hostnossl\s+all\s+all\s+198\.18\.10\.0\/24\s+reject$/m);
    expect(hba).toMatch(/^hostssl\s+replication\s+replicator\s+198\.18\.10\.0\/24\s+scram-sha-256$/m);
    expect(hba).toMatch(/^hostssl\s+replication\s+replicator\s+198\.18\.9\.0\/24\s+scram-sha-256$/m);
    expect(hba).toMatch(/^hostnossl\s+all\s+all\s+0\.0\.0\.0\/0\s+reject$/m);
    expect(hba).not.toContain("10.0.0.0/16");
    expect(changes).toContain(
      "eu-west-1: replication from 10.20.0.0/16 → 198.18.10.0/24; clients 10.20.0.0/16 → 198.18.10.0/24, 198.18.8.0/24",
    );
  });

  it("says when it runs another PostgreSQL major than the stack", () => {
    const fallback = rehearsalTopology(source, namespaces, {
      postgresVersion: 15,
      versionChange: "PostgreSQL 16 → 15: …",
    });
    expect(fallback.changes[0]).toBe("PostgreSQL 16 → 15: …");
  });

  it("on loopback (not root) admits every region from loopback and says the remote TLS rule is not told apart", () => {
    const loopback = rehearsalTopology(source, { kind: "loopback", reason: "not root" }, { postgresVersion: 15 });
    expect(loopback.topology.access.clientCidrs).toEqual(["127.0.0.0/8"]);
    expect(loopback.changes.some((c) => c.includes("(loopback: not told apart)"))).toBe(true);
  });
});

describe("the bootstrap under synchronous commit", () => {
  it("commits locally in every session it opens, before any role, slot or table is made", () => {
    const sql = renderBootstrapSql(stackTopology("prod", "selfHosted"));
    const lines = sql.split("\n");
    const firstSet = lines.indexOf("SET synchronous_commit = local;");
    const connect = lines.findIndex((l) => l.startsWith("\\connect "));
    expect(firstSet).toBeGreaterThan(-1);
    expect(firstSet).toBeLessThan(lines.findIndex((l) => l.includes("CREATE ROLE")));
    expect(lines[connect + 1]).toBe("SET synchronous_commit = local;");
  });
});

describe("rehearsing prod-cnpg", () => {
  it("rehearses prod's topology with this project's processes, and says the operator is not rehearsed", () => {
    const { topology, changes } = rehearsalTopology(stackTopology("prod-cnpg", "selfHosted"), namespaces, {
      postgresVersion: 15,
    });
    const prod = rehearsalTopology(stackTopology("prod", "selfHosted"), namespaces, { postgresVersion: 15 }).topology;
    expect(topology.standbys.map((s) => s.name)).toEqual(prod.standbys.map((s) => s.name));
    expect(changes.join("\n")).toContain(
      "kubernetes.engine cloudnative-pg: the topology runs as this project's processes; the operator",
    );
    expect(
      rehearsalTopology(stackTopology("prod", "selfHosted"), namespaces, { postgresVersion: 15 }).changes.join("\n"),
    ).not.toContain("cloudnative-pg");
  });
});
