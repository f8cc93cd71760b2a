/**
 * AWS's documented behaviour (components/facts/aws, each fact with its source) as checks
 * of one recorded run, so the Aurora example stacks (auroraGraphFacts.test.ts, auroraAlarms.test.ts)
 * and generated configs (generatedStacks.test.ts) are held to the same.
 */
import { expect } from "vitest";
import { checkAuroraOnce } from "../../components/aurora/check/checkAurora";
import type { AuroraExpectation } from "../../components/aurora/check/handover";
import {
  ALARMS,
  ARN_FIELDS,
  CA_CERTIFICATES,
  DATABASE_INSIGHTS,
  ENGINE_LIFECYCLE,
  REPLACING_ARGUMENTS,
  STORAGE,
  snsTopicRegion,
  ENGINE_VERSION,
  EXACT_STRING_OPERATORS,
  FINAL_SNAPSHOT,
  FIXED_IDENTIFIERS,
  LIMITS,
  LOG_RETENTION_DAYS,
  applyMethodFor,
  isArn,
  kmsKeyArnRegion,
  levelAllows,
  parameterFact,
  postgresLogGroupName,
  publishedDimensionSet,
  secretsManagerViaService,
  valueAllowed,
} from "../../components/facts/aws";
import { METRIC_FACTS } from "../../components/facts/aws/metrics";
import { citations } from "../../components/facts/citation";
import { type FakeAws, fakeAuroraApi } from "./fakeAurora";
import { TYPES, ofType, providerUrn } from "./graph";
import { type ProgramRun, type Registered, mockRandomHex } from "./pulumiMocks";

export const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

export function regionOf(run: ProgramRun, resource: Registered): string | undefined {
  return run.resources.find((r) => r.urn === providerUrn(resource))?.inputs.region;
}

/** Values at a path such as "auths[].secretArn". */
function valuesAt(inputs: Record<string, any>, path: string): unknown[] {
  return path.split(".").reduce<unknown[]>(
    (values, part) => {
      const list = part.endsWith("[]");
      const key = list ? part.slice(0, -2) : part;
      return values.flatMap((value) => {
        const next = (value as Record<string, unknown> | undefined)?.[key];
        return list ? ((next as unknown[] | undefined) ?? []) : next === undefined ? [] : [next];
      });
    },
    [inputs],
  );
}

/** Every parameter in a group AWS takes it in, modifiable, within its values, with the apply method RDS requires. */
export function expectParametersAwsTakes(run: ProgramRun, major: number): void {
  const groups = [
    ...ofType(run, TYPES.parameterGroup).map((g) => ["instance", g] as const),
    ...ofType(run, TYPES.clusterParameterGroup).map((g) => ["cluster", g] as const),
  ];
  expect(groups.length).toBeGreaterThan(1);
  for (const [level, group] of groups) {
    expect(group.inputs.family, group.name).toBe(`aurora-postgresql${major}`);
    for (const parameter of group.inputs.parameters as Array<{ name: string; value: string; applyMethod: string }>) {
      const where = `${group.name}: ${parameter.name} = ${parameter.value}`;
      const fact = parameterFact(parameter.name);
      expect(fact, `${where} has no fact`).toBeDefined();
      expect(levelAllows(fact!.level, level), `${where}: AWS takes it at ${fact!.level} level, not ${level}`).toBe(
        true,
      );
      expect(fact!.modifiable, `${where} is not modifiable`).toBe(true);
      expect(valueAllowed(fact!, parameter.value), `${where} is outside ${fact!.range ?? fact!.values}`).toBe(true);
      expect(parameter.applyMethod, where).toBe(applyMethodFor(fact!));
      expect(fact!.families[major as 16], where).toBeDefined();
    }
  }
}

/** An ARN wherever the provider validates one, and a KMS key ARN of the resource's own region for keys. */
export function expectArns(run: ProgramRun): void {
  for (const field of ARN_FIELDS) {
    for (const resource of ofType(run, field.type)) {
      for (const value of valuesAt(resource.inputs, field.field)) {
        expect(typeof value === "string" && isArn(value), `${resource.name}.${field.field} = ${String(value)}`).toBe(
          true,
        );
        if (field.kind === "key")
          expect(kmsKeyArnRegion(value as string), `${resource.name}.${field.field}`).toBe(regionOf(run, resource));
      }
    }
  }
  for (const global of ofType(run, TYPES.global)) expect(global.inputs.kmsKeyId).toBeUndefined();
}

/**
 * IAM conditions that can match: no wildcard under StringEquals, kms:ViaService naming this region's Secrets Manager, a
 * key ARN as the resource.
 */
