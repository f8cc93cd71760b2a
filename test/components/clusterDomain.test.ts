/**
 * kubernetes.clusterDomain: every in-cluster host name and server certificate name of both engines ends in the
 * cluster's DNS domain, not a hard-coded cluster.local (a cluster with another domain resolved none of them).
 */
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../components/config/stackFile";
import { CNPG_OPERATOR } from "../../components/facts/cnpg";
import { TYPES, k8sObject, ofType } from "../support/graph";
import { type ProgramRun, resolve, runProgram } from "../support/pulumiMocks";

const DOMAIN = "k8s.corp.internal";
const RELEASE = "kubernetes:helm.sh/v3:Release";

/** The stack's config with kubernetes keys replaced. */
function withKubernetes(more: Record<string, unknown>): (c: Record<string, string>) => Record<string, string> {
  return (config) => {
    const kubernetes = JSON.parse(config["pg-read-replicas:kubernetes"]!) as Record<string, unknown>;
    return { ...config, "pg-read-replicas:kubernetes": JSON.stringify({ ...kubernetes, ...more }) };
  };
}

/** Every host name the program renders or outputs, as one text: resource inputs and the stack outputs. */
async function everything(run: ProgramRun): Promise<string> {
  const outputs = await Promise.all(
    [run.program.writer, run.program.readerEndpoint, run.program.pools].map(
      async (o) => (await resolve(o as any)).value,
    ),
  );
  return JSON.stringify([run.resources.map((r) => r.inputs), outputs]);
}

describe.each(["staging", "prod", "prod-cnpg"])("stack %s with kubernetes.clusterDomain %s", (stack) => {
  it("names no host in cluster.local, and names its Services in the given domain", async () => {
    const run = await runProgram(stack, withKubernetes({ clusterDomain: DOMAIN }));
    const text = await everything(run);
    expect(text).not.toContain("cluster.local");
    const kubernetes = JSON.parse(readStackConfig("stacks", stack)["pg-read-replicas:kubernetes"]!) as {
      namespace: string;
    };
    expect(text).toContain(`.${kubernetes.namespace}.svc.${DOMAIN}`);
    const writer = (await resolve(run.program.writer as any)).value as { host: string };
    expect(writer.host.endsWith(`.svc.${DOMAIN}`)).toBe(true);
  });
});

describe("server certificates", () => {
  it("name the Services and each headless Service's pods in the given domain (statefulset engine)", async () => {
    const run = await runProgram("prod", withKubernetes({ clusterDomain: DOMAIN }));
    const csr = ofType(run, "tls:index/certRequest:CertRequest").find((r) => r.name.endsWith("us-east-1-csr"))!;
    expect(csr.inputs.dnsNames).toContain(`*.pg-prod.svc.${DOMAIN}`);
    expect(csr.inputs.dnsNames).toContain(`*.pg-replica-hl.pg-prod.svc.${DOMAIN}`);
    expect(csr.inputs.subject.commonName).toBe(`pg-rw.pg-prod.svc.${DOMAIN}`);
  });
});

describe("the CloudNativePG operator the stack installs", () => {
  const install = (more: Record<string, unknown>) =>
    withKubernetes({ cloudnativePg: { installOperator: true }, ...more });

  it("takes the domain as its KUBERNETES_CLUSTER_DOMAIN, so its own names (fqdn-uri, SANs) agree", async () => {
    const run = await runProgram("prod-cnpg", install({ clusterDomain: DOMAIN }));
    const releases = ofType(run, RELEASE);
    expect(releases.length).toBeGreaterThanOrEqual(1);
    const { key } = CNPG_OPERATOR.clusterDomainSetting.value;
    for (const release of releases) expect(release.inputs.values.config.data[key]).toBe(DOMAIN);
  });

  it("keeps the chart's values untouched on the default domain (an installed operator is not rolled)", async () => {
    const run = await runProgram("prod-cnpg", install({}));
    for (const release of ofType(run, RELEASE)) expect(release.inputs.values ?? {}).toEqual({});
  });
});

describe("the default", () => {
  it("is cluster.local, as before", async () => {
    const run = await runProgram("staging");
    expect(k8sObject(run, TYPES.configMap, "pg-pool-read-config").inputs.data["pgbouncer.ini"]).toContain(
      "host=pg-ro.pg-staging.svc.cluster.local",
    );
  });
});
