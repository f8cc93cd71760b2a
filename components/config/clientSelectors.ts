/**
 * Application pods admitted to the pools and servers by label (`allowedClients`), in the shape of a Kubernetes
 * NetworkPolicy peer. Kubernetes documents `ipBlock` for cluster-external addresses, and Cilium applies no CIDR rule
 * between pods (facts/kubernetes/networkPolicy.ts): in-cluster clients need selectors. An empty selector would
 * admit every namespace or every pod, so each given selector needs at least one label.
 */
import { z } from "zod";
import { scalar } from "./fields";
import { labelKeyProblem, labelValueProblem } from "./labels";

const matchLabels = z.record(z.string(), scalar).transform((raw, ctx) => {
  const result: Record<string, string> = {};
  if (Object.keys(raw).length === 0) {
    ctx.addIssue({
      code: "custom",
      message: "is empty, which would select everything",
      input: raw,
      params: { fix: "name at least one label, e.g. kubernetes.io/metadata.name: shop" },
    });
  }
  for (const [key, rawValue] of Object.entries(raw)) {
    const value = String(rawValue);
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem) {
      ctx.addIssue({
        code: "custom",
        message: `label ${JSON.stringify(key)}: ${JSON.stringify(value)} ${problem}`,
        input: rawValue,
        path: [key],
        params: { fix: "use Kubernetes label syntax, e.g. app.kubernetes.io/name: web" },
      });
    }
    result[key] = value;
  }
  return result;
});

const selector = z.strictObject({ matchLabels });

/** One client peer: pods in namespaces with these labels, pods with these labels, or both (pods there). */
export const clientSelector = z
  .strictObject({ namespaceSelector: selector.optional(), podSelector: selector.optional() })
  .superRefine((peer, ctx) => {
    if (peer.namespaceSelector === undefined && peer.podSelector === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "names neither namespaceSelector nor podSelector",
        input: peer,
        params: {
          fix: "give namespaceSelector.matchLabels (e.g. kubernetes.io/metadata.name: shop), podSelector.matchLabels, or both",
        },
      });
    }
  });

export type ClientSelector = z.output<typeof clientSelector>;

export const clientSelectorList = z.array(clientSelector);

/** Label of the default client peer: pods of the stack's own namespace that carry it, with the stack's name. */
export const CLIENT_LABEL = "pg-read-replicas/client";

/**
 * Without allowedClients: pods in the stack's own namespace labelled pg-read-replicas/client=<name>. Creating pods
 * there already takes the namespace's rights, so the default opens nothing to other tenants.
 */
export function defaultClients(stackName: string): ClientSelector[] {
  return [{ podSelector: { matchLabels: { [CLIENT_LABEL]: stackName } } }];
}

export const CLIENT_SELECTORS_DEFAULT = `pods of the stack's namespace labelled ${CLIENT_LABEL}: <name>`;

export const CLIENT_SELECTORS_DESCRIPTION =
  "application pods admitted to the pools (and servers) by label, as NetworkPolicy peers: {namespaceSelector: {matchLabels}, podSelector: {matchLabels}}; a podSelector alone means pods in the stack's namespace, both mean those pods in those namespaces; pg_hba still admits by allowedCidrs (the pod network's CIDR)";
