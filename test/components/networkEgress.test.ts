/**
 * The statefulset engine's NetworkPolicies both ways, evaluated as the API defines them
 * (support/networkPolicyModel.ts). Over every pod template the program registers (StatefulSets, Deployments, Jobs,
 * CronJobs), each connection the stack makes is allowed and nothing else is.
 */
import { describe, expect, it } from "vitest";
import { NETWORK_POLICY } from "../../components/facts/kubernetes";
import { TYPES, ofType } from "../support/graph";
import { type ProgramRun, type Registered, runProgram } from "../support/pulumiMocks";
import {
  type PolicyObject,
  type PolicyPeer,
  type PolicyPod,
  type Protocol,
  connects as connectsBy,
  selects,
} from "../support/networkPolicyModel";

const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
type Pod = PolicyPod;
type Peer = PolicyPeer;
const connects = (policies: Registered[], from: Pod, to: Peer, port: number, protocol: Protocol = "TCP") =>
  connectsBy(
    policies.map((p) => p.inputs as PolicyObject),
    from,
    to,
    port,
    protocol,
  );

/** Every pod template the program registers, with its workload's name and namespace. */
function podsOf(run: ProgramRun): Array<{ name: string; pod: Pod }> {
  const templated = [...ofType(run, TYPES.statefulSet), ...ofType(run, TYPES.deployment), ...ofType(run, TYPES.job)];
  return [
    ...templated.map((w) => ({
      name: w.name,
      namespace: w.inputs.metadata.namespace,
      template: w.inputs.spec.template,
    })),
    ...ofType(run, TYPES.cronJob).map((c) => ({
      name: c.name,
      namespace: c.inputs.metadata.namespace,
      template: c.inputs.spec.jobTemplate.spec.template,
    })),
  ].map(({ name, namespace, template }) => ({ name, pod: { namespace, labels: template.metadata.labels } }));
}

const KUBE_DNS: Peer = { pod: { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } } };
/** Documentation addresses (RFC 5737) standing for places outside the cluster. */
const API_SERVER: Peer = { address: "192.0.2.10" };
const S3: Peer = { address: "192.0.2.20" };
const REMOTE_PRIMARY: Peer = { address: "192.0.2.30" };
const ELSEWHERE: Peer = { address: "198.51.100.7" };

function stack(name: string, patch: Record<string, unknown> = {}) {
  return runProgram(name, (config) => {
    const result = { ...config };
    for (const [key, value] of Object.entries(patch)) result[`pg-read-replicas:${key}`] = JSON.stringify(value);
    return result;
  });
}

const s3Backup = {
  enabled: true,
  repository: "s3://acme-backups/staging",
  s3: { secretName: "backup-keys", region: "eu-west-1" },
};

/** One region's side: its policies and its pods by role (the other region's resources carry its name). */
function side(run: ProgramRun, remote?: string) {
  const mine = (name: string) => (remote ? name.includes(remote) : !/eu-west-1/.test(name));
  const pods = podsOf(run).filter(({ name }) => mine(name));
  const by = (role: string) => pods.filter(({ pod }) => pod.labels["app.kubernetes.io/name"] === role);
  return {
    policies: ofType(run, POLICY).filter((p) => mine(p.name)),
    pods,
    database: by("postgresql"),
    pools: by("pgbouncer"),
    verify: by("verify"),
    maintenance: by("maintenance"),
  };
}

