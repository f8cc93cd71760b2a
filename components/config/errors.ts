import { UserError } from "../ground/errors";

/** One problem in stack config: which key, what it holds, what is wrong, how to fix it. */
export interface ConfigIssue {
  /** Dotted path under the project namespace, e.g. `replication.walKeepSize` or `crossRegion[1].region`. */
  key: string;
  /** The offending value as given (undefined when the key is missing). */
  value: unknown;
  problem: string;
  fix: string;
}

export const CONFIG_NAMESPACE = "pg-read-replicas";

export function formatValue(value: unknown): string {
  if (value === undefined) return "(not set)";
  if (typeof value === "string") return JSON.stringify(value);
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

export function formatIssue(issue: ConfigIssue): string {
  return `${CONFIG_NAMESPACE}:${issue.key} = ${formatValue(issue.value)}: ${issue.problem}. Fix: ${issue.fix}.`;
}

/** Thrown before any resource is created; lists every problem found, not just the first. */
export class ConfigError extends UserError {
  constructor(
    readonly issues: readonly ConfigIssue[],
    readonly source = "stack config",
  ) {
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    super(`${source} has ${count}; nothing was created:\n${issues.map((i) => `  - ${formatIssue(i)}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Edit distance, to suggest the key a misspelt one was meant to be. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

export function closestKey(key: string, known: readonly string[]): string | undefined {
  // A known name inside the misspelt one ("work_mem_size" → "work_mem") is the likeliest intent.
  const contained = known.filter(
    (candidate) => candidate.length >= 4 && key.toLowerCase().includes(candidate.toLowerCase()),
  );
  if (contained.length > 0) return contained.sort((a, b) => b.length - a.length)[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}
