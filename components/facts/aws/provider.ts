/**
 * What the AWS provider (terraform-provider-aws, bridged by @pulumi/aws)
 * checks before any AWS call, and how it replaces resources: fields that must
 * be ARNs, identifiers that are not auto-named (so a create-before-delete
 * replacement collides with itself), and IAM policy rules the product's
 * policies must respect.
 */
import { type Fact, type SourceRef, cite, fact } from "../fact";

export interface ArnField {
  type: string;
  /** A path into the resource's inputs; `[]` marks each element of a list. */
  field: string;
  /** key: a KMS key ARN (an alias ARN passes the provider but RDS reads back the key ARN: perpetual replacement). */
  kind: "any" | "key";
  sources: readonly SourceRef[];
}

export const ARN_FIELDS: readonly ArnField[] = [
  {
    type: "aws:rds/cluster:Cluster",
    field: "kmsKeyId",
    kind: "key",
    sources: [cite("tfCluster"), cite("tfIssue25713")],
  },
  { type: "aws:rds/cluster:Cluster", field: "monitoringRoleArn", kind: "any", sources: [cite("tfCluster")] },
  { type: "aws:rds/cluster:Cluster", field: "performanceInsightsKmsKeyId", kind: "key", sources: [cite("tfCluster")] },
  {
    type: "aws:rds/clusterInstance:ClusterInstance",
    field: "performanceInsightsKmsKeyId",
    kind: "key",
    sources: [cite("tfClusterInstance")],
  },
  { type: "aws:rds/proxy:Proxy", field: "roleArn", kind: "any", sources: [cite("tfProxy")] },
  { type: "aws:rds/proxy:Proxy", field: "auths[].secretArn", kind: "any", sources: [cite("tfProxy")] },
];

export interface FixedIdentifier {
  type: string;
  field: string;
  sources: readonly SourceRef[];
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
    sources: [cite("tfClusterEndpoint"), cite("endpoints2023"), cite("bridgeAutoname")],
  },
  {
    type: "aws:rds/globalCluster:GlobalCluster",
    field: "globalClusterIdentifier",
    sources: [cite("tfGlobalCluster"), cite("bridgeAutoname")],
  },
  { type: "aws:rds/proxyEndpoint:ProxyEndpoint", field: "dbProxyEndpointName", sources: [cite("bridgeAutoname")] },
  { type: "aws:cloudwatch/logGroup:LogGroup", field: "name", sources: [cite("bridgeAutoname")] },
];

/** A final snapshot's name must be new on every destroy: a second destroy of a re-created stack otherwise collides. */
export const FINAL_SNAPSHOT = {
  type: "aws:rds/cluster:Cluster",
  field: "finalSnapshotIdentifier",
  sources: [cite("tfCluster"), cite("rdsAuroraModule")],
};

/** IAM: StringEquals and StringNotEquals match exactly; * and ? are wildcards only under StringLike / StringNotLike. */
export const EXACT_STRING_OPERATORS: Fact<readonly string[]> = fact(
  ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"],
  cite("iamConditionOperators"),
);

/** The service RDS Proxy reads its secret through, as kms:ViaService names it: one per region. */
export const SECRETS_MANAGER_VIA_SERVICE: Fact<(region: string) => string> = fact(
  (region) => `secretsmanager.${region}.amazonaws.com`,
  cite("proxySetup2023", undefined, "the role's kms:Decrypt on the key ARN with kms:ViaService"),
);

export function secretsManagerViaService(region: string): string {
  return SECRETS_MANAGER_VIA_SERVICE.value(region);
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
