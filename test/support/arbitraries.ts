/** fast-check generators of stack config, as raw as Pulumi hands it over (strings and YAML values mixed). */
import fc from "fast-check";
import type { Raw } from "./configs";

const sizes = ["64MB", "256MB", "1GB", "2GB", "10GB"];
const byteSizes = ["512Mi", "1Gi", "2Gi", "4Gi", "16Gi"];

/** A number as YAML gives it or as `pulumi config set` stores it. */
const either = (n: number) => fc.constantFrom<number | string>(n, String(n));

const overrides = fc
  .dictionary(
    fc.constantFrom(
      "work_mem",
      "maintenance_work_mem",
      "max_parallel_workers",
      "max_parallel_workers_per_gather",
      "statement_timeout",
      "jit",
      "random_page_cost",
      "hot_standby_feedback",
      "log_min_duration_statement",
    ),
    fc.constantFrom("4MB", "12", "2", "30s", "on", "1.1", "off", "500ms"),
    { maxKeys: 3 },
  )
  .map((entries) => {
    // Give each chosen setting a value of its own type.
    const valid: Record<string, string> = {
      work_mem: "16MB",
      maintenance_work_mem: "512MB",
      max_parallel_workers: "12",
      max_parallel_workers_per_gather: "2",
      statement_timeout: "30s",
      jit: "off",
      random_page_cost: "1.1",
      hot_standby_feedback: "on",
      log_min_duration_statement: "500ms",
    };
    return Object.fromEntries(Object.keys(entries).map((name) => [name, valid[name]!]));
  });

const replicaCount = fc.oneof(
  fc
    .integer({ min: 1, max: 15 })
    .chain((n) => either(n))
    .map((replicas) => ({ replicas })),
  fc
    .record({
      peakReadQps: fc.integer({ min: 100, max: 50_000 }),
      perNodeQps: fc.integer({ min: 1000, max: 10_000 }),
      safetyFactor: fc.constantFrom(1, 1.3, 1.5),
    })
    .map((capacity) => ({ capacity })),
);

const common = fc.record({
  name: fc.constantFrom("pg", "db", "orders", "a-b", "orders-analytics-eu1"),
  postgresVersion: fc.constantFrom<number | string>(15, 16, "17"),
  database: fc.constantFrom("app", "orders_db"),
  user: fc.constantFrom("app", "svc_user"),
  count: replicaCount,
  olap: fc.option(fc.record({ enabled: fc.boolean(), settings: overrides }), { nil: undefined }),
  postgresql: fc.record({
    maxConnections: fc.integer({ min: 100, max: 1000 }),
    primary: overrides,
    replica: overrides,
  }),
  verification: fc.record({ timeout: fc.constantFrom("1m", "5m", "10m"), maxLag: fc.constantFrom("1s", "5s") }),
});

const pgbouncer = fc.record({
  poolMode: fc.constantFrom("session", "transaction"),
  defaultPoolSize: fc.integer({ min: 1, max: 40 }),
  reservePoolSize: fc.integer({ min: 0, max: 10 }),
  maxClientConn: fc.integer({ min: 100, max: 5000 }),
});

/**
 * Mostly consistent (the slot limit at least wal_keep_size; standbys to wait for exactly when a mode waits), sometimes
 * not.
 */
const mostly = <T>(consistent: fc.Arbitrary<T>, any: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: consistent }, { weight: 1, arbitrary: any });
const walSizes = mostly<readonly [string, string]>(
  fc
    .integer({ min: 0, max: sizes.length - 1 })
    .chain((keep) =>
      fc.integer({ min: keep, max: sizes.length - 1 }).map((slot) => [sizes[keep]!, sizes[slot]!] as const),
    ),
  fc.tuple(fc.constantFrom(...sizes), fc.constantFrom(...sizes)),
);
const synchronous = mostly<readonly [string, number]>(
  fc.oneof(
    fc.constant(["local", 0] as const),
    fc.tuple(fc.constantFrom("remote_write", "on"), fc.integer({ min: 1, max: 2 })),
  ),
  fc.tuple(fc.constantFrom("local", "remote_write", "on"), fc.integer({ min: 0, max: 3 })),
);
const replication = fc
  .record({ wal: walSizes, maxLagBytes: fc.constantFrom("16MB", "100MB"), sync: synchronous })
  .map(({ wal: [walKeepSize, maxSlotWalKeepSize], maxLagBytes, sync: [sync, synchronousReplicas] }) => ({
    walKeepSize,
    maxSlotWalKeepSize,
    maxLagBytes,
    sync,
    synchronousReplicas,
  }));

