/**
 * Both Aurora example stacks' whole graphs, run under mocks, checked against
 * AWS's documented behaviour as encoded in components/facts/aws (each fact
 * with its source): every parameter at a level and value AWS takes, every key
 * an ARN where the provider wants one, IAM conditions that can match, fixed
 * names that survive a replacement, limits, versions, log groups, and every
 * metric query with a dimension set CloudWatch publishes. The checks are in
 * test/support/auroraFacts.ts, shared with generatedStacks.test.ts.
 */
import { beforeAll, describe, it } from "vitest";
import {
  expectAlarmTopicsInRegion,
  expectArns,
  expectClusterOptions,
  expectDeployCheckQueries,
  expectEngineVersionPlacement,
  expectIamConditionsThatMatch,
  expectLogGroups,
  expectParametersAwsTakes,
  expectRdsIdentifiers,
  expectReplaceableNames,
  expectScalingDimensions,
  expectWithinLimits,
} from "../support/auroraFacts";
import { type ProgramRun, runProgram } from "../support/pulumiMocks";

const STACKS = {
  "aurora-dev": { region: "us-east-1", major: 16 },
  "aurora-prod": { region: "us-east-1", major: 16 },
} as const;

describe.each(Object.entries(STACKS))("stack %s against AWS's facts", (stack, { region, major }) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  it("puts every parameter in a group AWS takes it in, modifiable, within its values, with the apply method RDS requires", () =>
    expectParametersAwsTakes(run, major));

  it("sends an ARN wherever the provider validates one, and a KMS key ARN of the resource's own region for keys", () =>
    expectArns(run));

  it("writes IAM conditions that can match: no wildcard under StringEquals, kms:ViaService naming this region's Secrets Manager, a key ARN as the resource", () =>
    expectIamConditionsThatMatch(run, region));

  it("gives every fixed name a way through a create-before-delete replacement", () => expectReplaceableNames(run));

  it("names clusters, endpoints and snapshots as RDS's API takes identifiers", () => expectRdsIdentifiers(run));

  it("stays within Aurora's limits: readers per cluster (15 − secondaries for a Global Database primary), secondary regions, custom endpoints, tiers", () =>
    expectWithinLimits(run));

  it("lets the engine version move where AWS moves it: through the global cluster, never on instances", () =>
    expectEngineVersionPlacement(run));

  it("creates each cluster's postgresql log group first, under the name RDS writes to, with a retention CloudWatch takes", () =>
    expectLogGroups(run));

  it("sets storage type and engine lifecycle as AWS takes them, neither replacing the cluster", () =>
    expectClusterOptions(run));

  it("notifies from every alarm only a topic of the alarm's own region", () => expectAlarmTopicsInRegion(run));

  it("scales on metrics with the dimensions CloudWatch publishes them under", () => expectScalingDimensions(run));

  it("runs its deploy check's CloudWatch queries only under published dimension sets, and finds their datapoints", () =>
    expectDeployCheckQueries(run));
});
