/**
 * The libpq sslmode each connection of a topology uses, decided once for every
 * backend that runs PostgreSQL (the Kubernetes manifests and the local runner).
 */
import type { DatabaseNode, Topology } from "../topology/types";

export type SslMode = "disable" | "prefer" | "require" | "verify-ca";

/**
 * A standby's connection to the primary. Across regions it crosses a WAN: TLS, verified
 * against the stack's own CA, so only this stack's primary can serve it WAL. In-region:
 * required when the stack requires TLS, preferred when the servers have certificates.
 */
export function replicationSslMode(topology: Topology, node: DatabaseNode): SslMode {
  if (!topology.access.tls) return "disable";
  if (node.remote) return "verify-ca";
  return topology.access.requireTls ? "require" : "prefer";
}

/** PgBouncer's server connections (server_tls_sslmode). */
export function serverTlsMode(topology: Topology): "disable" | "prefer" | "require" {
  if (!topology.access.tls) return "disable";
  return topology.access.requireTls ? "require" : "prefer";
}
