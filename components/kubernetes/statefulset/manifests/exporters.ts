/**
 * The exporter sidecars: postgres_exporter beside every database server (the
 * queries file both it and the local backend's Debian exporter read), and
 * pgbouncer_exporter beside every pool. Flags only where both versions have
 * them; everything else through the environment (facts/exporters.ts). Pure.
 */
import type * as k8s from "@pulumi/kubernetes";
import { POSTGRES_EXPORTER, PGBOUNCER_EXPORTER } from "../../../facts/exporters/exporters";
import { EXPORTER_PORTS } from "../../../monitoring/targets";
import type { PrometheusMonitoring, SelfHostedTopology } from "../../../topology/types";
import { CREDENTIAL_KEYS, PATHS, names } from "../../conventions";

type Container = k8s.types.input.core.v1.Container;

const security = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
const resources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } };

export function postgresExporterContainer(topology: SelfHostedTopology, monitoring: PrometheusMonitoring): Container {
  const [uri, user, pass] = POSTGRES_EXPORTER.dataSourceEnv.value;
  return {
    name: "postgres-exporter",
    image: topology.kubernetes.monitoring.images.postgresExporter,
    args: [`--web.listen-address=:${EXPORTER_PORTS.postgres}`, "--log.level=warn"],
    env: [
      // Over the pod's loopback, TLS (lib/pq knows no "prefer"): pg_hba admits the role from the server's own
      // addresses.
      { name: uri!, value: `127.0.0.1:${topology.port}/postgres?sslmode=require` },
      { name: user!, value: monitoring.user },
      { name: pass!, valueFrom: { secretKeyRef: { name: names.credentials(topology), key: CREDENTIAL_KEYS.monitor } } },
      { name: POSTGRES_EXPORTER.queriesFileEnv.value, value: PATHS.exporterQueries },
    ],
    ports: [{ name: "metrics", containerPort: EXPORTER_PORTS.postgres }],
    resources,
    securityContext: security,
    // No readiness probe: a pod is Ready only when every container is, so a slow scrape would take the writer out of
    // rw (issue 23, finding 5). Prometheus's own `up` and PgExporterDown watch the exporter instead.
    volumeMounts: [{ name: "scripts", mountPath: PATHS.scriptsDir, readOnly: true }],
  };
}

export function pgbouncerExporterContainer(topology: SelfHostedTopology, monitoring: PrometheusMonitoring): Container {
  return {
    name: "pgbouncer-exporter",
    image: topology.kubernetes.monitoring.images.pgbouncerExporter,
    args: [`--web.listen-address=:${EXPORTER_PORTS.pgbouncer}`, "--log.level=warn"],
    env: [
      {
        name: "PGBOUNCER_PASSWORD",
        valueFrom: { secretKeyRef: { name: names.credentials(topology), key: CREDENTIAL_KEYS.monitor } },
      },
      // The monitoring role (a stats user) on the console over the pod's loopback; the kubelet expands
      // $(PGBOUNCER_PASSWORD) (generated passwords are alphanumeric).
      {
        name: PGBOUNCER_EXPORTER.connectionEnv.value,
        value: `postgres://${monitoring.user}:$(PGBOUNCER_PASSWORD)@127.0.0.1:${topology.poolPort}/pgbouncer?sslmode=require`,
      },
    ],
    ports: [{ name: "metrics", containerPort: EXPORTER_PORTS.pgbouncer }],
    resources,
    securityContext: security,
  };
}
