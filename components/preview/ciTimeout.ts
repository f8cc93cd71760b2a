/**
 * How long a CI job running one Aurora preview may need, from the provider's default timeouts
 * (facts/aws/operationTimeouts.ts): Pulumi creates a resource only after those it depends on and deletes it only
 * after those that depend on it, so `pulumi up` can wait as long as the graph's longest chain of create timeouts, and
 * `pulumi destroy` as long as its longest chain of delete timeouts; the deploy check waits up to verification.timeout
 * in between. Pure: the graph comes in as URNs and dependencies.
 */
import { GITHUB_JOB_MAX_MINUTES, PROVIDER_DEFAULT_TIMEOUTS } from "../facts/aws/operationTimeouts";

export interface GraphNode {
  urn: string;
  type: string;
  /** URNs this resource waits for. */
  dependencies: readonly string[];
}

export interface PreviewJobBound {
  createMinutes: number;
  verifyMinutes: number;
  deleteMinutes: number;
  /** create + verify + delete: the job timeout that never cuts a teardown short. */
  totalMinutes: number;
  /** What a job can be given: the bound, or GitHub's limit when the bound exceeds it. */
  jobMinutes: number;
}

/** The heaviest chain of dependencies, each resource weighing `weight(type)` minutes (0 for the fast ones). */
export function longestChainMinutes(nodes: readonly GraphNode[], weight: (type: string) => number): number {
  const byUrn = new Map(nodes.map((n) => [n.urn, n]));
  const memo = new Map<string, number>();
  const chain = (node: GraphNode, seen: ReadonlySet<string>): number => {
    const known = memo.get(node.urn);
    if (known !== undefined) return known;
    if (seen.has(node.urn)) throw new Error(`a dependency cycle through ${node.urn}`);
    const next = new Set(seen).add(node.urn);
    const before = node.dependencies.map((urn) => byUrn.get(urn)).filter((n): n is GraphNode => n !== undefined);
    const minutes = weight(node.type) + Math.max(0, ...before.map((dep) => chain(dep, next)));
    memo.set(node.urn, minutes);
    return minutes;
  };
  return Math.max(0, ...nodes.map((n) => chain(n, new Set())));
}

const timeout = (phase: "create" | "delete") => (type: string) => PROVIDER_DEFAULT_TIMEOUTS[type]?.value[phase] ?? 0;

export function previewJobBound(nodes: readonly GraphNode[], verifyMinutes: number): PreviewJobBound {
  const createMinutes = longestChainMinutes(nodes, timeout("create"));
  const deleteMinutes = longestChainMinutes(nodes, timeout("delete"));
  const totalMinutes = createMinutes + verifyMinutes + deleteMinutes;
  return {
    createMinutes,
    verifyMinutes,
    deleteMinutes,
    totalMinutes,
    jobMinutes: Math.min(totalMinutes, GITHUB_JOB_MAX_MINUTES.value),
  };
}
