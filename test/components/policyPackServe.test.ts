/**
 * The policy pack as the Pulumi engine runs it: policy/ started by @pulumi/pulumi's run-policy-pack (TypeScript
 * compiled and type-checked by ts-node, as `pulumi up --policy-pack policy` does), then asked over its gRPC analyzer
 * service what it holds and what it makes of a resource. Checks that the pack loads from the checkout and that the
 * props the engine hands over are the shape the policies (and test/support/policyRun.ts) read.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
  AnalyzeRequest,
  type AnalyzeResponse,
  type AnalyzerInfo,
  AnalyzerResourceOptions,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POLICIES } from "../../policy/policies";

const RUN_POLICY_PACK = resolve("node_modules/@pulumi/pulumi/cmd/run-policy-pack");

let pack: ChildProcess;
let client: InstanceType<typeof AnalyzerClient>;

/** The pack prints the port it serves on as its first line of stdout. */
function started(child: ChildProcess): Promise<number> {
  return new Promise((done, fail) => {
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const port = /^(\d+)\s*$/m.exec(out)?.[1];
      if (port) done(Number(port));
    });
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("exit", (code) => fail(new Error(`the policy pack exited (${code}) before serving: ${out}${err}`)));
  });
}

function analyzerInfo(): Promise<AnalyzerInfo> {
  return new Promise((done, fail) =>
    client.getAnalyzerInfo(new Empty(), (error, info) => (error ? fail(error) : done(info))),
  );
}

function analyze(type: string, name: string, props: Record<string, unknown>) {
  const request = new AnalyzeRequest()
    .setType(type)
    .setName(name)
    .setUrn(`urn:pulumi:prod::pg-read-replicas::${type}::${name}`)
    .setProperties(Struct.fromJavaScript(props as never))
    .setOptions(new AnalyzerResourceOptions());
  return new Promise<AnalyzeResponse>((done, fail) =>
    client.analyze(request, (error, response) => (error ? fail(error) : done(response))),
  );
}

beforeAll(async () => {
  // The engine address is only dialled for logging; the pack serves without it.
  pack = spawn(process.execPath, [RUN_POLICY_PACK, "127.0.0.1:1", "."], { cwd: resolve("policy"), stdio: "pipe" });
  const port = await started(pack);
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 120_000);

afterAll(() => {
  client?.close();
  pack?.kill();
});

describe("the policy pack served as the engine runs it", () => {
  it("names every policy, mandatory", async () => {
    const info = await analyzerInfo();
    expect(info.getName()).toBe("pg-read-replicas-guardrails");
    const policies = info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]);
    expect(policies.map(([name]) => name).sort()).toEqual(POLICIES.map((p) => p.name).sort());
    // EnforcementLevel.MANDATORY in pulumi/analyzer.proto
    for (const [name, level] of policies) expect(level, String(name)).toBe(1);
  });

  it("refuses a security group open to 0.0.0.0/0 and lets a narrow one through", async () => {
    const rule = (cidr: string) => ({
      ingress: [{ cidrBlocks: [cidr], fromPort: 5432, toPort: 5432, protocol: "tcp" }],
    });
    const open = await analyze("aws:ec2/securityGroup:SecurityGroup", "pg-net", rule("0.0.0.0/0"));
    expect(open.getDiagnosticsList().map((d) => [d.getPolicyname(), d.getMessage()])).toEqual([
      ["no-database-open-to-all", expect.stringContaining("pg-net admits 0.0.0.0/0")],
    ]);
    const narrow = await analyze("aws:ec2/securityGroup:SecurityGroup", "pg-net", rule("10.0.0.0/16"));
    expect(narrow.getDiagnosticsList()).toEqual([]);
  });

  it("reads a production stack from the URN without any pack config (the default productionStacks)", async () => {
    const cluster = { storageEncrypted: true, deletionProtection: false, backupRetentionPeriod: 14 };
    const response = await analyze("aws:rds/cluster:Cluster", "pg-cluster", cluster);
    expect(response.getDiagnosticsList().map((d) => d.getPolicyname())).toEqual(["production-deletion-protection"]);
  });
});
