/**
 * Both engines render every selfHosted example stack under Pulumi's mocks; on the
 * cloudnative-pg engine every Cluster and Pooler passes CloudNativePG's CRD schema
 * (and 1.30's changes to it), and prod-cnpg realises prod's topology as Clusters
 * (the OLAP replica and eu-west-1 as replica clusters) and Poolers.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { readStackConfig } from "../../components/config/stackFile";
import { CNPG_AVAILABILITY, CNPG_OPERATOR, CNPG_UPDATES } from "../../components/facts/cnpg";
import {
  CLUSTER,
  POOLER,
  expectClustersTheWebhookTakes,
  expectEcKeys,
  expectPoolersTheWebhookTakes,
} from "../support/cnpgFacts";
import { TYPES, k8sObject, ofType, providerUrn } from "../support/graph";
import { kubernetesNameProblems } from "../support/kubernetesNames";
import { isKubernetesObject, validateKubernetesObject } from "../support/kubernetesSchema";
import {
  type ProgramRun,
  type Registered,
  isSecretValue,
  mockCertPem,
  mockKeyPem,
  registeredByHand,
  resolve,
  runProgram,
} from "../support/pulumiMocks";
import { verifierStreamingSql } from "../support/streamingStatement";

const RELEASE = "kubernetes:helm.sh/v3:Release";

/**
 * The stack's own config with kubernetes.engine (and optionally more kubernetes keys) replaced; on cloudnative-pg
 * without the statefulset engine's monitoring objects (prod's), which that engine refuses.
 */
function withEngine(stack: string, engine: string, more: Record<string, unknown> = {}): Record<string, string> {
  const config = readStackConfig("stacks", stack);
  const kubernetes = JSON.parse(config["pg-read-replicas:kubernetes"]!) as Record<string, unknown>;
  const patch = { "pg-read-replicas:kubernetes": JSON.stringify({ ...kubernetes, engine, ...more }) };
  const monitoring = config["pg-read-replicas:monitoring"];
  if (engine !== "cloudnative-pg" || monitoring === undefined) return patch;
  const {
    prometheusOperator: _operator,
    grafanaDashboard: _dashboard,
    ...rest
  } = JSON.parse(monitoring) as Record<string, unknown>;
  return { ...patch, "pg-read-replicas:monitoring": JSON.stringify(rest) };
}

const named = (run: ProgramRun, type: string, name: string, owner?: string): Registered =>
  k8sObject(run, type, name, owner);

describe.each([
  ["dev", "statefulset"],
  ["dev", "cloudnative-pg"],
  ["staging", "statefulset"],
  ["staging", "cloudnative-pg"],
  ["prod", "cloudnative-pg"],
  ["prod-cnpg", "statefulset"],
  ["prod-cnpg", "cloudnative-pg"],
])("stack %s on engine %s", (stack, engine) => {
  it("renders, every object passing its schema (CloudNativePG's CRDs for Clusters and Poolers) and the API server's name rules", async () => {
    const run = await runProgram(stack, withEngine(stack, engine));
    const kube = run.resources.filter(isKubernetesObject);
    for (const resource of kube) validateKubernetesObject(resource);
    expect(kube.filter((r) => !/Patch$/.test(r.type)).flatMap(kubernetesNameProblems)).toEqual([]);
    const workloads = ofType(run, TYPES.statefulSet).length + ofType(run, TYPES.deployment).length;
    if (engine === "statefulset") {
      expect(ofType(run, CLUSTER)).toHaveLength(0);
      expect(workloads).toBeGreaterThan(2);
    } else {
      expect(workloads).toBe(0);
      expect(ofType(run, CLUSTER).length).toBeGreaterThanOrEqual(1);
      expect(ofType(run, POOLER).length).toBeGreaterThanOrEqual(2);
      expectClustersTheWebhookTakes(run);
      expectPoolersTheWebhookTakes(run);
      expectEcKeys(run);
    }
    expect(ofType(run, TYPES.job).length).toBeGreaterThanOrEqual(1);
  });
});

