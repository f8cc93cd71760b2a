/**
 * The `kubernetes` block of a selfHosted stack's config: namespace, scheduling, engine, images, writer, load balancer.
 */
import { z } from "zod";
import { CLUSTER_DNS } from "../facts/kubernetes";
import { bool, doc, dnsDomain, dnsLabel, fail } from "./fields";

/** A file's absolute path in a container, as a URL parameter carries it whole (no spaces, quotes or `&`). */
const mountPath = z
  .string()
  .transform((path, ctx) =>
    /^\/[A-Za-z0-9._/-]+$/.test(path)
      ? path
      : fail(
          ctx,
          path,
          "must be an absolute path of letters, digits, '.', '_', '-' and '/'",
          "give the path where the applications mount the Secret's ca.crt, e.g. /etc/db/ca.crt",
        ),
  );

export const KUBERNETES_ENGINES = ["statefulset", "cloudnative-pg"] as const;

/**
 * The exposed primary must stay private: each cloud's controller reads its own annotation and
 * ignores the others'. AWS in-tree controller and AWS Load Balancer Controller, GKE, AKS.
 */
export const INTERNAL_LOAD_BALANCER: Readonly<Record<string, string>> = {
  "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
  "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
  "networking.gke.io/load-balancer-type": "Internal",
  "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
};

export const kubernetes = z.strictObject({
  namespace: doc(dnsLabel(63), "namespace of every object (per region)"),
  createNamespace: doc(bool.prefault(true), "create the namespace"),
  clusterDomain: doc(
    dnsDomain.prefault(CLUSTER_DNS.defaultDomain.value),
    "the cluster's DNS domain (the kubelet's clusterDomain): every in-cluster host name (<service>.<namespace>.svc.<clusterDomain>) and server certificate name ends in it; cloudnative-pg with installOperator: also the operator's KUBERNETES_CLUSTER_DOMAIN",
  ),
  storageClass: doc(z.string().min(1).optional(), "storage class of the data volumes", "the cluster's default"),
  antiAffinity: doc(
    z.enum(["preferred", "required"]).prefault("preferred"),
    "required: at most one database pod per node",
  ),
  engine: doc(
    z.enum(KUBERNETES_ENGINES).prefault("statefulset"),
    "statefulset: this project's StatefulSets, failover by `pg-read-replicas kubernetes failover`; cloudnative-pg: CloudNativePG 1.30 Clusters and Poolers, automatic failover by the operator (which must be installed, or set kubernetes.cloudnativePg.installOperator)",
  ),
  cloudnativePg: z
    .strictObject({
      installOperator: doc(
        bool.prefault(false),
        "cloudnative-pg engine: install the operator from its Helm chart (cloudnative-pg 0.29.0) in every region's cluster, and with backup or restore the Barman Cloud plugin 0.14.0 from its release manifest (needs cert-manager; operatorNamespace cnpg-system); false: the stack checks both are installed",
      ),
      operatorNamespace: doc(
        dnsLabel(63).prefault("cnpg-system"),
        "cloudnative-pg engine: namespace of the operator (where installOperator puts it)",
      ),
      primaryRegion: doc(
        z.string().min(1).optional(),
        "cloudnative-pg engine with crossRegion replicas: the region whose Cluster is the primary of the distributed topology (replica.primary); changing it demotes the current one and promotes this one",
        "region",
      ),
      promotionToken: doc(
        z.string().min(1).optional(),
        "cloudnative-pg engine: the demoted Cluster's status.demotionToken, set with primaryRegion for a switchover without rebuilding the former primary (replica.promotionToken); remove it once the promotion is done",
        "none: a promotion without it is a failover",
      ),
      regionHosts: doc(
        z.record(z.string(), z.string().min(1)).prefault({}),
        "cloudnative-pg engine: per crossRegion region, the address of its <name>-<region>-rw-external Service, from which other regions' Clusters stream once it is the primary; required for primaryRegion and the region it demotes",
        "{}",
      ),
    })
    .prefault({}),
  images: z
    .strictObject({
      postgres: doc(
        z.string().min(1).optional(),
        "PostgreSQL image; cloudnative-pg: its tag must start with the PostgreSQL version, of postgresVersion's major (the operator reads the version from it), e.g. 16.14-standard-trixie",
        "postgres:<postgresVersion>-bookworm; with backup or restore: pg-read-replicas/postgres-pgbackrest:<postgresVersion>-bookworm-2.45 (built from images/postgres-pgbackrest); cloudnative-pg: ghcr.io/cloudnative-pg/postgresql:<minor>-standard-trixie (the minor 1.30.0's CI tests)",
      ),
      postgresHasPgbackrest: doc(
        bool.prefault(false),
        "statefulset engine: images.postgres has pgBackRest 2.45 on its PATH (e.g. built from images/postgres-pgbackrest); required to set images.postgres on a stack with backup or restore",
      ),
      pgbouncer: doc(
        z.string().min(1).optional(),
        "PgBouncer image",
        "edoburu/pgbouncer:v1.25.1-p0; cloudnative-pg: ghcr.io/cloudnative-pg/pgbouncer:1.25.1",
      ),
    })
    .prefault({}),
  writer: doc(
    z.string().min(1).optional(),
    "statefulset engine: the pod that is the writer: after `pg-read-replicas kubernetes failover --to <pod>`, that pod (the rw Service follows it; the old primary's StatefulSet stays at 0)",
    "<name>-primary-0",
  ),
  appSecret: doc(
    z
      .strictObject({
        namespace: doc(dnsLabel(63), "namespace the applications run in (it must exist)"),
        name: doc(dnsLabel(63).optional(), "name of the write pool's Secret; the read pool's adds -ro", "<name>-app"),
        sslmode: doc(
          z.enum(["verify-full", "require"]).prefault("verify-full"),
          "with TLS required, the uri's sslmode: verify-full checks the pool's certificate (chain to the stack's CA, name); require only encrypts (warned: for applications not yet given the CA)",
        ),
        sslrootcert: doc(
          mountPath.optional(),
          "where the applications mount the Secret's ca.crt (e.g. /etc/db/ca.crt): the uri then names it, so libpq and node-postgres verify with nothing else set",
          "none: libpq reads PGSSLROOTCERT, else ~/.postgresql/root.crt",
        ),
      })
      .optional(),
    "statefulset engine: Secrets with the application user's connection (keys uri, host, port, username, password, dbname, as CloudNativePG's app Secret) for the write pool and the read pool, in the applications' namespace",
    "none",
  ),
  loadBalancerAnnotations: doc(
    z.record(z.string(), z.string()).prefault({}),
    "annotations of the Service exposing the primary to other regions, merged over the internal-load-balancer ones (AWS, GKE, Azure); overriding one of those warns",
  ),
  publicLoadBalancer: doc(
    bool.prefault(false),
    "expose the primary to other regions without the internal-load-balancer annotations (still limited to the regions' cidrs by loadBalancerSourceRanges); warns",
  ),
});
