/**
 * aurora.engineVersion asked of AWS: DescribeDBEngineVersions, through a fake that answers as AWS does (only available
 * versions unless IncludeAll, one parameter-group family, pages behind a Marker), names the versions offered now when
 * the pinned one was retired.
 */
import { describe, expect, it } from "vitest";
import { ENGINE_VERSION } from "../../components/facts/aws";
import {
  type EngineVersionApi,
  type ListedEngineVersion,
  checkEngineVersion,
} from "../../components/aurora/engineVersionCheck";

interface Row extends ListedEngineVersion {
  family: string;
}

/** AWS's answer: deprecated versions left out unless IncludeAll; two records a page, joined as a client would. */
function fakeAws(
  rows: Record<string, Row[]>,
  calls: string[] = [],
  globalClusters: Record<string, string> = {},
): EngineVersionApi {
  const page = (all: Row[], marker: number) => ({ rows: all.slice(marker, marker + 2), next: marker + 2 < all.length });
  return {
    async listEngineVersions(region, engine, family) {
      calls.push(`${region} ${engine} ${family}`);
      const listed = (rows[region] ?? []).filter(
        (r) => r.family === family && (!ENGINE_VERSION.describeListsOnlyAvailable.value || r.status === "available"),
      );
      const found: ListedEngineVersion[] = [];
      for (let marker = 0, more = true; more; marker += 2) {
        const answer = page(listed, marker);
        found.push(...answer.rows.map(({ engineVersion, status }) => ({ engineVersion, status })));
        more = answer.next;
      }
      return found;
    },
    // DescribeGlobalClusters by identifier: GlobalClusterNotFoundFault (undefined here) when there is none.
    async globalClusterVersion(region, identifier) {
      calls.push(`${region} global ${identifier}`);
      return globalClusters[identifier];
    },
  };
}

const v = (engineVersion: string, status = "available", family = "aurora-postgresql16"): Row => ({
  engineVersion,
  status,
  family,
});

describe("aurora.engineVersion against DescribeDBEngineVersions", () => {
  it("passes a version AWS still offers, asking each region for the version's family", async () => {
    const calls: string[] = [];
    const api = fakeAws({ "us-east-1": [v("16.8"), v("16.9")], "eu-west-1": [v("16.8")] }, calls);
    expect(await checkEngineVersion(api, { engineVersion: "16.8", regions: ["us-east-1", "eu-west-1"] })).toEqual([]);
    expect(calls).toEqual([
      "us-east-1 aurora-postgresql aurora-postgresql16",
      "eu-west-1 aurora-postgresql aurora-postgresql16",
    ]);
  });

  it("refuses a retired minor, naming the ones offered now in version order (16.10 after 16.9), across pages", async () => {
    const api = fakeAws({
      "us-east-1": [
        v("16.8", "deprecated"),
        v("16.10"),
        v("16.9"),
        v("16.11"),
        v("17.4", "available", "aurora-postgresql17"),
      ],
    });
    const [problem] = await checkEngineVersion(api, { engineVersion: "16.8", regions: ["us-east-1"] });
    expect(problem).toContain('aurora.engineVersion = "16.8" cannot be used for a new cluster in us-east-1');
    expect(problem).toContain("the 16.x versions it offers now: 16.9, 16.10, 16.11");
    expect(problem).not.toContain("17.4");
    expect(problem).toContain("Fix: set aurora.engineVersion");
  });

  it("names the region where a secondary cannot be created", async () => {
    const api = fakeAws({ "us-east-1": [v("16.8")], "eu-west-1": [] });
    const problems = await checkEngineVersion(api, { engineVersion: "16.8", regions: ["us-east-1", "eu-west-1"] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("in eu-west-1");
    expect(problems[0]).toContain("it offers no 16.x version there");
  });

  it("refuses a major change of a Global Database that still runs the old major, before any cluster changes", async () => {
    const calls: string[] = [];
    const rows = {
      "us-east-1": [v("17.4", "available", "aurora-postgresql17")],
      "eu-west-1": [v("17.4", "available", "aurora-postgresql17")],
    };
    const api = fakeAws(rows, calls, { "orders-prod-global": "16.8" });
    const question = {
      engineVersion: "17.4",
      regions: ["us-east-1", "eu-west-1"],
      globalCluster: { region: "us-east-1", identifier: "orders-prod-global" },
    };
    const [problem, ...others] = await checkEngineVersion(api, question);
    expect(others).toEqual([]);
    expect(calls).toContain("us-east-1 global orders-prod-global");
    expect(problem).toContain("is a major upgrade of Global Database orders-prod-global, which runs 16.8");
    expect(problem).toContain("Nothing was changed");
    expect(problem).toContain(
      "aws rds modify-global-cluster --global-cluster-identifier orders-prod-global --engine-version 17.4 --allow-major-version-upgrade",
    );
    expect(problem).toContain("pulumi up --refresh");
  });

  it("passes once the global cluster runs the new major (after modify-global-cluster), and on a new stack", async () => {
    const rows = { "us-east-1": [v("17.4", "available", "aurora-postgresql17")] };
    const question = {
      engineVersion: "17.4",
      regions: ["us-east-1"],
      globalCluster: { region: "us-east-1", identifier: "orders-prod-global" },
    };
    expect(await checkEngineVersion(fakeAws(rows, [], { "orders-prod-global": "17.4" }), question)).toEqual([]);
    expect(await checkEngineVersion(fakeAws(rows, [], {}), question)).toEqual([]);
    // A minor change within the major is the global cluster's own upgrade path (versions.ts): not refused.
    const minor = { "us-east-1": [v("16.9")] };
    expect(
      await checkEngineVersion(fakeAws(minor, [], { "orders-prod-global": "16.8" }), {
        ...question,
        engineVersion: "16.9",
      }),
    ).toEqual([]);
  });
});
