/**
 * What the AWS provider (terraform-provider-aws, bridged by @pulumi/aws)
 * checks before any AWS call, and how it replaces resources: fields that must
 * be ARNs, identifiers that are not auto-named (so a create-before-delete
 * replacement collides with itself), and IAM policy rules the product's
 * policies must respect.
 */
import type { SourceId } from "./sources";

export interface ArnField {
  type: string;
  /** A path into the resource's inputs; `[]` marks each element of a list. */
  field: string;
  /** key: a KMS key ARN (an alias ARN passes the provider but RDS reads back the key ARN: perpetual replacement). */
  kind: "any" | "key";
  sources: readonly SourceId[];
}

export const ARN_FIELDS: readonly ArnField[] = [
  { type: "aws:rds/cluster:Cluster", field: "kmsKeyId", kind: "key", sources: ["tfCluster", "tfIssue25713"] },
  { type: "aws:rds/cluster:Cluster", field: "monitoringRoleArn", kind: "any", sources: ["tfCluster"] },
  { type: "aws:rds/cluster:Cluster", field: "performanceInsightsKmsKeyId", kind: "key", sources: ["tfCluster"] },
  {
    type: "aws:rds/clusterInstance:ClusterInstance",
    field: "performanceInsightsKmsKeyId",
    kind: "key",
    sources: ["tfClusterInstance"],
  },
  { type: "aws:rds/proxy:Proxy", field: "roleArn", kind: "any", sources: ["tfProxy"] },
  { type: "aws:rds/proxy:Proxy", field: "auths[].secretArn", kind: "any", sources: ["tfProxy"] },
];

export interface FixedIdentifier {
  type: string;
  field: string;
  sources: readonly SourceId[];
}

/**
 * Identifiers the provider does not auto-name and that are unique per account
 * and region. When such a resource is replaced create-before-delete, the new one
 * asks for a name the old one still holds: it needs deleteBeforeReplace, or a
 * name that changes with every replacement.
 */
export const FIXED_IDENTIFIERS: readonly FixedIdentifier[] = [
  {
    type: "aws:rds/clusterEndpoint:ClusterEndpoint",
    field: "clusterEndpointIdentifier",
    sources: ["tfClusterEndpoint", "endpoints2023", "bridgeAutoname"],
  },
  {
    type: "aws:rds/globalCluster:GlobalCluster",
    field: "globalClusterIdentifier",
    sources: ["tfGlobalCluster", "bridgeAutoname"],
  },
  { type: "aws:rds/proxyEndpoint:ProxyEndpoint", field: "dbProxyEndpointName", sources: ["bridgeAutoname"] },
  { type: "aws:cloudwatch/logGroup:LogGroup", field: "name", sources: ["bridgeAutoname"] },
];

/** A final snapshot's name must be new on every destroy: a second destroy of a re-created stack otherwise collides. */
export const FINAL_SNAPSHOT = {
  type: "aws:rds/cluster:Cluster",
  field: "finalSnapshotIdentifier",
  sources: ["tfCluster", "rdsAuroraModule"] as const,
};

/** IAM: StringEquals and StringNotEquals match exactly; * and ? are wildcards only under StringLike / StringNotLike. */
export const EXACT_STRING_OPERATORS: readonly string[] = [
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
];
export const IAM_SOURCES: readonly SourceId[] = ["iamConditionOperators", "proxySetup2023"];

/** The service RDS Proxy reads its secret through, as kms:ViaService names it: one per region. */
export function secretsManagerViaService(region: string): string {
  return `secretsmanager.${region}.amazonaws.com`;
}

const ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)$/;
const KEY_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):kms:([a-z0-9-]+):(\d{12}):key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** What arn.Parse accepts (the provider's verify.ValidARN): partition, service, region, account, resource. */
export function isArn(value: string): boolean {
  return ARN.test(value);
}

/** A KMS key ARN (not an alias ARN), and the region it names. */
export function kmsKeyArnRegion(value: string): string | undefined {
  return KEY_ARN.exec(value)?.[2];
}
