/**
 * The Pulumi program, run under mocks with each example stack's config exactly
 * as the CLI would pass it. Asserts the resource graph and inputs.
 */
import { parse as parseIni } from "node:querystring";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { readStackConfig } from "../../components/config/stackFile";
import { TYPES, envOf, k8sNames, k8sObject, ofType, providerUrn } from "../support/graph";
import { isKubernetesObject, validateKubernetesObject } from "../support/kubernetesSchema";
import {
  type ProgramRun,
  installMocks,
  isSecretValue,
  registered,
  registeredByHand,
  resolve,
  runProgram,
  setStackConfig,
  settle,
} from "../support/pulumiMocks";
import { verifierStreamingSql } from "../support/streamingStatement";
import { scramVerifier } from "../../components/sql/scramVerifier";

function pgbouncerTarget(run: ProgramRun, pool: string, owner?: string): string {
  const ini = k8sObject(run, TYPES.configMap, `${pool}-config`, owner).inputs.data["pgbouncer.ini"] as string;
  return /^app = host=(\S+)/m.exec(ini)![1]!;
}

function conf(run: ProgramRun, group: string, owner?: string): string {
  return k8sObject(run, TYPES.configMap, `${group}-config`, owner).inputs.data["postgresql.conf"] as string;
}

describe.each(["dev", "staging", "prod"])("stack %s: every Kubernetes object passes the Kubernetes schema", (stack) => {
  it("validates", async () => {
    const run = await runProgram(stack);
    const kube = run.resources.filter(isKubernetesObject);
    expect(kube.length).toBeGreaterThan(20);
    for (const resource of kube) validateKubernetesObject(resource);
  });
});

describe("the schema check catches a malformed manifest", () => {
  it("rejects a Service whose port is not a number", () => {
    const broken = registeredByHand(TYPES.service, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "broken" },
      spec: { ports: [{ port: "five" }] },
    });
    expect(() => validateKubernetesObject(broken)).toThrow(/Service broken fails the Kubernetes schema/);
  });
});

describe("dev stack", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("dev");
  });

  it("has a primary and one replica, no OLAP replica and no OLAP pool", () => {
    expect(k8sNames(run, TYPES.statefulSet)).toEqual(["pg-primary", "pg-replica"]);
    expect(k8sObject(run, TYPES.statefulSet, "pg-replica").inputs.spec.replicas).toBe(1);
    expect(k8sNames(run, TYPES.deployment)).toEqual(["pg-pool-read", "pg-pool-write"]);
  });

  it("points the pools at the rw and ro Services", () => {
    expect(pgbouncerTarget(run, "pg-pool-write")).toBe("pg-rw.pg-dev.svc.cluster.local");
    expect(pgbouncerTarget(run, "pg-pool-read")).toBe("pg-ro.pg-dev.svc.cluster.local");
    expect(k8sObject(run, TYPES.deployment, "pg-pool-read").inputs.spec.replicas).toBe(1);
  });

  it("sizes pods and volumes from config", () => {
    const primary = k8sObject(run, TYPES.statefulSet, "pg-primary").inputs.spec;
    expect(primary.template.spec.containers[0].resources).toEqual({
      requests: { cpu: "250m", memory: "512Mi" },
      limits: { memory: "512Mi" },
    });
    expect(primary.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("5Gi");
    expect(conf(run, "pg-primary")).toMatch(/^shared_buffers = 128MB/m);
  });

  it("exports the contract's keys, the password secret (connectionUrls too: connectionUrls.test.ts)", async () => {
    const { program } = run;
    const password = await resolve(program.password);
    expect(password).toEqual({ value: "mock-pg-app-password", secret: true });
    const writer = await resolve(program.writer);
    expect(writer).toEqual({ value: { host: "pg-rw.pg-dev.svc.cluster.local", port: 5432 }, secret: false });
    expect((await resolve(program.readerEndpoint)).value.host).toBe("pg-ro.pg-dev.svc.cluster.local");
    expect((await resolve(program.readers)).value).toEqual([
      {
        name: "pg-replica-0",
        region: "us-east-1",
        role: "oltp",
        host: "pg-replica-0.pg-replica-hl.pg-dev.svc.cluster.local",
        port: 5432,
        slot: "pg_replica_0",
      },
    ]);
    const pools = (await resolve(program.pools)).value;
    expect(pools.write.host).toBe("pg-pool-write.pg-dev.svc.cluster.local");
    expect(pools.olap).toBeUndefined();
    expect((await resolve(program.backend)).value).toBe("selfHosted");
    expect((await resolve(program.verification)).value).toEqual({
      timeoutMs: 180_000,
      maxLagBytes: 100 * 1024 * 1024,
      maxLagMs: 5000,
    });
  });
});

