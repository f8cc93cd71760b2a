/** Sources: The CloudNativePG operator and its chart. */
import type { Source } from "./source";

export const CNPG_SOURCES = {
  cnpg: { repo: "cloudnative-pg/cloudnative-pg", ref: "v1.30.0" },
  cnpg129: { repo: "cloudnative-pg/cloudnative-pg", ref: "v1.29.0" },
  cnpgCharts: { repo: "cloudnative-pg/charts", ref: "cloudnative-pg-v0.29.0" },
  cnpgMachinery: { repo: "cloudnative-pg/machinery", ref: "v0.5.0" },
  cnpgIssue4964: {
    url: "https://github.com/cloudnative-pg/cloudnative-pg/issues/4964",
    title: "cloudnative-pg/cloudnative-pg issue #4964",
  },
  cnpgModelsPackage: {
    url: "https://www.npmjs.com/package/@kubernetes-models/cloudnative-pg/v/1.0.0",
    title: "npm @kubernetes-models/cloudnative-pg 1.0.0",
    note: "read from node_modules",
  },
  kubernetesModels: {
    repo: "tommy351/kubernetes-models-ts",
    ref: "679e32095f646cfc7677ef4bdf0a4eb0c9967d23",
    note: "the Version Packages commit that made @kubernetes-models/cloudnative-pg 1.0.0",
  },
  tlsProvider: { repo: "hashicorp/terraform-provider-tls", ref: "d72d90e1" },
  pulumiIssue3364: {
    url: "https://github.com/pulumi/pulumi/issues/3364",
    title: 'pulumi/pulumi issue #3364: Allow applications to handle "not found" errors from <resource>.get()',
  },
  postgresContainers: {
    url: "https://github.com/cloudnative-pg/postgres-containers",
    title: "CloudNativePG PostgreSQL container images (minimal, standard, system flavours)",
  },
  topologySpreadDocs: {
    url: "https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/",
    title: "Kubernetes: Pod Topology Spread Constraints",
  },
  wellKnownLabels: {
    url: "https://kubernetes.io/docs/reference/labels-annotations-taints/#topologykubernetesiozone",
    title: "Kubernetes: Well-Known Labels, topology.kubernetes.io/zone",
  },
  libpqConnectDocs: {
    url: "https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS",
    title: "PostgreSQL: libpq parameter key words",
  },
} as const satisfies Record<string, Source>;
