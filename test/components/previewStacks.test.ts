/**
 * The preview templates (stacks/Pulumi.pr.yaml, Pulumi.aurora-pr.yaml) as the per-change stack
 * pr-<id> gets them: changeId and an expiry label on top of the template. Each change gets its
 * own namespace; every Kubernetes object and every AWS resource carries the change's labels.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CHANGE_LABEL, EXPIRES_LABEL, PRODUCT_LABEL_KEYS } from "../../components/config/labels";
import { instantiateTemplate } from "../../components/preview/template";
import { readStackConfig } from "../../components/config/stackFile";
import { TYPES, ofType, one, providerUrn } from "../support/graph";
import { isKubernetesObject, validateKubernetesObject } from "../support/kubernetesSchema";
import { type ProgramRun, type Registered, resolve, runProgram } from "../support/pulumiMocks";

const EXPIRES = new Date("2030-01-02T03:04:05Z");
const perChange = (template: string, id: string) =>
  instantiateTemplate(readStackConfig("stacks", template), { id, expires: EXPIRES }).config;
const STACK_LABELS = {
  [CHANGE_LABEL]: "42",
  [EXPIRES_LABEL]: "20300102T030405Z",
  "pg-read-replicas/purpose": "preview",
};

const kubernetesObjects = (run: ProgramRun) => run.resources.filter(isKubernetesObject);
const podTemplateLabels = (r: Registered): Record<string, string> | undefined =>
  r.inputs.spec?.template?.metadata?.labels;

describe("the selfHosted preview template as stack pr-42", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("pr", perChange("pr", "42"), "pr-42");
  });

  it("passes the Kubernetes schema", () => {
    expect(kubernetesObjects(run).length).toBeGreaterThan(20);
    for (const resource of kubernetesObjects(run)) validateKubernetesObject(resource);
  });

  it("puts everything of both regions in the change's own namespace", () => {
    const namespaces = ofType(run, "kubernetes:core/v1:Namespace").map((r) => r.inputs.metadata.name);
    expect(namespaces).toEqual(["pg-pr-42", "pg-pr-42"]);
    const placed = new Set(
      kubernetesObjects(run)
        .filter((r) => r.inputs.kind !== "Namespace")
        .map((r) => r.inputs.metadata.namespace),
    );
    expect([...placed]).toEqual(["pg-pr-42"]);
  });

  it("labels every object with the change, its expiry and the template's labels", () => {
    for (const resource of kubernetesObjects(run))
      expect(resource.inputs.metadata.labels, `${resource.type} ${resource.name}`).toMatchObject(STACK_LABELS);
  });

  it("keeps the stack's labels out of pod templates, so a refreshed expiry restarts no pod", () => {
    const templated = kubernetesObjects(run).filter((r) => podTemplateLabels(r) !== undefined);
    expect(templated.map((r) => r.inputs.kind).sort()).toEqual(
      expect.arrayContaining(["Deployment", "Job", "StatefulSet"]),
    );
    for (const resource of templated) {
      for (const key of Object.keys(STACK_LABELS))
        expect(podTemplateLabels(resource), `${resource.name}`).not.toHaveProperty(key);
    }
  });

  it("uses no label key of its own that stack config could also set", () => {
    const keys = new Set(
      kubernetesObjects(run).flatMap((r) => [
        ...Object.keys(r.inputs.metadata.labels ?? {}),
        ...Object.keys(podTemplateLabels(r) ?? {}),
      ]),
    );
    for (const key of Object.keys(STACK_LABELS)) keys.delete(key);
    expect([...keys].filter((key) => !(key in PRODUCT_LABEL_KEYS))).toEqual([]);
  });

  it("exports TLS as required, with the CA, so the verifier and the suite connect to it as the cluster demands", async () => {
    const tls = (await resolve(run.program.tls)).value;
    expect(tls?.required).toBe(true);
    expect(tls?.caPem).toContain("BEGIN CERTIFICATE");
  });

  it("shares no namespace with another change's preview", async () => {
    const other = await runProgram("pr", perChange("pr", "43"), "pr-43");
    const namespacesOf = (r: ProgramRun) =>
      new Set(kubernetesObjects(r).map((o) => o.inputs.metadata.namespace ?? o.inputs.metadata.name));
    expect([...namespacesOf(other)]).toEqual(["pg-pr-43"]);
    expect([...namespacesOf(run)]).toEqual(["pg-pr-42"]);
  });
});

describe("the preview template as a stack of its own", () => {
  it("deploys into the template's namespace, without a change label", async () => {
    const run = await runProgram("pr");
    const namespaces = new Set(
      kubernetesObjects(run).map((o) => o.inputs.metadata.namespace ?? o.inputs.metadata.name),
    );
    expect([...namespaces]).toEqual(["pg-pr"]);
    expect(ofType(run, TYPES.statefulSet)[0]!.inputs.metadata.labels).not.toHaveProperty(CHANGE_LABEL);
  });
});

describe("the Aurora preview template as stack aurora-pr-42", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("aurora-pr", perChange("aurora-pr", "42"), "aurora-pr-42");
  });

  function expectTaggedThroughProviders(run: ProgramRun): void {
    const providers = ofType(run, TYPES.awsProvider);
    expect(providers.map((p) => p.inputs.region).sort()).toEqual(["eu-west-1", "us-east-1"]);
    for (const provider of providers) expect(JSON.parse(provider.inputs.defaultTags).tags).toEqual(STACK_LABELS);
    const tagged = new Set(providers.map((p) => p.urn));
    const awsResources = run.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
    expect(awsResources.length).toBeGreaterThan(15);
    for (const resource of awsResources)
      expect(tagged.has(providerUrn(resource)), `${resource.type} ${resource.name}`).toBe(true);
  }

  it("tags every AWS resource with the change and its expiry, through its region's provider", () =>
    expectTaggedThroughProviders(run));

  it("does so for the enhanced monitoring role too", async () => {
    // Found by generatedStacks.test.ts: with aurora.monitoringInterval above 0 the role and its policy attachment went
    // through
    // the default provider, untagged (and needing aws:region of their own).
    const config = perChange("aurora-pr", "42");
    const aurora = { ...JSON.parse(config["pg-read-replicas:aurora"]!), monitoringInterval: 60 };
    const monitored = await runProgram(
      "aurora-pr",
      { ...config, "pg-read-replicas:aurora": JSON.stringify(aurora) },
      "aurora-pr-42",
    );
    expect(ofType(monitored, "aws:iam/role:Role").map((r) => r.name)).toContain("pg-monitoring");
    expect(ofType(monitored, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toHaveLength(1);
    expectTaggedThroughProviders(monitored);
  });

  it("leaves nothing behind on destroy: no deletion protection, no final snapshot", () => {
    const cluster = one(run, TYPES.cluster, "pg-cluster");
    expect(cluster.inputs).toMatchObject({
      deletionProtection: false,
      skipFinalSnapshot: true,
      backupRetentionPeriod: 1,
    });
    expect(cluster.inputs.finalSnapshotIdentifier).toBeUndefined();
    expect(ofType(run, TYPES.global)[0]!.inputs.deletionProtection).toBe(false);
  });

  it("names AWS identifiers after the per-change stack, so two changes never share one", () => {
    expect(ofType(run, TYPES.global)[0]!.inputs.globalClusterIdentifier).toBe("pg-aurora-pr-42-global");
    for (const endpoint of ofType(run, TYPES.endpoint))
      expect(endpoint.inputs.clusterEndpointIdentifier).toMatch(/^pg-aurora-pr-42-/);
  });
});
