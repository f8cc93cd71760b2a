/**
 * kubernetes.appSecret: the write and read pools' connections as Secrets in the applications' namespace, with the
 * keys of CloudNativePG's app Secret; the password and the URI carrying it are secret outputs.
 */
import { describe, expect, it } from "vitest";
import { TYPES, ofType } from "../support/graph";
import * as pulumi from "@pulumi/pulumi";
import { appSecret } from "../../components/kubernetes/manifests/secrets";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import type { SelfHostedTopology } from "../../components/topology/types";
import { patched, selfHostedBase } from "../support/configs";
import { runProgram } from "../support/pulumiMocks";

describe("kubernetes.appSecret on the statefulset engine", () => {
  it("writes a Secret per pool in the applications' namespace, pointing at the pool Services", async () => {
    const run = await runProgram("staging", (config) => {
      const kubernetes = JSON.parse(config["pg-read-replicas:kubernetes"]!);
      return {
        ...config,
        "pg-read-replicas:kubernetes": JSON.stringify({ ...kubernetes, appSecret: { namespace: "shop" } }),
      };
    });
    const secrets = ofType(run, TYPES.secret).filter((s) => s.inputs.metadata.namespace === "shop");
    expect(secrets.map((s) => s.inputs.metadata.name).sort()).toEqual(["pg-app", "pg-app-ro"]);
    for (const secret of secrets) {
      const data = secret.inputs.stringData;
      expect(Object.keys(data).sort()).toEqual(["ca.crt", "dbname", "host", "password", "port", "uri", "username"]);
      // The stack's CA, public: what an application mounting the Secret verifies the pool's certificate against.
      expect(data["ca.crt"]).toBe(
        ofType(run, TYPES.secret).find((s) => s.inputs.metadata.name === "pg-tls")!.inputs.stringData["ca.crt"],
      );
      const pool = secret.inputs.metadata.name === "pg-app" ? "pool-write" : "pool-read";
      expect(data.host.startsWith(`pg-${pool}.`), data.host).toBe(true);
      const uri = String(data.uri);
      expect(uri.startsWith(`postgresql://${data.username}:`)).toBe(true);
      expect(uri).toContain(`@${data.host}:${data.port}/${data.dbname}?sslmode=`);
    }
  });

  it("keeps the password and the URI carrying it secret", async () => {
    const base = selfHostedBase();
    const config = patched(base, { kubernetes: { ...(base.kubernetes as object), appSecret: { namespace: "shop" } } });
    const topology = topologyFromConfig(config).topology as SelfHostedTopology;
    const args = appSecret(topology, topology.pools.write, "pg-app", "s3cret", "-----BEGIN CERTIFICATE-----");
    const data = args.stringData as Record<string, pulumi.Output<string>>;
    expect(await pulumi.isSecret(data.password!)).toBe(true);
    expect(await pulumi.isSecret(data.uri!)).toBe(true);
  });

  it("writes none without the key", async () => {
    const run = await runProgram("staging");
    expect(ofType(run, TYPES.secret).filter((s) => s.inputs.metadata.name === "pg-app")).toEqual([]);
  });
});
