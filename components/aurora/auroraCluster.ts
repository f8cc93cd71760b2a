/**
 * The Aurora backend: an Aurora PostgreSQL cluster with a writer and OLTP
 * readers, an OLAP reader isolated behind its own custom endpoint, RDS Proxy
 * pools, optional reader autoscaling, a Global Database secondary per extra
 * region, and a check that fails `pulumi up` unless everything is available
 * and replicating within the bound.
 *
 * A thin component: its constructor calls one plain `create…` function per part,
 * in the order each needs the last (credentials and network, parameter groups,
 * monitoring role, a restore's check of its source, cluster, the global cluster made from it, instances,
 * endpoints, the application role, proxy, autoscaling, secondary regions, alarms, deploy check, outputs). Each
 * function takes what it needs and its parent, and lives with the resources it creates.
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackOutputValues } from "../outputs/pulumiOutputs";
import type { AuroraTopology } from "../topology/types";
import { createAlarms } from "./alarms";
import { createCluster, createGlobalCluster } from "./cluster";
import { createAppRole } from "./appRoleStep";
import { createMasterPassword, masterSecretArn } from "./credentials";
import { createCustomEndpoints } from "./customEndpoints";
import { createDeployCheck } from "./deployCheck";
import { primaryClusterNodes } from "./instances";
import { createMonitoringRole } from "./monitoringRole";
import { createNetwork } from "./network";
import { createOutputs } from "./outputs";
import { createParameterGroups } from "./parameterGroups";
import { auroraParameterPlan } from "./parameters";
import { createInstances, instanceRoles, writerOf } from "./primaryInstances";
import { createProxy } from "./proxy";
import { createReaderScaling } from "./readerScaling";
import { createRegionProvider } from "./regionProvider";
import { createRestoreCheck } from "./restoreCheck";
import { createEngineVersionGate } from "./engineVersionGate";
import { createSecondaryRegions } from "./secondaryRegion";
import { versionPolicy } from "./versions";

export interface AuroraClusterArgs {
  /** Plain: the topology decides which resources exist. */
  topology: AuroraTopology;
  /** Unique per AWS account (cluster, custom endpoint and global cluster names), e.g. "<name>-<stack>". */
  identifierPrefix: string;
  /** Where the check command runs the CLI from. */
  cli: string;
}

export class AuroraCluster extends pulumi.ComponentResource {
  declare readonly outputs: StackOutputValues;
  declare readonly cluster: aws.rds.Cluster;
  declare readonly providers: Record<string, aws.Provider>;

  constructor(name: string, args: AuroraClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:aurora:AuroraCluster", name, {}, opts);
    const { topology, identifierPrefix: prefix, cli } = args;
    const { aurora } = topology;
    const home = createRegionProvider(name, topology, topology.region, this);
    const inPrimary = { parent: this, provider: home };
    const nodes = primaryClusterNodes(topology);
    const plan = auroraParameterPlan(topology);
    const versions = versionPolicy(aurora);

    const master = createMasterPassword(name, aurora, { parent: this });
    const network = createNetwork(name, topology, inPrimary);
    const parameters = createParameterGroups(name, { aurora, plan, versions, roles: instanceRoles(nodes) }, inPrimary);
    const monitoringRole = createMonitoringRole(name, aurora, inPrimary);
    const restoreCheck = createRestoreCheck(name, { cli, topology }, { parent: this });
    const engineVersionGate = createEngineVersionGate(name, { cli, topology, prefix }, { parent: this });
    const gates = [engineVersionGate, ...(restoreCheck ? [restoreCheck] : [])];
    const cluster = createCluster(
      name,
      { topology, prefix, master, network, parameters, versions, gates, monitoringRoleArn: monitoringRole?.arn },
      inPrimary,
    );
    const global = createGlobalCluster(name, { topology, prefix, versions, cluster }, inPrimary);
    const masterSecret = masterSecretArn(name, { topology, master, cluster }, inPrimary);
    const instances = createInstances(
      name,
      { topology, nodes, cluster, parameters, network, monitoringRole },
      inPrimary,
    );
    const endpoints = createCustomEndpoints(name, { prefix, cluster, instances }, inPrimary);
    const primaryWriter = writerOf(instances).resource;
    const appRole = createAppRole(
      name,
      { cli, topology, cluster, writer: primaryWriter, masterSecretArn: masterSecret },
      inPrimary,
    );
    const proxy = createProxy(
      name,
      { topology, masterSecretArn: masterSecret, appSecretArn: appRole.secretArn, cluster, network, instances },
      inPrimary,
    );
    createReaderScaling(name, { topology, cli, cluster, instances }, inPrimary);
    const regions = createSecondaryRegions(
      name,
      {
        topology,
        plan,
        versions,
        prefix,
        global,
        primaryWriter,
        engineVersionGate,
        monitoringRoleArn: monitoringRole?.arn,
      },
      this,
    );
    const secondaries = regions.map((r) => r.secondary);
    createAlarms(name, { topology, prefix, instances, secondaries: regions }, inPrimary);
    createDeployCheck(name, { cli, topology, cluster, instances, secondaries, proxy, endpoints }, { parent: this });

    this.cluster = cluster;
    this.providers = Object.fromEntries([
      [topology.region, home],
      ...regions.map((r) => [r.secondary.region, r.provider]),
    ]);
    this.outputs = createOutputs(
      topology,
      { cluster, masterSecretArn: masterSecret, instances, endpoints, proxy, secondaries },
      appRole,
    );
    this.registerOutputs({ clusterIdentifier: cluster.clusterIdentifier });
  }
}