export function expectIamConditionsThatMatch(run: ProgramRun, region: string): void {
  for (const policy of ofType(run, "aws:iam/rolePolicy:RolePolicy")) {
    for (const statement of JSON.parse(policy.inputs.policy).Statement as Array<Record<string, any>>) {
      for (const [operator, conditions] of Object.entries<Record<string, string | string[]>>(
        statement.Condition ?? {},
      )) {
        for (const [key, value] of Object.entries(conditions)) {
          const values = [value].flat();
          if (EXACT_STRING_OPERATORS.value.includes(operator))
            for (const v of values) expect(v, `${policy.name} ${operator} ${key}`).not.toMatch(/[*?]/);
          if (key === "kms:ViaService") expect(values).toEqual([secretsManagerViaService(region)]);
        }
      }
      if ([statement.Action].flat().includes("kms:Decrypt"))
        expect(kmsKeyArnRegion(statement.Resource), policy.name).toBe(region);
    }
  }
}

/** Every fixed name survives a create-before-delete replacement. */
export function expectReplaceableNames(run: ProgramRun): void {
  const hexes = ofType(run, "random:index/randomId:RandomId").map((r) => mockRandomHex(r.inputs.byteLength));
  expect(hexes.length).toBeGreaterThan(0);
  const random = (value: unknown) => typeof value === "string" && hexes.some((hex) => value.includes(hex));
  for (const fixed of FIXED_IDENTIFIERS) {
    for (const resource of ofType(run, fixed.type)) {
      const value = resource.inputs[fixed.field];
      expect(resource.deleteBeforeReplace || random(value), `${resource.name}.${fixed.field} = ${value}`).toBe(true);
    }
  }
  for (const cluster of ofType(run, FINAL_SNAPSHOT.type)) {
    if (cluster.inputs.clusterIdentifier !== undefined)
      expect(random(cluster.inputs.clusterIdentifier), cluster.name).toBe(true);
    if (!cluster.inputs.skipFinalSnapshot)
      expect(random(cluster.inputs[FINAL_SNAPSHOT.field]), cluster.name).toBe(true);
  }
}

/**
 * Aurora's limits: readers per cluster (15 − secondaries for a Global Database primary), secondary regions, custom
 * endpoints, tiers.
 */
export function expectWithinLimits(run: ProgramRun): void {
  const clusters = ofType(run, TYPES.cluster);
  const primary = clusters.find((c) => c.inputs.masterUsername !== undefined)!;
  const secondaries = clusters.filter((c) => c !== primary);
  const instancesOf = (cluster: Registered) =>
    ofType(run, TYPES.instance).filter((i) => i.inputs.clusterIdentifier === `${cluster.name}-id`);
  const scaling = ofType(run, TYPES.scalingTarget)[0]?.inputs.maxCapacity ?? 0;
  const primaryReaders = Math.max(instancesOf(primary).length - 1, scaling);
  expect(primaryReaders).toBeLessThanOrEqual(
    secondaries.length === 0
      ? LIMITS.readersPerCluster.value
      : LIMITS.primaryReadersWithSecondaries.value(secondaries.length),
  );
  expect(secondaries.length).toBeLessThanOrEqual(LIMITS.secondaryRegions.value);
  for (const secondary of secondaries)
    expect(instancesOf(secondary).length).toBeLessThanOrEqual(LIMITS.readersPerSecondaryCluster.value);
  expect(ofType(run, TYPES.endpoint).length).toBeLessThanOrEqual(LIMITS.customEndpointsPerCluster.value);
  for (const instance of ofType(run, TYPES.instance)) {
    const [low, high] = LIMITS.promotionTiers.value;
    expect(instance.inputs.promotionTier).toBeGreaterThanOrEqual(low);
    expect(instance.inputs.promotionTier).toBeLessThanOrEqual(high);
    if (instance.inputs.caCertIdentifier !== undefined)
      expect(CA_CERTIFICATES.value).toContain(instance.inputs.caCertIdentifier);
  }
}

/** The engine version moves where AWS moves it: through the global cluster, never on instances. */
export function expectEngineVersionPlacement(run: ProgramRun): void {
  for (const instance of ofType(run, TYPES.instance))
    expect(
      instance.inputs.engineVersion,
      `${instance.name}: ${citations(ENGINE_VERSION.setOnInstances)}`,
    ).toBeUndefined();
  const global = ofType(run, TYPES.global)[0];
  if (global) {
    expect(global.ignoreChanges).not.toContain("engineVersion");
    for (const cluster of ofType(run, TYPES.cluster))
      expect(cluster.ignoreChanges, cluster.name).toContain("engineVersion");
  }
}