/**
 * Whether a config keeps one kind of cross-field mistake (about one in eight): each kind on its own, so a rule
 * that stopped refusing its mistake lets such configs through often enough for a property to meet them.
 */
const mistake = fc.oneof({ weight: 7, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

const cpus = ["100m", "250m", "1", "2", "4"];
const memories = ["256Mi", "512Mi", "1Gi", "2Gi", "4Gi", "16Gi"];
const storages = ["1Gi", "2Gi", "5Gi", "20Gi", "500Gi"];
const optional = { requiredKeys: [] as never[] };

/** The original memory-only blocks, or any of cpu, memory and storage per role (pgbouncer too). */
const node = fc.record(
  { cpu: fc.constantFrom(...cpus), memory: fc.constantFrom(...memories), storage: fc.constantFrom(...storages) },
  optional,
);
const resources = fc.oneof(
  fc.record({
    primary: fc.record({ memory: fc.constantFrom(...byteSizes) }),
    olap: fc.record({ memory: fc.constantFrom(...byteSizes) }),
  }),
  fc.record(
    {
      primary: node,
      replica: node,
      olap: node,
      pgbouncer: fc.record({ cpu: fc.constantFrom("50m", "100m"), memory: fc.constantFrom("64Mi", "256Mi") }, optional),
    },
    optional,
  ),
);

function flatten(base: { count: Raw; [key: string]: unknown }): Raw {
  const { count, ...rest } = base;
  return { ...rest, ...count };
}

function replicationBlock(r: {
  walKeepSize: string;
  maxSlotWalKeepSize: string;
  maxLagBytes: string;
  sync: string;
  synchronousReplicas: number;
  basebackupMaxRate?: string;
}): Raw {
  const { sync, ...rest } = r;
  return { ...rest, synchronousCommit: sync };
}

const labels = fc.option(
  fc.constantFrom<Raw>(
    { team: "data" },
    { "example.com/cost-center": "cc-12", "pg-read-replicas/expires": "20300101T000000Z" },
  ),
  { nil: undefined },
);
const monitoring = fc.option(
  fc.record(
    {
      enabled: fc.boolean(),
      prometheusOperator: fc.boolean(),
      grafanaDashboard: fc.boolean(),
      releaseLabel: fc.constant("monitoring"),
      scrapeInterval: fc.constantFrom("5s", "1m"),
    },
    optional,
  ),
  { nil: undefined },
);
const kubernetesEngines = ["statefulset", "cloudnative-pg"] as const;
/**
 * PostgreSQL images: tagged with their version (a registry port or a digest after the tag too), or not (a moving tag, a
 * digest alone, none).
 */
const VERSIONED_IMAGES = [
  (major: string) => `registry.example.com/postgres:${major}.4-bookworm`,
  (major: string) => `registry.example.com:5000/postgresql:${major}.6-system-trixie@sha256:0a1b2c3d4e5f6071`,
];
const UNVERSIONED_IMAGES = [
  "postgres:latest",
  "registry.example.com/postgresql@sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f9",
  "registry.example.com/postgresql",
  "postgres:bookworm",
];

/**
 * kubernetes.writer (a pod name, finished once the stack's name is known) only on the statefulset engine; the
 * operator's keys only on cloudnative-pg.
 */
const kubernetesBlock = (engine: (typeof kubernetesEngines)[number]) =>
  fc
    .record(
      {
        namespace: fc.constantFrom("pg-prop", "data-team"),
        storageClass: fc.constantFrom("gp3", "standard"),
        antiAffinity: fc.constantFrom("preferred", "required"),
        createNamespace: fc.boolean(),
        cloudnativePg: fc.record(
          { installOperator: fc.boolean(), operatorNamespace: fc.constantFrom("cnpg-system", "operators") },
          { requiredKeys: ["installOperator"] },
        ),
        writer: fc.constantFrom("primary-0", "replica-0"),
        // postgres: whether the image is tagged with its version (picked with the rest of the config:
        // VERSIONED_IMAGES).
        images: fc.record(
          { postgres: fc.boolean(), pgbouncer: fc.constant("registry.example.com/pgbouncer:1.25.1") },
          optional,
        ),
        loadBalancerAnnotations: fc.constant({ "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" }),
      },
      { requiredKeys: ["namespace"] },
    )
    .map(({ cloudnativePg, writer, ...rest }): Raw & { writer?: string } =>
      engine === "cloudnative-pg"
        ? { ...rest, engine, ...(cloudnativePg ? { cloudnativePg } : {}) }
        : { ...rest, engine, ...(writer ? { writer } : {}) },
    );

const regionAccess = fc.record(
  {
    via: fc.constantFrom("context", "kubeconfig"),
    allowedCidrs: fc.constantFrom(["10.30.0.0/16"], ["10.31.0.0/16", "192.168.0.0/24"]),
    primaryHost: fc.constant("pg-primary.example.com"),
  },
  { requiredKeys: ["via"] },
);

/** A selfHosted stack on one engine. */
export function selfHostedConfigOn(engine: (typeof kubernetesEngines)[number]) {
  return fc
    .record({
      common,
      pgbouncer: pgbouncer.chain((p) =>
        fc
          .record(
            { instances: fc.integer({ min: 1, max: 4 }), readStatementTimeout: fc.constantFrom("10s", "2m") },
            { requiredKeys: ["instances"] },
          )
          .map((i) => ({ ...p, ...i })),
      ),
      replication: replication.chain((r) =>
        fc.record({ basebackupMaxRate: fc.constantFrom("500k", "100M") }, optional).map((b) => ({ ...r, ...b })),
      ),
      resources,
      requireTls: fc.boolean(),
      crossRegion: fc.array(
        fc.record({
          region: fc.constantFrom("eu-west-1", "ap-southeast-2", "us-west-2", "europe-west4"),
          replicas: fc.integer({ min: 1, max: 3 }),
          access: regionAccess,
        }),
        { maxLength: 2 },
      ),
      kubernetes: kubernetesBlock(engine),
      olapAt: fc.nat(3),
      monitoring,
      labels,
      changeId: fc.option(fc.constantFrom("42", "pr-7"), { nil: undefined }),
      mistakes: fc.record({
        regions: mistake,
        namespace: mistake,
        parameters: mistake,
        image: mistake,
        monitoring: mistake,
      }),
      images: fc.record({
        versioned: fc.constantFrom(...VERSIONED_IMAGES),
        unversioned: fc.constantFrom(...UNVERSIONED_IMAGES),
      }),
    })
    .map(
      ({
        common,
        pgbouncer,
        replication,
        resources,
        requireTls,
        crossRegion,
        kubernetes,
        olapAt,
        mistakes,
        images,
        monitoring,
        ...rest
      }): Raw => {
        const flat = flatten(common);
        const cnpg = engine === "cloudnative-pg";
        // Unless kept as mistakes: each region once; a per-change stack creates its namespace; on cloudnative-pg one
        // parameter
        // set for the whole main Cluster, an image tagged with its version, none of the statefulset engine's monitoring
        // objects.
        // (Generated values are shared between runs: copy, never edit.)
        const entries = mistakes.regions
          ? crossRegion
          : crossRegion.filter((entry, index) => crossRegion.findIndex((e) => e.region === entry.region) === index);
        const {
          createNamespace,
          images: imageChoice,
          ...kube
        } = kubernetes as Raw & { images?: { postgres?: boolean; pgbouncer?: string } };
        const keepNamespaceChoice = mistakes.namespace || rest.changeId === undefined;
        // Of the stack's own major, as the operator requires.
        const versioned = images.versioned(String(flat.postgresVersion));
        const chosen =
          imageChoice?.postgres === undefined
            ? undefined
            : cnpg || imageChoice.postgres
              ? versioned
              : images.unversioned;
        const postgresImage = cnpg && mistakes.image ? images.unversioned : chosen;
        const keptImages = {
          ...(imageChoice?.pgbouncer ? { pgbouncer: imageChoice.pgbouncer } : {}),
          ...(postgresImage ? { postgres: postgresImage } : {}),
        };
        // cloudnative-pg takes the PodMonitors and rules (prometheusOperator) but refuses the dashboard.
        const { grafanaDashboard: _dashboard, enabled, ...engineMonitoring } = monitoring ?? {};
        const withoutObjects = monitoring && { ...engineMonitoring, ...(enabled !== undefined ? { enabled } : {}) };
        const keptMonitoring = !cnpg
          ? monitoring
          : mistakes.monitoring
            ? { ...engineMonitoring, grafanaDashboard: true }
            : withoutObjects;
        const postgresql = flat.postgresql as Raw;
        if (cnpg && !mistakes.parameters) flat.postgresql = { ...postgresql, replica: postgresql.primary };
        const regions = entries.map(({ region, replicas, access: { via, ...access } }, index) => ({
          region,
          replicas,
          ...(via === "context" ? { context: `ctx-${index}` } : { kubeconfig: `/home/ci/.kube/${region}` }),
          cidrs: [`10.${20 + index}.0.0/16`],
          ...access,
        }));
        // The OLAP replica's region: unset, the primary's, or (when there is one) a crossRegion region.
        const olap = flat.olap as { enabled: boolean } | undefined;
        const olapRegion = olapAt === 0 || !olap?.enabled ? undefined : (regions[olapAt - 2]?.region ?? "us-east-1");
        const writer = kubernetes.writer === undefined ? undefined : `${String(flat.name)}-${kubernetes.writer}`;
        return {
          backend: "selfHosted",
          region: "us-east-1",
          allowedCidrs: ["10.0.0.0/8"],
          replicationCidrs: ["10.244.0.0/16"],
          ...flat,
          ...(olap && olapRegion ? { olap: { ...olap, region: olapRegion } } : {}),
          pgbouncer,
          replication: replicationBlock(replication),
          resources,
          requireTls,
          kubernetes: {
            ...kube,
            ...(keepNamespaceChoice && createNamespace !== undefined ? { createNamespace } : {}),
            ...(Object.keys(keptImages).length > 0 ? { images: keptImages } : {}),
            ...(writer ? { writer } : {}),
          },
          crossRegion: regions,
          monitoring: keptMonitoring,
          ...rest,
        };
      },
    );
}

/**
 * What `pulumi stack init` accepts: letters, digits, -, _ and . (the program derives AWS and Kubernetes names from it).
 */
export const stackName = fc.constantFrom(
  "gen",
  "prod",
  "Team_A.Preview",
  "pr-1234-feature-with-a-rather-long-branch-name",
);

export const selfHostedConfig = fc.oneof(...kubernetesEngines.map(selfHostedConfigOn));

export const localConfig = fc
  .record({ common, pgbouncer, replication, resources })
  .map(({ common, pgbouncer, replication, resources }): Raw => ({
    backend: "local",
    allowedCidrs: ["127.0.0.1/32"],
    ...flatten(common),
    pgbouncer,
    replication: replicationBlock(replication),
    resources,
  }));

/** Aurora's optional keys; windows come in pairs that do not overlap. */
const auroraOptions = fc.record(
  {
    readerClass: fc.constantFrom("db.r6g.large", "db.r7g.xlarge", "db.t4g.medium"),
    kmsKeyId: fc.constant("arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-6789-0abc-def012345678"),
    deletionProtection: fc.boolean(),
    skipFinalSnapshot: fc.boolean(),
    backupRetentionDays: fc.integer({ min: 1, max: 35 }),
    performanceInsights: fc.boolean(),
    databaseInsights: fc.constantFrom("standard", "advanced"),
    monitoringInterval: fc.constantFrom(0, 1, 60),
    manageMasterUserPassword: fc.boolean(),
    logRetentionDays: fc.constantFrom(0, 7, 30, 365),
    iamDatabaseAuthentication: fc.constant(false),
    caCertIdentifier: fc.constantFrom("rds-ca-rsa2048-g1", "rds-ca-ecc384-g1"),
    windows: fc.constantFrom(
      { preferredBackupWindow: "03:00-04:00", preferredMaintenanceWindow: "sun:05:00-sun:06:00" },
      { preferredBackupWindow: "22:30-23:00" },
    ),
    proxy: fc
      .tuple(
        fc.oneof(
          fc.record({ mode: fc.constantFrom("readWrite", "writeOnly", "none") }),
          fc.record({ enabled: fc.boolean() }),
          fc.constant({}),
        ),
        fc.record({ requireTls: fc.boolean(), maxConnectionsPercent: fc.integer({ min: 10, max: 100 }) }, optional),
      )
      .map(([which, rest]) => ({ ...which, ...rest })),
    autoscaling: fc.record(
      {
        minReaders: fc.integer({ min: 0, max: 3 }),
        maxReaders: fc.integer({ min: 6, max: 15 }),
        metric: fc.constantFrom("cpu", "connections"),
      },
      { requiredKeys: ["minReaders", "maxReaders"] },
    ),
  },
  optional,
);

export const auroraConfig = fc
  .record({
    common,
    withOlapClass: fc.boolean(),
    secondaries: fc.integer({ min: 0, max: 2 }),
    options: auroraOptions,
    requireTls: fc.boolean(),
    olapHere: fc.boolean(),
    mistakes: fc.record({ olapClass: mistake, managedPassword: mistake }),
    secondaryOptions: fc.record(
      { instanceClass: fc.constantFrom("db.r6g.large", "db.r6g.2xlarge"), allowedCidrs: fc.constant(["10.40.0.0/16"]) },
      optional,
    ),
    monitoring: fc.option(fc.record({ enabled: fc.boolean(), createSnsTopic: fc.boolean() }, optional), {
      nil: undefined,
    }),
    labels,
  })
  .map(({ common, withOlapClass, secondaries, options, olapHere, mistakes, secondaryOptions, ...rest }): Raw => {
    const flat = flatten(common);
    const version = String(flat.postgresVersion);
    const { readerClass, windows, ...aurora } = options;
    const olap = flat.olap as { enabled: boolean } | undefined;
    // Unless kept as mistakes: an OLAP class whenever there is an OLAP reader; RDS manages the master password only
    // outside a Global Database.
    if (!mistakes.olapClass && olap?.enabled) withOlapClass = true;
    if (!mistakes.managedPassword && secondaries > 0) delete aurora.manageMasterUserPassword;
    return {
      backend: "aurora",
      region: "us-east-1",
      allowedCidrs: ["10.0.0.0/16"],
      ...flat,
      // olap.region may only name the primary's region on Aurora.
      ...(olap?.enabled && olapHere ? { olap: { ...olap, region: "us-east-1" } } : {}),
      aurora: {
        engineVersion: { "15": "15.10", "16": "16.8", "17": "17.4" }[version],
        vpcId: "vpc-0a1b2c3d4e5f60001",
        subnetIds: ["subnet-0a1b2c3d4e5f60011", "subnet-0a1b2c3d4e5f60012"],
        instanceClass: {
          writer: "db.r6g.large",
          ...(readerClass ? { reader: readerClass } : {}),
          ...(withOlapClass ? { olap: "db.r6g.xlarge" } : {}),
        },
        ...aurora,
        ...windows,
      },
      crossRegion: ["eu-west-1", "ap-south-1"].slice(0, secondaries).map((region) => ({
        region,
        replicas: 1,
        vpcId: "vpc-0a1b2c3d4e5f60003",
        subnetIds: ["subnet-0a1b2c3d4e5f60031", "subnet-0a1b2c3d4e5f60032"],
        kmsKeyId: `arn:aws:kms:${region}:111122223333:key/0a1b2c3d-4e5f-6789-0abc-def012345678`,
        ...secondaryOptions,
      })),
      ...rest,
    };
  });

export const anyConfig = fc.oneof(selfHostedConfig, localConfig, auroraConfig);
