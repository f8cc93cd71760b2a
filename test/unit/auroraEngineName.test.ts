/**
 * The Aurora engine name is one fact (facts/aws/engine.ts): the deploy-time instances and clusters, the check-time
 * engine version check and the parameter-group family all read it, and no Aurora file spells it again.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkEngineVersion } from "../../components/aurora/engineVersionCheck";
import { commonInstanceArgs } from "../../components/aurora/instances";
import { AURORA_ENGINE, parameterGroupFamily } from "../../components/facts/aws";
import type { AuroraSettings } from "../../components/topology/types";

const AURORA = join(__dirname, "../../components/aurora");

function auroraSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? auroraSources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("the Aurora engine name", () => {
  it("is spelled only in facts/aws/engine.ts, never again in components/aurora", () => {
    const spelled = auroraSources(AURORA).filter((f) =>
      readFileSync(f, "utf8").includes(`"${AURORA_ENGINE.name.value}"`),
    );
    expect(spelled).toEqual([]);
  });

  it("is what the check asks DescribeDBEngineVersions for, with the family of the version's major", async () => {
    const calls: string[] = [];
    await checkEngineVersion(
      {
        async listEngineVersions(region, engine, family) {
          calls.push(`${region} ${engine} ${family}`);
          return [{ engineVersion: "16.8", status: "available" }];
        },
        async globalClusterVersion() {
          return undefined;
        },
      },
      { engineVersion: "16.8", regions: ["us-east-1"] },
    );
    expect(calls).toEqual([`us-east-1 ${AURORA_ENGINE.name.value} ${parameterGroupFamily(16)}`]);
    expect(parameterGroupFamily(16)).toBe("aurora-postgresql16");
  });

  it("is what every instance is created with", () => {
    expect(commonInstanceArgs({} as AuroraSettings).engine).toBe(AURORA_ENGINE.name.value);
  });
});
