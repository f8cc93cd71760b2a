/**
 * ReapApi through the AWS SDK v3 (default credential chain): the Resource Groups Tagging API lists tagged resources
 * per region; RDS and CloudWatch delete them. Proxy ARNs carry a resource id, not the name DeleteDBProxy takes, so
 * proxies are looked up by ARN. A cluster is removed from its global cluster first and deleted once its instances are
 * gone (RDS refuses while they exist); a global cluster once its members are gone.
 */
import { CloudWatchClient, DeleteAlarmsCommand } from "@aws-sdk/client-cloudwatch";
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
import { EXPIRES_LABEL } from "../config/labels";
import type { ReapApi, ReapTarget, TaggedResource } from "./reap";

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
  }
}

export const awsReapApi: ReapApi = { listTagged, delete: deleteTarget };
