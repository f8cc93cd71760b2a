/**
 * The CI example's cloud preview jobs are sized from the facts: the Aurora preview template's own graph, each RDS
 * resource weighing the provider's default create or delete timeout (facts/aws/operationTimeouts.ts), gives the
 * longest `pulumi up` and `pulumi destroy` can wait; a job timeout below their sum can kill a teardown mid-way and
 * leave a preview billing. The Pulumi token those jobs get must live as long as the job, or the teardown fails on it.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readStackConfig } from "../../components/config/stackFile";
import { GITHUB_JOB_MAX_MINUTES, PROVIDER_DEFAULT_TIMEOUTS } from "../../components/facts/aws/operationTimeouts";
import { parseDuration } from "../../components/ground/units";
import { type PreviewJobBound, previewJobBound } from "../../components/preview/ciTimeout";
import { instantiateTemplate } from "../../components/preview/template";
import { TYPES } from "../support/graph";
import { runProgram } from "../support/pulumiMocks";

interface Job {
  "timeout-minutes"?: number;
  steps: Array<{ uses?: string; with?: Record<string, unknown> }>;
}
const workflow = parse(readFileSync("examples/ci/github-actions/preview.yml", "utf8")) as { jobs: Record<string, Job> };

describe("the CI example's timeout for an Aurora preview (aurora-pr as pr-42)", () => {
  let bound: PreviewJobBound;
  beforeAll(async () => {
    const template = readStackConfig("stacks", "aurora-pr");
    const config = instantiateTemplate(template, { id: "42", expires: new Date("2030-01-02T03:04:05Z") }).config;
    const run = await runProgram("aurora-pr", config, "pr-42");
    const verification = JSON.parse(template["pg-read-replicas:verification"] ?? "{}") as { timeout: string };
    bound = previewJobBound(run.resources, parseDuration(verification.timeout)! / 60_000);
  });

  it("weighs every slow RDS resource the template creates", () => {
    for (const type of [TYPES.cluster, TYPES.instance, TYPES.global, TYPES.proxy])
      expect(PROVIDER_DEFAULT_TIMEOUTS[type], type).toBeDefined();
    // Primary cluster, its writer, the secondary cluster that waits for the writer, that region's reader.
    expect(bound.createMinutes).toBe(120 + 90 + 120 + 90);
    // The same chain backwards: that reader, the secondary cluster, the primary writer it waited for, then
    // the primary cluster.
    expect(bound.deleteMinutes).toBe(90 + 120 + 90 + 120);
    expect(bound.verifyMinutes).toBe(15);
  });

  it("gives the cloud and down jobs the bound, capped at GitHub's job limit, and a Pulumi token that lasts as long", () => {
    expect(bound.totalMinutes).toBeGreaterThan(GITHUB_JOB_MAX_MINUTES.value);
    for (const name of ["cloud", "down"]) {
      const job = workflow.jobs[name]!;
      expect(job["timeout-minutes"], name).toBe(bound.jobMinutes);
      const token = job.steps.find((s) => s.uses?.startsWith("pulumi/auth-actions@"))!;
      expect(Number(token.with!["token-expiration"]), `${name}: token-expiration`).toBeGreaterThanOrEqual(
        bound.jobMinutes * 60,
      );
    }
  });
});
