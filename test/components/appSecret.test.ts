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
      // TLS is required (the default): the uri verifies the pool's certificate, its chain and the Service's name.
      expect(uri.endsWith(`@${data.host}:${data.port}/${data.dbname}?sslmode=verify-full`), uri).toBe(true);
    }
  });

  describe("the uri's TLS", () => {
    const build = (appSecretConfig: Record<string, unknown>, top: Record<string, unknown> = {}) => {
      const base = selfHostedBase();
      const kubernetes = { ...(base.kubernetes as object), appSecret: { namespace: "shop", ...appSecretConfig } };
      return topologyFromConfig(patched(base, { kubernetes, ...top }));
    };
    const uriOf = async (topology: SelfHostedTopology) => {
      const args = appSecret(topology, topology.pools.read, "pg-app-ro", "s3cret", "ca");
      const uri = (args.stringData as Record<string, pulumi.Output<string>>).uri!;
      return new Promise<string>((resolve) => uri.apply((value) => resolve(value)));
    };

    it("names the CA file where the applications mount ca.crt, so libpq needs nothing else", async () => {
      const { topology, warnings } = build({ sslrootcert: "/etc/db/ca.crt" });
      expect(await uriOf(topology as SelfHostedTopology)).toMatch(
        /\?sslmode=verify-full&sslrootcert=%2Fetc%2Fdb%2Fca\.crt$/,
      );
      expect(warnings.join("\n")).not.toContain("appSecret");
    });

    it("encrypts only when the stack opts out, which warns naming the key, the risk and the fix", async () => {
      const { topology, warnings } = build({ sslmode: "require" });
      expect(await uriOf(topology as SelfHostedTopology)).toMatch(/\?sslmode=require$/);
      expect(warnings.join("\n")).toMatch(
        /kubernetes\.appSecret\.sslmode is "require": .*man in the middle.*set kubernetes\.appSecret\.sslrootcert/,
      );
    });

    it("prefers TLS without checking it when the stack does not require TLS", async () => {
      const { topology } = build({}, { requireTls: false });
      expect(await uriOf(topology as SelfHostedTopology)).toMatch(/\?sslmode=prefer$/);
    });

    it("refuses a CA path a URL cannot carry whole, naming the key", () => {
      expect(() => build({ sslrootcert: "ca.crt" })).toThrow(/kubernetes\.appSecret\.sslrootcert.*absolute path/s);
      expect(() => build({ sslrootcert: "/etc/db/ca.crt&sslmode=disable" })).toThrow(/sslrootcert/);
      expect(() => build({ sslmode: "disable" })).toThrow(/kubernetes\.appSecret\.sslmode/);
    });
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
