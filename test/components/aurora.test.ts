/**
 * The Aurora backend under mocks, run as the program with each Aurora example
 * stack's config: counts, endpoint membership, promotion tiers, parameter groups
 * per role, regions' providers, secrets, protections, pools and the deploy check.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { PROXY_SECRET_KEYS } from "../../components/facts/aws";
import { TYPES, ofType, one, providerUrn } from "../support/graph";
import { type ProgramRun, type Registered, isSecretValue, resolve, runProgram } from "../support/pulumiMocks";

const parameters = (r: Registered) =>
  Object.fromEntries((r.inputs.parameters as Array<{ name: string; value: string }>).map((p) => [p.name, p.value]));

describe("aurora-prod", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("aurora-prod");
  });

  it("has a writer, three OLTP readers and the OLAP reader in us-east-1, and two readers in eu-west-1", () => {
    const names = ofType(run, TYPES.instance)
      .map((r) => r.name)
      .sort();
    expect(names).toEqual([
      "pg-eu-west-1-reader-0",
      "pg-eu-west-1-reader-1",
      "pg-pg-olap-0",
      "pg-pg-primary-0",
      "pg-pg-replica-0",
      "pg-pg-replica-1",
      "pg-pg-replica-2",
    ]);
    expect(one(run, TYPES.instance, "pg-pg-olap-0").inputs.instanceClass).toBe("db.r6g.4xlarge");
    expect(one(run, TYPES.instance, "pg-pg-replica-0").inputs.instanceClass).toBe("db.r6g.xlarge");
    expect(one(run, TYPES.instance, "pg-pg-primary-0").inputs.instanceClass).toBe("db.r6g.2xlarge");
  });

  it("orders failover: OLTP readers before the OLAP reader", () => {
    expect(one(run, TYPES.instance, "pg-pg-primary-0").inputs.promotionTier).toBe(0);
    for (const reader of ["pg-pg-replica-0", "pg-pg-replica-1", "pg-pg-replica-2"])
      expect(one(run, TYPES.instance, reader).inputs.promotionTier).toBe(1);
    expect(one(run, TYPES.instance, "pg-pg-olap-0").inputs.promotionTier).toBe(15);
  });

  it("creates the declared writer first", () => {
    const writer = one(run, TYPES.instance, "pg-pg-primary-0");
    for (const reader of ["pg-pg-replica-0", "pg-pg-olap-0"])
      expect(one(run, TYPES.instance, reader).dependencies).toContain(writer.urn);
  });

  it("keeps the OLAP reader out of the OLTP endpoint and alone in its own", () => {
    const olapId = "pg-pg-olap-0-abc123";
    const oltp = one(run, TYPES.endpoint, "pg-oltp").inputs;
    const olap = one(run, TYPES.endpoint, "pg-olap").inputs;
    expect(oltp).toMatchObject({
      customEndpointType: "READER",
      excludedMembers: [olapId],
      clusterEndpointIdentifier: "pg-aurora-prod-oltp",
    });
    expect(oltp.staticMembers).toBeUndefined();
    expect(olap).toMatchObject({ customEndpointType: "READER", staticMembers: [olapId] });
  });

  it("gives each role its own parameter group, with the analytic settings on the OLAP reader only", () => {
    const byName = (n: string) => parameters(one(run, TYPES.parameterGroup, n));
    const olap = byName("pg-params-olap");
    expect(olap.work_mem).toBe(String(256 * 1024));
    expect(olap.max_parallel_workers_per_gather).toBe("4");
    expect(olap.max_standby_streaming_delay).toBe("30000");
    expect(olap.enable_partitionwise_join).toBe("1");
    const reader = byName("pg-params-reader");
    expect(reader.work_mem).toBeUndefined();
    expect(reader.max_standby_streaming_delay).toBe("5000");
    expect(byName("pg-params-writer").max_connections).toBe("1000");
    expect(one(run, TYPES.instance, "pg-pg-olap-0").inputs.dbParameterGroupName).toBe("pg-params-olap-abc123");
    expect(one(run, TYPES.instance, "pg-pg-replica-1").inputs.dbParameterGroupName).toBe("pg-params-reader-abc123");
    expect(parameters(one(run, TYPES.clusterParameterGroup, "pg-params-cluster"))["rds.force_ssl"]).toBe("1");
    for (const group of ofType(run, TYPES.parameterGroup)) expect(group.inputs.family).toBe("aurora-postgresql16");
  });

  it("reports every setting Aurora does not take as it is, in the notes output", async () => {
    const notes = (await resolve(run.program.notes)).value;
    expect(notes).toContain(
      "OLAP reader: max_standby_streaming_delay = -1 applied as 30000: Aurora accepts 1000–30000 ms; -1 becomes its nearest bound.",
    );
    expect(notes.some((n) => n.startsWith("writer, OLTP readers, OLAP reader: wal_level = replica not applied"))).toBe(
      true,
    );
    expect(notes.some((n) => n.includes("hot_standby_feedback = off not applied"))).toBe(true);
    expect(notes.some((n) => n.startsWith("pools.write is RDS Proxy; pools.read is the OLTP custom endpoint"))).toBe(
      true,
    );
  });

  it("runs each region through a provider for that region", () => {
    const providers = ofType(run, TYPES.awsProvider);
    const regionOf = new Map(providers.map((p) => [p.urn, p.inputs.region]));
    expect([...regionOf.values()].sort()).toEqual(["eu-west-1", "us-east-1"]);
    expect(regionOf.get(providerUrn(one(run, TYPES.cluster, "pg-cluster")))).toBe("us-east-1");
    expect(regionOf.get(providerUrn(one(run, TYPES.instance, "pg-pg-olap-0")))).toBe("us-east-1");
    expect(regionOf.get(providerUrn(one(run, TYPES.cluster, "pg-eu-west-1-cluster")))).toBe("eu-west-1");
    for (const reader of ["pg-eu-west-1-reader-0", "pg-eu-west-1-reader-1"])
      expect(regionOf.get(providerUrn(one(run, TYPES.instance, reader)))).toBe("eu-west-1");
  });

  it("makes the Global Database from the primary cluster, which never names it", () => {
    const primary = one(run, TYPES.cluster, "pg-cluster");
    const global = one(run, TYPES.global, "pg-global");
    expect(global.inputs).toMatchObject({
      globalClusterIdentifier: "pg-aurora-prod-global",
      sourceDbClusterIdentifier: "arn:aws:rds:us-east-1:111122223333:cluster:pg-aurora-prod-a1b2c3d4",
      forceDestroy: true,
      engineVersion: "16.8",
      deletionProtection: false,
    });
    // engine conflicts with sourceDbClusterIdentifier; encryption comes with the source cluster.
    expect(global.inputs.engine).toBeUndefined();
    expect(global.inputs.storageEncrypted).toBeUndefined();
    expect(global.ignoreChanges).toContain("sourceDbClusterIdentifier");
    expect(global.propertyDependencies.sourceDbClusterIdentifier).toEqual([primary.urn]);
    expect(primary.inputs.globalClusterIdentifier).toBeUndefined();
    expect(primary.ignoreChanges).toContain("globalClusterIdentifier");
    expect(primary.dependencies).not.toContain(global.urn);
  });

  it("joins eu-west-1 to the Global Database without credentials, after the primary's writer, ignoring its replication source", () => {
    const secondary = one(run, TYPES.cluster, "pg-eu-west-1-cluster");
    expect(secondary.inputs.globalClusterIdentifier).toBe("pg-global-id");
    expect(secondary.inputs.masterUsername).toBeUndefined();
    expect(secondary.inputs.masterPassword).toBeUndefined();
    expect(secondary.inputs.databaseName).toBeUndefined();
    expect(secondary.inputs.kmsKeyId).toMatch(/^arn:aws:kms:eu-west-1:/);
    expect(secondary.propertyDependencies.globalClusterIdentifier).toEqual([one(run, TYPES.global, "pg-global").urn]);
    expect(secondary.dependencies).toContain(one(run, TYPES.instance, "pg-pg-primary-0").urn);
    expect(secondary.ignoreChanges).toContain("replicationSourceIdentifier");
    expect(secondary.ignoreChanges).toContain("engineVersion");
    expect(secondary.inputs.availabilityZones).toBeUndefined();
    expect(one(run, TYPES.cluster, "pg-cluster").inputs.availabilityZones).toBeUndefined();
  });

  it("protects production data: deletion protection, a final snapshot, encryption with the stack's key", () => {
    const cluster = one(run, TYPES.cluster, "pg-cluster").inputs;
    expect(cluster).toMatchObject({
      deletionProtection: true,
      skipFinalSnapshot: false,
      clusterIdentifier: "pg-aurora-prod-a1b2c3d4",
      finalSnapshotIdentifier: "pg-aurora-prod-a1b2c3d4-final",
      storageEncrypted: true,
      kmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/mrk-0a1b2c3d4e5f40008a9b0c1d2e3f4a5b",
      backupRetentionPeriod: 14,
    });
    expect(one(run, TYPES.instance, "pg-pg-replica-0").inputs).toMatchObject({
      performanceInsightsEnabled: true,
      monitoringInterval: 60,
      publiclyAccessible: false,
    });
  });

  it("keeps passwords secret: the master password, the proxy's credentials and the password output (the app role's)", async () => {
    expect(isSecretValue(one(run, TYPES.cluster, "pg-cluster").rawInputs.masterPassword)).toBe(true);
    const master = one(run, TYPES.secretVersion, "pg-master-secret");
    const app = one(run, TYPES.secretVersion, "pg-app-secret");
    for (const version of [master, app]) {
      expect(isSecretValue(version.rawInputs.secretString)).toBe(true);
      expect(Object.keys(JSON.parse(version.inputs.secretString))).toEqual(PROXY_SECRET_KEYS.value);
    }
    expect(JSON.parse(master.inputs.secretString)).toEqual({ username: "app", password: "mock-pg-master-password" });
    expect(JSON.parse(app.inputs.secretString)).toEqual({ username: "app_app", password: "mock-pg-app-password" });
    expect(await resolve(run.program.password)).toEqual({ value: "mock-pg-app-password", secret: true });
    expect((await resolve(run.program.writer)).secret).toBe(false);
  });

  it("admits PostgreSQL only from the configured CIDR, security group and itself", () => {
    const primary = ofType(run, TYPES.securityGroup).find((g) => g.name === "pg-net")!.inputs;
    expect(primary.ingress).toEqual([
      expect.objectContaining({ fromPort: 5432, toPort: 5432, protocol: "tcp", cidrBlocks: ["10.0.0.0/16"] }),
      expect.objectContaining({ securityGroups: ["sg-0a1b2c3d4e5f60029"] }),
      expect.objectContaining({ self: true }),
    ]);
    expect(JSON.stringify(primary)).not.toContain("0.0.0.0/0");
    const eu = ofType(run, TYPES.securityGroup).find((g) => g.name === "pg-eu-west-1-net")!.inputs;
    expect(eu.ingress[0].cidrBlocks).toEqual(["10.20.0.0/16"]);
  });

  it("maps pools onto RDS Proxy and the custom endpoints, never sending OLTP reads to the OLAP reader", async () => {
    const proxy = ofType(run, TYPES.proxy)[0]!.inputs;
    expect(proxy).toMatchObject({ engineFamily: "POSTGRESQL", requireTls: true });
    expect(proxy.auths[0]).toMatchObject({ authScheme: "SECRETS", clientPasswordAuthType: "POSTGRES_SCRAM_SHA_256" });
    // aurora.proxy.mode writeOnly: with the OLAP reader a READ_ONLY proxy endpoint would go unused.
    expect(ofType(run, TYPES.proxyEndpoint)).toHaveLength(0);
    expect(ofType(run, TYPES.proxyTarget)[0]!.inputs.dbClusterIdentifier).toBe("pg-aurora-prod-a1b2c3d4");
    const pools = (await resolve(run.program.pools)).value;
    expect(pools.write.host).toBe("pg-proxy.proxy-xyz.rds.amazonaws.com");
    expect(pools.read.host).toBe("pg-aurora-prod-oltp.cluster-custom-xyz.rds.amazonaws.com");
    expect(pools.olap!.host).toBe("pg-aurora-prod-olap.cluster-custom-xyz.rds.amazonaws.com");
    expect((await resolve(run.program.readerEndpoint)).value.host).toBe(
      "pg-aurora-prod-oltp.cluster-custom-xyz.rds.amazonaws.com",
    );
    expect((await resolve(run.program.writer)).value.host).toBe(
      "pg-aurora-prod-a1b2c3d4.cluster-xyz.rds.amazonaws.com",
    );
  });

  it("lists every reader with its region and role", async () => {
    const readers = (await resolve(run.program.readers)).value;
    expect(readers.map((r) => [r.name, r.region, r.role])).toEqual([
      ["pg-pg-replica-0-abc123", "us-east-1", "oltp"],
      ["pg-pg-replica-1-abc123", "us-east-1", "oltp"],
      ["pg-pg-replica-2-abc123", "us-east-1", "oltp"],
      ["pg-pg-olap-0-abc123", "us-east-1", "olap"],
      ["pg-eu-west-1-reader-0-abc123", "eu-west-1", "oltp"],
      ["pg-eu-west-1-reader-1-abc123", "eu-west-1", "oltp"],
    ]);
    const regions = (await resolve(run.program.regions)).value;
    expect(regions[1]).toEqual({
      region: "eu-west-1",
      primary: false,
      readerEndpoint: { host: "pg-aurora-prod-eu-west-1-a1b2c3d4.cluster-ro-xyz.rds.amazonaws.com", port: 5432 },
      readPool: { host: "pg-aurora-prod-eu-west-1-a1b2c3d4.cluster-ro-xyz.rds.amazonaws.com", port: 5432 },
    });
  });

  it("scales readers between the configured bounds on the OLTP readers' CPU, leaving the OLAP reader's load out", () => {
    const target = ofType(run, TYPES.scalingTarget)[0]!.inputs;
    expect(target).toMatchObject({
      serviceNamespace: "rds",
      scalableDimension: "rds:cluster:ReadReplicaCount",
      resourceId: "cluster:pg-aurora-prod-a1b2c3d4",
      minCapacity: 4,
      maxCapacity: 10,
    });
    const policy = ofType(run, TYPES.scalingPolicy)[0]!.inputs.targetTrackingScalingPolicyConfiguration;
    expect(policy.targetValue).toBe(60);
    expect(policy.predefinedMetricSpecification).toBeUndefined();
    const queries = policy.customizedMetricSpecification.metrics as Array<{
      id: string;
      expression?: string;
      metricStat?: { metric: { metricName: string; dimensions: Array<{ value: string }> } };
    }>;
    const averaged = queries.filter((q) => q.metricStat).map((q) => q.metricStat!.metric.dimensions[0]!.value);
    expect(averaged).toEqual(["pg-pg-replica-0-abc123", "pg-pg-replica-1-abc123", "pg-pg-replica-2-abc123"]);
    expect(queries.every((q) => !q.metricStat || q.metricStat.metric.metricName === "CPUUtilization")).toBe(true);
    expect(queries.at(-1)).toMatchObject({ expression: "AVG([r0, r1, r2])", returnData: true });
  });

  it("removes autoscaled readers before the cluster is deleted: the target waits for the remover, the remover for the cluster", () => {
    const remover = ofType(run, TYPES.command).find((c) => c.name === "pg-autoscaled-readers")!;
    expect(remover.inputs.create).toBeUndefined();
    expect(remover.inputs.delete).toMatch(/aurora-remove-autoscaled --from-env$/);
    expect(JSON.parse(remover.inputs.environment.PG_READ_REPLICAS_AURORA_CLUSTER)).toEqual({
      region: "us-east-1",
      clusterId: "pg-aurora-prod-a1b2c3d4",
    });
    expect(remover.dependencies).toContain(one(run, TYPES.cluster, "pg-cluster").urn);
    expect(ofType(run, TYPES.scalingTarget)[0]!.dependencies).toContain(remover.urn);
  });

  it("fails pulumi up through a check that runs after every instance, with the expectation as JSON", () => {
    const check = ofType(run, TYPES.command).find((c) => c.name === "pg-check")!;
    expect(check.inputs.create).toMatch(/bin\/pg-read-replicas\.cjs' aurora-check --from-env$/);
    for (const name of ["pg-pg-primary-0", "pg-pg-olap-0", "pg-eu-west-1-reader-1"])
      expect(check.dependencies).toContain(one(run, TYPES.instance, name).urn);
    const expectation = JSON.parse(check.inputs.environment.PG_READ_REPLICAS_AURORA_EXPECT);
    expect(expectation.maxLagMs).toBe(5000);
    expect(expectation.timeoutMs).toBe(15 * 60_000);
    expect(expectation.clusters[0]).toMatchObject({
      region: "us-east-1",
      clusterId: "pg-aurora-prod-a1b2c3d4",
      primary: true,
      declaredWriter: "pg-pg-primary-0-abc123",
    });
    expect(expectation.clusters[0].readers).toContainEqual({ id: "pg-pg-olap-0-abc123", role: "olap" });
    expect(expectation.clusters[1]).toMatchObject({
      region: "eu-west-1",
      clusterId: "pg-aurora-prod-eu-west-1-a1b2c3d4",
      primary: false,
    });
    expect(expectation).toMatchObject({
      postgresVersion: 16,
      majorUpgrade: "global",
      proxy: { region: "us-east-1", name: "pg-proxy-abc123" },
    });
  });
});

describe("aurora-dev", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("aurora-dev");
  });

  it("has a writer and one reader, no OLAP endpoints, no Global Database", () => {
    expect(
      ofType(run, TYPES.instance)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["pg-pg-primary-0", "pg-pg-replica-0"]);
    expect(ofType(run, TYPES.endpoint)).toHaveLength(0);
    expect(ofType(run, TYPES.global)).toHaveLength(0);
    expect(ofType(run, TYPES.awsProvider).map((p) => p.inputs.region)).toEqual(["us-east-1"]);
    expect(ofType(run, TYPES.scalingTarget)).toHaveLength(0);
  });

  it("drops the protections only because the stack says so", () => {
    const cluster = one(run, TYPES.cluster, "pg-cluster").inputs;
    expect(cluster).toMatchObject({ deletionProtection: false, skipFinalSnapshot: true, storageEncrypted: true });
    expect(cluster.finalSnapshotIdentifier).toBeUndefined();
  });

  it("reads through the RDS Proxy read-only endpoint when there is no OLAP reader to avoid", async () => {
    const pools = (await resolve(run.program.pools)).value;
    expect(pools.read.host).toMatch(/-ro\.endpoint\.proxy-xyz\.rds\.amazonaws\.com$/);
    expect(pools.olap).toBeUndefined();
    expect((await resolve(run.program.readerEndpoint)).value.host).toBe(
      "pg-aurora-dev-a1b2c3d4.cluster-ro-xyz.rds.amazonaws.com",
    );
  });
});
