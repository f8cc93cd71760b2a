/**
 * Who reaches the pools and servers, on the rendered NetworkPolicies of every Kubernetes example stack (both
 * engines), under the rules of a Cilium data path (facts/kubernetes/networkPolicy.ts): a pod matches a peer only by
 * its labels and its namespace's labels, never by an ipBlock. Every client-facing policy admits the stack's
 * allowedClients; a label any pod can give itself opens no connection port.
 */
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../components/config/stackFile";
import { topologyFromPulumiConfig } from "../../components/pipeline/loadTopology";
import type { SelfHostedTopology } from "../../components/topology/types";
import type { ClientSelector } from "../../components/config/clientSelectors";
import { NETWORK_POLICY } from "../../components/facts/kubernetes";
import { CNPG_POOLER } from "../../components/facts/cnpg/pooler";
import { ofType } from "../support/graph";
import { type ProgramRun, type Registered, runProgram } from "../support/pulumiMocks";

const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CONNECTION_PORTS = [5432, 6432];

interface Pod {
  namespace: string;
  namespaceLabels: Record<string, string>;
  labels: Record<string, string>;
}

type Selector = { matchLabels?: Record<string, string> } | undefined;
const selects = (selector: Selector, labels: Record<string, string>) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

/** A peer as the API defines it; an ipBlock never matches a pod (Cilium matches pods by identity only). */
function peerAdmits(peer: any, policyNamespace: string, pod: Pod): boolean {
  if (peer.ipBlock) return !NETWORK_POLICY.cidrRulesSkipClusterPods.value;
  const inNamespace = peer.namespaceSelector
    ? selects(peer.namespaceSelector, pod.namespaceLabels)
    : pod.namespace === policyNamespace;
  return inNamespace && (peer.podSelector === undefined || selects(peer.podSelector, pod.labels));
}

function admits(policy: Registered, port: number, pod: Pod): boolean {
  const ns = policy.inputs.metadata.namespace as string;
  return (policy.inputs.spec.ingress ?? []).some(
    (rule: any) =>
      rule.ports.some((p: any) => p.port === port) && rule.from.some((peer: any) => peerAdmits(peer, ns, pod)),
  );
}

/** A pod the selector admits: its labels, in a namespace with its namespace labels (or the stack's own). */
function podOf(selector: ClientSelector, stackNamespace: string): Pod {
  const namespaceLabels = selector.namespaceSelector?.matchLabels ?? { "kubernetes.io/metadata.name": stackNamespace };
  return {
    namespace: namespaceLabels["kubernetes.io/metadata.name"] ?? "apps",
    namespaceLabels,
    labels: { ...(selector.podSelector?.matchLabels ?? { app: "any" }) },
  };
}

const clientFacing = (run: ProgramRun) =>
  ofType(run, POLICY).filter((p) => /-(postgresql|pgbouncer)$/.test(p.inputs.metadata.name));
/** The port a policy's clients connect to: PostgreSQL's, or the pool's (CloudNativePG's Pooler listens on 5432). */
function connectionPort(topology: SelfHostedTopology, policy: Registered): number {
  if (!policy.inputs.metadata.name.endsWith("-pgbouncer")) return topology.port;
  return topology.kubernetes.engine.name === "cloudnative-pg" ? CNPG_POOLER.port.value : topology.poolPort;
}

describe.each(["dev", "pr", "staging", "prod", "prod-cnpg"])(
  "stack %s: client peers in every client-facing NetworkPolicy",
  (stack) => {
    const topology = topologyFromPulumiConfig(readStackConfig("stacks", stack)).topology as SelfHostedTopology;
    const selectors = (policy: Registered) => {
      const remote = topology.regions.find((r) => !r.primary && policy.name.includes(r.name));
      return remote && !remote.primary ? (remote.access.allowedClients ?? []) : topology.kubernetes.allowedClients;
    };

    it("admits the stack's allowedClients, by selector, to every pool and database pod", async () => {
      const run = await runProgram(stack);
      const policies = clientFacing(run);
      expect(policies.length).toBeGreaterThanOrEqual(2 * topology.regions.length);
      for (const policy of policies) {
        const given = selectors(policy);
        expect(given.length, `${policy.name}: a selector peer for clients`).toBeGreaterThan(0);
        for (const selector of given) {
          const pod = podOf(selector, policy.inputs.metadata.namespace);
          expect(
            admits(policy, connectionPort(topology, policy), pod),
            `${policy.name} admits ${JSON.stringify(selector)}`,
          ).toBe(true);
        }
      }
    });

    it("opens 5432 and 6432 to no pod by a label it can give itself, in any namespace", async () => {
      const run = await runProgram(stack);
      const stranger = (labels: Record<string, string>): Pod => ({
        namespace: "elsewhere",
        namespaceLabels: { "kubernetes.io/metadata.name": "elsewhere" },
        labels,
      });
      const selfLabelled: Array<Record<string, string>> = [
        { "pg-read-replicas/access": "monitoring" },
        { ...topology.kubernetes.monitoring.scrapers },
        { "pg-read-replicas/client": topology.name },
      ];
      for (const policy of ofType(run, POLICY)) {
        for (const port of CONNECTION_PORTS)
          for (const labels of selfLabelled)
            expect(admits(policy, port, stranger(labels)), `${policy.name}:${port} ${JSON.stringify(labels)}`).toBe(
              false,
            );
        for (const rule of policy.inputs.spec.ingress ?? []) {
          if (!rule.ports.some((p: any) => CONNECTION_PORTS.includes(p.port))) continue;
          for (const peer of rule.from)
            expect(
              peer.namespaceSelector === undefined || Object.keys(peer.namespaceSelector.matchLabels ?? {}).length > 0,
              `${policy.name}: a peer of every namespace on a connection port`,
            ).toBe(true);
        }
      }
    });
  },
);

describe.each([
  ["prod", 6432],
  ["prod-cnpg", CNPG_POOLER.port.value],
])("the %s stack teaches selectors", (stack, port) => {
  it("admits its shop applications and no pod with the same labels in another namespace", async () => {
    const run = await runProgram(stack);
    const pool = ofType(run, POLICY).find(
      (p) => p.inputs.metadata.name === "pg-pgbouncer" && !p.name.includes("eu-west-1"),
    )!;
    const web = { "app.kubernetes.io/part-of": "shop" };
    const inShop: Pod = { namespace: "shop", namespaceLabels: { "kubernetes.io/metadata.name": "shop" }, labels: web };
    expect(admits(pool, port, inShop)).toBe(true);
    expect(
      admits(pool, port, {
        ...inShop,
        namespace: "other",
        namespaceLabels: { "kubernetes.io/metadata.name": "other" },
      }),
    ).toBe(false);
    expect(admits(pool, port, { ...inShop, labels: { app: "other" } })).toBe(false);
  });
});
