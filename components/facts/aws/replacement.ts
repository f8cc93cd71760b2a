/**
 * What a change to a running Aurora stack does to its resources, as the provider and the Pulumi engine decide it:
 * which arguments replace a resource (ForceNew in terraform-provider-aws's schema, which @pulumi/aws bridges; the
 * bridge turns a ForceNew difference into a replacement), how a Global Database is made from a running cluster and
 * taken apart again, and what the engine does with a protected resource. Argument names are @pulumi/aws's (camelCase
 * of the provider's snake_case). The schemas were read from the stored index's copies of the provider's files at the
 * commits in the registry; the index gives no line numbers, so each reference names the schema function, and for
 * the cluster, its instances, the global cluster, the proxy, the custom endpoints and the parameter groups also the
 * lines, counted in the stored copy (the part before the schema checked by machine).
 */
import { type Fact, type SourceRef, cite, fact } from "../fact";

export interface ReplacingArguments {
  type: string;
  /** Top-level arguments whose change replaces the resource (a nested ForceNew block counts as its top argument). */
  fields: readonly string[];
  /**
   * Those of them also Computed (where read): left out of the program, one keeps the value in the state, no diff.
   */
  computed?: readonly string[];
  sources: readonly SourceRef[];
}

const forceNew = (schema: string) => `${schema} Schema: the attributes marked ForceNew (RequiresReplace)`;

