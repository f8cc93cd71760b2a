/**
 * The CloudNativePG operator this engine targets, and the behaviour of its
 * resources the manifests rely on. Sources: cloudnative-pg/cloudnative-pg at tag
 * v1.30.0 and cloudnative-pg/charts at tag cloudnative-pg-v0.29.0.
 */
import { cite, fact } from "../fact";
import { CNPG_IMAGES } from "../images";

const WEBHOOK = "internal/webhook/v1/cluster_webhook.go";

export const CNPG_OPERATOR = {
  version: fact(
    "1.30.0",
    cite("cnpg", "pkg/versions/versions.go:26", "Version"),
    cite("cnpg", "docs/src/supported_releases.md:92", "1.30.x supported, Kubernetes 1.34-1.36, PostgreSQL 14-18"),
  ),
  apiVersion: fact("postgresql.cnpg.io/v1", cite("cnpg", "api/v1/groupversion_info.go")),
  crds: fact(
    { cluster: "clusters.postgresql.cnpg.io", pooler: "poolers.postgresql.cnpg.io" },
    cite("cnpg", "config/crd/bases/postgresql.cnpg.io_clusters.yaml, postgresql.cnpg.io_poolers.yaml"),
  ),
  helm: fact(
    { repo: "https://cloudnative-pg.github.io/charts", chart: "cloudnative-pg", version: "0.29.0" },
    cite("cnpgCharts", "charts/cloudnative-pg/Chart.yaml", "version 0.29.0, appVersion 1.30.0, kubeVersion >=1.29.0-0"),
    cite(
      "cnpgCharts",
      "README.md:29-36",
      "helm repo add cnpg …; helm upgrade --install cnpg --namespace cnpg-system --create-namespace cnpg/cloudnative-pg",
    ),
  ),
  /**
   * A Pooler without spec.pgbouncer.clientTLSSecret presents its Cluster's server certificate to clients
   * (client_tls_cert_file from the Cluster's serverTLSSecret), so clients verify it against the server CA.
   */
  poolerServesServerCertificate: fact(
    true,
    cite(
      "cnpg",
      "api/v1/pooler_funcs.go:71-77 GetClientTLSSecretNameOrDefault",
      "spec.pgbouncer.clientTLSSecret, else cluster.GetServerTLSSecretName()",
    ),
    cite(
      "cnpg",
      "pkg/management/pgbouncer/config/config.go:139,255",
      "client_tls_cert_file = the ClientTLS Secret's tls.crt",
    ),
  ),
  /** Fields this stack renders that older operators lack; the installed CRD must have them. */
  /**
   * The operator's own in-cluster names (its server certificates' SANs, the app Secret's fqdn-uri) end in
   * KUBERNETES_CLUSTER_DOMAIN (default cluster.local), read from its configuration ConfigMap, which the chart fills
   * from values config.data.
   */
  clusterDomainSetting: fact(
    { key: "KUBERNETES_CLUSTER_DOMAIN", default: "cluster.local", chartValues: ["config", "data"] },
    cite(
      "cnpg",
      "internal/configuration/configuration.go:47-49,178-180",
      'env:"KUBERNETES_CLUSTER_DOMAIN", default "cluster.local"',
    ),
    cite(
      "cnpg",
      "api/v1/cluster_funcs.go:1151",
      "GetClusterAltDNSNames: <service>.<namespace>.svc.<KubernetesClusterDomain>",
    ),
    cite("cnpg", "pkg/specs/secrets.go:45-50", "fqdn-uri host: <service>.<namespace>.svc.<KubernetesClusterDomain>"),
    cite(
      "cnpgCharts",
      "charts/cloudnative-pg/values.yaml:70-84",
      "config.data: the content of the operator's configmap",
    ),
  ),
  requiredCrdFields: fact(
    [
      { path: ["spec", "probes", "readiness", "maximumLag"], since: "1.26.0" },
      { path: ["spec", "postgresql", "synchronous", "dataDurability"], since: "1.25.0" },
    ],
    cite("cnpg", "api/v1/cluster_types.go:593-605", "ProbeWithStrategy, first in v1.26.0"),
    cite("cnpg", "api/v1/cluster_types.go:1503-1552", "dataDurability, first in v1.25.0"),
    cite("cnpg", "config/crd/bases/postgresql.cnpg.io_clusters.yaml:4924"),
  ),
  /** Default images of the release; tags are versions (the webhook refuses latest and digest-only names). */
  images: fact(
    CNPG_IMAGES,
    cite("cnpg", ".github/pg_versions.json", "CI tests 15.18/16.14/17.10 (and the minor before each)"),
    cite(
      "cnpg",
      "docs/src/index.md:89-100",
      "minimal, standard, system (deprecated: removed with in-core Barman Cloud)",
    ),
    cite("postgresContainers", undefined, "tags <minor>-<flavour>-<distro>, e.g. 17.10-standard-trixie"),
    cite("cnpg", "pkg/versions/versions.go:35", "DefaultPgbouncerImage"),
    cite("cnpg", `${WEBHOOK}:771-810`, "tag must be a version"),
  ),
  /** The PostgreSQL minors 1.30.0's CI runs its end-to-end tests on, newest first, and the image flavours. */
  ciTested: fact(
    {
      minors: {
        14: ["14.23", "14.22"],
        15: ["15.18", "15.17"],
        16: ["16.14", "16.13"],
        17: ["17.10", "17.9"],
      } as Readonly<Record<number, readonly string[]>>,
      flavours: ["minimal", "standard"] as readonly string[],
      deprecatedFlavour: "system",
    },
    cite("cnpg", ".github/pg_versions.json"),
    cite("cnpg", "docs/src/index.md:89-100", "system images deprecated"),
  ),
  /**
   * The Cluster's own Services: -rw (the primary, or a replica cluster's designated primary), -ro (replicas only), -r
   * (every instance).
   */
  services: fact(
    { rw: "-rw", ro: "-ro", r: "-r" },
    cite("cnpg", "pkg/specs/services.go:104-165"),
    cite("cnpg", "api/v1/cluster_funcs.go:698-718"),
  ),
  /** Labels on instance pods. */
  labels: fact(
    {
      cluster: "cnpg.io/cluster",
      instanceRole: "cnpg.io/instanceRole",
      primary: "primary",
      podRole: "cnpg.io/podRole",
      pooler: "cnpg.io/poolerName",
    },
    cite("cnpg", "pkg/utils/labels_annotations.go:79, 92, 104, 112"),
    cite("cnpg", "pkg/specs/pods.go:68", 'ClusterRoleLabelPrimary = "primary"'),
    cite("cnpg", "pkg/specs/services.go", "-rw selector: cnpg.io/cluster + cnpg.io/instanceRole=primary"),
  ),
  /**
   * The instances' PostgreSQL port is named "postgresql" (not "postgres"): the operator's own Services target it by
   * number.
   */
  postgresPort: fact(
    { name: "postgresql", number: 5432 },
    cite("cnpg", "pkg/specs/pods.go:262-267"),
    cite("cnpg", "pkg/specs/services.go:35-44", "TargetPort: intstr.FromInt32(postgres.ServerPort)"),
  ),
  /**
   * spec.inheritedMetadata: "Metadata that will be inherited by all objects related to the Cluster" (pods and Jobs
   * included).
   */
  inheritedMetadata: fact(true, cite("cnpg", "api/v1/cluster_types.go:217-219")),
  /** The instance manager's HTTP port: the operator calls every instance on it (status, promote, backups). */
  statusPort: fact(
    8000,
    cite("cnpg", "pkg/management/url/url.go:79", "StatusPort"),
    cite("cnpg", "pkg/management/postgres/webserver/client/remote/instance.go:320"),
  ),
  metricsPort: fact(9187, cite("cnpg", "pkg/management/url/url.go:34", "PostgresMetricsPort")),
  /**
   * Instances are pods <cluster>-<serial>; standbys stream with application_name = pod name on slot <slotPrefix><pod
   * name with - as _>.
   */
  instanceNaming: fact(
    { slotPrefix: "_cnpg_" },
    cite("cnpg", "pkg/management/postgres/conninfo.go:40", "application_name=<pod>"),
    cite("cnpg", "api/v1/cluster_types.go:1304-1370", "slotPrefix default _cnpg_"),
    cite("cnpg", "pkg/management/postgres/instance_replica.go:72-75", "GetSlotNameFromInstanceName"),
  ),
  /** Instances are cloned by pg_basebackup without --max-rate: replication.basebackupMaxRate cannot throttle them. */
  cloneUnthrottled: fact(
    true,
    cite("cnpg", "pkg/management/postgres/join.go:40-70", "ClonePgData: pg_basebackup -D -v -w -d, no --max-rate"),
  ),
  /** A replica cluster's designated primary streams from its source without a replication slot. */
  replicaClusterHasNoSlot: fact(
    true,
    cite(
      "cnpg",
      "internal/cmd/manager/instance/pgbasebackup/cmd.go:158-161",
      "'TODO: Using a replication slot on replica cluster is not supported (yet?)'",
    ),
    cite("cnpg", "pkg/management/postgres/instance_replica.go:94", 'UpdateReplicaConfiguration(…, "")'),
  ),
  /**
   * cluster_name is fixed to the Cluster's name on every instance; a designated primary's walreceiver reports it as
   * application_name unless connectionParameters set one.
   */
  clusterNameIsClusterName: fact(
    true,
    cite("cnpg", "pkg/postgres/configuration.go", "cluster_name fixed, set to the Cluster name"),
  ),
  /** The Cluster reports a condition of type Ready; the Pulumi provider awaits it through pulumi.com/waitFor. */
  readyCondition: fact(
    "condition=Ready",
    cite("cnpg", "api/v1/cluster_types.go:1178", 'ConditionClusterReady = "Ready"'),
    cite("pulumiKubernetes", "provider/pkg/metadata/overrides.go:81-95", 'pulumi.com/waitFor: "condition=…"'),
  ),
  /** No automated failover across Kubernetes clusters: a replica cluster is promoted declaratively. */
  noCrossClusterFailover: fact(
    true,
    cite("cnpg", "docs/src/architecture.md:424", "'CloudNativePG cannot perform any cross-cluster automated failover'"),
  ),
  /**
   * User-provided certificates: server (serverTLSSecret + serverCASecret) and client (replicationTLSSecret +
   * clientCASecret).
   */
  userCertificates: fact(
    { replicationUser: "streaming_replica" },
    cite("cnpg", "docs/src/certificates.md:119-135, 260-285"),
    cite(
      "cnpg",
      `${WEBHOOK}:531-572`,
      "serverTLSSecret needs serverCASecret; replicationTLSSecret needs clientCASecret",
    ),
  ),
  /**
   * Which CA keys the operator reads. The server CA's ca.key only when it must sign the server certificate itself
   * (no serverTLSSecret); the client CA's when it signs streaming_replica's (no replicationTLSSecret) and always for
   * its poolers' auth certificates (cnpg_pooler_pgbouncer). So a stack that brings both certificates needs no server
   * CA key in the cluster, and one with Poolers needs the client CA's.
   */
  caKeys: fact(
    { serverCaKeyNeeded: false, clientCaKeyNeededForPoolers: true },
    cite("cnpg", "internal/controller/cluster_pki.go:138-147", 'ca.key parsed only if ServerTLSSecret == ""'),
    cite("cnpg", "internal/controller/cluster_pki.go:101-108", 'ca.key parsed only if ReplicationTLSSecret == ""'),
    cite(
      "cnpg",
      "internal/controller/cluster_create.go:275-306",
      "reconcilePoolerSecrets: ensureLeafCertificate(PGBouncerPoolerUserName, clientCaSecret, CertTypeClient)",
    ),
  ),
  /**
   * A certificate the operator signed is re-signed only when it nears expiry or its DNS names change, never because
   * the CA Secret changed; and of a ca.crt holding several certificates, the first is the CA it signs with (its key
   * must match it). So a new client CA must be put first, and the one the poolers' certificates were signed with kept
   * trusted after it.
   */
  leafRenewal: fact(
    { resignsOnCaChange: false, signingCaIsFirstInBundle: true },
    cite("cnpg", "pkg/certs/k8s.go:97-116", "RenewLeafCertificate: if !expiring && altDNSNamesMatch { return false }"),
    cite("cnpg", "pkg/certs/certs.go:99-106", "ParseCertificate: pem.Decode, the first block"),
    cite("cnpg", "pkg/certs/certs.go:385-403", "ParseCASecret: tls.X509KeyPair(ca.crt, ca.key)"),
  ),
  /**
   * The instance manager rewrites the certificate and CA files when their Secrets (or the Cluster's status naming
   * them) change, and PostgreSQL reloads: no restart. So switching clientCASecret, or a new streaming_replica
   * certificate, reaches running instances in place.
   */
  certificateRefresh: fact(
    { restart: false },
    cite(
      "cnpg",
      "pkg/reconciler/instance/certificate/reconciler.go:63-110",
      "RefreshSecrets: without reloading… the invoker reloads",
    ),
    cite(
      "cnpg",
      "pkg/reconciler/instance/certificate/reconciler.go:237-249",
      "refreshClientCA: Status.Certificates.ClientCASecret",
    ),
  ),
  /** A Cluster's name: a DNS-1035 label of at most 50 characters. */
  clusterNameMaxLength: fact(
    50,
    cite("cnpg", `${WEBHOOK}:1839-1857`, "'the maximum length of a cluster name is 50 characters'"),
  ),
  /**
   * The operator parses ca.key and tls.key as SEC1 EC keys, which is what @pulumi/tls writes for ECDSA
   * (private_key_pem).
   */
  ecKeys: fact(
    "EC PRIVATE KEY",
    cite("cnpg", "pkg/certs/certs.go:88-95", "x509.ParseECPrivateKey"),
    cite("tlsProvider", "internal/provider/resource_private_key.go:202-211", "ECDSA: x509.MarshalECPrivateKey"),
  ),
  /**
   * The operator reads the PostgreSQL version from spec.imageName's tag, so its webhook refuses an image without a
   * version tag: none (which means latest), latest, a digest alone, or a tag not starting with the version; and majors
   * below 13. A digest may follow a version tag (name:16.10@sha256:…).
   */
  imageTag: fact(
    { minimumMajor: 13 },
    cite("cnpg", `${WEBHOOK}:769-810`, "validateImageName"),
    cite("cnpg", `${WEBHOOK}:1058-1070`, "Versions 13 or newer"),
    cite("cnpg", "api/v1/cluster_funcs.go:468-489", "GetPostgresqlMajorVersion"),
    cite("cnpgMachinery", "pkg/image/reference/imagename.go", "New: no tag and no digest is latest"),
    cite("cnpgMachinery", "pkg/postgres/version/version.go", "FromTag"),
  ),
  /** Reserved role names that managed roles may not use. */
  reservedRoles: fact(
    ["postgres", "streaming_replica"],
    cite("cnpg", "pkg/postgres/roles.go:24-50", "also cnpg_* and pg_* prefixes"),
  ),
} as const;
