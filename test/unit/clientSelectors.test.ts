/**
 * allowedClients: selector peers for in-cluster applications, refused with the key, the value and the fix when they
 * would select everything or are not label syntax; defaulted once (resolve) and inherited by other regions.
 */
import { describe, expect, it } from "vitest";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import type { SelfHostedTopology } from "../../components/topology/types";
import { patched, refusalMessage, selfHostedBase } from "../support/configs";

const base = selfHostedBase();
const shop = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } } };

describe("allowedClients refusals", () => {
  it.each([
    {
      mistake: "an empty matchLabels (every namespace)",
      value: [{ namespaceSelector: { matchLabels: {} } }],
      expect: ["allowedClients[0].namespaceSelector.matchLabels", "would select everything", "name at least one label"],
    },
    {
      mistake: "a peer with neither selector",
      value: [{}],
      expect: ["allowedClients[0]", "names neither namespaceSelector nor podSelector", "give namespaceSelector"],
    },
    {
      mistake: "a label value that is not label syntax",
      value: [{ podSelector: { matchLabels: { app: "web shop" } } }],
      expect: ["allowedClients[0].podSelector.matchLabels.app", "is not a label value", "Kubernetes label syntax"],
    },
    {
      mistake: "a selector spelt as a plain label map",
      value: [{ namespaceSelector: { "kubernetes.io/metadata.name": "shop" } }],
      expect: ["allowedClients[0].namespaceSelector", "kubernetes.io/metadata.name"],
    },
  ])("$mistake", ({ value, expect: fragments }) => {
    const message = refusalMessage(patched(base, { allowedClients: value }));
    for (const fragment of fragments) expect(message).toContain(fragment);
  });
});

describe("allowedClients defaults", () => {
  const topology = (patch: Record<string, unknown>) =>
    topologyFromConfig(patched(base, patch)).topology as SelfHostedTopology;

  it("without the key: pods of the stack's own namespace labelled with the stack's name", () => {
    expect(topology({}).kubernetes.allowedClients).toEqual([
      { podSelector: { matchLabels: { "pg-read-replicas/client": "pg" } } },
    ]);
  });

  it("other regions inherit the stack's selectors unless they name their own", () => {
    const region = { region: "eu-west-1", replicas: 1, context: "eu", cidrs: ["10.20.0.0/16"] };
    const own = { podSelector: { matchLabels: { app: "eu-web" } } };
    const t = topology({
      allowedClients: [shop],
      crossRegion: [region, { ...region, region: "ap-south-1", allowedClients: [own] }],
    });
    const remote = t.regions.filter((r) => !r.primary);
    expect(remote.map((r) => (r.primary ? [] : r.access.allowedClients))).toEqual([[shop], [own]]);
  });
});
