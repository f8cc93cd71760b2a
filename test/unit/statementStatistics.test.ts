/**
 * pg_stat_statements on every backend (seed 001 measures the capacity formula's input with it): self-hosted servers
 * preload it and the bootstrap creates it in the application database; Aurora loads it itself.
 */
import { describe, expect, it } from "vitest";
import { auroraParameterPlan } from "../../components/aurora/parameters";
import { STATEMENT_STATISTICS } from "../../components/facts/postgres";
import { renderBootstrapSql } from "../../components/render/bootstrapSql";
import { needsRestart } from "../../components/settings/contexts";
import { auroraTopology, setting, stackTopology } from "../support/topologies";

const SELF_HOSTED = [
  ["local", "local"],
  ["dev", "selfHosted"],
  ["staging", "selfHosted"],
  ["prod", "selfHosted"],
] as const;

describe.each(SELF_HOSTED)("stack %s", (stack, backend) => {
  const topology = stackTopology(stack, backend);

  it("preloads pg_stat_statements on every server", () => {
    for (const group of topology.regions.flatMap((r) => r.groups))
      expect(setting(topology, group, "shared_preload_libraries"), group.name).toBe("pg_stat_statements");
  });

  it("creates the extension in the application database, as the superuser, in the bootstrap", () => {
    const sql = renderBootstrapSql(topology);
    const connect = sql.indexOf(`\\connect ${topology.database}`);
    const create = sql.indexOf("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;");
    expect(connect).toBeGreaterThan(0);
    expect(create).toBeGreaterThan(connect);
    // Before any SET ROLE: the extension is not trusted, only a superuser may create it.
    expect(sql.slice(connect, create)).not.toContain("SET ROLE");
  });
});

describe("the setting's kind of change", () => {
  it("is a restart: the change planners restart a running server to load it", () => {
    expect(needsRestart("shared_preload_libraries")).toBe(true);
  });
});

describe("Aurora", () => {
  it("sends no shared_preload_libraries: Aurora PostgreSQL loads pg_stat_statements by default", () => {
    expect(STATEMENT_STATISTICS.auroraLoadsByDefault.value).toBe(true);
    const plan = auroraParameterPlan(auroraTopology());
    const names = [...plan.cluster, ...Object.values(plan.instance).flat()].map((p) => p.name);
    expect(names).not.toContain("shared_preload_libraries");
  });
});
