/**
 * The libpq sslmode each connection of a topology uses, decided once for every
 * backend that runs PostgreSQL (the Kubernetes manifests and the local runner).
 */
import { PGBOUNCER } from "../facts/postgres";
import type { DatabaseNode, Topology } from "../topology/types";
import { versionAtLeast } from "../ground/versions";

export type SslMode = "disable" | "prefer" | "verify-ca" | "verify-full";

/**
 * Where a standby's certificate check can include the host name: every backend's certificates name the hosts standbys
 * of their own region dial (a Service, the local addresses); across regions only a configured primaryHost is named
 * (Kubernetes: a load balancer's address is known only after the certificate was issued).
 */
export interface StandbyNames {
  remotePrimaryNamed: boolean;
}

/**
 * A standby's connection to the primary. With TLS required: the chain to the stack's own CA and the host name
 * (verify-full), so only this stack's primary can serve it WAL; across regions without a named primary host the
 * chain only (verify-ca). Not required: preferred (a man in the middle could strip TLS, so checking it adds nothing),
 * except across regions, where it is verified all the same.
 */
export function replicationSslMode(topology: Topology, node: DatabaseNode, names: StandbyNames): SslMode {
  if (!topology.access.tls) return "disable";
  if (node.remote) return names.remotePrimaryNamed ? "verify-full" : "verify-ca";
  return topology.access.requireTls ? "verify-full" : "prefer";
}

/** A mode that reads the CA (sslrootcert) besides encrypting. */
export function verifiesChain(mode: SslMode): mode is "verify-ca" | "verify-full" {
  return mode === "verify-ca" || mode === "verify-full";
}

/** PgBouncer's server connections: verified in full against the stack's CA when TLS is required. */
export type ServerTls = { sslmode: "disable" | "prefer" } | { sslmode: "verify-full" | "verify-ca"; caFile: string };

export function serverTls(topology: Topology, caFile: string): ServerTls {
  if (!topology.access.tls) return { sslmode: "disable" };
  return topology.access.requireTls ? { sslmode: "verify-full", caFile } : { sslmode: "prefer" };
}

/**
 * A pool dialling a host list (the local read pool): PgBouncer before 1.25 checks each server's certificate against
 * the whole list as one name, which no certificate holds (PGBOUNCER.verifiesEachHostOfAListFrom); there it checks the
 * chain only.
 */
export function serverTlsForTarget(tls: ServerTls, host: string, pgbouncerVersion: string): ServerTls {
  if (tls.sslmode !== "verify-full" || !host.includes(",")) return tls;
  if (versionAtLeast(pgbouncerVersion, PGBOUNCER.verifiesEachHostOfAListFrom.value)) return tls;
  return { sslmode: "verify-ca", caFile: tls.caFile };
}
