/**
 * The `monitoring` block of stack config, per backend. Prometheus-based on
 * selfHosted and local (the same exporters, queries file and rules), CloudWatch
 * alarms on Aurora.
 */
import { z } from "zod";
import { EXPORTER_IMAGES } from "../facts/images";
import { bool, doc, duration } from "./fields";

const prometheus = {
  enabled: doc(bool.prefault(true), "exporters beside every server and pool, alert rules (and locally a Prometheus)"),
  scrapeInterval: doc(
    duration.prefault("15s"),
    "how often Prometheus scrapes the exporters (and evaluates the rules locally)",
  ),
  olapReplayPausedFor: doc(
    duration.prefault("5m"),
    "how long the OLAP replica's replay may wait for analytic queries before the informational alert",
  ),
};

export const localMonitoring = z.strictObject(prometheus).prefault({});

export const selfHostedMonitoring = z
  .strictObject({
    ...prometheus,
    prometheusOperator: doc(
      bool.prefault(false),
      "create PodMonitors and PrometheusRules (kube-prometheus-stack must be installed); on cloudnative-pg they read the operator's cnpg_* metrics",
    ),
    releaseLabel: doc(
      z.string().min(1).prefault("kube-prometheus-stack"),
      "the `release` label the operator's Prometheus selects monitors and rules by (its Helm release name)",
    ),
    grafanaDashboard: doc(
      bool.prefault(false),
      "a ConfigMap labelled grafana_dashboard=1 holding the dashboard, for Grafana's sidecar; statefulset engine only",
    ),
    scrapers: doc(
      z.record(z.string(), z.string()).prefault({ "app.kubernetes.io/name": "prometheus" }),
      "labels of the pods (any namespace) the NetworkPolicies let scrape the exporters",
    ),
    images: z
      .strictObject({
        postgresExporter: doc(
          z.string().min(1).prefault(EXPORTER_IMAGES.postgresExporter),
          "postgres_exporter image (a sidecar in every database pod)",
        ),
        pgbouncerExporter: doc(
          z.string().min(1).prefault(EXPORTER_IMAGES.pgbouncerExporter),
          "pgbouncer_exporter image (a sidecar in every pool pod)",
        ),
      })
      .prefault({}),
  })
  .prefault({});

export const snsTopicArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/,
    "is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)",
  );

export const auroraMonitoring = z
  .strictObject({
    enabled: doc(bool.prefault(true), "CloudWatch alarms and a dashboard"),
    snsTopicArn: doc(
      snsTopicArn.optional(),
      "an existing SNS topic in the primary's region the alarms there notify",
      "none (or the created topic)",
    ),
    createSnsTopic: doc(bool.prefault(false), "create an SNS topic for the alarms (subscribe to it yourself)"),
  })
  .prefault({});

/** Prometheus-based monitoring (selfHosted and local): the exporters, the rules' bounds. */
export interface ResolvedPrometheusMonitoring {
  enabled: boolean;
  user: string;
  scrapeIntervalMs: number;
  olapReplayPausedForMs: number;
}

/** Defaults are the schema's; the exporters' role name is fixed (resolve.ts FIXED). */
export function resolvePrometheusMonitoring(
  given: z.output<typeof localMonitoring>,
  user: string,
): ResolvedPrometheusMonitoring {
  return {
    enabled: given.enabled,
    user,
    scrapeIntervalMs: given.scrapeInterval,
    olapReplayPausedForMs: given.olapReplayPausedFor,
  };
}
