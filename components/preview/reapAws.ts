/**
 * ReapApi through the AWS SDK v3 (default credential chain): the Resource Groups Tagging API lists tagged resources
 * per region, IAM its tagged roles (GetResources does not return IAM roles); RDS, CloudWatch, SNS, Secrets Manager,
 * CloudWatch Logs, EC2 and IAM delete them. Proxy ARNs carry a resource id, not the name DeleteDBProxy takes, so
 * proxies are looked up by ARN. A cluster is removed from its global cluster first and deleted once its instances are
 * gone (RDS refuses while they exist); a global cluster once its members are gone. Each call is the service's own
 * delete, nothing more: the order and the rules live in reap.ts.
 */
import { CloudWatchClient, DeleteAlarmsCommand, DeleteDashboardsCommand } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, DeleteLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DeleteSecurityGroupCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  IAMClient,
  NoSuchEntityException,
  RemoveRoleFromInstanceProfileCommand,
  paginateListAttachedRolePolicies,
  paginateListInstanceProfilesForRole,
  paginateListRolePolicies,
  paginateListRoleTags,
  paginateListRoles,
} from "@aws-sdk/client-iam";
import {
  DeleteDBClusterCommand,
  DeleteDBClusterEndpointCommand,
  DeleteDBClusterParameterGroupCommand,
  DeleteDBInstanceCommand,
  DeleteDBParameterGroupCommand,
  DeleteDBProxyCommand,
  DeleteDBProxyEndpointCommand,
  DeleteDBSubnetGroupCommand,
  DeleteGlobalClusterCommand,
  DescribeDBClustersCommand,
  DescribeDBProxiesCommand,
  DescribeDBProxyEndpointsCommand,
  DescribeGlobalClustersCommand,
  RDSClient,
  RemoveFromGlobalClusterCommand,
} from "@aws-sdk/client-rds";
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { DeleteSecretCommand, DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DeleteTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { EXPIRES_LABEL } from "../config/labels";
import { type ReapApi, type ReapTarget, type RoleSteps, type TaggedResource, deleteRoleInOrder } from "./reap";

/** IAM is global (its ARNs name no region): its client is given this one, and its roles are reported in it. */
export const IAM_REGION = "us-east-1";

/**
 * Every action the reaper calls, for the policy of whoever runs it (README, previews, lists them): listing, then each
 * kind's delete and the reads it needs first.
 */
export const REAP_PERMISSIONS = [
  "tag:GetResources",
  "iam:ListRoles",
  "iam:ListRoleTags",
  "cloudwatch:DeleteAlarms",
  "cloudwatch:DeleteDashboards",
  "rds:DescribeDBProxyEndpoints",
  "rds:DeleteDBProxyEndpoint",
  "rds:DescribeDBProxies",
  "rds:DeleteDBProxy",
  "rds:DeleteDBInstance",
  "rds:DeleteDBClusterEndpoint",
  "rds:DescribeGlobalClusters",
  "rds:RemoveFromGlobalCluster",
  "rds:DescribeDBClusters",
  "rds:DeleteDBCluster",
  "rds:DeleteGlobalCluster",
  "rds:DeleteDBClusterParameterGroup",
  "rds:DeleteDBParameterGroup",
  "rds:DeleteDBSubnetGroup",
  "sns:DeleteTopic",
  "secretsmanager:DescribeSecret",
  "secretsmanager:DeleteSecret",
  "logs:DeleteLogGroup",
  "ec2:DeleteSecurityGroup",
  "iam:ListAttachedRolePolicies",
  "iam:DetachRolePolicy",
  "iam:ListRolePolicies",
  "iam:DeleteRolePolicy",
  "iam:ListInstanceProfilesForRole",
  "iam:RemoveRoleFromInstanceProfile",
  "iam:DeleteRole",
] as const;

const POLL_MS = 30_000;
/** Deleting an Aurora instance takes minutes; an hour covers a cluster's readers being deleted side by side. */
const WAIT_MS = 60 * 60_000;

async function waitUntil(done: () => Promise<boolean>, what: string): Promise<void> {
  for (const start = Date.now(); !(await done());) {
    if (Date.now() - start > WAIT_MS) throw new Error(`gave up after ${WAIT_MS / 60_000} min waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function listTagged(region: string, key: string): Promise<TaggedResource[]> {
  const client = new ResourceGroupsTaggingAPIClient({ region });
  const found: TaggedResource[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new GetResourcesCommand({ TagFilters: [{ Key: key }], ...(token ? { PaginationToken: token } : {}) }),
    );
    for (const m of page.ResourceTagMappingList ?? []) {
      if (!m.ResourceARN) continue;
      const tags = Object.fromEntries((m.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
      found.push({ arn: m.ResourceARN, region, tags });
    }
    token = page.PaginationToken || undefined;
  } while (token);
  return found;
}

/**
 * The roles carrying tag `key`. The Tagging API's GetResources does not return IAM roles (TAGGING_API_LISTS_IAM_ROLES,
 * https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/supported-services.html), and IAM's
 * ListRoles returns no tags (ListRolesCommand.d.ts): each role's are read with ListRoleTags.
 */
async function listTaggedRoles(key: string): Promise<TaggedResource[]> {
  const client = new IAMClient({ region: IAM_REGION });
  const found: TaggedResource[] = [];
  for await (const page of paginateListRoles({ client }, {})) {
    for (const role of page.Roles ?? []) {
      if (!role.RoleName || !role.Arn) continue;
      const tags: Record<string, string> = {};
      try {
        for await (const tagPage of paginateListRoleTags({ client }, { RoleName: role.RoleName }))
          for (const t of tagPage.Tags ?? []) tags[t.Key ?? ""] = t.Value ?? "";
      } catch (error) {
        // Deleted since ListRoles listed it: nothing to reap.
        if (error instanceof NoSuchEntityException) continue;
        throw error;
      }
      if (key in tags) found.push({ arn: role.Arn, region: IAM_REGION, tags });
    }
  }
  return found;
}

/** IAM's calls for deleteRoleInOrder, every page of each listing. */
function iamSteps(client: IAMClient): RoleSteps {
  const all = async <P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> => {
    const out: T[] = [];
    for await (const page of pages) out.push(...(items(page) ?? []));
    return out;
  };
  return {
    attachedPolicyArns: async (RoleName) =>
      (await all(paginateListAttachedRolePolicies({ client }, { RoleName }), (p) => p.AttachedPolicies)).flatMap((a) =>
        a.PolicyArn ? [a.PolicyArn] : [],
      ),
    detachPolicy: async (RoleName, PolicyArn) => {
      await client.send(new DetachRolePolicyCommand({ RoleName, PolicyArn }));
    },
    inlinePolicyNames: (RoleName) => all(paginateListRolePolicies({ client }, { RoleName }), (p) => p.PolicyNames),
    deleteInlinePolicy: async (RoleName, PolicyName) => {
      await client.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }));
    },
    instanceProfileNames: async (RoleName) =>
      (await all(paginateListInstanceProfilesForRole({ client }, { RoleName }), (p) => p.InstanceProfiles)).flatMap(
        (i) => (i.InstanceProfileName ? [i.InstanceProfileName] : []),
      ),
    removeFromInstanceProfile: async (RoleName, InstanceProfileName) => {
      await client.send(new RemoveRoleFromInstanceProfileCommand({ RoleName, InstanceProfileName }));
    },
    deleteRole: async (RoleName) => {
      await client.send(new DeleteRoleCommand({ RoleName }));
    },
  };
}

/**
 * DeleteSecret with the recovery window reapPlan set, never ForceDeleteWithoutRecovery (Secrets Manager keeps the
 * secret restorable for that long); a secret already scheduled for deletion (DescribeSecret's DeletedDate) is left as
 * it is: a later run does not ask again.
 */
async function deleteSecret(target: ReapTarget): Promise<void> {
  if (target.recoveryWindowDays === undefined)
    throw new Error("refused: a secret is only deleted with a recovery window");
  const client = new SecretsManagerClient({ region: target.region });
  if ((await client.send(new DescribeSecretCommand({ SecretId: target.arn }))).DeletedDate !== undefined) return;
  await client.send(new DeleteSecretCommand({ SecretId: target.arn, RecoveryWindowInDays: target.recoveryWindowDays }));
}

/**
 * By id. EC2 refuses (DependencyViolation) while a network interface holds the group, and a deleted proxy's or
 * instance's linger a while: reported as a failure, to run again later.
 */
async function deleteSecurityGroup(target: ReapTarget): Promise<void> {
  try {
    await new EC2Client({ region: target.region }).send(new DeleteSecurityGroupCommand({ GroupId: target.name }));
  } catch (error) {
    if ((error as Error).name !== "DependencyViolation") throw error;
    throw new Error(
      `DependencyViolation: ${(error as Error).message} (the network interfaces of a deleted proxy or instance ` +
        "linger for a while: run again later)",
    );
  }
}

async function proxyName(rds: RDSClient, arn: string): Promise<string> {
  const { DBProxies } = await rds.send(new DescribeDBProxiesCommand({}));
  const name = DBProxies?.find((p) => p.DBProxyArn === arn)?.DBProxyName;
  if (!name) throw new Error("no such proxy any more");
  return name;
}

async function proxyEndpointName(rds: RDSClient, arn: string): Promise<string> {
  const { DBProxyEndpoints } = await rds.send(new DescribeDBProxyEndpointsCommand({}));
  const name = DBProxyEndpoints?.find((e) => e.DBProxyEndpointArn === arn)?.DBProxyEndpointName;
  if (!name) throw new Error("no such proxy endpoint any more");
  return name;
}

async function deleteCluster(rds: RDSClient, target: ReapTarget): Promise<void> {
  const { GlobalClusters } = await rds.send(new DescribeGlobalClustersCommand({}));
  const global = GlobalClusters?.find((g) => g.GlobalClusterMembers?.some((m) => m.DBClusterArn === target.arn));
  const others = global?.GlobalClusterMembers?.filter((m) => m.DBClusterArn !== target.arn) ?? [];
  if (global?.GlobalClusterMembers?.find((m) => m.DBClusterArn === target.arn)?.IsWriter && others.length > 0)
    throw new Error(`the writer of global cluster ${global.GlobalClusterIdentifier} leaves it after its secondaries`);
  if (global?.GlobalClusterIdentifier) {
    await rds.send(
      new RemoveFromGlobalClusterCommand({
        GlobalClusterIdentifier: global.GlobalClusterIdentifier,
        DbClusterIdentifier: target.arn,
      }),
    );
  }
  const members = async () =>
    (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: target.name }))).DBClusters?.[0]
      ?.DBClusterMembers ?? [];
  await waitUntil(async () => (await members()).length === 0, `the instances of ${target.name} to be deleted`);
  await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: target.name, SkipFinalSnapshot: true }));
}

async function deleteGlobalCluster(rds: RDSClient, target: ReapTarget): Promise<void> {
  const members = async () =>
    (await rds.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: target.name }))).GlobalClusters?.[0]
      ?.GlobalClusterMembers ?? [];
  await waitUntil(async () => (await members()).length === 0, `the members of ${target.name} to leave it`);
  await rds.send(new DeleteGlobalClusterCommand({ GlobalClusterIdentifier: target.name }));
}

async function deleteTarget(target: ReapTarget): Promise<void> {
  // The guard reapPlan already applies, again at the one place that deletes.
  if (target.tags[EXPIRES_LABEL] === undefined) throw new Error(`refused: no ${EXPIRES_LABEL} tag`);
  const rds = new RDSClient({ region: target.region });
  switch (target.kind) {
    case "alarm":
      await new CloudWatchClient({ region: target.region }).send(
        new DeleteAlarmsCommand({ AlarmNames: [target.name] }),
      );
      return;
    case "dashboard":
      await new CloudWatchClient({ region: target.region }).send(
        new DeleteDashboardsCommand({ DashboardNames: [target.name] }),
      );
      return;
    case "db-proxy-endpoint":
      await rds.send(
        new DeleteDBProxyEndpointCommand({ DBProxyEndpointName: await proxyEndpointName(rds, target.arn) }),
      );
      return;
    case "db-proxy":
      await rds.send(new DeleteDBProxyCommand({ DBProxyName: await proxyName(rds, target.arn) }));
      return;
    case "db":
      await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: target.name }));
      return;
    case "cluster-endpoint":
      await rds.send(new DeleteDBClusterEndpointCommand({ DBClusterEndpointIdentifier: target.name }));
      return;
    case "cluster":
      return deleteCluster(rds, target);
    case "global-cluster":
      return deleteGlobalCluster(rds, target);
    case "cluster-pg":
      await rds.send(new DeleteDBClusterParameterGroupCommand({ DBClusterParameterGroupName: target.name }));
      return;
    case "pg":
      await rds.send(new DeleteDBParameterGroupCommand({ DBParameterGroupName: target.name }));
      return;
    case "subgrp":
      await rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: target.name }));
      return;
    case "sns-topic":
      await new SNSClient({ region: target.region }).send(new DeleteTopicCommand({ TopicArn: target.arn }));
      return;
    case "secret":
      return deleteSecret(target);
    case "log-group":
      await new CloudWatchLogsClient({ region: target.region }).send(
        new DeleteLogGroupCommand({ logGroupName: target.name }),
      );
      return;
    case "security-group":
      return deleteSecurityGroup(target);
    case "iam-role":
      return deleteRoleInOrder(iamSteps(new IAMClient({ region: IAM_REGION })), target.name);
  }
}

export const awsReapApi: ReapApi = { listTagged, listTaggedRoles, delete: deleteTarget };
