/** A preview template made into one change's config: changeId, the expiry label, the template's own labels kept. */
import { describe, expect, it } from "vitest";
import { expiryLabelValue, labelValueProblem } from "../../components/config/labels";
import { instantiateTemplate, previewStackName } from "../../components/preview/template";
import { topologyFromPulumiConfig } from "../../components/pipeline/loadTopology";

const TEMPLATE = {
  "pg-read-replicas:backend": "selfHosted",
  "pg-read-replicas:postgresVersion": "15",
  "pg-read-replicas:region": "us-east-1",
  "pg-read-replicas:replicas": "1",
  "pg-read-replicas:database": "app",
  "pg-read-replicas:user": "app",
  "pg-read-replicas:allowedCidrs": '["10.0.0.0/16"]',
  "pg-read-replicas:replicationCidrs": '["10.244.0.0/16"]',
  "pg-read-replicas:kubernetes": '{"namespace":"pg-pr"}',
  "pg-read-replicas:labels": '{"team":"data"}',
};
const EXPIRES = new Date("2030-01-02T03:04:05.678Z");

describe("a preview template for one change", () => {
  it("adds changeId and the expiry to the template's config and labels", () => {
    const { config, labels } = instantiateTemplate(TEMPLATE, { id: "42", expires: EXPIRES });
    expect(config["pg-read-replicas:changeId"]).toBe("42");
    expect(JSON.parse(config["pg-read-replicas:labels"]!)).toEqual({
      team: "data",
      "pg-read-replicas/expires": "20300102T030405Z",
    });
    expect(labels).toEqual({ "pg-read-replicas/expires": "20300102T030405Z" });
    const { topology } = topologyFromPulumiConfig(config);
    expect(topology.backend === "selfHosted" && topology.kubernetes.namespace).toBe("pg-pr-42");
    expect(topology.labels).toEqual({
      team: "data",
      "pg-read-replicas/expires": "20300102T030405Z",
      "pg-read-replicas/change": "42",
    });
    expect(previewStackName("pr", "42")).toBe("pr-42");
  });

  it("writes the expiry as a label value that sorts as time does", () => {
    const earlier = expiryLabelValue(new Date("2030-01-02T03:04:05Z"));
    const later = expiryLabelValue(new Date("2030-11-20T00:00:00Z"));
    expect(labelValueProblem(earlier)).toBeUndefined();
    expect(earlier < later).toBe(true);
  });

  it("refuses a template that sets changeId itself, and an id that cannot name a namespace", () => {
    expect(() =>
      instantiateTemplate({ ...TEMPLATE, "pg-read-replicas:changeId": "7" }, { id: "42", expires: EXPIRES }),
    ).toThrow(
      "template pr sets pg-read-replicas:changeId; a template leaves it unset, and preview run sets it to each change's id.",
    );
    expect(() => instantiateTemplate(TEMPLATE, { id: "feature/x", expires: EXPIRES })).toThrow(
      '--id "feature/x" is not a change id',
    );
    expect(() =>
      instantiateTemplate({ ...TEMPLATE, "pg-read-replicas:labels": "team" }, { id: "42", expires: EXPIRES }),
    ).toThrow("must be a map of labels");
  });
});
