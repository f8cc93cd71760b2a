/**
 * Issue 25 item 8: secure by default outside the local backend. TLS is required unless requireTls: false opts out
 * (with a warning naming the key and the risk); 0.0.0.0/0 or ::/0 in any address list is refused unless
 * allowOpenCidrs: true opts in (with a warning). A local stack keeps TLS optional and only warns about open CIDRs.
 */
import { describe, expect, it } from "vitest";
import { auroraClusterParameters } from "../../components/aurora/parameters";
import { INTERNAL_LOAD_BALANCER } from "../../components/config/kubernetesFields";
import { exposedPrimaryManifest } from "../../components/kubernetes/manifests/services";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import {
  type Raw,
  auroraBase,
  auroraSecondary,
  cnpgConfig,
  localBase,
  patched,
  refusalMessage,
  selfHostedBase,
  withAurora,
} from "../support/configs";

const REGION = { region: "eu-west-1", replicas: 1, context: "eu", cidrs: ["10.1.0.0/16"] };
const R6G = { writer: "db.r6g.large", olap: "db.r6g.xlarge" };

describe("requireTls", () => {
  for (const [name, base] of [
    ["selfHosted", selfHostedBase()],
    ["cloudnative-pg", cnpgConfig()],
    ["aurora", auroraBase()],
  ] as const) {
    it(`is on by default on ${name}, without a warning`, () => {
      const { topology, warnings } = topologyFromConfig(base);
      expect(topology.access.requireTls).toBe(true);
      expect(warnings.join("\n")).not.toContain("requireTls");
    });

    it(`can be turned off on ${name}, which warns naming the key and the risk`, () => {
      const { topology, warnings } = topologyFromConfig(patched(base, { requireTls: false }));
      expect(topology.access.requireTls).toBe(false);
      expect(warnings.join("\n")).toMatch(/requireTls is false: .*plain-text connections.*passwords/);
    });
  }

  it("stays optional on local (loopback only), without a warning", () => {
    const { topology, warnings } = topologyFromConfig(localBase());
    expect(topology.access.requireTls).toBe(false);
    expect(warnings.join("\n")).not.toContain("requireTls");
  });

  it("sets rds.force_ssl on an Aurora stack that does not mention it", () => {
    const { topology } = topologyFromConfig(auroraBase());
    expect(auroraClusterParameters(topology.access.requireTls)).toEqual([
      { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
    ]);
  });
});

/** Each address list with an open CIDR in it, on a config of its backend. */
const OPEN_LISTS: Array<[string, string, Raw]> = [
  ["allowedCidrs", "0.0.0.0/0", patched(selfHostedBase(), { allowedCidrs: ["10.0.0.0/8", "0.0.0.0/0"] })],
  ["replicationCidrs", "::/0", patched(selfHostedBase(), { replicationCidrs: ["::/0"] })],
  [
    "crossRegion[0].cidrs",
    "0.0.0.0/0",
    patched(selfHostedBase(), { crossRegion: [{ ...REGION, cidrs: ["0.0.0.0/0"] }] }),
  ],
  [
    "crossRegion[0].allowedCidrs",
    "0.0.0.0/0",
    patched(selfHostedBase(), { crossRegion: [{ ...REGION, allowedCidrs: ["0.0.0.0/0"] }] }),
  ],
  ["allowedCidrs", "0.0.0.0/0", patched(cnpgConfig(), { allowedCidrs: ["0.0.0.0/0"] })],
  ["allowedCidrs", "::/0", patched(auroraBase(), { allowedCidrs: ["::/0"] })],
  [
    "crossRegion[0].allowedCidrs",
    "0.0.0.0/0",
    withAurora({ instanceClass: R6G }, { crossRegion: [{ ...auroraSecondary, allowedCidrs: ["0.0.0.0/0"] }] }),
  ],
];

describe("an address list open to everyone", () => {
  for (const [key, cidr, config] of OPEN_LISTS) {
    it(`is refused in ${key} (${String(config.backend)}), naming the key, the value and the opt-out`, () => {
      const message = refusalMessage(config);
      expect(message).toContain(`${key} = "${cidr}"`);
      expect(message).toContain("admits every address");
      expect(message).toContain("allowOpenCidrs: true");
    });

    it(`is accepted in ${key} (${String(config.backend)}) with allowOpenCidrs: true, and warns`, () => {
      const { warnings } = topologyFromConfig(patched(config, { allowOpenCidrs: true }));
      expect(warnings).toContain(`${key} contains ${cidr}: the database accepts password logins from any address`);
    });
  }

  it("only warns on local, whose servers listen on loopback", () => {
    const { warnings } = topologyFromConfig(patched(localBase(), { allowedCidrs: ["127.0.0.1/32", "0.0.0.0/0"] }));
    expect(warnings).toContain(
      "allowedCidrs contains 0.0.0.0/0: the database accepts password logins from any address",
    );
  });
});

describe("replicationCidrs", () => {
  it.each([
    ["statefulset", selfHostedBase()],
    ["cloudnative-pg", cnpgConfig()],
  ])("is required on a selfHosted stack (%s): never inferred from the clients' CIDRs", (_engine, base) => {
    const message = refusalMessage(patched(base, { replicationCidrs: undefined }));
    expect(message).toContain("pg-read-replicas:replicationCidrs = (not set)");
    expect(message).toMatch(/pod network's CIDR of the primary's cluster/);
    // The opt-out is spelled out with the stack's own client list.
    expect(message).toContain('set it to allowedCidrs\' value (["10.0.0.0/8"])');
  });

  it("admits the clients' networks to replication when listed, as the user's choice", () => {
    const { topology, warnings } = topologyFromConfig(
      patched(selfHostedBase(), { replicationCidrs: ["10.244.0.0/16", "10.0.0.0/8"] }),
    );
    expect(topology.access.replicationCidrs).toEqual(["10.244.0.0/16", "10.0.0.0/8"]);
    expect(warnings.join("\n")).not.toContain("replicationCidrs");
  });

  it("takes a network of its own, without a warning", () => {
    const { topology, warnings } = topologyFromConfig(patched(selfHostedBase(), { replicationCidrs: ["10.2.0.0/16"] }));
    expect(topology.access.replicationCidrs).toEqual(["10.2.0.0/16"]);
    expect(warnings.join("\n")).not.toContain("replicationCidrs");
  });

  it("still falls back to allowedCidrs on the local backend, whose servers listen on loopback only", () => {
    const { topology, warnings } = topologyFromConfig(localBase());
    expect(topology.access.replicationCidrs).toEqual(["127.0.0.1/32"]);
    expect(warnings.join("\n")).not.toContain("replicationCidrs");
  });
});

describe("the load balancer exposing the primary to other regions", () => {
  const NLB = { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" };
  const withLb = (kubernetes: Raw) =>
    patched(selfHostedBase(), {
      kubernetes: { ...(selfHostedBase().kubernetes as Raw), ...kubernetes },
      crossRegion: [REGION],
    });
  const exposed = (config: Raw) => {
    const { topology, warnings } = topologyFromConfig(config);
    if (topology.backend !== "selfHosted") throw new Error("expected a selfHosted topology");
    return {
      annotations: (
        exposedPrimaryManifest(topology, ["10.1.0.0/16"]).metadata as { annotations: Record<string, string> }
      ).annotations,
      warnings,
    };
  };

  it("keeps the internal-load-balancer annotations under the user's own, without a warning", () => {
    const { annotations, warnings } = exposed(withLb({ loadBalancerAnnotations: NLB }));
    expect(annotations).toEqual({ ...INTERNAL_LOAD_BALANCER, ...NLB });
    expect(warnings.join("\n")).not.toContain("load balancer");
  });

  it("warns when an annotation overrides an internal default, naming it", () => {
    const scheme = "service.beta.kubernetes.io/aws-load-balancer-scheme";
    const { annotations, warnings } = exposed(withLb({ loadBalancerAnnotations: { [scheme]: "internet-facing" } }));
    expect(annotations[scheme]).toBe("internet-facing");
    expect(warnings.join("\n")).toContain(`kubernetes.loadBalancerAnnotations sets ${scheme} to "internet-facing"`);
  });

  it("drops the internal defaults only with publicLoadBalancer, which warns", () => {
    const { annotations, warnings } = exposed(withLb({ loadBalancerAnnotations: NLB, publicLoadBalancer: true }));
    expect(annotations).toEqual(NLB);
    expect(warnings.join("\n")).toContain("kubernetes.publicLoadBalancer is true");
  });
});
