/** Secrets: generated passwords, the region's server certificate, PgBouncer's userlist. Pure. */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderUserlist } from "../../render/pgbouncerIni";
import type { SelfHostedTopology } from "../../topology/types";
import type { ServerCertificate } from "../clusterTls";
import { CREDENTIAL_KEYS, POOL_SERVICE_PORT, baseLabels, names, serviceHost } from "../conventions";
import type { Pool } from "../../topology/types";

export interface RegionCredentials {
  superuser: pulumi.Input<string>;
  replication: pulumi.Input<string>;
  app: pulumi.Input<string>;
  heartbeatToken: pulumi.Input<string>;
  monitor: pulumi.Input<string>;
}

function metadata(topology: SelfHostedTopology, name: string, component: "postgresql" | "pgbouncer") {
  return { name, namespace: topology.kubernetes.namespace, labels: baseLabels(topology, component) };
}

export function credentialsSecret(
  topology: SelfHostedTopology,
  credentials: RegionCredentials,
  withSuperuser: boolean,
): k8s.core.v1.SecretArgs {
  return {
    metadata: metadata(topology, names.credentials(topology), "postgresql"),
    stringData: {
      [CREDENTIAL_KEYS.replication]: credentials.replication,
      [CREDENTIAL_KEYS.app]: credentials.app,
      [CREDENTIAL_KEYS.heartbeatToken]: credentials.heartbeatToken,
      [CREDENTIAL_KEYS.monitor]: credentials.monitor,
      // The superuser password exists only where the primary was initialised.
      ...(withSuperuser ? { [CREDENTIAL_KEYS.superuser]: credentials.superuser } : {}),
    },
  };
}

export function tlsSecret(topology: SelfHostedTopology, certificate: ServerCertificate): k8s.core.v1.SecretArgs {
  return {
    metadata: metadata(topology, names.tls(topology), "postgresql"),
    type: "kubernetes.io/tls",
    stringData: { "tls.crt": certificate.certPem, "tls.key": certificate.keyPem, "ca.crt": certificate.caPem },
  };
}

/** PgBouncer's logins: the application user, and the exporter's role (a stats user) when monitoring is on. */
export function poolAuthSecret(
  topology: SelfHostedTopology,
  credentials: Pick<RegionCredentials, "app" | "monitor">,
): k8s.core.v1.SecretArgs {
  const userlist = pulumi
    .all([credentials.app, credentials.monitor])
    .apply(([app, monitor]) =>
      topology.monitoring.enabled
        ? renderUserlist(topology.user, app, [topology.monitoring.user, monitor])
        : renderUserlist(topology.user, app),
    );
  return {
    metadata: metadata(topology, names.poolAuth(topology), "pgbouncer"),
    stringData: { "userlist.txt": userlist },
  };
}

/**
 * The application user's connection through one pool, in the applications' namespace (kubernetes.appSecret), with
 * the keys of CloudNativePG's app Secret. The password and the URI carrying it are secret outputs.
 */
export function appSecret(
  topology: SelfHostedTopology,
  pool: Pool,
  name: string,
  password: pulumi.Input<string>,
): k8s.core.v1.SecretArgs {
  const target = topology.kubernetes.appSecret;
  if (!target) throw new Error("appSecret: the topology has no kubernetes.appSecret");
  const host = serviceHost(pool.service, topology.kubernetes);
  const port = String(POOL_SERVICE_PORT);
  const sslmode = topology.access.requireTls ? "require" : "prefer";
  const uri = pulumi
    .secret(password)
    .apply(
      (secret) =>
        `postgresql://${topology.user}:${encodeURIComponent(secret)}@${host}:${port}/${topology.database}?sslmode=${sslmode}`,
    );
  return {
    metadata: { name, namespace: target.namespace, labels: baseLabels(topology, "pgbouncer") },
    type: "kubernetes.io/basic-auth",
    stringData: {
      username: topology.user,
      password: pulumi.secret(password),
      host,
      port,
      dbname: topology.database,
      uri,
    },
  };
}
