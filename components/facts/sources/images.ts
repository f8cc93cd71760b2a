/** Sources: The images a stack runs: their Dockerfiles, entrypoints and documentation. */
import type { Source } from "./source";

export const IMAGE_SOURCES = {
  dockerPostgres: {
    repo: "docker-library/postgres",
    ref: "6edb0a8c",
    note: "the official postgres image: Dockerfiles and docker-entrypoint.sh per major and variant",
  },
  dockerPostgresDocs: {
    repo: "docker-library/docs",
    ref: "c4a9ba41443427b2ec1d5c4cc01879076aa4a1eb",
    note: "the postgres image's documentation (Docker Hub page)",
  },
  dockerPgbouncer: { repo: "edoburu/docker-pgbouncer", ref: "v1.25.1-p0" },
} as const satisfies Record<string, Source>;
