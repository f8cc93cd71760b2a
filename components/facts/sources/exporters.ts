/** Sources: postgres_exporter and pgbouncer_exporter. */
import type { Source } from "./source";

export const EXPORTER_SOURCES = {
  postgresExporterDebian: {
    url: "https://packages.debian.org/bookworm/prometheus-postgres-exporter",
    title: "Debian 12 prometheus-postgres-exporter",
    note: "0.11.1-3+b5, as installed on this machine (the local backend runs it)",
  },
  postgresExporter0111: {
    repo: "prometheus-community/postgres_exporter",
    ref: "v0.11.1",
    note: "the version Debian 12 ships (local backend)",
  },
  postgresExporter0171: {
    repo: "prometheus-community/postgres_exporter",
    ref: "v0.17.1",
    note: "the version of the pinned image (Kubernetes)",
  },
  pgbouncerExporter: { repo: "prometheus-community/pgbouncer_exporter", ref: "v0.12.1" },
} as const satisfies Record<string, Source>;
