/** PgBouncer Deployment and Service for one pool. Pure. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Pool, SelfHostedTopology } from "../../../topology/types";

type Topology = SelfHostedTopology;
import { SOCKET_VOLUME, poolReloaderContainer, socketVolume } from "./configReloader";
import { pgbouncerExporterContainer } from "./exporters";
import { PGBOUNCER_IMAGE } from "../../../facts/kubernetes/pgbouncerImage";
import {
  CREDENTIAL_KEYS,
  PATHS,
  PGBOUNCER_UID,
  POOL_SERVICE_PORT,
  PROBE_USER,
  baseLabels,
  names,
  ownLabels,
  poolSelector,
  NO_API_TOKEN,
} from "../../conventions";

/**
 * Logs in to the pool's console as the probe's stats user: the same listener, TLS and userlist as every client's
 * login, without the application's password or its sight of other clients. PGPASSWORD stays the application's for
 * what runs in the container as the application (kubernetes failover's write through the pool); the probe sets its
 * own for psql alone.
 */
export function poolReadinessCommand(topology: Topology): string[] {
  const psql = `psql -h 127.0.0.1 -p ${topology.poolPort} -U ${PROBE_USER} -d pgbouncer -XAtq -c 'SHOW VERSION'`;
  return [PGBOUNCER_IMAGE.shell.value, "-c", `PGPASSWORD="$${PROBE_PASSWORD_ENV}" exec ${psql}`];
}

/** The probe's password in the pool container's environment. */
export const PROBE_PASSWORD_ENV = "PROBE_PASSWORD";

/** The Deployment's and Service's labels, or with `pod` its pods' (without the stack's labels; see baseLabels). */
export function poolLabels(topology: Topology, pool: Pool, scope: "object" | "pod" = "object"): Record<string, string> {
  return {
    ...(scope === "pod" ? ownLabels(topology, "pgbouncer") : baseLabels(topology, "pgbouncer")),
    ...poolSelector(topology, pool),
  };
}

export function pgbouncerDeploymentManifest(
  topology: Topology,
  pool: Pool,
  hashes: { restart: string; credentials: pulumi.Input<string> },
): k8s.apps.v1.DeploymentArgs {
  const k = topology.kubernetes;
  return {
    metadata: { name: pool.service, namespace: k.namespace, labels: poolLabels(topology, pool) },
    spec: {
      replicas: pool.instances,
      selector: { matchLabels: poolSelector(topology, pool) },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: poolLabels(topology, pool, "pod"),
          annotations: {
            "pg-read-replicas/restart-hash": hashes.restart,
            // A rotated password restarts the pool (its userlist is read at start and on RELOAD alike).
            "pg-read-replicas/credentials-hash": hashes.credentials,
          },
        },
        spec: {
          ...NO_API_TOKEN,
          securityContext: {
            runAsUser: PGBOUNCER_UID,
            runAsGroup: PGBOUNCER_UID,
            fsGroup: PGBOUNCER_UID,
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
          },
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    labelSelector: { matchLabels: poolSelector(topology, pool) },
                    topologyKey: "kubernetes.io/hostname",
                  },
                },
              ],
            },
          },
          containers: [
            {
              name: "pgbouncer",
              image: k.images.pgbouncer,
              command: ["pgbouncer", `${PATHS.pgbouncerDir}/pgbouncer.ini`],
              ports: [{ name: "pgbouncer", containerPort: topology.poolPort }],
              resources: {
                requests: { cpu: k.pgbouncerResources.cpu, memory: k.pgbouncerResources.memory },
                limits: { memory: k.pgbouncerResources.memory },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              // The probe's login: a pool whose userlist or TLS is broken must not receive clients. The application's
              // password is for `kubernetes failover`'s write through the pool (kubectl exec psql as the app user).
              env: [
                {
                  name: "PGPASSWORD",
                  valueFrom: { secretKeyRef: { name: names.credentials(topology), key: CREDENTIAL_KEYS.app } },
                },
                {
                  name: PROBE_PASSWORD_ENV,
                  valueFrom: { secretKeyRef: { name: names.credentials(topology), key: CREDENTIAL_KEYS.probe } },
                },
                { name: "PGSSLMODE", value: topology.access.requireTls ? "require" : "prefer" },
                { name: "PGCONNECT_TIMEOUT", value: "3" },
              ],
              readinessProbe: {
                exec: { command: poolReadinessCommand(topology) },
                periodSeconds: 5,
                timeoutSeconds: 4,
              },
              livenessProbe: { tcpSocket: { port: "pgbouncer" }, periodSeconds: 10, failureThreshold: 6 },
              volumeMounts: [
                { name: "config", mountPath: PATHS.pgbouncerDir, readOnly: true },
                { name: SOCKET_VOLUME, mountPath: PATHS.pgbouncerSocketDir },
              ],
            },
            poolReloaderContainer(topology),
            ...(topology.monitoring.enabled ? [pgbouncerExporterContainer(topology, topology.monitoring)] : []),
          ],
          volumes: [
            socketVolume,
            {
              name: "config",
              projected: {
                defaultMode: 0o440,
                sources: [
                  {
                    configMap: {
                      name: names.poolConfig(pool),
                      items: [{ key: "pgbouncer.ini", path: "pgbouncer.ini" }],
                    },
                  },
                  {
                    secret: { name: names.poolAuth(topology), items: [{ key: "userlist.txt", path: "userlist.txt" }] },
                  },
                  // The pools' own certificate (clients reach the pool over TLS, client_tls_*, required with
                  // requireTls) and the CA the pool verifies the servers against (server_tls_ca_file); never the
                  // database servers' key.
                  {
                    secret: {
                      name: names.poolTls(topology),
                      items: [
                        { key: "tls.crt", path: "tls/tls.crt" },
                        { key: "tls.key", path: "tls/tls.key" },
                        { key: "ca.crt", path: "tls/ca.crt" },
                      ],
                    },
                  },
                ],
              },
            },
          ],
        },
      },
    },
  };
}

export function pgbouncerServiceManifest(topology: Topology, pool: Pool): k8s.core.v1.ServiceArgs {
  return {
    metadata: { name: pool.service, namespace: topology.kubernetes.namespace, labels: poolLabels(topology, pool) },
    spec: {
      type: "ClusterIP",
      selector: poolSelector(topology, pool),
      ports: [{ name: "postgres", port: POOL_SERVICE_PORT, targetPort: "pgbouncer" }],
    },
  };
}
