/** fast-check generators of stack config, as raw as Pulumi hands it over (strings and YAML values mixed). */
import fc from "fast-check";
import type { Raw } from "./configs";

const sizes = ["64MB", "256MB", "1GB", "2GB", "10GB"];
const byteSizes = ["512Mi", "1Gi", "2Gi", "4Gi", "16Gi"];

/** A number as YAML gives it or as `pulumi config set` stores it. */
const either = (n: number) => fc.constantFrom<number | string>(n, String(n));

const overrides = fc.dictionary(
  fc.constantFrom("work_mem", "maintenance_work_mem", "max_parallel_workers", "max_parallel_workers_per_gather", "statement_timeout", "jit", "random_page_cost", "hot_standby_feedback", "log_min_duration_statement"),
  fc.constantFrom("4MB", "12", "2", "30s", "on", "1.1", "off", "500ms"),
  { maxKeys: 3 },
).map((entries) => {
  // Give each chosen setting a value of its own type.
  const valid: Record<string, string> = {
    work_mem: "16MB", maintenance_work_mem: "512MB", max_parallel_workers: "12", max_parallel_workers_per_gather: "2",
    statement_timeout: "30s", jit: "off", random_page_cost: "1.1", hot_standby_feedback: "on", log_min_duration_statement: "500ms",
  };
  return Object.fromEntries(Object.keys(entries).map((name) => [name, valid[name]!]));
});

const replicaCount = fc.oneof(
  fc.integer({ min: 1, max: 15 }).chain((n) => either(n)).map((replicas) => ({ replicas })),
  fc.record({ peakReadQps: fc.integer({ min: 100, max: 50_000 }), perNodeQps: fc.integer({ min: 1000, max: 10_000 }), safetyFactor: fc.constantFrom(1, 1.3, 1.5) }).map((capacity) => ({ capacity })),
);

const common = fc.record({
  name: fc.constantFrom("pg", "db", "orders", "a-b"),
  postgresVersion: fc.constantFrom<number | string>(15, 16, "17"),
  database: fc.constantFrom("app", "orders_db"),
  user: fc.constantFrom("app", "svc_user"),
  count: replicaCount,
  olap: fc.option(fc.record({ enabled: fc.boolean(), settings: overrides }), { nil: undefined }),
  postgresql: fc.record({ maxConnections: fc.integer({ min: 100, max: 1000 }), primary: overrides, replica: overrides }),
  verification: fc.record({ timeout: fc.constantFrom("1m", "5m", "10m"), maxLag: fc.constantFrom("1s", "5s") }),
});

const pgbouncer = fc.record({
  poolMode: fc.constantFrom("session", "transaction"),
  defaultPoolSize: fc.integer({ min: 1, max: 40 }),
  reservePoolSize: fc.integer({ min: 0, max: 10 }),
  maxClientConn: fc.integer({ min: 100, max: 5000 }),
});

const replication = fc.record({
  walKeepSize: fc.constantFrom(...sizes),
  maxSlotWalKeepSize: fc.constantFrom(...sizes),
  maxLagBytes: fc.constantFrom("16MB", "100MB"),
  sync: fc.constantFrom("local", "remote_write", "on"),
  synchronousReplicas: fc.integer({ min: 0, max: 3 }),
});

const resources = fc.record({ primary: fc.record({ memory: fc.constantFrom(...byteSizes) }), olap: fc.record({ memory: fc.constantFrom(...byteSizes) }) });

function flatten(base: { count: Raw; [key: string]: unknown }): Raw {
  const { count, ...rest } = base;
  return { ...rest, ...count };
}

function replicationBlock(r: { walKeepSize: string; maxSlotWalKeepSize: string; maxLagBytes: string; sync: string; synchronousReplicas: number }): Raw {
  return { walKeepSize: r.walKeepSize, maxSlotWalKeepSize: r.maxSlotWalKeepSize, maxLagBytes: r.maxLagBytes, synchronousCommit: r.sync, synchronousReplicas: r.synchronousReplicas };
}

export const selfHostedConfig = fc
  .record({
    common,
    pgbouncer: pgbouncer.chain((p) => fc.record({ instances: fc.integer({ min: 1, max: 4 }) }).map((i) => ({ ...p, ...i }))),
    replication,
    resources,
    requireTls: fc.boolean(),
    crossRegion: fc.array(fc.record({ region: fc.constantFrom("eu-west-1", "ap-south-1"), replicas: fc.integer({ min: 1, max: 3 }) }), { maxLength: 2 }),
  })
  .map(({ common, pgbouncer, replication, resources, requireTls, crossRegion }): Raw => ({
    backend: "selfHosted",
    region: "us-east-1",
    allowedCidrs: ["10.0.0.0/8"],
    kubernetes: { namespace: "pg-prop" },
    ...flatten(common),
    pgbouncer,
    replication: replicationBlock(replication),
    resources,
    requireTls,
    crossRegion: crossRegion.map((entry, index) => ({ ...entry, context: `ctx-${index}`, cidrs: [`10.${20 + index}.0.0/16`] })),
  }));

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

export const auroraConfig = fc
  .record({ common, withOlapClass: fc.boolean(), secondaries: fc.integer({ min: 0, max: 2 }) })
  .map(({ common, withOlapClass, secondaries }): Raw => {
    const flat = flatten(common);
    const version = String(flat.postgresVersion);
    return {
      backend: "aurora",
      region: "us-east-1",
      allowedCidrs: ["10.0.0.0/16"],
      ...flat,
      aurora: {
        engineVersion: { "15": "15.10", "16": "16.8", "17": "17.4" }[version],
        vpcId: "vpc-0a1b2c3d4e5f60001",
        subnetIds: ["subnet-0a1b2c3d4e5f60011", "subnet-0a1b2c3d4e5f60012"],
        instanceClass: { writer: "db.r6g.large", ...(withOlapClass ? { olap: "db.r6g.xlarge" } : {}) },
      },
      crossRegion: ["eu-west-1", "ap-south-1"].slice(0, secondaries).map((region) => ({
        region,
        replicas: 1,
        vpcId: "vpc-0a1b2c3d4e5f60003",
        subnetIds: ["subnet-0a1b2c3d4e5f60031", "subnet-0a1b2c3d4e5f60032"],
        kmsKeyId: `arn:aws:kms:${region}:111122223333:key/0a1b2c3d-4e5f-6789-0abc-def012345678`,
      })),
    };
  });

export const anyConfig = fc.oneof(selfHostedConfig, localConfig, auroraConfig);
