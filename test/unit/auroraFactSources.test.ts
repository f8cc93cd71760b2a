/**
 * The Aurora facts themselves: the settings registry has a fact for everything it sends to Aurora, with Aurora's own
 * formulas and limits (that every fact has a source is test/unit/facts.test.ts).
 */
import { describe, expect, it } from "vitest";
import { LIMITS, parameterFact } from "../../components/facts/aws";
import { GUCS, type GucSpec } from "../../components/settings/registry";

const SUPPORTED_MAJORS = [15, 16, 17] as const;

describe("the Aurora facts", () => {
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
