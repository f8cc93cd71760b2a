/**
 * The kubernetes block of a selfHosted stack, resolved once: the engine that runs PostgreSQL, and the images each
 * needs.
 */
import { CNPG_IMAGES, STATEFULSET_IMAGES } from "../facts/images";
import type { SelfHostedConfig } from "./schema";
import { type ClientSelector, defaultClients } from "./clientSelectors";
import { INTERNAL_LOAD_BALANCER } from "./kubernetesFields";

/** Who runs PostgreSQL on Kubernetes: this project's StatefulSets, or the CloudNativePG operator. */
export type KubernetesEngine = { name: "statefulset" } | CnpgEngine;
export type CnpgEngine = {
  name: "cloudnative-pg";
  installOperator: boolean;
  operatorNamespace: string;
  /** The region whose Cluster is the distributed topology's primary (undefined: the stack's own region). */
  primaryRegion?: string;
  promotionToken?: string;
  /** Per other region: where its exposed designated primary is reached from other regions. */
  regionHosts: Readonly<Record<string, string>>;
};

/**
 * The applications' connection Secrets (kubernetes.appSecret): where they go, and how their `uri` checks the pool's
 * certificate when TLS is required.
 */
export interface AppSecretTarget {
  namespace: string;
  name: string;
  /** verify-full: the chain to the stack's CA and the pool's name; require: encryption only (opted out, warned). */
  sslmode: "verify-full" | "require";
  /** Where the applications mount the Secret's ca.crt: the uri names it; absent, libpq's PGSSLROOTCERT or default. */
  sslrootcert?: string;
}

export interface ResolvedKubernetes {
  namespace: string;
  createNamespace: boolean;
  /** The cluster's DNS domain: in-cluster names are <service>.<namespace>.svc.<clusterDomain>. */
  clusterDomain: string;
  storageClass?: string;
  antiAffinity: "preferred" | "required";
  images: { postgres: string; pgbouncer: string };
  /** statefulset engine: images.postgres runs pgBackRest (the pinned build, or declared so by the user). */
  postgresHasPgbackrest: boolean;
  /** The writer pod (the primary's, unless a failover made another). */
  writer: string;
  /** kubernetes.writer was set in stack config (the cloudnative-pg engine elects its writer itself). */
  writerGiven: boolean;
  loadBalancerAnnotations: Readonly<Record<string, string>>;
  /** The annotations the user wrote (kubernetes.loadBalancerAnnotations), before the defaults: they name the cloud. */
  userLoadBalancerAnnotations: Readonly<Record<string, string>>;
  /** kubernetes.publicLoadBalancer: the exposed primary's Service goes without the internal-LB annotations. */
  publicLoadBalancer: boolean;
  /** Where the applications' connection Secrets go (kubernetes.appSecret); absent: none. */
  appSecret?: AppSecretTarget;
  /** Application pods the primary's region admits to its pools and servers by label (allowedClients). */
  allowedClients: readonly ClientSelector[];
  engine: KubernetesEngine;
  monitoring: {
    prometheusOperator: boolean;
    releaseLabel: string;
    grafanaDashboard: boolean;
    scrapers: Readonly<Record<string, string>>;
    images: { postgresExporter: string; pgbouncerExporter: string };
  };
}

function engineOf(config: SelfHostedConfig): KubernetesEngine {
  const { engine, cloudnativePg } = config.kubernetes;
  if (engine === "statefulset") return { name: "statefulset" };
  return {
    name: "cloudnative-pg",
    installOperator: cloudnativePg.installOperator,
    operatorNamespace: cloudnativePg.operatorNamespace,
    ...(cloudnativePg.primaryRegion !== undefined ? { primaryRegion: cloudnativePg.primaryRegion } : {}),
    ...(cloudnativePg.promotionToken !== undefined ? { promotionToken: cloudnativePg.promotionToken } : {}),
    regionHosts: cloudnativePg.regionHosts,
  };
}

/** Backups and restores run pgBackRest in the database pods: the official image has none. */
function needsPgbackrest(config: SelfHostedConfig): boolean {
  return config.backup.enabled || config.restore !== undefined;
}

/**
 * Each engine runs its own images: CloudNativePG's instance manager needs the operator's PostgreSQL and PgBouncer
 * images.
 */
function imagesOf(config: SelfHostedConfig): { postgres: string; pgbouncer: string } {
  const given = config.kubernetes.images;
  if (config.kubernetes.engine === "cloudnative-pg") {
    return {
      postgres: given.postgres ?? CNPG_IMAGES.postgres[config.postgresVersion],
      pgbouncer: given.pgbouncer ?? CNPG_IMAGES.pgbouncer,
    };
  }
  const postgres = needsPgbackrest(config) ? STATEFULSET_IMAGES.postgresWithBackup : STATEFULSET_IMAGES.postgres;
  return {
    postgres: given.postgres ?? postgres(config.postgresVersion),
    pgbouncer: given.pgbouncer ?? STATEFULSET_IMAGES.pgbouncer,
  };
}

/** allowedClients, or the default client peer of the stack's own namespace. */
export function allowedClientsOf(config: SelfHostedConfig): readonly ClientSelector[] {
  return config.allowedClients ?? defaultClients(config.name);
}

function appSecretOf(config: SelfHostedConfig): { appSecret?: AppSecretTarget } {
  const given = config.kubernetes.appSecret;
  if (!given) return {};
  const { namespace, name, sslmode, sslrootcert } = given;
  return {
    appSecret: {
      namespace,
      name: name ?? `${config.name}-app`,
      sslmode,
      ...(sslrootcert !== undefined ? { sslrootcert } : {}),
    },
  };
}

export function resolveKubernetes(config: SelfHostedConfig): ResolvedKubernetes {
  const { kubernetes } = config;
  return {
    // A per-change stack gets a namespace of its own, so previews of different changes never meet.
    namespace: config.changeId !== undefined ? `${kubernetes.namespace}-${config.changeId}` : kubernetes.namespace,
    createNamespace: kubernetes.createNamespace,
    clusterDomain: kubernetes.clusterDomain,
    ...(kubernetes.storageClass !== undefined ? { storageClass: kubernetes.storageClass } : {}),
    antiAffinity: kubernetes.antiAffinity,
    images: imagesOf(config),
    postgresHasPgbackrest:
      kubernetes.images.postgres === undefined ? needsPgbackrest(config) : kubernetes.images.postgresHasPgbackrest,
    writer: kubernetes.writer ?? `${config.name}-primary-0`,
    writerGiven: kubernetes.writer !== undefined,
    // The user's annotations go over the internal-load-balancer defaults; only publicLoadBalancer drops them.
    loadBalancerAnnotations: kubernetes.publicLoadBalancer
      ? kubernetes.loadBalancerAnnotations
      : { ...INTERNAL_LOAD_BALANCER, ...kubernetes.loadBalancerAnnotations },
    userLoadBalancerAnnotations: kubernetes.loadBalancerAnnotations,
    publicLoadBalancer: kubernetes.publicLoadBalancer,
    ...appSecretOf(config),
    allowedClients: allowedClientsOf(config),
    engine: engineOf(config),
    monitoring: {
      prometheusOperator: config.monitoring.prometheusOperator,
      releaseLabel: config.monitoring.releaseLabel,
      grafanaDashboard: config.monitoring.grafanaDashboard,
      scrapers: config.monitoring.scrapers,
      images: config.monitoring.images,
    },
  };
}
