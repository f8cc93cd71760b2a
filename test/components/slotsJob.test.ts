/**
 * The slots Job on the statefulset engine: it runs in the primary's region after every database StatefulSet of every
 * region has scaled, once per change of the declared slot set (its name), with only the logins pg_hba already grants to
 * in-cluster clients and replicas, and the database pods' NetworkPolicy admits it.
 */
import { describe, expect, it } from "vitest";
import { TYPES, k8sObject, ofType } from "../support/graph";
import { type ProgramRun, type Registered, runProgram } from "../support/pulumiMocks";

type Edit = (config: Record<string, string>) => void;

async function render(stack: string, edit: Edit = () => undefined): Promise<ProgramRun> {
  return runProgram(stack, (config) => {
    edit(config);
    return config;
  });
}

function slotsJob(run: ProgramRun): Registered {
  const jobs = ofType(run, TYPES.job).filter((job) => /-slots-[0-9a-f]{16}$/.test(job.inputs.metadata.name));
  expect(jobs).toHaveLength(1);
  return jobs[0]!;
}

const env = (job: Registered) =>
  Object.fromEntries(
    (job.inputs.spec.template.spec.containers[0].env as Array<{ name: string; value?: string; valueFrom?: any }>).map(
      (e) => [e.name, e.value ?? `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`],
    ),
  );

describe("the slots Job", () => {
  it("runs after every database StatefulSet of every region, through the primary region's provider", async () => {
    const run = await render("prod");
    const job = slotsJob(run);
    const sets = ofType(run, TYPES.statefulSet);
    expect(sets.map((set) => set.inputs.metadata.name)).toContain("pg-replica-eu-west-1");
    for (const set of sets) expect(job.dependencies, set.name).toContain(set.urn);
    expect(job.provider).toBe(k8sObject(run, TYPES.statefulSet, "pg-primary").provider);
    const script = k8sObject(run, TYPES.configMap, job.inputs.metadata.name).inputs.data["drop-slots.sh"] as string;
    expect(script).toMatch(
      /keeps the declared standbys' slots only \(pg_olap_0 pg_replica_0 pg_replica_1 pg_replica_2 pg_replica_eu_west_1_0 pg_replica_eu_west_1_1\)/,
    );
  });

  it("lists as the application user and drops as the replication role, over TLS where the stack requires it", async () => {
    const job = slotsJob(await render("prod"));
    expect(env(job)).toMatchObject({
      WRITER_HOST: "pg-rw.pg-prod.svc.cluster.local",
      PGUSER: "app",
      PGPASSWORD: "pg-credentials/app-password",
      REPLICATION_PASSWORD: "pg-credentials/replication-password",
      PGSSLMODE: "verify-full",
      PGSSLROOTCERT: "/etc/postgresql/tls/ca.crt",
    });
    // The CA alone from the region's TLS Secret: the Job never holds the server's key.
    expect(job.inputs.spec.template.spec.volumes).toContainEqual({
      name: "server-ca",
      secret: { secretName: "pg-tls", items: [{ key: "ca.crt", path: "ca.crt" }] },
    });
    expect(job.inputs.spec.template.metadata.labels["app.kubernetes.io/name"]).toBe("maintenance");
  });

  it("is a new Job when the declared slots change, and the same one when anything else does", async () => {
    const base = slotsJob(await render("staging")).inputs.metadata.name;
    const scaled = slotsJob(await render("staging", (c) => (c["pg-read-replicas:replicas"] = "1"))).inputs.metadata
      .name;
    const noOlap = slotsJob(
      await render("staging", (c) => (c["pg-read-replicas:olap"] = JSON.stringify({ enabled: false }))),
    ).inputs.metadata.name;
    const pools = slotsJob(
      await render("staging", (c) => {
        const pgbouncer = JSON.parse(c["pg-read-replicas:pgbouncer"]!);
        c["pg-read-replicas:pgbouncer"] = JSON.stringify({ ...pgbouncer, defaultPoolSize: 11 });
      }),
    ).inputs.metadata.name;
    expect(new Set([base, scaled, noOlap]).size).toBe(3);
    expect(pools).toBe(base);
  });

  it("is admitted by the database pods' NetworkPolicy", async () => {
    const run = await render("staging");
    const policy = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find(
      (p) => p.inputs.metadata.name === "pg-postgresql",
    )!;
    const labels = slotsJob(run).inputs.spec.template.metadata.labels as Record<string, string>;
    const peers = policy.inputs.spec.ingress[0].from as Array<{
      podSelector?: { matchLabels: Record<string, string> };
    }>;
    expect(
      peers.some(
        (peer) =>
          peer.podSelector !== undefined &&
          Object.entries(peer.podSelector.matchLabels).every(([key, value]) => labels[key] === value),
      ),
    ).toBe(true);
  });

  it("is none on the cloudnative-pg engine (the operator keeps its own slots)", async () => {
    const run = await render("prod-cnpg");
    expect(ofType(run, TYPES.job).filter((job) => job.inputs.metadata.name.includes("-slots-"))).toEqual([]);
  });
});
