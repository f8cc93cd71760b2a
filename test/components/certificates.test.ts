/**
 * Certificates on the statefulset engine, as rendered: renewed by any `up` in their last 90 days (the provider's
 * early renewal), watched by expiry alerts in the primary's region that count down to what Pulumi issued, and a
 * renewed certificate reaches the servers and the pools by their config-reloader's reload (pg_reload_conf();
 * PgBouncer's RELOAD sets its TLS context up again from the files): no pod template carries the certificate.
 */
import { describe, expect, it } from "vitest";
import { CNPG_OPERATOR } from "../../components/facts/cnpg/operator";
import { RENEW_BEFORE_H } from "../../components/kubernetes/clusterTls";
import { PATHS } from "../../components/kubernetes/conventions";
import { contentHash } from "../../components/kubernetes/statefulset/hash";
import { CERTIFICATE_SERIES, CERTIFICATE_WARNING_DAYS } from "../../components/monitoring/certificateRules";
import { TYPES, envOf, k8sObject, ofType } from "../support/graph";
import { MOCK_ISSUED_AT, type ProgramRun, type Registered, runProgram } from "../support/pulumiMocks";

const render = (stack: string): Promise<ProgramRun> => runProgram(stack, (config) => config);
const HOUR_MS = 3_600_000;

