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
} as const satisfies Record<string, Source>;
