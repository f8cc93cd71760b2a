/**
 * How CloudNativePG 1.30.0 fails over, places instances and lets nodes drain: the
 * Cluster fields the engine renders for durability and isolation, each with why.
 * Sources: cloudnative-pg/cloudnative-pg at tag v1.30.0, Kubernetes' documentation.
 */
import { cite, fact } from "../fact";

export const CNPG_AVAILABILITY = {
  /**
   * With `ANY 1` and plain automatic failover, losing the primary and the one standby that acknowledged a commit
   * promotes a standby that may lack it. spec.postgresql.synchronous.failoverQuorum makes the operator promote only
   * when R + W > N (promotable replicas + synchronous number > potentially synchronous replicas); otherwise it waits
   * (a `kubectl cnpg promote` forces it).
   */
  failoverQuorum: fact(
    { field: ["spec", "postgresql", "synchronous", "failoverQuorum"] },
    cite("cnpg", "docs/src/failover.md:276-330", "three-node cluster with ANY 1: primary and aligned standby lost"),
    cite("cnpg", "docs/src/failover.md:350-375", "R + W > N, else no promotion; kubectl cnpg promote forces it"),
    cite("cnpg", "api/v1/cluster_types.go:1550-1554", 'FailoverQuorum bool `json:"failoverQuorum"`'),
  ),
  /**
   * syncReplicaElectionConstraint (choose synchronous standbys in another zone than the primary) applies only to the
   * deprecated synchronous implementation (minSyncReplicas/maxSyncReplicas), never to spec.postgresql.synchronous: the
   * acknowledging standby cannot be pinned to another zone, so instances are spread across zones and the quorum
   * refuses the unsafe promotion.
   */
  electionConstraintLegacyOnly: fact(
    true,
    cite(
      "cnpg",
      "docs/src/replication.md:545-562",
      "only applies to the legacy implementation of synchronous replication",
    ),
  ),
  /** spec.topologySpreadConstraints: passed to every instance pod as they are. */
  topologySpread: fact(
    { field: ["spec", "topologySpreadConstraints"], zoneKey: "topology.kubernetes.io/zone" },
    cite("cnpg", "api/v1/cluster_types.go:400-404"),
    cite("wellKnownLabels", undefined, "topology.kubernetes.io/zone, set by the cloud provider on every node"),
  ),
  /**
   * whenUnsatisfiable DoNotSchedule leaves a pod Pending rather than skew past maxSkew, and only nodes carrying the
   * topologyKey label are candidates; ScheduleAnyway only prefers. So DoNotSchedule only where nodes have zones.
   */
  spreadStrictness: fact(
    { strict: "DoNotSchedule", preferred: "ScheduleAnyway" },
    cite("topologySpreadDocs", "#spread-constraint-definition", "whenUnsatisfiable; nodes without topologyKey"),
  ),
  /**
   * spec.affinity.additionalPodAntiAffinity: added to the operator's own anti-affinity (which only spreads the
   * instances of one Cluster).
   */
  additionalPodAntiAffinity: fact(
    { field: ["spec", "affinity", "additionalPodAntiAffinity"] },
    cite("cnpg", "api/v1/cluster_types.go:2355-2358"),
    cite("cnpg", "docs/src/scheduling.md:116-140", "one PostgreSQL instance per node across Clusters"),
  ),
  /**
   * Every Cluster gets a PodDisruptionBudget of minAvailable 1 over its primary; a single-instance Cluster cannot
   * switch over, so it blocks the drain of its node; spec.enablePDB false creates none (the docs' advice for
   * single-instance clusters).
   */
  primaryPdb: fact(
    { field: ["spec", "enablePDB"] },
    cite("cnpg", "pkg/specs/poddisruptionbudget.go:73-104", "BuildPrimaryPodDisruptionBudget: MinAvailable 1"),
    cite("cnpg", "docs/src/kubernetes_upgrade.md:60-98", "single-instance clusters prevent draining; enablePDB: false"),
    cite("cnpg", "api/v1/cluster_funcs.go:825-831", "GetEnablePDB defaults to true"),
  ),
  /** Guaranteed QoS (requests = limits for CPU and memory) is recommended; the postmaster then keeps OOM score -997. */
  guaranteedQos: fact(
    true,
    cite("cnpg", "docs/src/resource_management.md:40-70", "recommended to set a Guaranteed QoS"),
  ),
  /**
   * The operator does not re-clone an instance whose HA slot was invalidated (max_slot_wal_keep_size), nor re-create
   * the slot: confirmed in the 1.30.0 source. The primary's slot reconciler creates only a missing slot and drops only
   * those of departed instances; its slot list never reads wal_status, so a `lost` slot counts as present and stays.
   * No instance-manager code re-clones on "requested WAL segment … has already been removed": the instance retries
   * streaming (and restore_command, with an archive). Ways out: drop the inactive slot on the primary (the reconciler
   * re-creates it, with no WAL reserved until first use), which lets the instance catch up only if an archive still
   * has the WAL it needs; else `kubectl cnpg destroy CLUSTER N` removes the instance and its PVCs, and the operator
   * clones a new one (new name, new slot).
   */
  invalidatedSlotNotRecloned: fact(
    { destroy: "kubectl cnpg destroy", dropSlot: "SELECT pg_drop_replication_slot('_cnpg_<cluster>_<n>')" },
    cite(
      "cnpg",
      "internal/management/controller/slots/reconciler/replicationslot.go:82-97,104-125",
      "reconcilePrimaryHAReplicationSlots: 'if currentSlots.Has(slotName) { continue }'; deletes only slots not expected",
    ),
    cite(
      "cnpg",
      "internal/management/controller/slots/infrastructure/postgresmanager.go:33-40,94-101",
      "List selects slot_name, slot_type, active, restart_lsn, holds_xmin (no wal_status); Create: pg_create_physical_replication_slot($1, restart_lsn != '')",
    ),
    cite("cnpg", "pkg/management/postgres/probes.go:404-416", "wal_status read only for the status report"),
    cite("cnpg", "docs/src/postgresql_conf.md:100-120", "'requested WAL segment … has already been removed'"),
    cite("cnpg", "docs/src/replication.md:840-862", "max_slot_wal_keep_size caps slots; no re-clone described"),
    cite("cnpg", "docs/src/kubectl-plugin.md:940-965", "kubectl cnpg destroy CLUSTER INSTANCE"),
  ),
  /**
   * spec.podSelectorRefs names label selectors (pods of the Cluster's namespace only); `${podselector:NAME}` in a
   * pg_hba address expands to each matching pod's IP; none matching: the line is left out.
   */
  podSelectorRefs: fact(
    { field: ["spec", "podSelectorRefs"], namePattern: /^[a-z]([a-z0-9_-]*[a-z0-9])?$/ },
    cite("cnpg", "api/v1/cluster_types.go:281-288, 1556-1571"),
    cite("cnpg", "docs/src/postgresql_conf.md:439-510", "same namespace only; zero pods: lines omitted"),
    cite("cnpg", "docs/src/release_notes/v1.29.md:450", "new in 1.29"),
  ),
  /**
   * externalClusters[].connectionParameters are libpq key words, passed as they are to the clone (pg_basebackup) and
   * to primary_conninfo: connect_timeout bounds a connection attempt (the kernel's SYN retries: minutes), keepalives*
   * find a dead peer of an open connection (the kernel's default: two hours idle).
   */
  sourceConnection: fact(
    { connect_timeout: "10", keepalives: "1", keepalives_idle: "30", keepalives_interval: "10", keepalives_count: "3" },
    cite("libpqConnectDocs", "connect_timeout, keepalives, keepalives_idle, keepalives_interval, keepalives_count"),
    cite("cnpg", "api/v1/cluster_types.go:2480-2483", "ExternalCluster.ConnectionParameters: libpq parameters"),
  ),
  /**
   * The distributed topology: every Cluster names the same spec.replica.primary (the primary Cluster's name) and lists
   * every Cluster in externalClusters; the webhook wants `primary`, `source` (and `self`) among externalClusters,
   * `primary` and `enabled` never together, and `promotionToken` only on the Cluster that is the primary. Changing
   * `primary` demotes one and promotes the other; without the demoted one's token the promotion is a failover.
   */
  distributedTopology: fact(
    { field: ["spec", "replica", "primary"], tokenField: ["spec", "replica", "promotionToken"] },
    cite("cnpg", "docs/src/replica_cluster.md:180-390", "Distributed Topology: demoting, promoting"),
    cite(
      "cnpg",
      "api/v1/cluster_types.go:1265-1292",
      "ReplicaClusterConfiguration: self, primary, source, promotionToken",
    ),
    cite("cnpg", "internal/webhook/v1/cluster_webhook.go:2046-2175", "validatePromotionToken, validateReplicaMode"),
  ),
  /** The operator's images run PostgreSQL as UID and GID 26 (spec.postgresUID/postgresGID default). */
  postgresUid: fact(
    26,
    cite("cnpg", "api/v1/cluster_types.go:93-96, 246-252", "DefaultPostgresUID = 26"),
    cite("cnpg", "docs/src/security.md:700-702", "runAsUser: 26"),
  ),
  /**
   * `.get()` of a resource that does not exist halts the Pulumi program ("Preview failed: resource '…' does not
   * exist") before any apply on it runs: a missing CRD cannot be reported by the program, only named by the read's
   * resource name, which the diagnostic prints.
   */
  getAbortsWhenMissing: fact(
    true,
    cite("pulumiIssue3364", undefined, "`.get()` halts execution without an error the program can catch"),
  ),
} as const;