describe.each(["dev", "staging", "prod"])("stack %s: NetworkPolicies both ways", (name) => {
  it("isolates every pod the stack runs, both ways, and each still resolves names", async () => {
    const run = await stack(name);
    const { policies, pods } = side(run);
    expect(pods.length).toBeGreaterThan(3);
    for (const { name: workload, pod } of pods) {
      for (const direction of ["Ingress", "Egress"] as const)
        expect(
          policies.some(
            (p) =>
              p.inputs.metadata.namespace === pod.namespace &&
              selects(p.inputs.spec.podSelector, pod.labels) &&
              p.inputs.spec.policyTypes.includes(direction),
          ),
          `${workload}: isolated for ${direction}`,
        ).toBe(true);
      expect(connects(policies, pod, KUBE_DNS, 53, "UDP"), `${workload}: DNS`).toBe(true);
      expect(connects(policies, pod, ELSEWHERE, 22), `${workload}: ssh to anywhere`).toBe(false);
    }
  });

  it("allows replication, pools to servers, verification and maintenance logins, and refuses the reverse", async () => {
    const run = await stack(name);
    const { policies, database, pools, verify, maintenance } = side(run);
    expect(database.length * pools.length * verify.length * maintenance.length).toBeGreaterThan(0);
    const port = 5432;
    const poolPort = 6432;
    for (const db of database) {
      for (const other of database)
        expect(connects(policies, db.pod, { pod: other.pod }, port), `${db.name} → ${other.name}`).toBe(true);
      for (const pool of pools)
        expect(connects(policies, db.pod, { pod: pool.pod }, poolPort), `${db.name} → ${pool.name}`).toBe(false);
    }
    for (const pool of pools) {
      for (const db of database)
        expect(connects(policies, pool.pod, { pod: db.pod }, port), `${pool.name} → ${db.name}`).toBe(true);
      expect(connects(policies, pool.pod, S3, 443), `${pool.name} → outside:443`).toBe(false);
      expect(connects(policies, pool.pod, REMOTE_PRIMARY, port), `${pool.name} → outside:5432`).toBe(false);
    }
    for (const job of verify) {
      for (const db of database) expect(connects(policies, job.pod, { pod: db.pod }, port)).toBe(true);
      for (const pool of pools) expect(connects(policies, job.pod, { pod: pool.pod }, poolPort)).toBe(true);
      expect(connects(policies, job.pod, API_SERVER, 443), `${job.name} → API server`).toBe(false);
    }
    for (const job of maintenance) {
      for (const db of database) expect(connects(policies, job.pod, { pod: db.pod }, port), job.name).toBe(true);
      expect(connects(policies, job.pod, API_SERVER, 443), `${job.name} → API server`).toBe(false);
    }
    // Nothing of the stack may connect to a stranger's pod, nor a stranger to the servers.
    const stranger: Pod = { namespace: database[0]!.pod.namespace, labels: { app: "stranger" } };
    for (const { pod } of database) {
      expect(connects(policies, pod, { pod: stranger }, 8080)).toBe(false);
      expect(connects(policies, stranger, { pod }, port)).toBe(false);
    }
  });
});

describe("egress that leaves the cluster: only where the stack needs it, on the port it needs", () => {
  it("a single-region stack without backup reaches nothing outside", async () => {
    const run = await stack("staging");
    const { policies, pods } = side(run);
    for (const { name, pod } of pods)
      for (const [peer, port] of [
        [S3, 443],
        [REMOTE_PRIMARY, 5432],
        [API_SERVER, 6443],
      ] as const)
        expect(connects(policies, pod, peer, port), `${name} → ${JSON.stringify(peer)}:${port}`).toBe(false);
  });

  it("with an S3 backup the database pods reach object storage on 443, and only the backup Jobs the API server", async () => {
    const run = await stack("staging", { backup: s3Backup });
    const { policies, database, pools, verify, maintenance } = side(run);
    for (const db of database) {
      expect(connects(policies, db.pod, S3, 443), db.name).toBe(true);
      expect(connects(policies, db.pod, API_SERVER, 6443), db.name).toBe(false);
      expect(connects(policies, db.pod, ELSEWHERE, 22), db.name).toBe(false);
    }
    for (const { name, pod } of [...pools, ...verify]) expect(connects(policies, pod, S3, 443), name).toBe(false);
    const execJobs = maintenance.filter(({ pod }) => pod.labels["pg-read-replicas/reaches"] === "kubernetes-api");
    expect(execJobs.map((j) => j.name).sort()).toEqual(
      ofType(run, TYPES.cronJob)
        .map((c) => c.name)
        .concat(
          ofType(run, TYPES.job)
            .filter((j) => /stanza/.test(j.name))
            .map((j) => j.name),
        )
        .sort(),
    );
    for (const job of execJobs) {
      for (const port of NETWORK_POLICY.apiServerPorts.value)
        expect(connects(policies, job.pod, API_SERVER, port), `${job.name}:${port}`).toBe(true);
      expect(connects(policies, job.pod, S3, 80), job.name).toBe(false);
    }
    for (const job of maintenance.filter((j) => !execJobs.includes(j)))
      expect(connects(policies, job.pod, API_SERVER, 443), job.name).toBe(false);
  });

  it("across regions, database pods reach other regions' primaries on 5432, and the other region's Job its primary", async () => {
    const run = await stack("prod");
    const home = side(run);
    const away = side(run, "eu-west-1");
    expect(away.database.length * away.verify.length).toBeGreaterThan(0);
    for (const { policies, database } of [home, away])
      for (const db of database) expect(connects(policies, db.pod, REMOTE_PRIMARY, 5432), db.name).toBe(true);
    for (const job of away.verify) expect(connects(away.policies, job.pod, REMOTE_PRIMARY, 5432), job.name).toBe(true);
    for (const job of home.verify) expect(connects(home.policies, job.pod, REMOTE_PRIMARY, 5432), job.name).toBe(false);
    for (const { policies, pools } of [home, away])
      for (const pool of pools) expect(connects(policies, pool.pod, REMOTE_PRIMARY, 5432), pool.name).toBe(false);
  });
});