describe("certificates (statefulset engine)", () => {
  it("renew at any up in their last 90 days, well before the first alert", async () => {
    const run = await render("prod");
    const issued = ofType(run, "tls:index/locallySignedCert:LocallySignedCert");
    expect(issued.length).toBeGreaterThanOrEqual(2);
    for (const cert of issued) {
      expect(cert.inputs.earlyRenewalHours, cert.name).toBe(RENEW_BEFORE_H);
      expect(cert.inputs.validityPeriodHours).toBeGreaterThan(RENEW_BEFORE_H * 2);
    }
    expect(RENEW_BEFORE_H / 24).toBeGreaterThan(CERTIFICATE_WARNING_DAYS * 2);
  });

  it("alert on every certificate's expiry, as Pulumi issued it, from the primary's region only", async () => {
    const run = await render("prod");
    const rules = ofType(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule").filter((r) =>
      r.inputs.metadata.name.endsWith("-certificate-alerts"),
    );
    expect(rules).toHaveLength(1);
    const [group] = rules[0]!.inputs.spec.groups;
    const recorded = group.rules.filter((r: { record?: string }) => r.record === CERTIFICATE_SERIES);
    const byName = Object.fromEntries(
      recorded.map((r: { labels: { certificate: string }; expr: string }) => [r.labels.certificate, r.expr]),
    );
    expect(Object.keys(byName).sort()).toEqual(
      ["ca", "server-eu-west-1", "server-us-east-1", "pools-eu-west-1", "pools-us-east-1"].sort(),
    );
    const serverHours = ofType(run, "tls:index/locallySignedCert:LocallySignedCert")[0]!.inputs.validityPeriodHours;
    expect(byName["server-eu-west-1"]).toBe(`vector(${(MOCK_ISSUED_AT + serverHours * HOUR_MS) / 1000})`);
    expect(group.rules.map((r: { alert?: string }) => r.alert).filter(Boolean)).toEqual([
      "PgCertificateExpiresSoon",
      "PgCertificateExpiring",
    ]);
  });

  it("leave every pod to its config-reloader's reload of a renewed certificate: no template carries it", async () => {
    const run = await render("staging");
    const secret = (name: string) => ofType(run, TYPES.secret).find((s) => s.inputs.metadata.name === name)!;
    const certificate = secret("pg-tls").inputs.stringData["tls.crt"] as string;
    const { "app-password": app, "monitor-password": monitor } = secret("pg-credentials").inputs.stringData;
    const workloads = [...ofType(run, TYPES.statefulSet), ...ofType(run, TYPES.deployment)];
    expect(ofType(run, TYPES.deployment).length).toBeGreaterThan(0);
    for (const workload of workloads) {
      const template = workload.inputs.spec.template;
      expect(JSON.stringify(template), workload.name).not.toContain(certificate.split("\n")[1]);
      // The reloader watches the TLS files it serves from, so RELOAD / pg_reload_conf() takes a renewed one.
      const reloader = template.spec.containers.find((c: { name: string }) => c.name === "config-reloader");
      expect(reloader, workload.name).toBeDefined();
      const script = reloader.command.join(" ");
      const [certFile, keyFile] =
        workload.type === TYPES.statefulSet
          ? [PATHS.tlsCert, PATHS.tlsKey]
          : [`${PATHS.pgbouncerDir}/tls/tls.crt`, `${PATHS.pgbouncerDir}/tls/tls.key`];
      expect(script, workload.name).toContain(certFile);
      expect(script, workload.name).toContain(keyFile);
    }
    // The pools' credentials hash is the passwords' alone (the probe logs in with the password it started with).
    for (const pool of ofType(run, TYPES.deployment))
      expect(pool.inputs.spec.template.metadata.annotations["pg-read-replicas/credentials-hash"], pool.name).toBe(
        contentHash(contentHash(app, monitor)),
      );
  });

  it("have every standby and the verification Job check the chain and the name, a named remote primary included", async () => {
    const run = await runProgram("prod", (config) => {
      const regions = JSON.parse(config["pg-read-replicas:crossRegion"]!);
      regions[0].primaryHost = "198.51.100.7";
      config["pg-read-replicas:crossRegion"] = JSON.stringify(regions);
      return config;
    });
    const seedEnv = (set: string) =>
      envOf(
        k8sObject(run, TYPES.statefulSet, set).inputs.spec.template.spec.initContainers.find(
          (c: { name: string }) => c.name === "seed-replica",
        ),
      );
    for (const set of ["pg-replica", "pg-replica-eu-west-1"]) {
      expect(seedEnv(set).PRIMARY_SSLMODE, set).toBe("verify-full");
      expect(seedEnv(set).PRIMARY_SSLROOTCERT, set).toBe(PATHS.tlsCa);
    }
    // An address is an IP SAN (a client dialling an address looks there only), a name a DNS SAN.
    const home = ofType(run, "tls:index/certRequest:CertRequest").find((r) => r.name.endsWith("-us-east-1-csr"))!;
    expect(home.inputs.ipAddresses).toEqual(["198.51.100.7"]);
    expect(home.inputs.dnsNames).not.toContain("198.51.100.7");
    const verifyJobs = ofType(run, TYPES.job).filter(
      (j) => j.inputs.metadata.labels["app.kubernetes.io/name"] === "verify",
    );
    expect(verifyJobs).toHaveLength(2);
    for (const job of verifyJobs) {
      const [container] = job.inputs.spec.template.spec.containers;
      expect(envOf(container).PGSSLMODE, job.name).toBe("verify-full");
      expect(envOf(container).PGSSLROOTCERT, job.name).toBe(PATHS.tlsCa);
    }
  });

  it("give the pools a certificate and key of their own, naming their Services only; no pool mounts a server's key", async () => {
    const run = await render("prod");
    const request = (suffix: string) =>
      ofType(run, "tls:index/certRequest:CertRequest").find((r) => r.name.endsWith(suffix))!;
    expect(request("-us-east-1-pools-csr").inputs.dnsNames).toEqual([
      "pg-pool-write.pg-prod.svc.cluster.local",
      "pg-pool-read.pg-prod.svc.cluster.local",
      "pg-pool-olap.pg-prod.svc.cluster.local",
    ]);
    expect(request("-eu-west-1-pools-csr").inputs.dnsNames).toEqual(["pg-pool-read.pg-prod.svc.cluster.local"]);
    const secretsMounted = (workload: Registered) =>
      JSON.stringify(workload.inputs.spec.template.spec.volumes).match(/"(?:secretName|name)":"pg-(?:pool-)?tls"/g);
    const pools = ofType(run, TYPES.deployment).filter((d) => d.inputs.metadata.name.startsWith("pg-pool-"));
    expect(pools.length).toBe(4);
    for (const pool of pools) expect(secretsMounted(pool), pool.name).toEqual(['"name":"pg-pool-tls"']);
    for (const set of ofType(run, TYPES.statefulSet))
      expect(secretsMounted(set), set.name).toEqual(['"secretName":"pg-tls"']);
  });

  it.each(["dev", "staging", "prod", "prod-cnpg"])(
    "mount the CA file in every %s container told to verify against it",
    async (stack) => {
      const run = await render(stack);
      const workloads = [
        ...ofType(run, TYPES.statefulSet),
        ...ofType(run, TYPES.deployment),
        ...ofType(run, TYPES.job),
      ];
      let checked = 0;
      for (const workload of workloads) {
        const spec = workload.inputs.spec.template.spec;
        for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
          const env = envOf({ env: container.env ?? [] });
          for (const file of [env.PRIMARY_SSLROOTCERT, env.PGSSLROOTCERT].filter((f): f is string => Boolean(f))) {
            const mounts = (container.volumeMounts ?? []) as Array<{ mountPath: string }>;
            expect(
              mounts.some((m) => file.startsWith(`${m.mountPath}/`)),
              `${workload.name}/${container.name}: ${file}`,
            ).toBe(true);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThanOrEqual(2);
    },
  );

  it("have the cloudnative-pg verification Jobs verify in full against the server CA, which its poolers chain to", async () => {
    expect(CNPG_OPERATOR.poolerServesServerCertificate.value).toBe(true);
    const run = await render("prod-cnpg");
    const jobs = ofType(run, TYPES.job).filter((j) => j.inputs.metadata.labels["app.kubernetes.io/name"] === "verify");
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
      const { spec } = job.inputs.spec.template;
      expect(envOf(spec.containers[0]).PGSSLMODE, job.name).toBe("verify-full");
      expect(spec.volumes).toContainEqual({
        name: "server-ca",
        secret: { secretName: "pg-tls-ca", items: [{ key: "ca.crt", path: "ca.crt" }] },
      });
    }
  });
});
