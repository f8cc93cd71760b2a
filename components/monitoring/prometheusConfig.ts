/**
 * prometheus.yml for the local backend: the stack's exporters as static targets,
 * labelled as the PodMonitors label them on Kubernetes, and its rules file.
 */
import { stringify } from "yaml";
import type { Endpoint } from "../contract/stackOutputs";
import { promDuration } from "./ruleFile";
import { JOBS, TARGET_LABELS } from "./targets";

export interface ScrapeTarget {
  endpoint: Endpoint;
  labels: Record<string, string>;
}

export interface PrometheusPlan {
  scrapeIntervalMs: number;
  rulesFile: string;
  postgres: readonly ScrapeTarget[];
  pgbouncer: readonly ScrapeTarget[];
}

function job(name: string, targets: readonly ScrapeTarget[]) {
  return {
    job_name: name,
    static_configs: targets.map((t) => ({ targets: [`${t.endpoint.host}:${t.endpoint.port}`], labels: t.labels })),
  };
}

export function renderPrometheusConfig(plan: PrometheusPlan): string {
  const interval = promDuration(plan.scrapeIntervalMs);
  const config = {
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      scrape_timeout: promDuration(Math.min(plan.scrapeIntervalMs, 10_000)),
    },
    rule_files: [plan.rulesFile],
    scrape_configs: [job(JOBS.postgres, plan.postgres), job(JOBS.pgbouncer, plan.pgbouncer)],
  };
  return `# Prometheus for a local pg-read-replicas stack, generated. Labels as on Kubernetes: ${Object.values(TARGET_LABELS).join(", ")}.\n${stringify(config)}`;
}
