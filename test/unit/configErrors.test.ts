/**
 * Every bad input is refused with a message that names the key, the value and
 * the fix. One row per distinct mistake; each asserts on the message text.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostName } from "../../components/config/fields";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { topologyFromPulumiConfig } from "../../components/pipeline/loadTopology";
import {
  type Raw,
  auroraBase,
  auroraSecondary,
  localBase,
  patched,
  selfHostedBase,
  refusalMessage,
  withAurora,
} from "../support/configs";

interface Row {
  mistake: string;
  config: Raw;
  /** Substrings the message must contain: the key and value, the problem, the fix. */
  expect: string[];
}

const base = selfHostedBase();
const aurora = auroraBase();
const rows: Row[] = [
  {
    mistake: "more Aurora readers than a cluster allows",
    config: patched(aurora, { replicas: "15" }),
    expect: [
      "replicas = 15",
      "makes 16 readers (the OLAP reader included), more than the 15 an Aurora cluster allows",
      "use at most 14 replicas",
    ],
  },
  {
    mistake: "an Aurora engine version no longer offered",
    config: withAurora({ engineVersion: "16.2" }),
    expect: ['aurora.engineVersion = "16.2"', "is not offered by Aurora for new clusters", "use 16.8 or later"],
  },
  {
    mistake: "an Aurora engine version of another major",
    config: withAurora({ engineVersion: "15.12" }),
    expect: ['aurora.engineVersion = "15.12"', "is PostgreSQL 15, but postgresVersion is 16"],
  },
  {
    mistake: "a malformed Aurora engine version",
    config: withAurora({ engineVersion: "latest" }),
    expect: ['aurora.engineVersion = "latest"', "write major.minor, such as 16.8"],
  },
  {
    mistake: "an OLAP reader without an instance class",
    config: withAurora({ instanceClass: { writer: "db.r6g.large" } }),
    expect: ["aurora.instanceClass.olap = (not set)", "is required when olap.enabled is true"],
  },
  {
    mistake: "a malformed instance class",
    config: withAurora({ instanceClass: { writer: "r6g.large", olap: "db.r6g.xlarge" } }),
    expect: ['aurora.instanceClass.writer = "r6g.large"', "db.r6g.large"],
  },
  {
    mistake: "an Aurora secondary in the primary's region",
    config: patched(aurora, { crossRegion: [{ ...auroraSecondary, region: "us-east-1" }] }),
    expect: ['crossRegion[0].region = "us-east-1"', "is the primary's own region"],
  },
  {
    mistake: "an encrypted Aurora secondary without a KMS key",
    config: patched(aurora, { crossRegion: [{ ...auroraSecondary, kmsKeyId: undefined }] }),
    expect: ["crossRegion[0].kmsKeyId = (not set)", "an encrypted secondary needs a KMS key in its own region"],
  },
  {
    mistake: "Kubernetes keys on an Aurora secondary",
    config: patched(aurora, { crossRegion: [{ ...auroraSecondary, context: "eu" }] }),
    expect: ['crossRegion[0].context = "eu"', "applies only to backend selfHosted"],
  },
  {
    mistake: "Aurora keys on a Kubernetes region",
    config: patched(base, {
      crossRegion: [
        { region: "eu-west-1", replicas: 1, context: "eu", cidrs: ["10.20.0.0/16"], vpcId: "vpc-0a1b2c3d4e5f60003" },
      ],
    }),
    expect: ['crossRegion[0].vpcId = "vpc-0a1b2c3d4e5f60003"', "applies only to backend aurora"],
  },
  {
    mistake: "a single subnet for Aurora",
    config: withAurora({ subnetIds: ["subnet-0a1b2c3d4e5f60011"] }),
    expect: ["aurora.subnetIds", "needs at least two distinct subnets"],
  },
  {
    mistake: "a malformed VPC id",
    config: withAurora({ vpcId: "my-vpc" }),
    expect: ['aurora.vpcId = "my-vpc"', "vpc-0123456789abcdef0"],
  },
  {
    mistake: "Aurora without its block",
    config: patched(aurora, { aurora: undefined }),
    expect: ["aurora = (not set)", "is required for backend aurora"],
  },
  {
    mistake: "PgBouncer settings on Aurora",
    config: patched(aurora, { pgbouncer: { defaultPoolSize: 10 } }),
    expect: ["pg-read-replicas:pgbouncer", "RDS Proxy settings live under aurora.proxy"],
  },
  {
    mistake: "synchronous standbys on Aurora",
    config: patched(aurora, { replication: { synchronousCommit: "remote_apply", synchronousReplicas: 1 } }),
    expect: ['replication.synchronousCommit = "remote_apply"', "does not apply on Aurora"],
  },
  {
    mistake: "reader autoscaling that could never add a reader",
    config: withAurora({ autoscaling: { minReaders: 1, maxReaders: 3 } }),
    expect: ["aurora.autoscaling.maxReaders = 3", "is not above the 3 readers the stack already declares"],
  },
  {
    mistake: "an enhanced monitoring interval RDS does not offer",
    config: withAurora({ monitoringInterval: 20 }),
    expect: ["aurora.monitoringInterval = 20", "use 0 (off), 1, 5, 10, 15, 30 or 60"],
  },
  {
    mistake: "a region that is not an AWS region on Aurora",
    config: patched(aurora, { region: "east" }),
    expect: ['region = "east"', "is not an AWS region"],
  },
  {
    mistake: "negative replica count",
    config: patched(base, { replicas: "-1" }),
    expect: ['pg-read-replicas:replicas = "-1"', "must be from 1 to 15", "use a whole number from 1 to 15"],
  },
  {
    mistake: "fractional replica count",
    config: patched(base, { replicas: "2.5" }),
    expect: ['replicas = "2.5"', "must be a whole number"],
  },
  {
    mistake: "too many replicas",
    config: patched(base, { replicas: 16 }),
    expect: ["replicas = 16", "must be from 1 to 15"],
  },
  {
    mistake: "zero replicas",
    config: patched(base, { replicas: "0" }),
    expect: ['replicas = "0"', "must be from 1 to 15"],
  },
  {
    mistake: "replica count in words",
    config: patched(base, { replicas: "three" }),
    expect: ['replicas = "three"', "must be a number"],
  },
  {
    mistake: "unknown backend",
    config: patched(base, { backend: "kubernetes" }),
    expect: ['backend = "kubernetes"', "is not one of selfHosted, aurora, local"],
  },
  {
    mistake: "backend in the wrong case",
    config: patched(base, { backend: "selfhosted" }),
    expect: ['backend = "selfhosted"', "did you mean selfHosted?"],
  },
  {
    mistake: "misspelt top-level key",
    config: patched(base, { replcas: 3 }),
    expect: ["pg-read-replicas:replcas = 3", "is not a known key", "did you mean replicas?"],
  },
  {
    mistake: "misspelt nested key",
    config: patched(base, { replication: { walKeepSzie: "1GB" } }),
    expect: ['replication.walKeepSzie = "1GB"', "did you mean replication.walKeepSize?"],
  },
  {
    mistake: "size without a unit",
    config: patched(base, { replication: { walKeepSize: "10 gigs" } }),
    expect: ['replication.walKeepSize = "10 gigs"', "is not a size", "kB, MB, GB or TB"],
  },
  {
    mistake: "size in lower case",
    config: patched(base, { replication: { maxSlotWalKeepSize: "10gb" } }),
    expect: ['replication.maxSlotWalKeepSize = "10gb"', "is not a size"],
  },
  {
    mistake: "duration in words",
    config: patched(base, { verification: { timeout: "5 minutes" } }),
    expect: ['verification.timeout = "5 minutes"', "is not a duration", "ms, s, m, h or d"],
  },
  {
    mistake: "verification timeout too short",
    config: patched(base, { verification: { timeout: "10s" } }),
    expect: ['verification.timeout = "10s"', "must be from 30s to 1h"],
  },
  {
    mistake: "memory in PostgreSQL units",
    config: patched(base, { resources: { primary: { memory: "2GB" } } }),
    expect: ['resources.primary.memory = "2GB"', "Kubernetes writes Gi, not GB"],
  },
  {
    mistake: "CPU in words",
    config: patched(base, { resources: { replica: { cpu: "two" } } }),
    expect: ['resources.replica.cpu = "two"', "is not a CPU quantity", "millicores"],
  },
  {
    mistake: "pool size above max client connections",
    config: patched(base, { pgbouncer: { defaultPoolSize: 90, reservePoolSize: 20, maxClientConn: 100 } }),
    expect: ["pgbouncer.defaultPoolSize = 90", "exceeds maxClientConn (100)", "raise maxClientConn to at least 110"],
  },
  {
    mistake: "pools open more server connections than a node allows",
    config: patched(base, { pgbouncer: { defaultPoolSize: 80, instances: 3 } }),
    expect: [
      "pgbouncer.defaultPoolSize = 80",
      "3 × (80 + 5) = 255 server connections",
      "raise postgresql.maxConnections to at least 265",
    ],
  },
  {
    mistake: "duplicate regions",
    config: patched(base, {
      crossRegion: [
        { region: "eu-west-1", replicas: 1, context: "eu", cidrs: ["10.20.0.0/16"] },
        { region: "eu-west-1", replicas: 2, context: "eu", cidrs: ["10.20.0.0/16"] },
      ],
    }),
    expect: ['crossRegion[1].region = "eu-west-1"', "repeats crossRegion[0].region", "list each region once"],
  },
  {
    mistake: "cross-region entry in the primary's region",
    config: patched(base, {
      crossRegion: [{ region: "us-east-1", replicas: 1, context: "x", cidrs: ["10.20.0.0/16"] }],
    }),
    expect: ['crossRegion[0].region = "us-east-1"', "is the primary's own region"],
  },
  {
    mistake: "malformed region",
    config: patched(base, { crossRegion: [{ region: "EU West", replicas: 1, context: "x", cidrs: ["10.20.0.0/16"] }] }),
    expect: ['crossRegion[0].region = "EU West"', "is not a region name", "eu-west-1"],
  },
  {
    mistake: "OLAP in a region with nothing to replicate from",
    config: patched(base, { olap: { enabled: true, region: "ap-south-1" } }),
    expect: [
      'olap.region = "ap-south-1"',
      "has no cluster to replicate from",
      "add ap-south-1 under crossRegion first",
    ],
  },
  {
    mistake: "CIDR with host bits set",
    config: patched(base, { allowedCidrs: ["10.0.0.1/8"] }),
    expect: ['allowedCidrs[0] = "10.0.0.1/8"', "is not a CIDR block", "zero host bits"],
  },
  {
    mistake: "CIDR prefix out of range",
    config: patched(base, { allowedCidrs: ["10.0.0.0/33"] }),
    expect: ['allowedCidrs[0] = "10.0.0.0/33"', "is not a CIDR block"],
  },
  {
    mistake: "no client CIDRs",
    config: patched(base, { allowedCidrs: [] }),
    expect: ["allowedCidrs = []", "is empty, so no client could connect"],
  },
  {
    mistake: "database name not an identifier",
    config: patched(base, { database: "App-DB" }),
    expect: ['database = "App-DB"', "lower-case SQL identifier"],
  },
  {
    mistake: "missing user",
    config: patched(base, { user: undefined }),
    expect: ["user = (not set)", "is required", "pulumi config set user app"],
  },
  {
    mistake: "unsupported PostgreSQL version",
    config: patched(base, { postgresVersion: "14" }),
    expect: ['postgresVersion = "14"', "use 15, 16 or 17"],
  },
  {
    mistake: "missing PostgreSQL version",
    config: patched(base, { postgresVersion: undefined }),
    expect: ["postgresVersion = (not set)", "is required", "never defaulted"],
  },
  {
    mistake: "synchronous commit without synchronous replicas",
    config: patched(base, { replication: { synchronousCommit: "remote_apply" } }),
    expect: ["replication.synchronousReplicas = (not set)", "silently behaves as local"],
  },
  {
    mistake: "more synchronous replicas than replicas",
    config: patched(base, { replication: { synchronousCommit: "remote_write", synchronousReplicas: 3 } }),
    expect: ["replication.synchronousReplicas = 3", "more than the 2 OLTP replicas", "every commit would wait forever"],
  },
  {
    mistake: "slot WAL limit below wal_keep_size",
    config: patched(base, { replication: { walKeepSize: "4GB", maxSlotWalKeepSize: "1GB" } }),
    expect: ['replication.maxSlotWalKeepSize = "1GB"', "below walKeepSize (4GB)", "at least 4GB"],
  },
  {
    mistake: "neither replicas nor capacity",
    config: patched(base, { replicas: undefined }),
    expect: ["replicas = (not set)", "is required unless capacity is given"],
  },
  {
    mistake: "capacity needing more replicas than allowed",
    config: patched(base, {
      replicas: undefined,
      capacity: { peakReadQps: 100000, perNodeQps: 1000, safetyFactor: 1.5 },
    }),
    expect: ["pg-read-replicas:capacity", "ceil(100000 / 1000 × 1.5) = ceil(150) = 150", "more than the 15"],
  },
  {
    mistake: "safety factor below 1",
    config: patched(base, { replicas: undefined, capacity: { peakReadQps: 1000, perNodeQps: 500, safetyFactor: 0.5 } }),
    expect: ["capacity.safetyFactor = 0.5", "must be from 1 to 3"],
  },
  {
    mistake: "a primaryHost that would add keywords to the replicas' connection string",
    config: patched(base, {
      crossRegion: [
        {
          region: "eu-west-1",
          replicas: 1,
          context: "eu",
          cidrs: ["10.20.0.0/16"],
          primaryHost: "db.example.com sslmode=disable",
        },
      ],
    }),
    expect: [
      'crossRegion[0].primaryHost = "db.example.com sslmode=disable"',
      "is not a host name or an IP address",
      "no spaces, ports or keywords",
    ],
  },
  {
    mistake: "selfHosted without a namespace",
    config: patched(base, { kubernetes: undefined }),
    expect: ["kubernetes.namespace = (not set)", "is required for backend selfHosted"],
  },
  {
    mistake: "kubernetes block on another backend",
    config: patched(localBase(), { kubernetes: { namespace: "x" } }),
    expect: ["pg-read-replicas:kubernetes", "backend local does not use it"],
  },
  {
    mistake: "misspelt PostgreSQL setting",
    config: patched(base, { olap: { enabled: true, settings: { work_mem_size: "1GB" } } }),
    expect: [
      'olap.settings.work_mem_size = "1GB"',
      "is not a setting stack config may override",
      "did you mean work_mem?",
    ],
  },
  {
    mistake: "bad value for a PostgreSQL setting",
    config: patched(base, { olap: { enabled: true, settings: { work_mem: "lots" } } }),
    expect: ['olap.settings.work_mem = "lots"', "64MB or 2GB"],
  },
  {
    mistake: "cross-region without a way to reach its cluster",
    config: patched(base, { crossRegion: [{ region: "eu-west-1", replicas: 1, cidrs: ["10.20.0.0/16"] }] }),
    expect: ["crossRegion[0].context", "needs exactly one of context or kubeconfig"],
  },
  {
    mistake: "cross-region without CIDRs",
    config: patched(base, { crossRegion: [{ region: "eu-west-1", replicas: 1, context: "eu" }] }),
    expect: ["crossRegion[0].cidrs = (not set)", "TLS from these addresses", "egress CIDRs of the eu-west-1 cluster"],
  },
  {
    mistake: "cross-region on the local backend",
    config: patched(localBase(), { crossRegion: [{ region: "eu-west-1", replicas: 1 }] }),
    expect: ["pg-read-replicas:crossRegion", "not supported by the local backend"],
  },
  {
    mistake: "local stack that does not admit 127.0.0.1",
    config: patched(localBase(), { allowedCidrs: ["10.0.0.0/8"] }),
    expect: ['allowedCidrs = ["10.0.0.0/8"]', "does not admit 127.0.0.1", 'add "127.0.0.1/32" to allowedCidrs'],
  },
  {
    mistake: "several PgBouncers per pool on the local backend",
    config: patched(localBase(), { pgbouncer: { instances: 2 } }),
    expect: ["pgbouncer.instances = 2", "must be 1 for the local backend"],
  },
  {
    mistake: "selfHosted without a region",
    config: patched(base, { region: undefined }),
    expect: ["region = (not set)", "is required for backend selfHosted", "pulumi config set region"],
  },
  {
    mistake: "replica count as a list",
    config: patched(base, { replicas: [2] }),
    expect: ["replicas = [2]", "must be a single value, not a list", "e.g. replicas: 2"],
  },
  {
    mistake: "client CIDRs as one string",
    config: patched(base, { allowedCidrs: "10.0.0.0/8" }),
    expect: ['allowedCidrs = "10.0.0.0/8"', "must be a list", 'e.g. ["10.0.0.0/8"]'],
  },
  {
    mistake: "the built-in superuser as the application user",
    config: patched(base, { user: "postgres" }),
    expect: ['user = "postgres"', "is the built-in superuser", "choose an application user of your own"],
  },
  {
    mistake: "the replication role as the application user",
    config: patched(base, { user: "replicator" }),
    expect: ['user = "replicator"', "is the replication role", "break seeding"],
  },
  {
    mistake: "a pg_ role name",
    config: patched(base, { user: "pg_app" }),
    expect: ['user = "pg_app"', "starts with pg_, which PostgreSQL reserves"],
  },
  {
    mistake: "the statistics functions' owner as the application user",
    config: patched(base, { user: "pgrr_stats_owner" }),
    expect: ['user = "pgrr_stats_owner"', "owns the statistics functions the application user reads"],
  },
  {
    mistake: "a reserved key word as the user",
    config: patched(base, { user: "select" }),
    expect: ['user = "select"', "is a reserved SQL key word"],
  },
  {
    mistake: "a built-in database",
    config: patched(base, { database: "template1" }),
    expect: ['database = "template1"', "one of PostgreSQL's built-in databases"],
  },
  {
    mistake: "PgBouncer's admin database",
    config: patched(base, { database: "pgbouncer" }),
    expect: ['database = "pgbouncer"', "PgBouncer's admin console"],
  },
  {
    mistake: "name with upper case",
    config: patched(base, { name: "PG" }),
    expect: ['name = "PG"', "must be a DNS label"],
  },
  {
    mistake: "boolean in words",
    config: patched(base, { olap: { enabled: "yes" } }),
    expect: ['olap.enabled = "yes"', "must be true or false"],
  },
  {
    mistake: "pool mode misspelt",
    config: patched(base, { pgbouncer: { poolMode: "transactional" } }),
    expect: ['pgbouncer.poolMode = "transactional"', "did you mean transaction?"],
  },
  {
    mistake: "StatefulSet name too long for Kubernetes",
    config: patched(base, {
      name: "analytics-platform-x",
      crossRegion: [{ region: "ap-southeast-123456789-extra", replicas: 1, context: "x", cidrs: ["10.1.0.0/16"] }],
    }),
    expect: ["crossRegion[0].region", "over Kubernetes' 52", "shorten name"],
  },
  {
    mistake: "a label key that is not a Kubernetes label key",
    config: patched(base, { labels: { "Team Name": "data" } }),
    expect: ['labels.Team Name = "data"', 'key "Team Name" is not a label name', "example.com/cost-center"],
  },
  {
    mistake: "a label key with a prefix that is not a DNS subdomain",
    config: patched(base, { labels: { "Example.com/team": "data" } }),
    expect: ['labels.Example.com/team = "data"', "has a prefix that is not a DNS subdomain"],
  },
  {
    mistake: "a label value with a colon (a timestamp as ISO 8601 extended)",
    config: patched(base, { labels: { "pg-read-replicas/expires": "2025-06-03T12:00:00Z" } }),
    expect: ['labels.pg-read-replicas/expires = "2025-06-03T12:00:00Z"', "is not a label value", "20250603T120000Z"],
  },
  {
    mistake: "a label the product's selectors rely on",
    config: patched(base, { labels: { "app.kubernetes.io/instance": "other" } }),
    expect: [
      'labels.app.kubernetes.io/instance = "other"',
      "is a label the product sets itself: Services and StatefulSets select pods by it",
      "use a key of your own",
    ],
  },
  {
    mistake: "the change label set by hand",
    config: patched(base, { labels: { "pg-read-replicas/change": "42" } }),
    expect: ['labels.pg-read-replicas/change = "42"', "it is set from changeId", "set changeId instead"],
  },
  {
    mistake: "a change id with upper case",
    config: patched(base, { changeId: "PR-42" }),
    expect: ['changeId = "PR-42"', "is not a change id", "e.g. a pull request number such as 42"],
  },
  {
    mistake: "a change id that makes the namespace too long",
    config: patched(base, { changeId: "feature-branch-12345", kubernetes: { namespace: "n".repeat(50) } }),
    expect: ['changeId = "feature-branch-12345"', "(71 characters), over Kubernetes' 63", "use a shorter change id"],
  },
  {
    mistake: "a change id in a namespace the stack does not create",
    config: patched(base, { changeId: "42", kubernetes: { namespace: "pg-pr", createNamespace: false } }),
    expect: [
      "kubernetes.createNamespace = false",
      "changeId gives this stack its own namespace pg-pr-42, which nothing else creates",
    ],
  },
  {
    mistake: "a cluster domain that is not a DNS domain",
    config: patched(base, { kubernetes: { namespace: "pg", clusterDomain: "Cluster.Local." } }),
    expect: ['kubernetes.clusterDomain = "Cluster.Local."', "is not a DNS domain", "e.g. cluster.local"],
  },
];

