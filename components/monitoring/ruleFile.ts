/** The shapes of a Prometheus rules file, and the small helpers every rule is built with. */

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: "critical" | "warning" | "info" };
  annotations: { summary: string; description: string; runbook: string };
}
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Array<AlertRule | RecordingRule>;
}

/** Prometheus duration text for milliseconds (whole seconds). */
export function promDuration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\\\$&");
/** A label regex matching exactly these values. */
export const anyOf = (names: readonly string[]) => names.map(escapeRegex).join("|");
/** The README's runbook section of an alert (GitHub's heading anchor). */
const runbook = (alert: string) => `README.md#${alert.toLowerCase()}`;

export function rule(
  alert: string,
  severity: AlertRule["labels"]["severity"],
  expr: string,
  forMs: number | undefined,
  summary: string,
  description: string,
): AlertRule {
  return {
    alert,
    expr,
    ...(forMs !== undefined ? { for: promDuration(forMs) } : {}),
    labels: { severity },
    annotations: { summary, description, runbook: runbook(alert) },
  };
}