/**
 * Each cluster's postgresql log group exists first, under the name RDS writes to, with a retention CloudWatch takes.
 */
export function expectLogGroups(run: ProgramRun): void {
  const groups = ofType(run, "aws:cloudwatch/logGroup:LogGroup");
  for (const cluster of ofType(run, TYPES.cluster)) {
    const group = groups.find((g) => g.inputs.name === postgresLogGroupName(cluster.inputs.clusterIdentifier));
    expect(group, cluster.name).toBeDefined();
    expect(cluster.dependencies).toContain(group!.urn);
    expect(LOG_RETENTION_DAYS.value).toContain(group!.inputs.retentionInDays);
    expect(regionOf(run, group!)).toBe(regionOf(run, cluster));
  }
}

/** Scaling policies read metrics under the dimensions CloudWatch publishes them with. */
export function expectScalingDimensions(run: ProgramRun): void {
  for (const policy of ofType(run, TYPES.scalingPolicy)) {
    const custom = policy.inputs.targetTrackingScalingPolicyConfiguration.customizedMetricSpecification;
    for (const query of (custom?.metrics ?? []) as Array<{
      metricStat?: { metric: { metricName: string; dimensions: Array<{ name: string }> } };
    }>) {
      if (!query.metricStat) continue;
      const { metricName, dimensions } = query.metricStat.metric;
      expect(
        publishedDimensionSet(
          metricName as "CPUUtilization",
          dimensions.map((d) => d.name),
        ),
        metricName,
      ).toBe(true);
    }
  }
}

/** Alarms only on published metrics, under a published dimension set. */
export function expectAlarmDimensions(run: ProgramRun): void {
  for (const alarm of ofType(run, ALARM).filter((a) => a.inputs.metricName)) {
    const metric = alarm.inputs.metricName as keyof typeof METRIC_FACTS;
    expect(Object.keys(METRIC_FACTS), alarm.name).toContain(metric);
    expect(
      publishedDimensionSet(metric, Object.keys(alarm.inputs.dimensions)),
      `${alarm.name}: ${Object.keys(alarm.inputs.dimensions)}`,
    ).toBe(true);
    expect(alarm.inputs.namespace).toBe("AWS/RDS");
  }
}

/**
 * RDS identifiers as its API takes them (CreateDBCluster DBClusterIdentifier, CreateGlobalCluster,
 * CreateDBClusterEndpoint,
 * CreateDBProxyEndpoint, the final snapshot): letters, digits and hyphens, a letter first, no "--", no trailing "-";
 * at most 63 (a snapshot 255). Names derive from the stack's name, which may hold _ and . and be long.
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
 */
export function expectRdsIdentifiers(run: ProgramRun): void {
  const fields: Array<[string, string, number]> = [
    [TYPES.cluster, "clusterIdentifier", 63],
    [TYPES.cluster, "finalSnapshotIdentifier", 255],
    [TYPES.global, "globalClusterIdentifier", 63],
    [TYPES.endpoint, "clusterEndpointIdentifier", 63],
    [TYPES.proxyEndpoint, "dbProxyEndpointName", 63],
  ];
  for (const [type, field, max] of fields) {
    for (const resource of ofType(run, type)) {
      const value = resource.inputs[field];
      if (value === undefined) continue;
      const where = `${resource.name}.${field} = ${value}`;
      expect(value, where).toMatch(/^[a-zA-Z][a-zA-Z0-9-]*$/);
      expect(value.length, where).toBeLessThanOrEqual(max);
      expect(value.includes("--") || value.endsWith("-"), where).toBe(false);
    }
  }
}

/** A fake AWS where the expected topology is healthy and metrics are published only under the facts' dimension sets. */
export function fakeFor(expectation: AuroraExpectation): FakeAws {
  const primaryRegion = expectation.clusters.find((c) => c.primary)!.region;
  const aws: FakeAws = { clusters: {}, metrics: [], proxyTargets: [], deleted: [], setMetric: () => {} };
  for (const cluster of expectation.clusters) {
    const ids = [...(cluster.declaredWriter ? [cluster.declaredWriter] : []), ...cluster.readers.map((r) => r.id)];
    aws.clusters[`${cluster.region}/${cluster.clusterId}`] = {
      cluster: {
        status: "available",
        engineVersion: `${expectation.postgresVersion}.8`,
        members: ids.map((id) => ({ id, isWriter: id === cluster.declaredWriter, parameterGroupStatus: "in-sync" })),
      },
      instances: ids.map((id) => ({
        id,
        status: "available",
        parameterGroups: [{ name: "group", status: "in-sync" }],
      })),
    };
    for (const reader of cluster.readers)
      aws.metrics.push({
        region: cluster.region,
        metric: "AuroraReplicaLag",
        dimensions: [{ name: "DBInstanceIdentifier", value: reader.id }],
        value: 10,
      });
    if (!cluster.primary) {
      const dimensions = [
        { name: "DBClusterIdentifier", value: cluster.clusterId },
        { name: "SourceRegion", value: primaryRegion },
      ];
      aws.metrics.push({ region: cluster.region, metric: "AuroraGlobalDBReplicationLag", dimensions, value: 100 });
    }
  }
  aws.proxyTargets = [
    { id: expectation.clusters[0]!.declaredWriter!, type: "RDS_INSTANCE", role: "READ_WRITE", state: "AVAILABLE" },
  ];
  return aws;
}

