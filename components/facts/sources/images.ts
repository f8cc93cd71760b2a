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
  kubectlImage: {
    url: "https://github.com/kumahq/kuma/pull/14299",
    title: "kumahq/kuma #14299: kubectl image from registry.k8s.io (v1.32.8)",
    note: "registry.k8s.io/kubectl is the Kubernetes project's kubectl image, v1.28 the first tag there (#14300); distroless: kubectl is the entrypoint, no shell",
  },
} as const satisfies Record<string, Source>;
