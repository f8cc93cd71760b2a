/** Sources: PostgreSQL and PgBouncer: the server, libpq and the pooler. */
import type { Source } from "./source";

const POSTGRES_DOCS = "https://www.postgresql.org/docs/current";

export const POSTGRES_SOURCES = {
  postgres: {
    repo: "postgres/postgres",
    ref: "REL_15_18",
    note: "the server this machine runs and the local backend boots (Debian 15.18); the messages cited are in its binary",
  },
  pgpassDocs: { url: `${POSTGRES_DOCS}/libpq-pgpass.html`, title: "PostgreSQL: The Password File" },
  standbyDocs: { url: `${POSTGRES_DOCS}/warm-standby.html`, title: "PostgreSQL: Log-Shipping Standby Servers" },
  replicationProtocolDocs: {
    url: `${POSTGRES_DOCS}/protocol-replication.html`,
    title: "PostgreSQL: Streaming Replication Protocol",
  },
  shutdownDocs: { url: `${POSTGRES_DOCS}/server-shutdown.html`, title: "PostgreSQL: Shutting Down the Server" },
  sslTcpDocs: { url: `${POSTGRES_DOCS}/ssl-tcp.html`, title: "PostgreSQL: Secure TCP/IP Connections with SSL" },
  pgbouncerConfigDocs: { url: "https://www.pgbouncer.org/config.html", title: "PgBouncer: configuration" },
} as const satisfies Record<string, Source>;
