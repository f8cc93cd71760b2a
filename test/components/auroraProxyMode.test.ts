/**
 * aurora.proxy.mode over every Aurora example stack: readWrite (both pools through RDS Proxy, but never reads with an
 * OLAP reader: a READ_ONLY proxy endpoint reaches every reader), writeOnly (the proxy's default read/write endpoint for
 * writes, reads on the cluster's reader or OLTP custom endpoint with the RDS CA bundle) and none. The outputs hold to
 * the contract, name each pool's host with the bundle that verifies it, and the notes state the per-vCPU bill.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { STACK_OUTPUT_KEYS, type StackOutputs, stackOutputsSchema } from "../../components/contract/stackOutputs";
import { PROXY_BILLING, PROXY_CA_BUNDLE, PROXY_ENDPOINTS, RDS_CA_BUNDLE } from "../../components/facts/aws";
import { TYPES, ofType } from "../support/graph";
import { readStackConfig } from "../../components/config/stackFile";
import { type ProgramRun, resolve, runProgram } from "../support/pulumiMocks";

const STACKS = ["aurora-dev", "aurora-prod", "aurora-pr"] as const;
const MODES = ["readWrite", "writeOnly", "none"] as const;
const AURORA = "pg-read-replicas:aurora";

async function outputsOf(run: ProgramRun): Promise<StackOutputs> {
  const entries = await Promise.all(
    STACK_OUTPUT_KEYS.map(async (key) => [key, (await resolve(run.program[key] as never)).value] as const),
  );
  return stackOutputsSchema.parse(Object.fromEntries(entries)) as StackOutputs;
}

const withMode = (mode: string) => (config: Record<string, string>) => {
  const aurora = JSON.parse(config[AURORA]!);
  return { ...config, [AURORA]: JSON.stringify({ ...aurora, proxy: { ...aurora.proxy, mode } }) };
};

describe.each(STACKS.flatMap((stack) => MODES.map((mode) => [stack, mode] as const)))(
  "stack %s with aurora.proxy.mode %s",
  (stack, mode) => {
    let run: ProgramRun;
    let outputs: StackOutputs;
    let olap: boolean;
    beforeAll(async () => {
      run = await runProgram(stack, withMode(mode));
      outputs = await outputsOf(run);
      olap = outputs.pools.olap !== undefined;
    }, 60_000);

    it("creates the proxy unless none, and its READ_ONLY endpoint in readWrite only", () => {
      expect(ofType(run, TYPES.proxy)).toHaveLength(mode === "none" ? 0 : 1);
      const readOnly = ofType(run, TYPES.proxyEndpoint);
      expect(readOnly).toHaveLength(mode === "readWrite" ? 1 : 0);
      for (const e of readOnly) expect(e.inputs.targetRole).toBe(PROXY_ENDPOINTS.readOnlyIsSeparateEndpoint.value);
    });

    it("writes through the proxy's default endpoint, or the cluster endpoint without one", () => {
      const proxy = ofType(run, TYPES.proxy)[0];
      expect(PROXY_ENDPOINTS.defaultEndpointReadWrite.value).toBe(true);
      expect(outputs.pools.write.host).toBe(proxy ? `${proxy.name}.proxy-xyz.rds.amazonaws.com` : outputs.writer.host);
    });

    it("reads through the proxy only in readWrite without an OLAP reader, else on the OLTP reader endpoint", () => {
      expect(PROXY_ENDPOINTS.readOnlyReachesEveryReader.value).toBe(true);
      if (mode === "readWrite" && !olap) expect(outputs.pools.read.host).toMatch(/\.endpoint\.proxy-xyz\./);
      else expect(outputs.pools.read).toEqual(outputs.readerEndpoint);
      if (olap) expect(outputs.pools.read.host).toMatch(/\.cluster-custom-xyz\./);
    });

    it("names each pool's host in tls.endpoints with the bundle that verifies it", () => {
      const tls = outputs.tls!;
      const proxyHosts = new Set(
        [...ofType(run, TYPES.proxy), ...ofType(run, TYPES.proxyEndpoint)].map((r) =>
          r.type === TYPES.proxy
            ? `${r.name}.proxy-xyz.rds.amazonaws.com`
            : `${r.inputs.dbProxyEndpointName as string}.endpoint.proxy-xyz.rds.amazonaws.com`,
        ),
      );
      for (const pool of [outputs.pools.write, outputs.pools.read]) {
        const entry = tls.endpoints?.find((e) => e.host === pool.host);
        expect(entry, pool.host).toBeDefined();
        expect(entry!.caBundle).toEqual(proxyHosts.has(pool.host) ? PROXY_CA_BUNDLE.value : RDS_CA_BUNDLE.value);
      }
      expect([...proxyHosts].every((h) => tls.endpoints?.some((e) => e.host === h))).toBe(true);
    });

    it("states the proxy's bill per vCPU of every instance, and that no read uses it when none does", () => {
      const bill = outputs.notes.find((n) => n.startsWith("RDS Proxy is billed"));
      if (mode === "none") {
        expect(bill).toBeUndefined();
        return;
      }
      expect(PROXY_BILLING.perVcpuOfEveryInstance.value).toBe(true);
      expect(bill).toContain("every instance in the cluster");
      if (olap) expect(bill).toContain("the OLAP reader (");
      expect(bill!.includes("no read goes through the proxy")).toBe(mode === "writeOnly" || olap);
    });
  },
);

describe("the Aurora example stacks", () => {
  it.each(STACKS)("%s does not pay for a READ_ONLY proxy endpoint that no pool uses", async (stack) => {
    const config = readStackConfig("stacks", stack);
    const olap = JSON.parse(config["pg-read-replicas:olap"] ?? "{}").enabled === true;
    const mode = JSON.parse(config[AURORA]!).proxy?.mode ?? "readWrite";
    if (olap) expect(mode, `${stack}: an OLAP reader keeps reads off the proxy`).not.toBe("readWrite");
  });
});
