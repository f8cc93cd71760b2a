/**
 * What CloudNativePG 1.30.0 does when a running Cluster's spec changes: the order of a rolling update, what happens to
 * the primary (restart in place, switchover, or wait for a person), what its webhook refuses, and its in-place major
 * upgrade. Sources: cloudnative-pg/cloudnative-pg at tag v1.30.0 (code and docs), and pg_upgrade for what a standby's
 * data directory cannot go through.
 */
import { cite, fact } from "../fact";

const UPGRADE = "internal/controller/cluster_upgrade.go";
const WEBHOOK = "internal/webhook/v1/cluster_webhook.go";
const MAJOR = "pkg/reconciler/majorupgrade/reconciler.go";
const UPGRADES_DOC = "docs/src/postgres_upgrades.md";

/** Hot-standby-sensitive settings: a standby needs at least the primary's value, so a decrease goes primary first. */
const DECREASE_SENSITIVE = [
  "max_connections",
  "max_prepared_transactions",
  "max_wal_senders",
  "max_worker_processes",
  "max_locks_per_transaction",
] as const;

export const CNPG_UPDATES = {
  /** Unset, the operator restarts the primary in place (unsupervised, restart): a write outage of a restart. */
  defaults: fact(
    { primaryUpdateStrategy: "unsupervised", primaryUpdateMethod: "restart" },
    cite("cnpg", "api/v1/cluster_types.go:424-441", "kubebuilder defaults unsupervised and restart"),
    cite("cnpg", "api/v1/cluster_funcs.go:803-823", "GetPrimaryUpdateStrategy / GetPrimaryUpdateMethod"),
  ),
  /** A change of postgresql.parameters is reloaded on every instance; only one that needs a restart rolls them. */
  reloadFirst: fact(
    true,
    cite(
      "cnpg",
      "docs/src/postgresql_conf.md:595-603",
      "the instances immediately reload; a parameter requiring a restart makes a rolling upgrade",
    ),
  ),
  /**
   * A rolling update (a new image, a setting that needs a restart, new resources) restarts the replicas one at a
   * time, the most lagged first, and the primary last.
   */
  replicasFirst: fact(
    true,
    cite("cnpg", `${UPGRADE}:62-101`, "the current primary is skipped and upgraded in the last step"),
    cite("cnpg", "docs/src/rolling_update.md:13-33", "the primary is always the last node to be upgraded"),
  ),
  /**
   * switchover: once the replicas run the new spec, the operator promotes the first replica of its list (sorted for
   * switchover), and only one whose WAL receiver is streaming; the former primary checkpoints and shuts down fast
   * before the promotion, so its WAL reaches the new primary first, then rejoins as a replica.
   */
  switchover: fact(
    { method: "switchover" as const, needsStreamingReplica: true },
    cite(
      "cnpg",
      `${UPGRADE}:212-264`,
      "updatePrimaryPod: switchPrimary to podList.Items[1]; refused unless IsWalReceiverActive",
    ),
    cite(
      "cnpg",
      "docs/src/instance_manager.md:383-393",
      "CHECKPOINT, then a fast shutdown before the new primary is promoted",
    ),
    cite("cnpg", "docs/src/rolling_update.md:53-61", "switchover: the most aligned replica becomes the target primary"),
  ),
  /** A Cluster of one instance (a replica cluster of one, e.g. the OLAP replica) is restarted whatever the method. */
  singleInstanceRestarts: fact(
    true,
    cite(
      "cnpg",
      `${UPGRADE}:267-275`,
      "if there is only one instance in the cluster, we should upgrade it even if it's a primary",
    ),
  ),
  /**
   * supervised: the rolling update stops before the primary in phase "Waiting for user" until someone runs `kubectl
   * cnpg promote` (or restart); the Ready condition is False in any phase but healthy; the webhook refuses it for a
   * Cluster of one instance.
   */
  supervised: fact(
    { phase: "Waiting for user", ready: false, refusedWithOneInstance: true },
    cite("cnpg", `${UPGRADE}:128-141`, "RegisterPhase(PhaseWaitingForUser)"),
    cite("cnpg", "pkg/resources/status/transactions.go:34-56", "Ready is True only in PhaseHealthy"),
    cite(
      "cnpg",
      `${WEBHOOK}:1543-1568`,
      "'supervised update strategy is not allowed for clusters with a single instance'",
    ),
    cite("cnpg", "docs/src/rolling_update.md:92-111"),
  ),
  /** With switchover, the webhook refuses a change of imageName together with a change of postgresql.parameters. */
  imageAndParametersApart: fact(
    true,
    cite(
      "cnpg",
      `${WEBHOOK}:1325-1346`,
      "'Can't change image name and configuration at the same time when `primaryUpdateMethod` is set to `switchover`'",
    ),
    cite(
      "cnpg",
      "docs/src/rolling_update.md:63-73",
      "update the image first, wait for the rolling update, then the configuration",
    ),
  ),
  /**
   * A decrease of a hot-standby-sensitive setting restarts the primary in place first, under any update method (an
   * unsupervised Cluster at once; a supervised one waits for a person).
   */
  decreaseRestartsPrimaryInPlace: fact(
    DECREASE_SENSITIVE,
    cite("cnpg", "pkg/management/postgres/probes.go:186-226", "GetDecreasedSensibleSettings"),
    cite("cnpg", "internal/management/controller/instance_controller.go:1137-1146", "triggerRestartForDecrease"),
    cite("cnpg", `${UPGRADE}:122-126`, "the operator leaves that restart to the instance manager"),
  ),
  /**
   * A higher major in imageName is an offline in-place upgrade of the whole Cluster: every pod deleted, a
   * `<primary>-major-upgrade` Job runs pg_upgrade --link on the primary's volumes, the replicas' volumes are deleted
   * and re-cloned. Only to 16 or later, never downward; a failed upgrade is undone by reverting the image.
   * pg_upgrade gives the database a new system identifier and timeline 1.
   */
  majorUpgrade: fact(
    { offline: true, minimumTarget: 16, downgrade: false, replicasRecloned: true, newSystemIdentifier: true },
    cite("cnpg", `${UPGRADES_DOC}:57-61`, "a higher major in the image is an offline in-place major upgrade"),
    cite("cnpg", `${UPGRADES_DOC}:97-115`, "all pods shut down; pg_upgrade --link; the whole cluster unavailable"),
    cite("cnpg", `${UPGRADES_DOC}:128-152`, "replicas' PVCs destroyed and re-cloned; revert the image if it fails"),
    cite("cnpg", `${UPGRADES_DOC}:215-224`, "a new System ID and timeline 1"),
    cite(
      "cnpg",
      `${WEBHOOK}:1367-1409`,
      "'can't downgrade'; 'major upgrades are only supported to version 16 or higher'",
    ),
    cite("cnpg", `${MAJOR}:56-151`, "Reconcile: delete every pod, then the upgrade Job on the primary's PVCs"),
    cite("cnpg", `${MAJOR}:275-298`, "on completion, every PVC but the primary's is deleted"),
  ),
  /**
   * A replica cluster's data directory is a standby's: pg_upgrade refuses it, and after the source's upgrade (a new
   * system identifier) it could not stream from it anyway. A replica cluster comes back on a new major only by being
   * created again.
   */
  standbyCannotBeUpgraded: fact(
    true,
    cite(
      "postgres",
      "src/bin/pg_upgrade/controldata.c",
      "'The source cluster was shut down while in recovery mode.  To upgrade, use \"rsync\" as documented or shut it down as a primary.' (in this machine's pg_upgrade 15)",
    ),
    cite("cnpg", `${UPGRADES_DOC}:215-224`, "the upgraded database has a new System ID"),
  ),
} as const;