export const REPLACING_ARGUMENTS: readonly ReplacingArguments[] = [
  {
    type: "aws:rds/cluster:Cluster",
    fields: [
      "availabilityZones",
      "clusterIdentifier",
      "clusterIdentifierPrefix",
      "clusterScalabilityType",
      "databaseName",
      "dbSubnetGroupName",
      "dbSystemId",
      "engine",
      "engineMode",
      "kmsKeyId",
      "masterUsername",
      "restoreToPointInTime",
      "s3Import",
      "snapshotIdentifier",
      "sourceRegion",
      "storageEncrypted",
    ],
    computed: [
      "availabilityZones",
      "clusterIdentifier",
      "clusterIdentifierPrefix",
      "clusterScalabilityType",
      "databaseName",
      "dbSubnetGroupName",
      "dbSystemId",
      "kmsKeyId",
      "masterUsername",
      "storageEncrypted",
    ],
    sources: [
      cite("tfCluster", forceNew("resourceCluster()"), "port, engine_version, global_cluster_identifier are not"),
      cite(
        "tfCluster",
        "resourceCluster schema storage_encrypted",
        "Optional, Computed, ForceNew: read back by resourceClusterRead",
      ),
      cite(
        "tfCluster",
        "lines 94-100, 121-136, 147-153, 165-170, 184-195, 240-248, 255-267, 317-323, 374-379",
        "ForceNew: availability_zones, cluster_identifier(_prefix), cluster_scalability_type, database_name, db_subnet_group_name, db_system_id, engine, engine_mode, kms_key_id, master_username; global_cluster_identifier (295-298) is Optional only",
      ),
    ],
  },
  {
    type: "aws:rds/clusterInstance:ClusterInstance",
    fields: [
      "availabilityZone",
      "clusterIdentifier",
      "customIamInstanceProfile",
      "dbSubnetGroupName",
      "engine",
      "identifier",
      "identifierPrefix",
    ],
    computed: ["availabilityZone", "dbSubnetGroupName", "identifier", "identifierPrefix"],
    sources: [
      cite("tfClusterInstance", forceNew("resourceClusterInstance()"), "instance_class, promotion_tier are not"),
      cite(
        "tfClusterInstance",
        "lines 68-73, 79-83, 89-94, 100-105, 114-122, 137-152",
        "ForceNew: availability_zone, cluster_identifier, custom_iam_instance_profile, db_subnet_group_name, engine, identifier(_prefix); instance_class (153-156) is Required only",
      ),
    ],
  },
  {
    type: "aws:rds/globalCluster:GlobalCluster",
    fields: ["databaseName", "engine", "globalClusterIdentifier", "sourceDbClusterIdentifier", "storageEncrypted"],
    computed: ["engine", "sourceDbClusterIdentifier", "storageEncrypted"],
    sources: [
      cite("tfGlobalCluster", forceNew("ResourceGlobalCluster()"), "engine_version, deletion_protection are not"),
      cite(
        "tfGlobalCluster",
        "lines 50-54, 60-67, 81-86, 107-120",
        "ForceNew: database_name, engine, global_cluster_identifier, source_db_cluster_identifier, storage_encrypted; engine, source_db_cluster_identifier and storage_encrypted are also Computed, so leaving one out of the program changes nothing",
      ),
    ],
  },
  {
    type: "aws:rds/proxy:Proxy",
    fields: ["endpointNetworkType", "engineFamily", "targetConnectionNetworkType", "vpcSubnetIds"],
    computed: ["endpointNetworkType", "targetConnectionNetworkType"],
    sources: [
      cite("tfProxy", forceNew("resourceProxy()"), "name is renamed in place (ModifyDBProxy NewDBProxyName)"),
      cite(
        "tfProxy",
        "lines 110-122, 144-150, 157-162",
        "ForceNew: endpoint_network_type, engine_family, target_connection_network_type, vpc_subnet_ids; name (128-132) is Required only",
      ),
    ],
  },
  {
    type: "aws:rds/proxyEndpoint:ProxyEndpoint",
    fields: ["dbProxyEndpointName", "dbProxyName", "targetRole", "vpcSubnetIds"],
    sources: [cite("tfProxyEndpoint", forceNew("resourceProxyEndpoint()"))],
  },
  {
    type: "aws:rds/clusterEndpoint:ClusterEndpoint",
    fields: ["clusterEndpointIdentifier", "clusterIdentifier"],
    sources: [
      cite("tfClusterEndpoint", forceNew("resourceClusterEndpoint()"), "members change in place"),
      cite("tfClusterEndpoint", "lines 49-60", "ForceNew: cluster_endpoint_identifier, cluster_identifier"),
    ],
  },
  {
    type: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    fields: ["description", "family", "name", "namePrefix"],
    computed: ["name", "namePrefix"],
    sources: [
      cite("tfClusterParameterGroup", forceNew("ResourceClusterParameterGroup()"), "parameters change in place"),
      cite("tfClusterParameterGroup", "lines 49-75", "ForceNew: description, family, name, name_prefix"),
    ],
  },
  {
    type: "aws:rds/parameterGroup:ParameterGroup",
    fields: ["description", "family", "name", "namePrefix"],
    computed: ["name", "namePrefix"],
    sources: [
      cite("tfParameterGroup", forceNew("resourceParameterGroup()"), "parameters change in place"),
      cite("tfParameterGroup", "lines 52-78", "ForceNew: description, family, name, name_prefix"),
    ],
  },
  {
    type: "aws:rds/subnetGroup:SubnetGroup",
    fields: ["name", "namePrefix"],
    sources: [cite("tfSubnetGroup", forceNew("ResourceSubnetGroup()"), "subnet_ids and description change in place")],
  },
  {
    type: "random:index/randomId:RandomId",
    fields: ["byteLength", "keepers", "prefix"],
    sources: [cite("tfRandomId", "idResource.Schema: RequiresReplace / RequiresReplaceIfValuesNotNull")],
  },
];

/** The arguments whose change replaces a resource of this type; none for a type without a record here. */
export function replacingFields(type: string): readonly string[] {
  return REPLACING_ARGUMENTS.find((entry) => entry.type === type)?.fields ?? [];
}

/** Of those, the ones the provider computes: left out of the program, they keep their value. */
export function computedReplacingFields(type: string): readonly string[] {
  return REPLACING_ARGUMENTS.find((entry) => entry.type === type)?.computed ?? [];
}

const STEP_GENERATOR = "pkg/resource/deploy/step_generator.go";

/**
 * The engine refuses to replace a resource that is protected both in its state and in the program, at preview (the
 * preview fails) and before any step of the update; unprotecting and replacing in one `up` is allowed. Its message:
 * "unable to replace resource <urn> as it is currently marked for protection. To unprotect the resource, remove the
 * `protect` flag from the resource in your Pulumi program and run `pulumi up`".
 */
export const PROTECTED_REPLACE_REFUSED: Fact<{ needsOldAndNew: true; refusedInPreview: true }> = fact(
  { needsOldAndNew: true, refusedInPreview: true },
  cite(
    "pulumiEngine248",
    `${STEP_GENERATOR}:1832-1852`,
    "if new.Protect && old.Protect: Diag.Errorf; bail unless DryRun",
  ),
  cite("pulumiEngine248", `${STEP_GENERATOR}:708-713`, "the new state's protect comes from the program"),
);

