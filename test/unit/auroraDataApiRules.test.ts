/**
 * What the application role's step needs of a stack, each against its fact (facts/aws/dataApi.ts): a version and
 * instance classes the RDS Data API takes on a provisioned cluster, and a role other than the master.
 */
import { describe, expect, it } from "vitest";
import { DATA_API, dataApiSupportsVersion } from "../../components/facts/aws";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { refusalMessage, withAurora } from "../support/configs";

describe("the Data API facts", () => {
  it("list the first version of each major that takes the Data API, and refuse T classes, citing AWS's pages", () => {
    expect(DATA_API.oldestMinor.value).toMatchObject({ 13: 11, 14: 8, 15: 3, 16: 1, 17: 4 });
    expect(DATA_API.oldestMinor.sources[0]!.source).toBe("dataApiRegions");
    expect(DATA_API.unsupportedClass.sources[0]!.source).toBe("dataApiLimitations");
    expect(dataApiSupportsVersion("16.1")).toBe(true);
    expect(dataApiSupportsVersion("16.0")).toBe(false);
    expect(dataApiSupportsVersion("14.7")).toBe(false);
    expect(dataApiSupportsVersion("12.9")).toBeUndefined();
    for (const t of ["db.t4g.medium", "db.t3.large"]) expect(DATA_API.unsupportedClass.value.test(t), t).toBe(true);
    for (const ok of ["db.r6g.large", "db.r7i.xlarge", "db.x2g.large"])
      expect(DATA_API.unsupportedClass.value.test(ok), ok).toBe(false);
  });
});

describe("the application role's requirements", () => {
  it("refuses a T writer, naming the key, the Data API and the fix", () => {
    const message = refusalMessage(withAurora({ instanceClass: { writer: "db.t4g.medium", olap: "db.r6g.xlarge" } }));
    expect(message).toContain('aurora.instanceClass.writer = "db.t4g.medium"');
    expect(message).toContain("the RDS Data API does not run on");
    expect(message).toContain("Fix: use a db.r class");
  });

  it("refuses a T reader or OLAP reader too: a failover can make it the writer", () => {
    const message = refusalMessage(
      withAurora({ instanceClass: { writer: "db.r6g.large", reader: "db.t3.large", olap: "db.r6g.xlarge" } }),
    );
    expect(message).toContain('aurora.instanceClass.reader = "db.t3.large"');
  });

  it("refuses a version older than the Data API's first of its major", () => {
    const message = refusalMessage(withAurora({ engineVersion: "15.2" }, { postgresVersion: "15" }));
    expect(message).toContain('aurora.engineVersion = "15.2"');
    expect(message).toContain("older than 15.3, the first 15.x the RDS Data API takes on a provisioned cluster");
  });

  it("names the role <user>_app unless aurora.appUser says otherwise, and never the master", () => {
    const derived = topologyFromConfig(withAurora({}));
    expect(derived.topology.backend === "aurora" && derived.topology.aurora.appUser).toBe("app_app");
    const named = topologyFromConfig(withAurora({ appUser: "orders" }));
    expect(named.topology.backend === "aurora" && named.topology.aurora.appUser).toBe("orders");
    const message = refusalMessage(withAurora({ appUser: "app" }));
    expect(message).toContain('aurora.appUser = "app"');
    expect(message).toContain("is the master user");
  });
});