describe("staging stack", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("staging");
  });

  it("has two OLTP replicas with their own slots and a separate OLAP replica", () => {
    expect(k8sNames(run, TYPES.statefulSet)).toEqual(["pg-olap", "pg-primary", "pg-replica"]);
    expect(k8sObject(run, TYPES.statefulSet, "pg-replica").inputs.spec.replicas).toBe(2);
    const seed = k8sObject(run, TYPES.configMap, "pg-scripts").inputs.data["seed-replica.sh"] as string;
    expect(seed).toContain("pg-replica-0) SLOT=pg_replica_0 ;;");
    expect(seed).toContain("pg-replica-1) SLOT=pg_replica_1 ;;");
    expect(seed).toContain("pg-olap-0) SLOT=pg_olap_0 ;;");
  });

  it("keeps the OLAP replica out of the ro Service and the read pool", () => {
    const selector = (name: string) => k8sObject(run, TYPES.service, name).inputs.spec.selector;
    expect(selector("pg-rw")["statefulset.kubernetes.io/pod-name"]).toBe("pg-primary-0");
    expect(selector("pg-ro")["pg-read-replicas/role"]).toBe("oltp");
    expect(selector("pg-olap")["pg-read-replicas/role"]).toBe("olap");
    const olapPods = k8sObject(run, TYPES.statefulSet, "pg-olap").inputs.spec.template.metadata.labels;
    expect(olapPods["pg-read-replicas/role"]).toBe("olap");
    const roSelector = selector("pg-ro");
    expect(Object.entries(roSelector).every(([k, v]) => olapPods[k] === v)).toBe(false);
    expect(pgbouncerTarget(run, "pg-pool-olap")).toBe("pg-olap.pg-staging.svc.cluster.local");
    expect(pgbouncerTarget(run, "pg-pool-read")).toBe("pg-ro.pg-staging.svc.cluster.local");
  });

  it("seeds replicas with pg_basebackup from the rw Service and starts them as read-only hot standbys", () => {
    const pod = k8sObject(run, TYPES.statefulSet, "pg-replica").inputs.spec.template.spec;
    const init = pod.initContainers.find((c: { name: string }) => c.name === "seed-replica");
    expect(init.command).toEqual(["bash", "/etc/pg-read-replicas/seed-replica.sh"]);
    const env = envOf(init);
    expect(env.PRIMARY_HOST).toBe("pg-rw.pg-staging.svc.cluster.local");
    expect(conf(run, "pg-replica")).toMatch(/^default_transaction_read_only = on/m);
    expect(conf(run, "pg-replica")).toMatch(/^hot_standby = on/m);
    expect(pod.containers[0].args).toContain("cluster_name=$(POD_NAME)");
  });

  it("takes a replica out of the ro Service when it is not in recovery or lags past the bound", () => {
    const unquote = (command: string[]) => command.join(" ").replace(/'\\''/g, "'");
    const probe = unquote(
      k8sObject(run, TYPES.statefulSet, "pg-replica").inputs.spec.template.spec.containers[0].readinessProbe.exec
        .command,
    );
    expect(probe).toContain("pg_is_in_recovery()");
    expect(probe).toContain("status = 'streaming'");
    expect(probe).toContain(`<= ${100 * 1024 * 1024}`);
    const olapProbe = unquote(
      k8sObject(run, TYPES.statefulSet, "pg-olap").inputs.spec.template.spec.containers[0].readinessProbe.exec.command,
    );
    expect(olapProbe).not.toContain("<=");
  });

  it("budgets disruptions: never the primary voluntarily, one replica at a time", () => {
    expect(k8sObject(run, TYPES.pdb, "pg-primary").inputs.spec.maxUnavailable).toBe(0);
    expect(k8sObject(run, TYPES.pdb, "pg-replica").inputs.spec.maxUnavailable).toBe(1);
    expect(k8sNames(run, TYPES.pdb)).not.toContain("pg-olap");
    expect(k8sNames(run, TYPES.pdb)).toContain("pg-pool-read");
  });

  it("spreads database pods over nodes", () => {
    const affinity = k8sObject(run, TYPES.statefulSet, "pg-replica").inputs.spec.template.spec.affinity.podAntiAffinity;
    expect(affinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe(
      "kubernetes.io/hostname",
    );
  });

  it("keeps every password in Secrets, sent as Pulumi secrets", () => {
    // @pulumi/kubernetes sends a Secret's whole stringData as one Pulumi secret.
    const credentials = k8sObject(run, TYPES.secret, "pg-credentials");
    expect(isSecretValue(credentials.rawInputs.stringData)).toBe(true);
    expect(Object.keys(credentials.inputs.stringData).sort()).toEqual([
      "app-password",
      "app-password-scram",
      "heartbeat-token",
      "monitor-password",
      "monitor-password-scram",
      "probe-password",
      "replication-password",
      "replication-password-scram",
      "superuser-password",
    ]);
    expect(credentials.inputs.stringData["app-password"]).toBe("mock-pg-app-password");
    // What the writer sets on the roles: the verifiers, derived from the passwords where the Secret is made.
    expect(credentials.inputs.stringData["app-password-scram"]).toBe(scramVerifier("app", "mock-pg-app-password"));
    const writerEnv = ofType(run, TYPES.statefulSet)
      .flatMap((set) => set.inputs.spec.template.spec.containers)
      .filter((c: { name: string }) => c.name === "postgres")
      .flatMap((c: { env: Array<{ name: string; valueFrom?: { secretKeyRef?: { key: string } } }> }) => c.env);
    expect(writerEnv.map((e: { name: string }) => e.name)).toContain("APP_PASSWORD_SCRAM");
    expect(
      writerEnv.map((e: { valueFrom?: { secretKeyRef?: { key: string } } }) => e.valueFrom?.secretKeyRef?.key),
    ).not.toContain("app-password");
    expect(isSecretValue(k8sObject(run, TYPES.secret, "pg-pgbouncer-auth").rawInputs.stringData)).toBe(true);
    expect(k8sObject(run, TYPES.secret, "pg-pgbouncer-auth").inputs.stringData["userlist.txt"]).toBe(
      '"app" "mock-pg-app-password"\n"pgrr_probe" "mock-pg-probe-password"\n"pgrr_monitor" "mock-pg-monitor-password"\n',
    );
    for (const map of ofType(run, TYPES.configMap))
      expect(JSON.stringify(map.inputs)).not.toContain("mock-pg-app-password");
  });

  it("runs the verification Job after every database workload, pool and Service", async () => {
    const job = ofType(run, TYPES.job).find((j) => j.inputs.metadata.name.startsWith("pg-verify-"))!;
    const hash = job.inputs.metadata.name.replace("pg-verify-", "");
    expect(hash).toMatch(/^[0-9a-f]{10}$/);
    const mustWaitFor = [
      ...ofType(run, TYPES.statefulSet),
      ...ofType(run, TYPES.deployment),
      k8sObject(run, TYPES.service, "pg-rw"),
      k8sObject(run, TYPES.service, "pg-ro"),
      k8sObject(run, TYPES.service, "pg-pool-read"),
      k8sObject(run, TYPES.secret, "pg-credentials"),
    ];
    for (const resource of mustWaitFor) expect(job.dependencies, resource.name).toContain(resource.urn);
    expect(job.inputs.spec.backoffLimit).toBe(0);
    expect(job.inputs.metadata.annotations["pulumi.com/timeoutSeconds"]).toBe(String(300 + 300));
    const script = k8sObject(run, TYPES.configMap, job.inputs.metadata.name).inputs.data["verify.sh"] as string;
    const streaming = await verifierStreamingSql(run);
    expect(streaming.expected).toEqual(["pg-replica-0", "pg-replica-1", "pg-olap-0"]);
    expect(script).toContain(streaming.sql);
    expect(script).toContain(
      "check_pool read 'pg-pool-read.pg-staging.svc.cluster.local' 5432 t 'pg-replica-0 pg-replica-1'",
    );
    expect(script).toContain("check_pool olap 'pg-pool-olap.pg-staging.svc.cluster.local' 5432 t 'pg-olap-0'");
    expect(script).toContain("check_pool write 'pg-pool-write.pg-staging.svc.cluster.local' 5432 f 'pg-primary-0'");
  });

  it("parents every child to a component and uses no provider but the default", () => {
    const components = new Set(run.resources.filter((r) => !r.custom).map((r) => r.urn));
    for (const resource of run.resources.filter((r) => r.custom))
      expect(components.has(resource.parent), resource.name).toBe(true);
    expect(ofType(run, TYPES.kubernetesProvider)).toHaveLength(0);
  });
});