/** A protected resource is not deleted either: removed from the program, or by `pulumi destroy`. */
export const PROTECTED_DELETE_REFUSED: Fact<boolean> = fact(
  true,
  cite(
    "pulumiEngine248",
    "pkg/resource/deploy/step.go:583-594, 617",
    "deleteProtectedError: 'cannot be deleted because it is protected'",
  ),
);

/** ignoreChanges keeps a property's old value on update only: a resource being created takes the program's value. */
export const IGNORE_CHANGES_ON_UPDATE_ONLY: Fact<boolean> = fact(
  true,
  cite("pulumiEngine248", `${STEP_GENERATOR}:1151-1156`, "processIgnoreChanges only when old != nil"),
);

/**
 * A running cluster cannot join a global cluster through its own globalClusterIdentifier (the provider fails the
 * update: "existing RDS Clusters cannot be added to an existing RDS Global Cluster"); a cleared one makes the update
 * remove the cluster from its global cluster.
 */
export const CLUSTER_JOINS_GLOBAL_ONLY_AT_CREATION: Fact<string> = fact(
  "existing RDS Clusters cannot be added to an existing RDS Global Cluster",
  cite(
    "tfCluster",
    'resourceClusterUpdate: d.HasChange("global_cluster_identifier")',
    "old empty: error; new empty: RemoveFromGlobalCluster",
  ),
);

/**
 * A global cluster made from a running cluster: sourceDbClusterIdentifier (the cluster's ARN, read at creation only,
 * not drift-detected), forceDestroy (required with it), no engine (conflicts with it); the member cluster ignores
 * globalClusterIdentifier, which it reports once it has joined.
 */
export const GLOBAL_FROM_EXISTING_CLUSTER: Fact<{
  sourceField: "sourceDbClusterIdentifier";
  forceDestroy: true;
  conflictsWith: "engine";
  memberIgnores: "globalClusterIdentifier";
}> = fact(
  {
    sourceField: "sourceDbClusterIdentifier",
    forceDestroy: true,
    conflictsWith: "engine",
    memberIgnores: "globalClusterIdentifier",
  },
  cite(
    "pulumiGlobalCluster",
    "New Global Cluster From Existing DB Cluster",
    "ignoreChanges globalClusterIdentifier; forceDestroy; sourceDbClusterIdentifier: cluster.arn",
  ),
  cite(
    "pulumiGlobalCluster",
    "sourceDbClusterIdentifier, forceDestroy, engine",
    "cannot perform drift detection; 'Required with sourceDbClusterIdentifier'; 'Conflicts with sourceDbClusterIdentifier'",
  ),
  cite(
    "tfGlobalCluster",
    "lines 107-114 (ResourceGlobalCluster() Schema: source_db_cluster_identifier)",
    "ConflictsWith engine, RequiredWith force_destroy",
  ),
);

/**
 * Deleting a global cluster with forceDestroy removes its members first (the writer last), then deletes it; deleting a
 * member cluster removes it from its global cluster first. Neither deletes the primary's data.
 */
export const GLOBAL_TEARDOWN: Fact<{ forceDestroyRemovesWriterLast: true; memberLeavesOnDelete: true }> = fact(
  { forceDestroyRemovesWriterLast: true, memberLeavesOnDelete: true },
  cite(
    "tfGlobalCluster",
    "resourceGlobalClusterDelete",
    "force_destroy: RemoveFromGlobalCluster per member, 'The writer cluster must be removed last'",
  ),
  cite("tfCluster", "resourceClusterDelete", "'Automatically remove from global cluster' before DeleteDBCluster"),
);

/**
 * RDS refuses to delete a cluster or a global cluster with deletion protection on; the provider turns it off itself
 * only when the deleted resource's own state says it is off and applyImmediately is set.
 */
export const DELETION_PROTECTION_BLOCKS_DELETE: Fact<boolean> = fact(
  true,
  cite(
    "tfCluster",
    "resourceClusterDelete",
    "retries on 'disable deletion pro…' and modifies DeletionProtection=false only when deletion_protection is false in its state",
  ),
  cite("pulumiGlobalCluster", "deletionProtection", "'The database can't be deleted when this value is set to true'"),
);