/** The deploy check's CloudWatch queries run only under published dimension sets, and find their datapoints. */
export async function expectDeployCheckQueries(run: ProgramRun): Promise<void> {
  const check = ofType(run, TYPES.command).find((c) => c.inputs.create?.includes("aurora-check"))!;
  const expectation = JSON.parse(check.inputs.environment.PG_READ_REPLICAS_AURORA_EXPECT) as AuroraExpectation;
  const api = fakeAuroraApi(fakeFor(expectation));
  const report = await checkAuroraOnce(expectation, api);
  expect(report.problems).toEqual([]);
  const queries = api.calls.filter((c) => c.startsWith("maxMetric ")).map((c) => c.split(" "));
  expect(queries.length).toBeGreaterThan(0);
  for (const [, , metric, dimensions] of queries) {
    const names = dimensions!.split(",").map((d) => d.split("=")[0]!);
    expect(publishedDimensionSet(metric as "AuroraReplicaLag", names), `${metric} by ${names.join(", ")}`).toBe(true);
  }
}

/** Every check above of a run whose primary is in `region` on PostgreSQL `major`. */
/**
 * Every member cluster: a storage type Aurora takes (or none: Standard, which RDS does not return), an engine
 * lifecycle value the provider takes, and neither among the arguments that replace a cluster.
 */
export function expectClusterOptions(run: ProgramRun): void {
  const replacing = REPLACING_ARGUMENTS.find((r) => r.type === TYPES.cluster)!.fields;
  for (const option of ["storageType", "engineLifecycleSupport"]) expect(replacing).not.toContain(option);
  const clusters = ofType(run, TYPES.cluster);
  expect(clusters.length).toBeGreaterThan(0);
  for (const cluster of clusters) {
    expect(ENGINE_LIFECYCLE.values.value, cluster.name).toContain(cluster.inputs.engineLifecycleSupport);
    if (cluster.inputs.storageType !== undefined)
      expect(STORAGE.types.value, cluster.name).toContain(cluster.inputs.storageType);
    const insights = cluster.inputs.databaseInsightsMode;
    if (insights !== undefined) expect(DATABASE_INSIGHTS.modes.value, cluster.name).toContain(insights);
    if (insights === "advanced")
      expect(cluster.inputs, `${cluster.name}: advanced Database Insights`).toMatchObject({
        performanceInsightsEnabled: true,
        performanceInsightsRetentionPeriod: DATABASE_INSIGHTS.advancedRetentionDays.value,
      });
  }
}

/** Every alarm notifies only topics of its own region (the created topic's provider, or an ARN naming the region). */
export function expectAlarmTopicsInRegion(run: ProgramRun): void {
  expect(ALARMS.actionsInAlarmRegion.value).toBe(true);
  const topics = ofType(run, "aws:sns/topic:Topic");
  for (const alarm of ofType(run, ALARM)) {
    const topic = topics.find((t) => alarm.dependencies.includes(t.urn));
    if (topic) expect(providerUrn(topic), alarm.name).toBe(providerUrn(alarm));
    for (const action of (alarm.inputs.alarmActions ?? []) as unknown[]) {
      const region = typeof action === "string" ? snsTopicRegion(action) : undefined;
      if (region !== undefined) expect(alarm.provider, alarm.name).toContain(region);
    }
  }
}

export async function expectAuroraFacts(run: ProgramRun, region: string, major: number): Promise<void> {
  expectClusterOptions(run);
  expectAlarmTopicsInRegion(run);
  expectParametersAwsTakes(run, major);
  expectArns(run);
  expectIamConditionsThatMatch(run, region);
  expectReplaceableNames(run);
  expectRdsIdentifiers(run);
  expectWithinLimits(run);
  expectEngineVersionPlacement(run);
  expectLogGroups(run);
  expectScalingDimensions(run);
  expectAlarmDimensions(run);
  await expectDeployCheckQueries(run);
}