describe("prod stack", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("prod");
  });

  it("derives three OLTP replicas from capacity and reports the arithmetic", async () => {
    expect(k8sObject(run, TYPES.statefulSet, "pg-replica").inputs.spec.replicas).toBe(3);
    expect((await resolve(run.program.capacity)).value).toEqual({
      requiredReplicas: 3,
      formula: "ceil(10000 / 4500 × 1.3) = ceil(2.889) = 3",
    });
  });

  it("creates eu-west-1's replicas through that region's own kubernetes provider", () => {
    const providers = ofType(run, TYPES.kubernetesProvider);
    expect(providers).toHaveLength(1);
    expect(providers[0]!.inputs.context).toBe("prod-eu-west-1");
    const remote = k8sObject(run, TYPES.statefulSet, "pg-replica-eu-west-1");
    expect(remote.inputs.spec.replicas).toBe(2);
    expect(providerUrn(remote)).toBe(providers[0]!.urn);
    expect(remote.provider).toBe(`${providers[0]!.urn}::${providers[0]!.name}-id`);
    expect(k8sObject(run, TYPES.statefulSet, "pg-primary").provider).toBe("");
    const euObjects = run.resources.filter(
      (r) => r.custom && r.type !== TYPES.kubernetesProvider && r.name.startsWith("pg-eu-west-1"),
    );
    expect(euObjects.length).toBeGreaterThan(5);
    for (const resource of euObjects) expect(providerUrn(resource), resource.name).toBe(providers[0]!.urn);
  });

  it("streams eu-west-1 from the exposed primary over verified TLS, each replica on its own slot", () => {
    const exposed = k8sObject(run, TYPES.service, "pg-rw-external");
    expect(exposed.inputs.spec.type).toBe("LoadBalancer");
    // Internal by default on every cloud, and the client's address kept so pg_hba's per-region rules match.
    expect(exposed.inputs.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-internal"]).toBe("true");
    expect(exposed.inputs.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"]).toBe("internal");
    expect(exposed.inputs.spec.externalTrafficPolicy).toBe("Local");
    expect(exposed.inputs.spec.selector["statefulset.kubernetes.io/pod-name"]).toBe("pg-primary-0");
    const csr = run.resources.find(
      (r) => r.type === "tls:index/certRequest:CertRequest" && r.name.includes("us-east-1"),
    )!;
    expect(csr.inputs.dnsNames).toContain("*.pg-replica-hl.pg-prod.svc.cluster.local");
    expect(exposed.inputs.spec.loadBalancerSourceRanges).toEqual(["10.20.0.0/16"]);
    const endpoint = k8sObject(run, TYPES.configMap, "pg-primary-endpoint");
    expect(endpoint.inputs.data).toEqual({ host: "pg-rw-external.lb.example.com", port: "5432" });
    const init = k8sObject(
      run,
      TYPES.statefulSet,
      "pg-replica-eu-west-1",
    ).inputs.spec.template.spec.initContainers.find((c: { name: string }) => c.name === "seed-replica");
    const env = envOf(init);
    expect(env.PRIMARY_SSLMODE).toBe("verify-ca");
    expect(env.PRIMARY_SSLROOTCERT).toBe("/etc/postgresql/tls/ca.crt");
    const seed = k8sObject(run, TYPES.configMap, "pg-scripts", "pg-eu-west-1").inputs.data["seed-replica.sh"] as string;
    expect(seed).toContain("pg-replica-eu-west-1-1) SLOT=pg_replica_eu_west_1_1 ;;");
    const hba = k8sObject(run, TYPES.configMap, "pg-primary-config").inputs.data["pg_hba.conf"] as string;
    expect(hba).toMatch(/^hostssl\s+replication\s+replicator\s+10\.20\.0\.0\/16\s+scram-sha-256$/m);
  });

  it("lists remote replicas in the outputs with their region", async () => {
    const readers = (await resolve(run.program.readers)).value;
    expect(readers.filter((r) => r.region === "eu-west-1").map((r) => r.name)).toEqual([
      "pg-replica-eu-west-1-0",
      "pg-replica-eu-west-1-1",
    ]);
    const regions = (await resolve(run.program.regions)).value;
    expect(regions.map((r) => [r.region, r.primary])).toEqual([
      ["us-east-1", true],
      ["eu-west-1", false],
    ]);
  });

  it("is stricter: synchronous commit to a local replica, TLS required, one database pod per node", () => {
    const primaryConf = conf(run, "pg-primary", "pg-us-east-1");
    expect(primaryConf).toMatch(/^synchronous_commit = remote_write/m);
    expect(primaryConf).toMatch(/^synchronous_standby_names = 'ANY 1 \("pg-replica-0"/m);
    expect(primaryConf).toMatch(/^ssl = on/m);
    expect(primaryConf).toMatch(/^commit_delay = 10/m);
    const hba = k8sObject(run, TYPES.configMap, "pg-primary-config").inputs.data["pg_hba.conf"] as string;
    expect(hba).toMatch(/^hostnossl\s+all\s+all\s+0\.0\.0\.0\/0\s+reject$/m);
    const affinity = k8sObject(run, TYPES.statefulSet, "pg-primary").inputs.spec.template.spec.affinity.podAntiAffinity;
    expect(affinity.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(conf(run, "pg-olap", "pg-us-east-1")).toMatch(/^work_mem = 256MB\s+# set in stack config/m);
  });

  it("verifies eu-west-1 after the primary region, awaiting its heartbeat", () => {
    const jobs = ofType(run, TYPES.job);
    const primaryJob = jobs.find((j) => !j.inputs.metadata.name.includes("eu-west-1"))!;
    const remoteJob = jobs.find((j) => j.inputs.metadata.name.includes("eu-west-1"))!;
    expect(remoteJob.dependencies).toContain(primaryJob.urn);
    expect(remoteJob.dependencies).toContain(k8sObject(run, TYPES.statefulSet, "pg-replica-eu-west-1").urn);
    const script = k8sObject(run, TYPES.configMap, remoteJob.inputs.metadata.name).inputs.data["verify.sh"] as string;
    expect(script).toContain("replica mode, region eu-west-1");
    expect(script).toContain("check_reader pg-replica-eu-west-1-0");
    expect(script).not.toContain("check_reader pg-replica-0 ");
  });

  it("issues a server and a pool certificate per region from one CA and mounts the server's into every database pod", () => {
    expect(run.resources.filter((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert")).toHaveLength(1);
    expect(run.resources.filter((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert")).toHaveLength(4);
    const tlsSecrets = ofType(run, TYPES.secret).filter((s) =>
      ["pg-tls", "pg-pool-tls"].includes(s.inputs.metadata.name),
    );
    expect(tlsSecrets).toHaveLength(4);
    for (const secret of tlsSecrets) {
      expect(isSecretValue(secret.rawInputs.stringData)).toBe(true);
      expect(secret.inputs.stringData["tls.key"]).toContain("BEGIN PRIVATE KEY");
    }
    const remote = k8sObject(run, TYPES.statefulSet, "pg-replica-eu-west-1").inputs.spec.template.spec;
    expect(remote.volumes.find((v: { name: string }) => v.name === "tls").secret.secretName).toBe("pg-tls");
  });

  it("scales pgbouncer to three instances per pool", () => {
    for (const pool of ["pg-pool-write", "pg-pool-read", "pg-pool-olap"])
      expect(k8sObject(run, TYPES.deployment, pool, "pg-us-east-1").inputs.spec.replicas).toBe(3);
    expect(k8sObject(run, TYPES.deployment, "pg-pool-read", "pg-eu-west-1").inputs.spec.replicas).toBe(3);
    expect(pgbouncerTarget(run, "pg-pool-read", "pg-eu-west-1")).toBe("pg-ro.pg-prod.svc.cluster.local");
    const ini = k8sObject(run, TYPES.configMap, "pg-pool-read-config", "pg-us-east-1").inputs.data[
      "pgbouncer.ini"
    ] as string;
    const values = parseIni(ini.replace(/^[;[].*$/gm, "").trim(), "\n", " = ");
    expect(values.default_pool_size).toBe("50");
    expect(values.max_client_conn).toBe("10000");
    // One host (the Service), named by the region's certificate: the chain and the name are checked.
    expect(values.server_tls_sslmode).toBe("verify-full");
    expect(values.server_tls_ca_file).toBe("/etc/pgbouncer/tls/ca.crt");
  });
});

describe("bad config", () => {
  it("stops the program before any resource is registered, naming key, value and fix", async () => {
    installMocks("broken");
    const config = readStackConfig("stacks", "dev");
    config["pg-read-replicas:replicas"] = "-2";
    setStackConfig(config);
    vi.resetModules();
    await expect(import("../../infra/index.js")).rejects.toThrow(
      /pg-read-replicas:replicas = "-2": must be from 1 to 15\. Fix: use a whole number/,
    );
    await settle();
    expect(registered()).toHaveLength(0);
  });
});
