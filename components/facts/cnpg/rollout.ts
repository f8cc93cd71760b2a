/**
 * What CloudNativePG 1.30.0 does to running pods when a field of a Cluster's or a Pooler's spec changes, field by field
 * for the fields this program sets: which changes recreate the instance pods (and how the operator tells a pod is
 * outdated), which are applied to the running pods (a reload, a patch, SQL), and which are read only when something is
 * created. Sources: cloudnative-pg/cloudnative-pg at tag v1.30.0 (commit 4b5e244a7d031f67e025c83c1555e7726ecbbfa1),
 * and PostgreSQL for the context of primary_conninfo. The order of a rolling update, the primary's switchover or
 * supervised wait, decreases of hot-standby-sensitive settings and the major upgrade are in updates.ts (CNPG_UPDATES).
 */
import { cite, fact } from "../fact";

/**
 * How a change of a Cluster field reaches the running instances:
 * - "rolling": the field is part of the instance pod's spec (or its image). The operator deletes the outdated pods one
 *   at a time and recreates them on the same PVCs: the replicas first, the primary last, per primaryUpdateMethod
 *   (restart: the primary's pod is deleted without a switchover; switchover: a replica is promoted first).
 * - "by-context": written into the instances' configuration and reloaded; a setting PostgreSQL then reports as
 *   pending_restart (postmaster context) makes the operator restart every instance: the replicas' pods are recreated,
 *   the primary restarted in its pod (restart) or switched over (switchover).
 * - "reload": a file in PGDATA is rewritten by the instance manager (custom.conf, pg_hba.conf, override.conf, the TLS
 *   files) and PostgreSQL is reloaded (pg_ctl reload); no pod and no postmaster restarts.
 * - "in-place": applied to the running objects without any restart: pod or PVC metadata patched, a PVC's size patched,
 *   SQL run by the instance manager, or the value read by the instance manager or the operator when it is needed.
 * - "scale": pods are added (a new serial, cloned by a join Job) or removed (with their PVCs); the rest are untouched.
 * - "creation-only": read when the Cluster or an instance's PVCs are created; a later change does nothing to running
 *   instances.
 */
export type ClusterTransition = "rolling" | "by-context" | "reload" | "in-place" | "scale" | "creation-only";

/**
 * How a change of a Pooler field reaches its PgBouncer pods:
 * - "deployment-rollout": the operator writes it into the Deployment's pod template; Kubernetes replaces the pods.
 * - "reload": the pooler's instance manager rewrites pgbouncer.ini and issues RELOAD on PgBouncer's admin console; the
 *   pod keeps running and the pod template does not change.
 * - "scale": the Deployment's replicas.
 * - "not-propagated": the operator copies it to no Deployment, pod or Service.
 */
export type PoolerTransition = "deployment-rollout" | "reload" | "scale" | "not-propagated";

type ClusterFields = Readonly<Record<string, ClusterTransition>>;
type PoolerFields = Readonly<Record<string, PoolerTransition>>;

const UPGRADE = "internal/controller/cluster_upgrade.go";
const CONTROLLER = "internal/controller/cluster_controller.go";
const CREATE = "internal/controller/cluster_create.go";
const PODS = "pkg/specs/pods.go";
const DIFF = "pkg/specs/podspec_diff.go";
const INSTANCE = "internal/management/controller/instance_controller.go";
const PG_CONFIG = "pkg/management/postgres/configuration.go";
const WEBHOOK = "internal/webhook/v1/cluster_webhook.go";
const FUNCS = "api/v1/cluster_funcs.go";
const DEPLOYMENT = "pkg/specs/pgbouncer/deployments.go";
const POOLER_UPDATE = "internal/controller/pooler_update.go";
const PGBOUNCER_MANAGER = "internal/pgbouncer/management/controller/manager.go";