describe("prod-cnpg's regions as one distributed topology (finding 8)", () => {
  const promoted = (more: Record<string, unknown> = {}) =>
    withEngine("prod-cnpg", "cloudnative-pg", {
      cloudnativePg: { primaryRegion: "eu-west-1", regionHosts: { "eu-west-1": "pg-eu.lb.example.com" }, ...more },
    });
  const replicaOf = (run: ProgramRun, name: string) => named(run, CLUSTER, name).inputs.spec.replica;
  const entries = (run: ProgramRun, name: string) =>
    Object.fromEntries(
      (
        named(run, CLUSTER, name).inputs.spec.externalClusters as Array<{ name: string; connectionParameters: any }>
      ).map((e) => [e.name, e.connectionParameters.host]),
    );

  it("by default: us-east-1's Cluster is the primary, eu-west-1's a replica of it, each listing both", async () => {
    const run = await runProgram("prod-cnpg");
    expect(replicaOf(run, "pg")).toEqual({ primary: "pg", source: "pg-eu-west-1" });
    expect(replicaOf(run, "pg-eu-west-1")).toEqual({ primary: "pg", source: "pg" });
    expect(entries(run, "pg-eu-west-1")).toEqual({
      pg: "pg-rw-external.lb.example.com",
      "pg-eu-west-1": "pg-eu-west-1-rw.pg-prod.svc.cluster.local",
    });
    // The OLAP replica cluster stays a standalone replica of its region's main Cluster.
    expect(replicaOf(run, "pg-olap")).toEqual({ enabled: true, source: "primary" });
  });

  it("promoting eu-west-1 is a config change: its Cluster renders as the primary, us-east-1's as its replica", async () => {
    const run = await runProgram("prod-cnpg", promoted());
    for (const resource of run.resources.filter(isKubernetesObject)) validateKubernetesObject(resource);
    expectClustersTheWebhookTakes(run);
    expect(replicaOf(run, "pg-eu-west-1")).toEqual({ primary: "pg-eu-west-1", source: "pg" });
    expect(replicaOf(run, "pg")).toEqual({ primary: "pg-eu-west-1", source: "pg-eu-west-1" });
    // us-east-1's Cluster follows eu-west-1's exposed primary at the configured address.
    expect(entries(run, "pg")["pg-eu-west-1"]).toBe("pg-eu.lb.example.com");
    // Same Cluster names and bootstraps as before: a promotion replaces nothing.
    const before = await runProgram("prod-cnpg");
    for (const cluster of ofType(run, CLUSTER)) {
      const was = ofType(before, CLUSTER).find((c) => c.name === cluster.name)!;
      expect(cluster.inputs.spec.bootstrap, cluster.name).toEqual(was.inputs.spec.bootstrap);
    }
  });

  it("the promoted Cluster does not keep default_transaction_read_only = on, in any region", async () => {
    const run = await runProgram("prod-cnpg", promoted());
    for (const name of ["pg", "pg-eu-west-1"]) {
      const parameters = named(run, CLUSTER, name).inputs.spec.postgresql.parameters as Record<string, string>;
      expect(parameters, name).not.toHaveProperty("default_transaction_read_only");
    }
  });

  it("exposes eu-west-1's designated primary to us-east-1, and admits us-east-1 to its instances", async () => {
    const run = await runProgram("prod-cnpg");
    const exposed = named(run, TYPES.service, "pg-rw-external", "pg-eu-west-1").inputs.spec;
    expect(exposed.selector).toEqual({ "cnpg.io/cluster": "pg-eu-west-1", "cnpg.io/instanceRole": "primary" });
    expect(exposed.loadBalancerSourceRanges).toEqual(["10.244.0.0/16"]);
    const policy = named(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "pg-postgresql", "pg-eu-west-1").inputs
      .spec;
    expect(policy.ingress[0].from).toContainEqual({ ipBlock: { cidr: "10.244.0.0/16" } });
  });

  it("carries a promotion token only on the Cluster being promoted, as the webhook requires", async () => {
    const token = "eyJsYXRlc3RDaGVja3BvaW50VGltZWxpbmVJRCI6IjEifQ==";
    const run = await runProgram("prod-cnpg", promoted({ promotionToken: token }));
    expect(replicaOf(run, "pg-eu-west-1").promotionToken).toBe(token);
    expect(replicaOf(run, "pg")).not.toHaveProperty("promotionToken");
  });
});

