/**
 * Issue 25 item 10: the guardrails policy pack (policy/), run over the resources each example stack registers under
 * the Pulumi mocks, and over altered graphs: each policy must fail the alteration it exists for.
 */
import { readdirSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { POLICIES } from "../../policy/policies";
import { runPolicies } from "../support/policyRun";
import { type Registered, runProgram } from "../support/pulumiMocks";

const EXAMPLES = readdirSync("stacks").flatMap((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1] ?? []);

/**
 * What the example stacks still violate (policy → resources; "" is a stack policy's finding), each with what fixes
 * it. The pack is right about each: the test fails when an example changes either way, so this table only shrinks.
 */
const KNOWN_GAPS: Record<string, Record<string, string[]>> = {
  // The Kubernetes production examples take no backups and run images by tag (real digests to be pinned).
  prod: {
    "production-scheduled-backups": [""],
    "production-images-by-digest": [
      "pg-eu-west-1-pg-pool-read",
      "pg-eu-west-1-pg-replica-eu-west-1",
      "pg-eu-west-1-verify",
      "pg-us-east-1-passwords",
      "pg-us-east-1-pg-olap",
      "pg-us-east-1-pg-pool-olap",
      "pg-us-east-1-pg-pool-read",
      "pg-us-east-1-pg-pool-write",
      "pg-us-east-1-pg-primary",
      "pg-us-east-1-pg-replica",
      "pg-us-east-1-slots",
      "pg-us-east-1-verify",
    ],
  },
  "prod-cnpg": {
    "production-scheduled-backups": [""],
    "production-images-by-digest": [
      "pg-eu-west-1-pg-eu-west-1",
      "pg-eu-west-1-pg-pool-read",
      "pg-eu-west-1-verify",
      "pg-us-east-1-pg",
      "pg-us-east-1-pg-olap",
      "pg-us-east-1-pg-pool-olap",
      "pg-us-east-1-pg-pool-read",
      "pg-us-east-1-pg-pool-write",
      "pg-us-east-1-verify",
    ],
  },
  // The Global Database's secondary cluster keeps deletion protection off by design: removing its region from
  // crossRegion must be able to delete it, and RDS refuses to delete a protected cluster (secondaryRegion.ts).
  "aurora-prod": { "production-deletion-protection": ["pg-eu-west-1-cluster"] },
};

async function findings(resources: Registered[]): Promise<Record<string, string[]>> {
  const byPolicy: Record<string, Set<string>> = {};
  for (const v of await runPolicies(resources)) (byPolicy[v.policy] ??= new Set()).add(v.resource);
  return Object.fromEntries(Object.entries(byPolicy).map(([policy, names]) => [policy, [...names].sort()]));
}

async function messagesOf(policy: string, resources: Registered[]): Promise<string[]> {
  return (await runPolicies(resources)).filter((v) => v.policy === policy).map((v) => v.message);
}

/** The graph with one resource (by type and Pulumi name) changed by `edit` on a deep copy of its inputs. */
function altered(resources: Registered[], type: string, name: string, edit: (inputs: any) => void): Registered[] {
  const target = resources.filter((r) => r.type === type && r.name === name);
  if (target.length !== 1) throw new Error(`expected one ${type} ${name}, found ${target.length}`);
  return resources.map((r) => {
    if (r !== target[0]) return r;
    const inputs = structuredClone(r.inputs);
    edit(inputs);
    return { ...r, inputs };
  });
}

const graphs = new Map<string, Registered[]>();
const graph = (stack: string): Registered[] => graphs.get(stack)!;

const D = `@sha256:${"0123456789abcdef".repeat(4)}`;
/** prod with every configurable image pinned by digest (a pgBackRest-capable PostgreSQL image of the user's). */
const digestImages = (config: Record<string, string>, backup: boolean): Record<string, string> => ({
  ...config,
  "pg-read-replicas:kubernetes": JSON.stringify({
    ...JSON.parse(config["pg-read-replicas:kubernetes"]!),
    images: {
      postgres: `acme/postgres-pgbackrest:15${D}`,
      postgresHasPgbackrest: true,
      pgbouncer: `acme/pgbouncer:1.25.1${D}`,
    },
  }),
  "pg-read-replicas:monitoring": JSON.stringify({
    ...JSON.parse(config["pg-read-replicas:monitoring"]!),
    images: {
      postgresExporter: `quay.io/prometheuscommunity/postgres-exporter:v0.17.1${D}`,
      pgbouncerExporter: `quay.io/prometheuscommunity/pgbouncer-exporter:v0.12.1${D}`,
    },
  }),
  ...(backup
    ? {
        "pg-read-replicas:backup": JSON.stringify({
          enabled: true,
          repository: "s3://acme-backups/prod",
          s3: { secretName: "backup-keys", region: "us-east-1" },
          schedule: "30 2 * * *",
          retention: "7",
        }),
      }
    : {}),
});

beforeAll(async () => {
  for (const stack of EXAMPLES) graphs.set(stack, (await runProgram(stack)).resources);
  graphs.set("prod-digests", (await runProgram("prod", (c) => digestImages(c, false))).resources);
  graphs.set("prod-backup", (await runProgram("prod", (c) => digestImages(c, true))).resources);
}, 300_000);

describe("the policy pack over the example stacks", () => {
  it("covers every example stack and ships every policy the issue names", () => {
    expect(EXAMPLES).toEqual(expect.arrayContaining(["local", "dev", "prod", "prod-cnpg", "aurora-prod"]));
    expect(POLICIES.map((p) => p.name).sort()).toEqual([
      "no-database-open-to-all",
      "no-plaintext-secret-in-configmap",
      "production-backup-retention",
      "production-deletion-protection",
      "production-images-by-digest",
      "production-scheduled-backups",
      "storage-encrypted",
      "tls-required",
    ]);
  });

  it.each(EXAMPLES)("%s passes every policy but its listed gaps", async (stack) => {
    expect(await findings(graph(stack))).toEqual(KNOWN_GAPS[stack] ?? {});
  });

  it("a production stack with images by digest and backups passes all but the backup Jobs' kubectl image", async () => {
    // kubectl (facts/images.ts) has no config key to pin it by digest: the one gap left for the statefulset engine.
    expect(await findings(graph("prod-backup"))).toEqual({
      "production-images-by-digest": ["pg-us-east-1-backup", "pg-us-east-1-backup-stanza"],
    });
  });
});

describe("each policy fails the alteration it exists for", () => {
  it("no-database-open-to-all: 0.0.0.0/0 ingress, a public instance, an open LoadBalancer, ipBlock or pg_hba rule", async () => {
    const policy = "no-database-open-to-all";
    const cases: Registered[][] = [
      altered(graph("aurora-prod"), "aws:ec2/securityGroup:SecurityGroup", "pg-net", (i) => {
        i.ingress[0].cidrBlocks = ["0.0.0.0/0"];
      }),
      altered(graph("aurora-prod"), "aws:rds/clusterInstance:ClusterInstance", "pg-pg-replica-0", (i) => {
        i.publiclyAccessible = true;
      }),
      altered(graph("pr"), "kubernetes:core/v1:Service", "pg-us-east-1-rw-external", (i) => {
        delete i.spec.loadBalancerSourceRanges;
      }),
      altered(graph("pr"), "kubernetes:networking.k8s.io/v1:NetworkPolicy", "pg-us-east-1-netpol-pgbouncer", (i) => {
        i.spec.ingress[0].from.push({ ipBlock: { cidr: "::/0" } });
      }),
      altered(graph("pr"), "kubernetes:core/v1:ConfigMap", "pg-us-east-1-pg-primary-config", (i) => {
        i.data["pg_hba.conf"] += "hostssl app app 0.0.0.0/0 scram-sha-256\n";
      }),
      altered(graph("prod-cnpg"), "kubernetes:postgresql.cnpg.io/v1:Cluster", "pg-us-east-1-pg", (i) => {
        i.spec.postgresql.pg_hba.splice(2, 0, "hostssl app app 0.0.0.0/0 scram-sha-256");
      }),
    ];
    for (const resources of cases) expect(await messagesOf(policy, resources)).toHaveLength(1);
    expect(await messagesOf(policy, graph("pr"))).toEqual([]);
  });

  it("storage-encrypted: an Aurora cluster without storageEncrypted", async () => {
    const resources = altered(graph("aurora-prod"), "aws:rds/cluster:Cluster", "pg-cluster", (i) => {
      delete i.storageEncrypted;
    });
    expect(await messagesOf("storage-encrypted", resources)).toEqual([
      expect.stringContaining("pg-cluster has storageEncrypted undefined"),
    ]);
  });

  it("tls-required: no rds.force_ssl, a proxy without TLS, ssl off, a host (not hostssl) rule", async () => {
    const policy = "tls-required";
    const cases: Registered[][] = [
      altered(graph("aurora-prod"), "aws:rds/clusterParameterGroup:ClusterParameterGroup", "pg-params-cluster", (i) => {
        i.parameters = i.parameters.filter((p: { name: string }) => p.name !== "rds.force_ssl");
      }),
      altered(graph("aurora-prod"), "aws:rds/proxy:Proxy", "pg-proxy", (i) => {
        i.requireTls = false;
      }),
      altered(graph("pr"), "kubernetes:core/v1:ConfigMap", "pg-us-east-1-pg-replica-config", (i) => {
        i.data["postgresql.conf"] = i.data["postgresql.conf"].replace(/^ssl = on$/m, "ssl = off");
      }),
      altered(graph("pr"), "kubernetes:core/v1:ConfigMap", "pg-us-east-1-pg-primary-config", (i) => {
        i.data["pg_hba.conf"] = i.data["pg_hba.conf"].replace(/^hostssl(\s+app\s)/m, "host   $1");
      }),
      altered(graph("prod-cnpg"), "kubernetes:postgresql.cnpg.io/v1:Cluster", "pg-us-east-1-pg-olap", (i) => {
        i.spec.postgresql.pg_hba.push("host app app 10.0.0.0/16 scram-sha-256");
      }),
    ];
    for (const resources of cases) expect(await messagesOf(policy, resources)).toHaveLength(1);
  });

  it("production-deletion-protection: a production cluster unprotected, volumes deleted with the StatefulSet", async () => {
    const policy = "production-deletion-protection";
    const cluster = altered(graph("aurora-prod"), "aws:rds/cluster:Cluster", "pg-cluster", (i) => {
      i.deletionProtection = false;
    });
    expect(await messagesOf(policy, cluster)).toContain(
      "pg-cluster has no deletion protection. Set aurora.deletionProtection: true.",
    );
    const volumes = altered(graph("prod"), "kubernetes:apps/v1:StatefulSet", "pg-us-east-1-pg-primary", (i) => {
      i.spec.persistentVolumeClaimRetentionPolicy.whenDeleted = "Delete";
    });
    expect(await messagesOf(policy, volumes)).toEqual([
      expect.stringContaining("pg-us-east-1-pg-primary deletes its volumes"),
    ]);
    // The same unprotected cluster outside production is allowed (aurora-dev has deletionProtection: false).
    expect(await messagesOf(policy, graph("aurora-dev"))).toEqual([]);
  });

  it("production-backup-retention: a production cluster keeping backups a day", async () => {
    const resources = altered(graph("aurora-prod"), "aws:rds/cluster:Cluster", "pg-cluster", (i) => {
      i.backupRetentionPeriod = 1;
    });
    expect(await messagesOf("production-backup-retention", resources)).toContain(
      "pg-cluster keeps automated backups 1 day(s). Set aurora.backupRetentionDays to 7 or more.",
    );
  });

  it("production-scheduled-backups: a production stack whose backup CronJob is gone", async () => {
    const policy = "production-scheduled-backups";
    expect(await messagesOf(policy, graph("prod-backup"))).toEqual([]);
    const without = graph("prod-backup").filter((r) => r.type !== "kubernetes:batch/v1:CronJob");
    expect(await messagesOf(policy, without)).toEqual([expect.stringContaining("no scheduled backup")]);
  });

  it("no-plaintext-secret-in-configmap: a password, a URL with one, a private key", async () => {
    const policy = "no-plaintext-secret-in-configmap";
    const secrets = [
      "ALTER ROLE app PASSWORD 'hunter2';",
      "app = host=pg port=5432 password=hunter2",
      "postgresql://app:hunter2@pg:5432/app",
      "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----",
    ];
    for (const secret of secrets) {
      const resources = altered(graph("pr"), "kubernetes:core/v1:ConfigMap", "pg-us-east-1-scripts", (i) => {
        i.data["bootstrap.sql"] += `\n${secret}\n`;
      });
      expect(await messagesOf(policy, resources), secret).toEqual([expect.stringContaining("bootstrap.sql holds")]);
    }
  });

  it("production-images-by-digest: one production image by tag; the same image outside production is allowed", async () => {
    const policy = "production-images-by-digest";
    expect(await messagesOf(policy, graph("prod-digests"))).toEqual([]);
    const tagged = altered(graph("prod-digests"), "kubernetes:apps/v1:StatefulSet", "pg-us-east-1-pg-replica", (i) => {
      i.spec.template.spec.containers[0].image = "acme/postgres-pgbackrest:15";
    });
    expect(await messagesOf(policy, tagged)).toEqual([
      expect.stringContaining("pg-us-east-1-pg-replica runs acme/postgres-pgbackrest:15 by tag"),
    ]);
    expect(await messagesOf(policy, graph("staging"))).toEqual([]);
  });
});