export const CNPG_ROLLOUT = {
  /**
   * A pod is outdated (and recreated) when a PVC is missing, its projected volume or postgres image differs, the
   * restart annotation differs, or, unless the Cluster is annotated `cnpg.io/reconcilePodSpec: disabled`, the pod spec
   * stored in its `cnpg.io/podSpec` annotation at creation differs from the one the current Cluster spec yields
   * (specs.NewInstance). Then, without a pod change, a pending_restart setting asks for a restart. Pods that are not
   * ready are skipped.
   */
  outdatedWhen: fact(
    {
      podSpecAnnotation: "cnpg.io/podSpec",
      optOutAnnotation: "cnpg.io/reconcilePodSpec: disabled",
      compared: [
        "volumes",
        "containers (image, env, probes, command, resources, ports, securityContext, volumeMounts)",
        "init-containers",
        "security-context",
        "affinity",
        "tolerations",
        "node-selector",
        "topology-spread-constraints",
        "service-account-name",
        "scheduler-name",
        "hostname",
        "termination-grace-period",
      ],
    },
    cite("cnpg", `${UPGRADE}:319-352`, "isInstanceNeedingRollout: not ready → none; pod checks; then PendingRestart"),
    cite("cnpg", `${UPGRADE}:407-470`, "checkers: missing PVCs, projected volume, image, restart annotation; PodSpec"),
    cite("cnpg", `${UPGRADE}:698-744`, "checkPodSpecIsOutdated: stored PodSpec vs specs.NewInstance, ComparePodSpecs"),
    cite("cnpg", `${PODS}:484-528`, "NewInstance stores json(pod.Spec) in the cnpg.io/podSpec annotation"),
    cite("cnpg", `${DIFF}:36-114`, "ComparePodSpecs"),
    cite("cnpg", `${DIFF}:213-262`, "doContainersMatch"),
    cite("cnpg", "pkg/utils/labels_annotations.go:170, 189", "cnpg.io/reconcilePodSpec, cnpg.io/podSpec"),
  ),
  /**
   * What "restart" means for each pod: a replica's pod is always deleted and recreated on its PVCs (a pending_restart
   * too). Under primaryUpdateMethod restart, the primary is restarted inside its pod (PostgreSQL only, smart then fast)
   * when the only reason is pending_restart, and its pod is deleted and recreated, without a switchover, when its pod
   * spec or image is outdated.
   */
  restartKinds: fact(
    {
      replica: "pod-recreated",
      primaryForPendingRestart: "postgres-restarted-in-pod",
      primaryForPodChange: "pod-recreated",
    } as const,
    cite("cnpg", `${UPGRADE}:77-101`, "replicas: upgradePod whatever the reason"),
    cite("cnpg", `${UPGRADE}:832-858`, "upgradePod deletes the pod; it is recreated on the same storage"),
    cite("cnpg", `${UPGRADE}:343-349`, "pending restart: canBeInPlace"),
    cite(
      "cnpg",
      `${UPGRADE}:190-210`,
      "restart: in place (PhaseInplacePrimaryRestart) if possible, else PhaseInplaceDeletePrimaryRestart and upgradePod",
    ),
    cite("cnpg", `${INSTANCE}:388-415`, "the primary's instance manager runs RequestAndWaitRestartSmartFast"),
    cite("cnpg", "docs/src/rolling_update.md:38-40", "Pods will be deleted and created again with the same PVCs"),
  ),
  /** In the pod spec: the postgres image (compared with status.image), resources, and the generated affinity. */
  podSpecFields: fact(
    { imageName: "rolling", resources: "rolling", affinity: "rolling" } as const satisfies ClusterFields,
    cite("cnpg", `${UPGRADE}:554-572`, "checkPodImageIsOutdated: pod's postgres image vs cluster.Status.Image"),
    cite("cnpg", `${PODS}:183-207`, "Affinity: CreateAffinitySection(spec.affinity); tolerations; nodeSelector"),
    cite("cnpg", `${PODS}:209-281`, "postgres container: Image cluster.Status.Image, Resources cluster.Spec.Resources"),
    cite("cnpg", `${PODS}:351-445`, "enablePodAntiAffinity, podAntiAffinityType, topologyKey become pod anti-affinity"),
    cite("cnpg", `${DIFF}:77-79, 236-241`, "affinity and resources compared"),
    cite("cnpg", "docs/src/rolling_update.md:13-28", "imageName and .spec.resources trigger rolling upgrades"),
  ),
  /**
   * postgresql.parameters: every instance rewrites its configuration and reloads; a setting left pending_restart then
   * restarts the instances (see restartKinds). The operator waits until every instance reports the same configuration
   * hash before it restarts any.
   */
  parameters: fact(
    { "postgresql.parameters": "by-context" } as const satisfies ClusterFields,
    cite("cnpg", `${PG_CONFIG}:69-100`, "RefreshConfigurationFilesFromCluster rewrites custom.conf, reports a change"),
    cite("cnpg", `${PG_CONFIG}:311-328`, "UserSettings: spec.postgresql.parameters"),
    cite(
      "cnpg",
      `${INSTANCE}:206-210, 277-297`,
      "a changed file → pg_ctl reload, then processConfigReloadAndManageRestart",
    ),
    cite(
      "cnpg",
      "pkg/management/postgres/probes.go:93-103",
      "PendingRestart: EXISTS(SELECT 1 FROM pg_settings WHERE pending_restart)",
    ),
    cite("cnpg", `${UPGRADE}:343-349`, "'Postgres needs a restart to apply some configuration changes'"),
    cite("cnpg", `${CONTROLLER}:1169-1191`, "waits for a uniform configuration, then handleRollingUpdate"),
    cite(
      "cnpg",
      "docs/src/rolling_update.md:23",
      "a change in the PostgreSQL configuration requires a restart to apply",
    ),
  ),
  /** pg_hba lines: pg_hba.conf rewritten on every instance, then a reload. */
  pgHba: fact(
    { "postgresql.pg_hba": "reload" } as const satisfies ClusterFields,
    cite("cnpg", `${INSTANCE}:417-424, 1464-1488`, "refreshPGHBA"),
    cite("cnpg", `${PG_CONFIG}:131-152`, "RefreshPGHBA: writes pg_hba.conf, returns whether it changed"),
    cite("cnpg", `${INSTANCE}:277-297`, "reload"),
  ),
  /** postgresql.synchronous: synchronous_standby_names in the generated configuration (sighup), then a reload. */
  synchronous: fact(
    { "postgresql.synchronous": "reload" } as const satisfies ClusterFields,
    cite("cnpg", `${PG_CONFIG}:327`, "SynchronousStandbyNames: replication.GetSynchronousStandbyNames(ctx, cluster)"),
    cite("cnpg", `${INSTANCE}:277-297`, "reload"),
    cite(
      "postgres",
      "src/backend/utils/misc/guc.c",
      "synchronous_standby_names is PGC_SIGHUP (postgres --describe-config of this machine's 15.18: sighup)",
    ),
  ),
  /**
   * The certificate Secrets are read through the API by each instance manager into files (they are not pod volumes)
   * and a change reloads PostgreSQL.
   */
  certificates: fact(
    { certificates: "reload" } as const satisfies ClusterFields,
    cite(
      "cnpg",
      "pkg/reconciler/instance/certificate/reconciler.go:63-116",
      "RefreshSecrets: server cert, replication cert, client CA, server CA; returns changed",
    ),
    cite("cnpg", `${INSTANCE}:199-210, 277-297`, "a change → reload"),
    cite(
      "cnpg",
      "pkg/specs/volumes.go:98-162",
      "instance pod volumes: PVCs, ephemeral, shm, projected, extensions; no certificate Secret",
    ),
  ),
  /**
   * Placement and access fields of issue 23: topologySpreadConstraints are copied into the pod spec and compared by
   * the pod-spec diff (a change recreates the pods); enablePDB creates or deletes the PodDisruptionBudgets only;
   * podSelectorRefs are resolved to pod IPs into pg_hba.conf, which the instances rewrite and reload.
   */
  placementFields: fact(
    {
      topologySpreadConstraints: "rolling",
      enablePDB: "in-place",
      podSelectorRefs: "reload",
    } as const satisfies ClusterFields,
    cite("cnpg", `${PODS}:205`, "TopologySpreadConstraints: cluster.Spec.TopologySpreadConstraints"),
    cite("cnpg", `${DIFF}:87`, "TopologySpreadConstraints compared"),
    cite("cnpg", `${CREATE}:118-125`, "reconcilePodDisruptionBudget: delete when disabled, else build"),
    cite("cnpg", "docs/src/postgresql_conf.md:490-500", "pod events regenerate the configuration and reload"),
    cite("cnpg", "pkg/postgres/hba/hba.go:29-45", "${podselector:NAME} expansion"),
  ),
  /**
   * A replica cluster's designated primary: primary_conninfo, built from the externalClusters entry that replica.source
   * names, is rewritten in override.conf and PostgreSQL reloaded; primary_conninfo is a sighup setting since PostgreSQL
   * 13, so the pod is not restarted. Its replicas stream from the designated primary and are not affected.
   */
  replicaSource: fact(
    {
      "externalClusters[replica.source].connectionParameters": "reload",
      "replica.source": "reload",
    } as const satisfies ClusterFields,
    cite(
      "cnpg",
      "pkg/management/postgres/instance_replica.go:38-94",
      "designated primary: ConfigureConnectionToServer(externalCluster)",
    ),
    cite("cnpg", `${PG_CONFIG}:259-297`, "override.conf: primary_conninfo, primary_slot_name; returns changed"),
    cite("cnpg", `${INSTANCE}:417-454`, "refreshConfigurationFiles includes RefreshReplicaConfiguration"),
    cite("cnpg", `${INSTANCE}:277-297`, "reload"),
    cite(
      "postgres",
      "src/backend/utils/misc/guc.c",
      "primary_conninfo is PGC_SIGHUP (postgres --describe-config of this machine's 15.18: sighup)",
    ),
  ),
  /**
   * inheritedMetadata: labels and annotations added or changed are patched onto the running pods (and PVCs); a key
   * removed from inheritedMetadata stays on them. New pods and Jobs get them at creation.
   */
  inheritedMetadata: fact(
    { inheritedMetadata: "in-place" } as const satisfies ClusterFields,
    cite("cnpg", `${CONTROLLER}:489-505`, "persistentvolumeclaim.ReconcileMetadata, instance.ReconcileMetadata"),
    cite("cnpg", "pkg/reconciler/instance/metadata.go:36-76", "ReconcileMetadata patches each pod (MergeFrom)"),
    cite(
      "cnpg",
      "pkg/reconciler/instance/metadata.go:78-161",
      "'We do not support the case of removed annotations/labels from the cluster resource'",
    ),
    cite("cnpg", `${FUNCS}:681-686`, "GetFixedInheritedLabels: spec.inheritedMetadata.labels"),
    cite("cnpg", "pkg/reconciler/persistentvolumeclaim/metadata.go:185-215", "the same for PVCs"),
    cite("cnpg", `${CREATE}:1302-1313, 1584-1587`, "Jobs and new pods inherit them"),
  ),
  /** A removed inheritedMetadata label or annotation is not removed from existing pods. */
  inheritedMetadataRemovalKept: fact(
    true,
    cite(
      "cnpg",
      "pkg/reconciler/instance/metadata.go:78-161",
      "only adds or updates keys (IsLabelSubset / InheritLabels)",
    ),
  ),
  /**
   * storage.size: a larger size is patched into every PVC (resizeInUseVolumes, default true); the pods are not
   * touched. Whether the filesystem grows while the pod runs is up to the StorageClass (online expansion); otherwise
   * the pod must be deleted by hand. A smaller size is refused by the webhook. storage.storageClass is read only when a
   * PVC is created: existing PVCs keep theirs.
   */
  storage: fact(
    { "storage.size": "in-place", "storage.storageClass": "creation-only" } as const satisfies ClusterFields,
    cite(
      "cnpg",
      "pkg/reconciler/persistentvolumeclaim/existing.go:42-98",
      "existing PVCs: size (if resizeInUseVolumes) and volumeAttributesClass only",
    ),
    cite(
      "cnpg",
      "pkg/reconciler/persistentvolumeclaim/existing.go:124-163",
      "reconcilePVCQuantity: patch requests.storage; never decrease",
    ),
    cite("cnpg", `${WEBHOOK}:1806-1834`, "'can't shrink existing storage from %v to %v'"),
    cite("cnpg", "api/v1/cluster_types.go:2247-2271", "resizeInUseVolumes default true"),
    cite(
      "cnpg",
      "docs/src/storage.md:265-275",
      "online volume resizing applies to the pods; otherwise you must delete the pod to trigger the resize",
    ),
  ),
  /** storage.size can only grow. */
  storageShrinkRefused: fact(true, cite("cnpg", `${WEBHOOK}:1806-1834`)),
  /**
   * instances: a higher count adds one instance at a time (next serial, a join Job cloning from the primary, once all
   * instances are ready); a lower one removes the ready non-primary instance with the highest serial, its PVCs
   * included. Existing pods are not restarted.
   */
  instances: fact(
    { instances: "scale" } as const satisfies ClusterFields,
    cite("cnpg", `${CONTROLLER}:1114-1134`, "reconcileMissingInstance; scaleDownCluster when status > spec"),
    cite("cnpg", `${CREATE}:1374-1455`, "reconcileMissingInstance → joinReplicaInstance (a join Job)"),
    cite(
      "cnpg",
      "internal/controller/cluster_scale.go:40-95",
      "scaleDownCluster: findDeletableInstance, PVC group deleted",
    ),
    cite("cnpg", "internal/controller/replicas.go:464-500", "not the primary, not unready; the highest serial"),
  ),
  /**
   * The Barman Cloud plugin (issue 22): a Cluster that names it, in spec.plugins (the WAL archiver) or in the
   * externalClusters entry its replica.source names (WAL restore from the archive), gets the plugin's sidecar injected
   * into its instance pods, so adding or removing it rolls the instances. A primary that lacks the sidecar of a new
   * WAL archiver is recreated in place rather than switched over (CNPG_BACKUP_API.archiverOnRunningCluster).
   */
  barmanPlugin: fact(
    { plugins: "rolling", "externalClusters[replica.source].plugin": "rolling" } as const satisfies ClusterFields,
    cite("cnpg", `${CONTROLLER}:296-305`, "getPluginsNeededForReconcile: spec.plugins and externalClusters' plugins"),
    cite(
      "barmanPlugin",
      "internal/cnpgi/operator/lifecycle.go:112-131",
      "Pod lifecycle once any barmanObjectName is set",
    ),
    cite("barmanPlugin", "internal/cnpgi/operator/lifecycle.go:417-433", "the plugin-barman-cloud sidecar"),
    cite("cnpg", `${UPGRADE}:212-226`, "a primary missing the archiver's sidecar: recreatePrimaryInPlace"),
  ),
  /**
   * bootstrap: the bootstrap Job (initdb, pg_basebackup) runs only when the Cluster has no instance, and never again
   * once it is initialized; new replicas join from the primary instead. The application owner's password is the
   * exception: a primary (not a replica cluster's designated primary, which is in recovery) keeps it in step with the
   * Secret the bootstrap section names, by SQL when the Secret's resourceVersion changes.
   */
  bootstrap: fact(
    { bootstrap: "creation-only", "bootstrap.*.secret": "in-place" } as const satisfies ClusterFields,
    cite("cnpg", `${CONTROLLER}:1102-1104`, "createPrimaryInstance only when cluster.Status.Instances == 0"),
    cite(
      "cnpg",
      `${CREATE}:1134-1165`,
      "'refusing to create the primary instance because the cluster already initialized'",
    ),
    cite("cnpg", `${CREATE}:1190-1228`, "the bootstrap Job"),
    cite("cnpg", `${INSTANCE}:329-331, 1365-1395`, "refreshCredentialsFromSecret, on a primary only"),
    cite("cnpg", `${INSTANCE}:1421-1460`, "reconcileUser: SetUserPassword when the Secret's resourceVersion changes"),
    cite("cnpg", `${FUNCS}:569-635`, "GetApplicationSecretName / GetApplicationDatabaseOwner read spec.bootstrap"),
  ),
  /**
   * SQL run by the instance manager with the database up, no restart: managed roles (CREATE/ALTER ROLE, GRANT/REVOKE)
   * on the current primary; enableSuperuserAccess (the postgres password set or disabled); the HA replication slots.
   */
  sql: fact(
    {
      "managed.roles": "in-place",
      enableSuperuserAccess: "in-place",
      replicationSlots: "in-place",
    } as const satisfies ClusterFields,
    cite("cnpg", `${INSTANCE}:322-327`, "roles.Reconcile when this pod is the current primary"),
    cite("cnpg", "internal/management/controller/roles/reconciler.go:35-86", "pending roles → TriggerRoleSynchronizer"),
    cite(
      "cnpg",
      "internal/management/controller/roles/postgres.go:114-179, 248-275",
      "ALTER ROLE, CREATE ROLE, GRANT, REVOKE",
    ),
    cite("cnpg", `${INSTANCE}:1397-1419`, "reconcileSuperuserPassword: set, or DisableSuperuserPassword"),
    cite("cnpg", `${INSTANCE}:307-320`, "configureSlotReplicator, ReconcileReplicationSlots"),
    cite("cnpg", "internal/management/controller/slots/reconciler/replicationslot.go:36-63", "create/drop HA slots"),
  ),
  /**
   * probes.readiness.type and maximumLag are read by the instance manager from the latest Cluster at every probe; only
   * a probe's timings (periodSeconds, timeoutSeconds, failureThreshold, …) go into the pod spec.
   */
  probes: fact(
    {
      "probes.readiness.type": "in-place",
      "probes.readiness.maximumLag": "in-place",
      "probes.*.timings": "rolling",
    } as const satisfies ClusterFields,
    cite(
      "cnpg",
      "pkg/management/postgres/webserver/probes/checker.go:87-149",
      "getProbeRunnerFromCluster(latest Cluster)",
    ),
    cite("cnpg", `${FUNCS}:1555-1590`, "ApplyInto copies only the timings into the Kubernetes probe"),
    cite("cnpg", `${PODS}:327-340`, "ensureCustomProbesConfiguration"),
    cite("cnpg", `${DIFF}:224-232`, "readiness, liveness and startup probes compared"),
  ),
  /** primaryUpdateStrategy and primaryUpdateMethod are read by the operator when a rollout reaches the primary. */
  updatePolicy: fact(
    { primaryUpdateStrategy: "in-place", primaryUpdateMethod: "in-place" } as const satisfies ClusterFields,
    cite("cnpg", `${UPGRADE}:128-141`, "GetPrimaryUpdateStrategy at the primary's turn"),
    cite("cnpg", `${UPGRADE}:190`, "GetPrimaryUpdateMethod at the primary's turn"),
  ),
  /**
   * monitoring: custom queries are reloaded by the instance manager's reconciler; monitoring.tls.enabled adds
   * --metrics-port-tls to the postgres container's command, so it rolls. (The program sets no spec.monitoring.)
   */
  monitoring: fact(
    { "monitoring.customQueries": "in-place", "monitoring.tls.enabled": "rolling" } as const satisfies ClusterFields,
    cite("cnpg", `${INSTANCE}:174-176, 987-1000`, "reconcileMonitoringQueries on every reconciliation"),
    cite("cnpg", `${PODS}:300-302`, "IsMetricsTLSEnabled → --metrics-port-tls"),
    cite("cnpg", `${DIFF}:233-235`, "command compared"),
  ),

  /** Pooler: spec.instances is the Deployment's replicas. */
  poolerInstances: fact(
    { instances: "scale" } as const satisfies PoolerFields,
    cite("cnpg", `${DEPLOYMENT}:158-159`, "Replicas: pooler.Spec.Instances"),
    cite("cnpg", `${POOLER_UPDATE}:119-120`, "deployment.Spec.Replicas = generated replicas"),
  ),
  /**
   * Pooler: pgbouncer.parameters and poolMode are pgbouncer.ini, which the pooler's instance manager (watching its
   * Pooler) rewrites and applies with RELOAD. The operator also patches the Deployment (the Pooler spec's hash is a
   * Deployment annotation), but the pod template does not contain them, so the pods are not replaced.
   */
  poolerConfig: fact(
    { "pgbouncer.parameters": "reload", "pgbouncer.poolMode": "reload" } as const satisfies PoolerFields,
    cite("cnpg", `${PGBOUNCER_MANAGER}:89-114`, "watch on the Pooler"),
    cite("cnpg", `${PGBOUNCER_MANAGER}:167-218`, "synchronizeConfig: write files; if changed, instance.Reload()"),
    cite("cnpg", "internal/pgbouncer/management/controller/instance.go:133-148", 'db.Exec("RELOAD")'),
    cite(
      "cnpg",
      "pkg/management/pgbouncer/config/config.go:83-94, 195",
      "pool_mode and the parameters in pgbouncer.ini",
    ),
    cite(
      "cnpg",
      `${DEPLOYMENT}:141-175`,
      "poolerSpecHash on the Deployment's metadata; pod template from spec.template",
    ),
    cite(
      "cnpg",
      "docs/src/connection_pooling.md:586-591",
      "every PgBouncer instance reloads the updated configuration without disrupting the service",
    ),
  ),
  /**
   * Pooler: spec.template (its image, resources, affinity and labels) becomes the Deployment's pod template; the
   * operator replaces the Deployment's spec when the Pooler's spec hash changes, and Kubernetes rolls the pods.
   */
  poolerTemplate: fact(
    {
      template: "deployment-rollout",
      "template.metadata.labels": "deployment-rollout",
    } as const satisfies PoolerFields,
    cite("cnpg", `${DEPLOYMENT}:56-139`, "podspec.NewFrom(pooler.Spec.Template) plus the operator's labels"),
    cite("cnpg", `${DEPLOYMENT}:165-171`, "Template: the pod template's labels, annotations and spec"),
    cite("cnpg", `${DEPLOYMENT}:177-191`, "computeTemplateHash: the Pooler spec, operator image, pgbouncer image"),
    cite("cnpg", `${POOLER_UPDATE}:110-131`, "hash differs → deployment.Spec = generatedDeployment.Spec; Patch"),
  ),
  /** Pooler: its own metadata.labels reach neither the Deployment, its pods nor the Service (all fixed labels). */
  poolerLabels: fact(
    { "metadata.labels": "not-propagated" } as const satisfies PoolerFields,
    cite("cnpg", `${DEPLOYMENT}:141-153`, "Deployment labels: the operator's fixed set"),
    cite(
      "cnpg",
      "pkg/specs/pgbouncer/services.go:36-69",
      "Service labels: serviceTemplate plus the operator's fixed set",
    ),
  ),
} as const;