describe("prod-cnpg after promoting eu-west-1: the write pool, verification and outputs follow (finding 8)", () => {
  let before: ProgramRun;
  let after: ProgramRun;
  beforeAll(async () => {
    before = await runProgram("prod-cnpg");
    after = await runProgram(
      "prod-cnpg",
      withEngine("prod-cnpg", "cloudnative-pg", {
        cloudnativePg: { primaryRegion: "eu-west-1", regionHosts: { "eu-west-1": "pg-eu.lb.example.com" } },
      }),
    );
  });
  const region = (r: Registered) => (r.name.startsWith("pg-eu-west-1") ? "eu-west-1" : "us-east-1");
  const poolers = (run: ProgramRun) =>
    ofType(run, POOLER).map((p) => [region(p), p.inputs.metadata.name, p.inputs.spec.cluster.name, p.inputs.spec.type]);
  const jobOf = (run: ProgramRun, where: string) => ofType(run, TYPES.job).find((j) => region(j) === where)!;
  const scriptOf = (run: ProgramRun, where: string) =>
    k8sObject(run, TYPES.configMap, jobOf(run, where).inputs.metadata.name, `pg-${where}`).inputs.data[
      "verify.sh"
    ] as string;

  it("moves the write Pooler to the promoted region's Cluster; the demoted region keeps none on a standby", () => {
    expect(poolers(before)).toContainEqual(["us-east-1", "pg-pool-write", "pg", "rw"]);
    const moved = poolers(after);
    expect(moved.filter(([, , , type]) => type === "rw")).toEqual([
      ["eu-west-1", "pg-pool-write", "pg-eu-west-1", "rw"],
    ]);
    // Read pools: the standbys of each region's OLTP Cluster, never the promoted primary.
    expect(moved).toContainEqual(["eu-west-1", "pg-pool-read", "pg-eu-west-1", "ro"]);
    expect(moved).toContainEqual(["us-east-1", "pg-pool-read", "pg", "ro"]);
    expectPoolersTheWebhookTakes(after);
  });

  it("verifies the promoted region as the primary first, the demoted one as a replica after it", () => {
    const eu = scriptOf(after, "eu-west-1");
    expect(eu).toContain("primary mode, region eu-west-1");
    expect(eu).toContain("check_writer");
    expect(eu).toContain("pg-eu-west-1-rw.pg-prod.svc.cluster.local");
    expect(eu).toContain("check_pool write 'pg-pool-write.pg-prod.svc.cluster.local' 5432 f 'pg-eu-west-1'");
    expect(eu).toContain("check_reader 'pg-eu-west-1-ro'");
    const us = scriptOf(after, "us-east-1");
    expect(us).toContain("replica mode, region us-east-1");
    expect(us).not.toContain("check_pool write");
    expect(us).toContain("check_reader 'pg-r'");
    expect(jobOf(after, "us-east-1").dependencies).toContain(jobOf(after, "eu-west-1").urn);
    expect(jobOf(after, "eu-west-1").dependencies).not.toContain(jobOf(after, "us-east-1").urn);
    // Before the promotion, the other way round.
    expect(scriptOf(before, "us-east-1")).toContain("primary mode, region us-east-1");
    expect(jobOf(before, "eu-west-1").dependencies).toContain(jobOf(before, "us-east-1").urn);
  });

  it("exports the promoted Cluster as the writer and eu-west-1 as the primary region", async () => {
    const { program } = after;
    expect((await resolve(program.writer)).value.host).toBe("pg-eu-west-1-rw.pg-prod.svc.cluster.local");
    expect((await resolve(program.readerEndpoint)).value.host).toBe("pg-eu-west-1-ro.pg-prod.svc.cluster.local");
    const regions = (await resolve(program.regions)).value;
    expect(regions.map((r) => [r.region, r.primary, r.readerEndpoint.host])).toEqual([
      ["us-east-1", false, "pg-ro.pg-prod.svc.cluster.local"],
      ["eu-west-1", true, "pg-eu-west-1-ro.pg-prod.svc.cluster.local"],
    ]);
    const readers = (await resolve(program.readers)).value;
    expect(readers.map((r) => [r.name, r.host])).toContainEqual(["pg", "pg-r.pg-prod.svc.cluster.local"]);
    expect((await resolve(program.notes)).value.join("\n")).toContain("the write pool runs there only");
  });
});

