/**
 * The Aurora facts themselves: every fact names a source that says where to read it, and the settings registry has a
 * fact for everything it sends to Aurora.
 */
import { describe, expect, it } from "vitest";
import {
  AUTOSCALING,
  CA_CERTIFICATES,
  GLOBAL_DATABASE,
  LIMITS,
  LOG_RETENTION_DAYS,
  METRIC_FACTS,
  PARAMETER_FACTS,
  SOURCES,
  parameterFact,
} from "../../components/facts/aws";
import { GUCS, type GucSpec } from "../../components/settings/registry";

const SUPPORTED_MAJORS = [15, 16, 17] as const;

describe("the Aurora facts", () => {
  it("point every source at a page or a repository file", () => {
    for (const [id, source] of Object.entries(SOURCES)) {
      const where = "url" in source ? source.url : "repo" in source ? `${source.repo}/${source.path}` : undefined;
      expect(where, id).toMatch(/^(https:\/\/|[\w.-]+\/[\w.-]+\/)/);
    }
    const cited = [
      ...Object.values(PARAMETER_FACTS).flatMap((f) => f.sources),
      ...Object.values(METRIC_FACTS).flatMap((f) => f.sources),
      ...[LIMITS, AUTOSCALING, GLOBAL_DATABASE].flatMap((group) => Object.values(group).flatMap((f) => f.sources)),
      ...CA_CERTIFICATES.sources,
      ...LOG_RETENTION_DAYS.sources,
    ];
    for (const id of cited) expect(Object.keys(SOURCES), id).toContain(id);
  });

  it("cover every setting the registry sends to Aurora, for every major the product supports, saying whether that major was verified", () => {
    for (const [name, spec] of Object.entries(GUCS) as Array<[string, GucSpec]>) {
      if (!spec.aurora || "managed" in spec.aurora) continue;
      const fact = parameterFact(name);
      expect(fact, `${name} maps to Aurora without a fact`).toBeDefined();
      for (const major of SUPPORTED_MAJORS)
        expect(["verified", "assumed-from-14"], `${name} ${major}`).toContain(fact!.families[major]);
      if (spec.aurora.sizedByAurora) expect(fact!.auroraDefault, `${name}: Aurora's formula`).toMatch(/DBInstance/);
    }
  });

  it("record Aurora's own sizing formulas as the parameter reference gives them", () => {
    expect(parameterFact("max_connections")!.auroraDefault).toBe("LEAST({DBInstanceClassMemory/9531392},5000)");
    expect(parameterFact("max_worker_processes")!.auroraDefault).toBe("GREATEST(${DBInstanceVCPU*2},8)");
    expect(parameterFact("synchronous_commit")!.level).toBe("cluster");
    for (const name of ["jit", "lock_timeout", "commit_delay", "commit_siblings"])
      expect(parameterFact(name)!.level, name).toBe("none");
  });

  it("keep the Global Database limits of the current guide: 10 secondary regions, 15 − s primary readers", () => {
    expect(LIMITS.secondaryRegions.value).toBe(10);
    expect(LIMITS.primaryReadersWithSecondaries.value(2)).toBe(13);
  });
});