describe("bad stack config is refused with key, value and fix", () => {
  it("covers at least 25 distinct mistakes", () => {
    expect(rows.length).toBeGreaterThanOrEqual(25);
    expect(new Set(rows.map((r) => r.mistake)).size).toBe(rows.length);
  });

  it.each(rows)("$mistake", ({ config, expect: fragments }) => {
    const message = refusalMessage(config);
    expect(message).toMatch(/nothing was created/);
    for (const fragment of fragments) expect(message).toContain(fragment);
    expect(message).toContain("Fix:");
  });

  it("reports every problem at once, not just the first", () => {
    const message = refusalMessage(patched(base, { replicas: "-1", database: "Bad", backend: "nope" }));
    expect(message).toContain("3 problems");
    expect(message).toContain("replicas");
    expect(message).toContain("database");
    expect(message).toContain("backend");
  });

  it("flags a key in a misspelt project namespace", () => {
    expect(() =>
      topologyFromPulumiConfig({
        "pg-read-replica:replicas": "2",
        ...Object.fromEntries(
          Object.entries(base).map(([k, v]) => [
            `pg-read-replicas:${k}`,
            typeof v === "object" ? JSON.stringify(v) : String(v),
          ]),
        ),
      }),
    ).toThrow(
      /pg-read-replica:replicas = "2": is in namespace pg-read-replica, which is not this project's\. Fix: rename it to pg-read-replicas:replicas/,
    );
  });

  it("accepts the valid base config", () => {
    expect(() => topologyFromConfig(base)).not.toThrow();
    expect(() => topologyFromConfig(localBase())).not.toThrow();
    expect(() => topologyFromConfig(patched(aurora, { crossRegion: [auroraSecondary] }))).not.toThrow();
  });
});

describe("hostName (written into libpq connection strings)", () => {
  it("accepts DNS names and IP addresses, and refuses anything that could add a keyword", () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), (labels) => {
        expect(hostName.safeParse(labels.join(".")).success).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(" ", "=", "'", "\\", "\t", "\n", "/", "?"), fc.string(), (a, bad, b) => {
        expect(hostName.safeParse(`db${a}${bad}${b}`).success).toBe(false);
      }),
    );
    for (const address of ["198.18.0.10", "::1", "2001:db8::7"]) expect(hostName.safeParse(address).success).toBe(true);
  });
});