describe("the schema check catches a malformed Cluster", () => {
  const cluster = (spec: Record<string, unknown>): Registered =>
    registeredByHand(CLUSTER, {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      metadata: { name: "broken" },
      spec: { instances: 2, storage: { size: "1Gi" }, ...spec },
    });
  it("rejects a probe type the CRD does not have, and a field only 1.30 has", () => {
    expect(() => validateKubernetesObject(cluster({ probes: { readiness: { type: "tcp" } } }))).toThrow(
      /readiness\/type must be equal to one of the allowed values/,
    );
    expect(() => validateKubernetesObject(cluster({ primaryLease: { leaseDurationSeconds: 15 } }))).toThrow(
      /uses spec\.primaryLease, which CloudNativePG 1\.30 changed/,
    );
  });
});

describe("prod-cnpg", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("prod-cnpg");
  });

  it("fails over only with the quorum, its instances spread across zones (finding 7)", () => {
    const spec = named(run, CLUSTER, "pg").inputs.spec;
    // ANY 1 alone promotes a standby that may lack acknowledged commits when the primary and the acknowledging
    // standby fail together; the operator cannot pin that standby to another zone with spec.postgresql.synchronous.
    expect(CNPG_AVAILABILITY.electionConstraintLegacyOnly.value).toBe(true);
    expect(spec.postgresql.synchronous.failoverQuorum).toBe(true);
    expect(spec.postgresql).not.toHaveProperty("syncReplicaElectionConstraint");
    expect(spec.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: CNPG_AVAILABILITY.topologySpread.value.zoneKey,
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: { [CNPG_OPERATOR.labels.value.cluster]: "pg" } },
      },
    ]);
    // The single-instance OLAP cluster has nothing to spread.
    expect(named(run, CLUSTER, "pg-olap").inputs.spec).not.toHaveProperty("topologySpreadConstraints");
  });

  it("keeps the OLAP instance off the main Cluster's nodes and lets its node drain (finding 10)", () => {
    const olap = named(run, CLUSTER, "pg-olap").inputs.spec;
    expect(olap.affinity.additionalPodAntiAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: [
        {
          labelSelector: { matchLabels: { [CNPG_OPERATOR.labels.value.cluster]: "pg" } },
          topologyKey: "kubernetes.io/hostname",
        },
      ],
    });
    // One instance cannot switch over: the operator's primary PDB would block the drain for good.
    expect(olap.enablePDB).toBe(false);
    const main = named(run, CLUSTER, "pg").inputs.spec;
    expect(main).not.toHaveProperty("enablePDB");
    expect(main.affinity).not.toHaveProperty("additionalPodAntiAffinity");
  });

  it("admits the Poolers and the verification Job to PostgreSQL by label, not only by CIDR (finding 10)", () => {
    for (const cluster of ofType(run, CLUSTER)) {
      const { podSelectorRefs, postgresql } = cluster.inputs.spec;
      expect(podSelectorRefs, cluster.name).toEqual([
        { name: "poolers", selector: { matchLabels: { "pg-read-replicas/stack": "pg", "cnpg.io/podRole": "pooler" } } },
        {
          name: "verify",
          selector: { matchLabels: { "app.kubernetes.io/instance": "pg", "app.kubernetes.io/name": "verify" } },
        },
      ]);
      expect(postgresql.pg_hba, cluster.name).toContain("hostssl app app ${podselector:poolers} scram-sha-256");
    }
    // The labels the selectors name are the ones the pods carry.
    const pooler = named(run, POOLER, "pg-pool-read", "pg-us-east-1").inputs;
    expect(pooler.spec.template.metadata.labels).toMatchObject({ "pg-read-replicas/stack": "pg" });
    const job = ofType(run, TYPES.job)[0]!.inputs.spec.template;
    expect(job.metadata.labels).toMatchObject({
      "app.kubernetes.io/instance": "pg",
      "app.kubernetes.io/name": "verify",
    });
  });

  it("runs the verification Job as the operator image's postgres user, and bounds every cross-cluster connection (finding 11)", () => {
    for (const job of ofType(run, TYPES.job)) {
      const { securityContext } = job.inputs.spec.template.spec;
      expect([securityContext.runAsUser, securityContext.runAsGroup], job.name).toEqual([
        CNPG_AVAILABILITY.postgresUid.value,
        CNPG_AVAILABILITY.postgresUid.value,
      ]);
    }
    for (const cluster of ofType(run, CLUSTER)) {
      for (const external of cluster.inputs.spec.externalClusters ?? []) {
        expect(external.connectionParameters, cluster.name).toMatchObject({
          connect_timeout: "10",
          keepalives: "1",
          keepalives_idle: "30",
          keepalives_interval: "10",
          keepalives_count: "3",
        });
      }
    }
  });

  it("runs the primary and the three OLTP replicas as one Cluster the operator fails over", () => {
    const spec = named(run, CLUSTER, "pg").inputs.spec;
    expect(spec.instances).toBe(4);
    expect(spec.postgresql.synchronous).toEqual({
      method: "any",
      number: 1,
      dataDurability: "required",
      failoverQuorum: true,
    });
    expect(spec.probes.readiness).toEqual({ type: "streaming", maximumLag: String(64 * 1024 * 1024) });
    expect(spec.replicationSlots.highAvailability.enabled).toBe(true);
    expect(spec.affinity).toEqual({
      enablePodAntiAffinity: true,
      podAntiAffinityType: "required",
      topologyKey: "kubernetes.io/hostname",
    });
    expect(spec.storage).toEqual({ size: "500Gi", storageClass: "gp3-encrypted", resizeInUseVolumes: true });
    // Guaranteed QoS, as the operator recommends.
    expect(spec.resources).toEqual({
      requests: { cpu: "4", memory: "16Gi" },
      limits: { cpu: "4", memory: "16Gi" },
    });
    expect(spec.imageName).toBe(CNPG_OPERATOR.images.value.postgres[15]);
    expect(spec.bootstrap.initdb).toEqual({ database: "app", owner: "app", secret: { name: "pg-app-user" } });
    expect(spec.managed.roles).toEqual([
      { name: "app", ensure: "present", login: true, inRoles: ["pg_monitor"], passwordSecret: { name: "pg-app-user" } },
    ]);
    expect(spec.certificates).toEqual({
      serverCASecret: "pg-tls-ca",
      serverTLSSecret: "pg-tls",
      clientCASecret: "pg-tls-client-ca",
      replicationTLSSecret: "pg-tls-replication",
    });
    const annotations = named(run, CLUSTER, "pg").inputs.metadata.annotations;
    expect(annotations["pulumi.com/waitFor"]).toBe("condition=Ready");
    // Three clones of 500 Gi at basebackupMaxRate (100M = 100 MiB/s) on top of the provider's 600 s.
    expect(annotations["pulumi.com/timeoutSeconds"]).toBe(String(600 + 3 * 5120));
  });

  it("restarts every Cluster's primary only through a switchover, not in place as the operator would by default", () => {
    const clusters = ofType(run, CLUSTER);
    expect(clusters.map((c) => c.inputs.metadata.name).sort()).toEqual(["pg", "pg-eu-west-1", "pg-olap"]);
    for (const cluster of clusters) {
      const { primaryUpdateStrategy, primaryUpdateMethod } = cluster.inputs.spec;
      expect({ primaryUpdateStrategy, primaryUpdateMethod }, cluster.name).toEqual({
        primaryUpdateStrategy: "unsupervised",
        primaryUpdateMethod: CNPG_UPDATES.switchover.value.method,
      });
    }
    expect(CNPG_UPDATES.defaults.value.primaryUpdateMethod).not.toBe(CNPG_UPDATES.switchover.value.method);
  });

  it("sends the product's settings as parameters, none that the operator manages", () => {
    const parameters = named(run, CLUSTER, "pg").inputs.spec.postgresql.parameters as Record<string, string>;
    expect(parameters).toMatchObject({
      commit_delay: "10",
      synchronous_commit: "remote_write",
      max_connections: "400",
      wal_keep_size: "2GB",
      max_slot_wal_keep_size: "20GB",
    });
    expectClustersTheWebhookTakes(run);
    const hba = named(run, CLUSTER, "pg").inputs.spec.postgresql.pg_hba as string[];
    expect(hba).toEqual([
      "hostnossl all all 0.0.0.0/0 reject",
      "hostnossl all all ::/0 reject",
      "hostssl app app 10.0.0.0/16 scram-sha-256",
      "hostssl app app ${podselector:poolers} scram-sha-256",
      "hostssl app app ${podselector:verify} scram-sha-256",
      "host all all 0.0.0.0/0 reject",
      "host all all ::/0 reject",
    ]);
  });

  it("runs the OLAP replica as its own replica cluster with its analytic settings, never behind the read pool", () => {
    const olap = named(run, CLUSTER, "pg-olap").inputs.spec;
    expect(olap.instances).toBe(1);
    expect(olap.replica).toEqual({ enabled: true, source: "primary" });
    expect(olap.bootstrap.pg_basebackup.source).toBe("primary");
    expect(olap.externalClusters[0].connectionParameters).toMatchObject({
      host: "pg-rw.pg-prod.svc.cluster.local",
      user: "streaming_replica",
      sslmode: "verify-ca",
      application_name: "pg-olap",
    });
    expect(olap.postgresql.parameters).toMatchObject({
      hot_standby_feedback: "off",
      max_standby_streaming_delay: "-1",
      work_mem: "256MB",
    });
    expect(olap.probes.readiness).toEqual({ type: "streaming" });
    const read = named(run, POOLER, "pg-pool-read", "pg-us-east-1").inputs.spec;
    // -ro selects the replicas of Cluster pg only: the OLAP instance belongs to pg-olap.
    expect([read.cluster.name, read.type]).toEqual(["pg", "ro"]);
    expect(named(run, POOLER, "pg-pool-olap").inputs.spec.cluster.name).toBe("pg-olap");
    expect(named(run, CLUSTER, "pg").inputs.spec.instances).toBe(1 + 3);
  });

  it("creates eu-west-1's replica cluster and read pool through that region's provider, streaming from the exposed primary", () => {
    const [provider] = ofType(run, TYPES.kubernetesProvider);
    const eu = named(run, CLUSTER, "pg-eu-west-1");
    expect(providerUrn(eu)).toBe(provider!.urn);
    expect(eu.inputs.spec.instances).toBe(2);
    expect(eu.inputs.spec.externalClusters[0].connectionParameters).toMatchObject({
      host: "pg-rw-external.lb.example.com",
      sslmode: "verify-ca",
      application_name: "pg-eu-west-1",
    });
    expect(eu.dependencies).toContain(named(run, CLUSTER, "pg").urn);
    const euPool = named(run, POOLER, "pg-pool-read", "pg-eu-west-1");
    expect(providerUrn(euPool)).toBe(provider!.urn);
    expect([euPool.inputs.spec.cluster.name, euPool.inputs.spec.type]).toEqual(["pg-eu-west-1", "r"]);
    const exposed = named(run, TYPES.service, "pg-rw-external", "pg-us-east-1");
    expect(exposed.inputs.spec.selector).toEqual({ "cnpg.io/cluster": "pg", "cnpg.io/instanceRole": "primary" });
    // The instances name their port "postgresql": target it by number, as the operator's Services do.
    expect(exposed.inputs.spec.ports).toEqual([
      { name: "postgres", port: 5432, targetPort: CNPG_OPERATOR.postgresPort.value.number },
    ]);
    expect(run.resources.filter((r) => r.type === "tls:index/privateKey:PrivateKey").length).toBeGreaterThanOrEqual(4);
    expectEcKeys(run);
    // The same CAs and streaming_replica certificate in both clusters.
    for (const name of ["pg-tls-ca", "pg-tls-client-ca", "pg-tls-replication"]) {
      const secrets = ofType(run, TYPES.secret).filter((s) => s.inputs.metadata.name === name);
      expect(secrets, name).toHaveLength(2);
      expect(secrets[0]!.inputs.stringData).toEqual(secrets[1]!.inputs.stringData);
      expect(isSecretValue(secrets[0]!.rawInputs.stringData), name).toBe(true);
    }
  });

  it("keeps the server CA's key out of every cluster; the client CA's, which the operator signs its poolers' with, signs streaming_replica's", () => {
    const serverCaKey = mockKeyPem("pg-tls-ca-key");
    const clientCaKey = mockKeyPem("pg-tls-client-ca-key");
    const certOf = mockCertPem;
    expect(serverCaKey).not.toBe(clientCaKey);
    // No Secret in any region holds the server CA's key: reading a cluster's Secrets mints no server certificate.
    const secrets = ofType(run, TYPES.secret);
    for (const secret of secrets)
      expect(Object.values(secret.inputs.stringData ?? {}), secret.inputs.metadata.name).not.toContain(serverCaKey);
    expect(CNPG_OPERATOR.caKeys.value.serverCaKeyNeeded).toBe(false);
    for (const secret of secrets.filter((s) => s.inputs.metadata.name === "pg-tls-ca"))
      expect(Object.keys(secret.inputs.stringData)).toEqual(["ca.crt"]);
    // The client CA Secret: its key, and the client CA first (the one the operator signs with), then the server CA
    // that signed the poolers' certificates before the split (the operator does not re-sign them).
    expect(CNPG_OPERATOR.leafRenewal.value).toEqual({ resignsOnCaChange: false, signingCaIsFirstInBundle: true });
    const clientCa = secrets.filter((s) => s.inputs.metadata.name === "pg-tls-client-ca");
    expect(clientCa).toHaveLength(2);
    for (const secret of clientCa) {
      expect(secret.inputs.stringData["ca.key"]).toBe(clientCaKey);
      const bundle = secret.inputs.stringData["ca.crt"] as string;
      expect(bundle.match(/-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----/g)).toEqual([
        certOf("pg-tls-client-ca").trim(),
        certOf("pg-tls-ca").trim(),
      ]);
    }
    const streaming = ofType(run, "tls:index/locallySignedCert:LocallySignedCert").find((c) =>
      c.name.includes("streaming-replica"),
    )!;
    expect(streaming.inputs.caCertPem).toBe(certOf("pg-tls-client-ca"));
    expect(streaming.inputs.caPrivateKeyPem).toBe(clientCaKey);
    // Server certificates still come from the server CA, which the replicas verify the primary against.
    for (const server of ofType(run, "tls:index/locallySignedCert:LocallySignedCert").filter(
      (c) => c.name.endsWith("-cert") && !c.name.includes("streaming-replica"),
    ))
      expect(server.inputs.caPrivateKeyPem, server.name).toBe(serverCaKey);
  });

  it("admits the operator to the instance manager, monitoring to the metrics, the stack's pods and clients to PostgreSQL", () => {
    const policy = named(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "pg-postgresql", "pg-us-east-1").inputs
      .spec;
    expect(policy.podSelector.matchLabels).toEqual({ "pg-read-replicas/stack": "pg", "cnpg.io/podRole": "instance" });
    const rule = (port: number) =>
      policy.ingress.find((r: { ports: Array<{ port: number }> }) => r.ports[0]!.port === port);
    expect(rule(CNPG_OPERATOR.statusPort.value).from).toContainEqual({
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "cnpg-system" } },
    });
    expect(rule(CNPG_OPERATOR.metricsPort.value).from).toEqual([
      { namespaceSelector: {}, podSelector: { matchLabels: { "pg-read-replicas/access": "monitoring" } } },
    ]);
    const postgres = rule(5432).from;
    expect(postgres).toContainEqual({ podSelector: { matchLabels: { "pg-read-replicas/stack": "pg" } } });
    expect(postgres).toContainEqual({ ipBlock: { cidr: "10.20.0.0/16" } });
    expect(named(run, CLUSTER, "pg").inputs.spec.inheritedMetadata.labels).toEqual({ "pg-read-replicas/stack": "pg" });
  });

  it("gives every pool the product's PgBouncer settings, within the Pooler's allow-list", () => {
    for (const pooler of ofType(run, POOLER)) {
      const { pgbouncer, instances } = pooler.inputs.spec;
      expect(instances, pooler.name).toBe(3);
      expect(pgbouncer.poolMode).toBe("transaction");
      expect(pgbouncer.parameters).toMatchObject({
        default_pool_size: "50",
        max_client_conn: "10000",
        client_tls_sslmode: "require",
      });
    }
    expectPoolersTheWebhookTakes(run);
  });

  it("verifies with the same Job, after every Cluster and Pooler, knowing the operator's names", async () => {
    const job = ofType(run, TYPES.job).find((j) => !j.inputs.metadata.name.includes("eu-west-1"))!;
    for (const resource of [...ofType(run, CLUSTER), ...ofType(run, POOLER)].filter((r) =>
      r.name.startsWith("pg-us-east-1"),
    )) {
      expect(job.dependencies, resource.name).toContain(resource.urn);
    }
    const script = k8sObject(run, TYPES.configMap, job.inputs.metadata.name).inputs.data["verify.sh"] as string;
    const streaming = await verifierStreamingSql(run);
    expect(streaming.expected).toEqual(["pg", "pg-olap"]);
    expect(script).toContain(streaming.sql);
    expect(script).toContain("check_pool read 'pg-pool-read.pg-prod.svc.cluster.local' 5432 t 'pg'");
    const remote = ofType(run, TYPES.job).find((j) => j.inputs.metadata.name.includes("eu-west-1"))!;
    expect(remote.dependencies).toContain(job.urn);
  });

  it("exports the same contract as prod, with Services as readers and notes on what differs", async () => {
    const { program } = run;
    expect((await resolve(program.writer)).value).toEqual({ host: "pg-rw.pg-prod.svc.cluster.local", port: 5432 });
    expect((await resolve(program.readerEndpoint)).value.host).toBe("pg-ro.pg-prod.svc.cluster.local");
    const readers = (await resolve(program.readers)).value;
    expect(readers.map((r) => [r.name, r.role, r.region, r.host])).toEqual([
      ["pg", "oltp", "us-east-1", "pg-ro.pg-prod.svc.cluster.local"],
      ["pg-olap", "olap", "us-east-1", "pg-olap-r.pg-prod.svc.cluster.local"],
      ["pg-eu-west-1", "oltp", "eu-west-1", "pg-eu-west-1-r.pg-prod.svc.cluster.local"],
    ]);
    const pools = (await resolve(program.pools)).value;
    expect(pools.write.host).toBe("pg-pool-write.pg-prod.svc.cluster.local");
    const notes = (await resolve(program.notes)).value.join("\n");
    expect(notes).toContain("without a replication slot");
    expect(notes).toContain("query_timeout (30 s)");
    expect((await resolve(program.password)).secret).toBe(true);
  });

  it("checks the operator is installed, or installs it from its chart in every region", async () => {
    expect(ofType(run, RELEASE)).toHaveLength(0);
    const installing = await runProgram(
      "prod-cnpg",
      withEngine("prod-cnpg", "cloudnative-pg", { cloudnativePg: { installOperator: true } }),
    );
    const releases = ofType(installing, RELEASE);
    expect(releases).toHaveLength(2);
    expect(releases[0]!.inputs).toMatchObject({
      chart: "cloudnative-pg",
      version: "0.29.0",
      repositoryOpts: { repo: "https://cloudnative-pg.github.io/charts" },
      namespace: "cnpg-system",
    });
    expect(named(installing, CLUSTER, "pg").dependencies).toContain(
      releases.find((r) => r.name.startsWith("pg-us-east-1"))!.urn,
    );
  });
});
