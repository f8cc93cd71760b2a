/** Secrets: generated passwords, the region's server certificate, PgBouncer's userlist. Pure. */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderUserlist } from "../../render/pgbouncerIni";
import type { AppSecretTarget, SelfHostedTopology } from "../../topology/types";
import type { ServerCertificate } from "../clusterTls";
import {
  CREDENTIAL_KEYS,
  POOL_SERVICE_PORT,
  PROBE_USER,
  VERIFIER_KEYS,
  baseLabels,
  names,
  serviceHost,
} from "../conventions";
import { scramVerifier } from "../../sql/scramVerifier";
import type { Pool } from "../../topology/types";

export interface RegionCredentials {
  superuser: pulumi.Input<string>;
  replication: pulumi.Input<string>;
  app: pulumi.Input<string>;
  heartbeatToken: pulumi.Input<string>;
  monitor: pulumi.Input<string>;
  /** The pools' readiness probe's console login (PROBE_USER): in PgBouncer's userlist only. */
  probe: pulumi.Input<string>;
}

function metadata(topology: SelfHostedTopology, name: string, component: "postgresql" | "pgbouncer") {
  return { name, namespace: topology.kubernetes.namespace, labels: baseLabels(topology, component) };
}

/** The roles whose passwords the writer sets, by their keys in the credentials Secret. */
export function verifierRoles(topology: SelfHostedTopology): Record<keyof typeof VERIFIER_KEYS, string> {
  return { app: topology.user, replication: topology.replication.user, monitor: topology.monitoring.user };
}

/**
 * The Secret's verifier keys for these passwords (a rotation sets both: tests that write a Secret by hand use this).
 * Stable for the same password (scramVerifier derives the salt), so re-rendering the Secret changes nothing.
 */
export function verifierData(
  topology: SelfHostedTopology,
  passwords: Partial<Record<keyof typeof VERIFIER_KEYS, string>>,
): Record<string, string> {
  const roles = verifierRoles(topology);
  return Object.fromEntries(
    Object.entries(passwords).map(([key, password]) => {
      const name = key as keyof typeof VERIFIER_KEYS;
      return [VERIFIER_KEYS[name], scramVerifier(roles[name], password!)];
    }),
  );
}

/** Each verifier a secret output of its password: computed by Pulumi where the password is known, never in the pod. */
function verifierOutputs(topology: SelfHostedTopology, credentials: RegionCredentials) {
  const roles = verifierRoles(topology);
  const keys = Object.keys(VERIFIER_KEYS) as (keyof typeof VERIFIER_KEYS)[];
  return Object.fromEntries(
    keys.map((key) => [
      VERIFIER_KEYS[key],
      pulumi.secret(pulumi.output(credentials[key]).apply((password) => scramVerifier(roles[key], password))),
    ]),
  );
}

/**
 * The passwords and, with `verifiers` (the statefulset engine, whose writer sets its roles' passwords), the SCRAM
 * verifier of each role's: bootstrap.sql and refresh.sh set those, so no password is ever a statement's text.
 */
export function credentialsSecret(
  topology: SelfHostedTopology,
  credentials: RegionCredentials,
  withSuperuser: boolean,
  verifiers = false,
): k8s.core.v1.SecretArgs {
  return {
    metadata: metadata(topology, names.credentials(topology), "postgresql"),
    stringData: {
      [CREDENTIAL_KEYS.replication]: credentials.replication,
      [CREDENTIAL_KEYS.app]: credentials.app,
      [CREDENTIAL_KEYS.heartbeatToken]: credentials.heartbeatToken,
      [CREDENTIAL_KEYS.monitor]: credentials.monitor,
      // The statefulset engine's pools' readiness probe; cloudnative-pg's Poolers probe themselves.
      ...(topology.kubernetes.engine.name === "statefulset" ? { [CREDENTIAL_KEYS.probe]: credentials.probe } : {}),
      // The superuser password exists only where the primary was initialised.
      ...(withSuperuser ? { [CREDENTIAL_KEYS.superuser]: credentials.superuser } : {}),
      ...(verifiers ? verifierOutputs(topology, credentials) : {}),
    },
  };
}

/** A certificate, its key and the CA, under `name` (names.tls: the database servers'; names.poolTls: the pools'). */
export function tlsSecret(
  topology: SelfHostedTopology,
  name: string,
  certificate: ServerCertificate,
): k8s.core.v1.SecretArgs {
  return {
    metadata: metadata(topology, name, "postgresql"),
    type: "kubernetes.io/tls",
    stringData: { "tls.crt": certificate.certPem, "tls.key": certificate.keyPem, "ca.crt": certificate.caPem },
  };
}

/**
 * PgBouncer's logins: the application user, the readiness probe's (a stats user), and the exporter's role (a stats
 * user) when monitoring is on.
 */
export function poolAuthSecret(
  topology: SelfHostedTopology,
  credentials: Pick<RegionCredentials, "app" | "monitor" | "probe">,
): k8s.core.v1.SecretArgs {
  const userlist = pulumi
    .all([credentials.app, credentials.monitor, credentials.probe])
    .apply(([app, monitor, probe]) =>
      topology.monitoring.enabled
        ? renderUserlist(topology.user, app, [PROBE_USER, probe], [topology.monitoring.user, monitor])
        : renderUserlist(topology.user, app, [PROBE_USER, probe]),
    );
  return {
    metadata: metadata(topology, names.poolAuth(topology), "pgbouncer"),
    stringData: { "userlist.txt": userlist },
  };
}

/**
 * The uri's TLS parameters: with TLS required, verify-full (the pool's certificate names its Service) against the
 * CA file where the applications mount `ca.crt` when the stack says where, else where libpq looks by default
 * (PGSSLROOTCERT, ~/.postgresql/root.crt); `require` only when the stack opted out. Without it, `prefer`.
 */
export function appUriTls(topology: SelfHostedTopology, target: AppSecretTarget): string {
  if (!topology.access.requireTls) return "sslmode=prefer";
  if (target.sslmode === "require") return "sslmode=require";
  return target.sslrootcert === undefined
    ? "sslmode=verify-full"
    : `sslmode=verify-full&sslrootcert=${encodeURIComponent(target.sslrootcert)}`;
}

/**
 * The application user's connection through one pool, in the applications' namespace (kubernetes.appSecret), with
 * the keys of CloudNativePG's app Secret. The password and the URI carrying it are secret outputs. `ca.crt` (public)
 * is what the uri verifies the pool against (appUriTls).
 */
export function appSecret(
  topology: SelfHostedTopology,
  pool: Pool,
  name: string,
  password: pulumi.Input<string>,
  caPem: pulumi.Input<string>,
): k8s.core.v1.SecretArgs {
  const target = topology.kubernetes.appSecret;
  if (!target) throw new Error("appSecret: the topology has no kubernetes.appSecret");
  const host = serviceHost(pool.service, topology.kubernetes);
  const port = String(POOL_SERVICE_PORT);
  const tls = appUriTls(topology, target);
  const uri = pulumi
    .secret(password)
    .apply(
      (secret) =>
        `postgresql://${topology.user}:${encodeURIComponent(secret)}@${host}:${port}/${topology.database}?${tls}`,
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
      "ca.crt": caPem,
    },
  };
}
