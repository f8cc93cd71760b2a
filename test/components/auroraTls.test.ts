/**
 * What the Aurora outputs say about TLS, checked against the facts: RDS Proxy (requireTls on by default) refuses
 * plain text and serves an ACM certificate that Amazon Trust Services' roots verify, not the RDS CA bundle; the
 * cluster's endpoints demand TLS only under rds.force_ssl and serve RDS CA certificates. The URLs verify in full.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { PROXY_CA_BUNDLE, RDS_CA_BUNDLE } from "../../components/facts/aws";
import type { StackOutputs } from "../../components/contract/stackOutputs";
import { type ProgramRun, resolve, runProgram } from "../support/pulumiMocks";

describe.each(["aurora-dev", "aurora-prod"])("stack %s", (stack) => {
  let run: ProgramRun;
  let tls: NonNullable<StackOutputs["tls"]>;
  let pools: StackOutputs["pools"];
  let proxyHosts: string[];
  beforeAll(async () => {
    run = await runProgram(stack);
    tls = (await resolve(run.program.tls)).value!;
    pools = (await resolve(run.program.pools)).value;
    const proxies = run.resources.filter(
      (r) => r.type === "aws:rds/proxy:Proxy" || r.type === "aws:rds/proxyEndpoint:ProxyEndpoint",
    );
    expect(proxies.length).toBeGreaterThan(0);
    // The mocks' endpoints (test/support/pulumiMocks.ts).
    proxyHosts = proxies.map((r) =>
      r.type === "aws:rds/proxy:Proxy"
        ? `${r.name}.proxy-xyz.rds.amazonaws.com`
        : `${r.inputs.dbProxyEndpointName as string}.endpoint.proxy-xyz.rds.amazonaws.com`,
    );
  });

  it("gives each proxy endpoint the Amazon Trust Services bundle and the proxy's requireTls", () => {
    const proxy = run.resources.find((r) => r.type === "aws:rds/proxy:Proxy")!;
    expect(proxy.inputs.requireTls).toBe(true);
    for (const host of proxyHosts) {
      const entry = tls.endpoints?.find((e) => e.host === host);
      expect(entry, host).toBeDefined();
      expect(entry!.caBundle).toEqual(PROXY_CA_BUNDLE.value);
      expect(entry!.required).toBe(proxy.inputs.requireTls);
    }
  });

  it("gives the cluster's own endpoints the RDS CA bundle, never the proxy's", () => {
    const others = (tls.endpoints ?? []).filter((e) => !proxyHosts.includes(e.host));
    expect(others.length).toBeGreaterThan(0);
    for (const e of others) expect(e.caBundle, e.host).toEqual(RDS_CA_BUNDLE.value);
  });

  it("says TLS is required when a pool refuses plain text, and names every pool's endpoint", () => {
    const poolHosts = [pools.write.host, pools.read.host, ...(pools.olap ? [pools.olap.host] : [])];
    for (const host of poolHosts)
      expect(
        tls.endpoints?.map((e) => e.host),
        host,
      ).toContain(host);
    const demanded = (tls.endpoints ?? []).some((e) => e.required && poolHosts.includes(e.host));
    expect(tls.required).toBe(demanded);
    expect(tls.required).toBe(true);
  });

  it("exports URLs that verify the certificate and the host name", async () => {
    const urls = (await resolve(run.program.connectionUrls)).value;
    for (const url of [urls.primary, urls.replica, ...(urls.olap ? [urls.olap] : [])])
      expect(new URL(url).searchParams.get("sslmode")).toBe("verify-full");
  });
});
