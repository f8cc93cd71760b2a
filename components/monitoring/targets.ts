/**
 * What every scrape target is labelled with, locally (static labels) and on
 * Kubernetes (PodMonitor relabelling from pod labels), so one rules file and one
 * dashboard serve both.
 */
export const JOBS = { postgres: "pgrr-postgres", pgbouncer: "pgrr-pgbouncer" } as const;

export const TARGET_LABELS = {
  /** The stack's name: one writer per value. */
  cluster: "pgrr_cluster",
  /** primary | oltp | olap (the node's role), on database targets. */
  role: "role",
  /** The node (pod) name, = its application_name. */
  node: "pg_node",
  /** write | read | olap, on pool targets. */
  pool: "pool",
  region: "region",
} as const;

export const EXPORTER_PORTS = { postgres: 9187, pgbouncer: 9127 } as const;
