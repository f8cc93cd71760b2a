/**
 * The Aurora backend: an Aurora PostgreSQL cluster with a writer and OLTP
 * readers, an OLAP reader isolated behind its own custom endpoint, RDS Proxy
 * pools, optional reader autoscaling, a Global Database secondary per extra
 * region, and a check that fails `pulumi up` unless everything is available
 * and replicating within the bound. Arguments come from plain functions
 * (instances.ts, autoscaling.ts, expectation.ts, outputs.ts); this wires them.
 */
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackOutputValues } from "../outputs";
import { ROLES } from "../topology/roles";
import type { AuroraTopology, DatabaseNode } from "../topology/types";
import { scalingPolicyArgs, scalingTargetArgs } from "./autoscaling";
import { auroraCheckCommand } from "./checkCommand";
import { auroraExpectation } from "./expectation";
import { ENGINE, clusterArgs, instanceArgs, primaryClusterNodes, versionDriftIgnored } from "./instances";
import { AuroraNetwork } from "./network";
import { auroraStackOutputs } from "./outputs";
import { AuroraParameterGroups } from "./parameterGroups";
import { auroraParameterPlan } from "./parameters";
import { AuroraProxy } from "./proxy";
import { AuroraSecondaryRegion } from "./secondaryRegion";

export interface AuroraClusterArgs {
  /** Plain: the topology decides which resources exist. */
  topology: AuroraTopology;
  /** Unique per AWS account (custom endpoint, global cluster and snapshot names), e.g. "<name>-<stack>". */
  identifierPrefix: string;
  /** Where the check command runs the CLI from. */
  cli: string;
}

interface Instance {
  node: DatabaseNode;
  resource: aws.rds.ClusterInstance;
}

/**
 * Every AWS resource goes through one of these providers, so the stack's labels (the change a
 * preview belongs to, its expiry) become tags on all of them through `defaultTags`.
 */
function providerArgs(topology: AuroraTopology, region: string): aws.ProviderArgs {
  const tags = Object.keys(topology.labels).length > 0 ? { defaultTags: { tags: { ...topology.labels } } } : {};
  return { region: region as aws.Region, ...tags };
}

export class AuroraCluster extends pulumi.ComponentResource {
  declare readonly outputs: StackOutputValues;
  declare readonly cluster: aws.rds.Cluster;
  declare readonly providers: Record<string, aws.Provider>;

  constructor(name: string, args: AuroraClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:aurora:AuroraCluster", name, {}, opts);
    const { topology, identifierPrefix: prefix } = args;
    const { aurora } = topology;
    const home = new aws.Provider(`${name}-${topology.region}`, providerArgs(topology, topology.region), { parent: this });
    this.providers = { [topology.region]: home };
    const inPrimary = { parent: this, provider: home };

    // Generated and kept as a Pulumi secret: the outputs carry it, RDS Proxy reads it from Secrets Manager.
    const password = pulumi.secret(new random.RandomPassword(`${name}-master-password`, { length: 32, special: false }, { parent: this }).result);
    const network = new AuroraNetwork(
      `${name}-net`,
      {
        vpcId: aurora.vpcId,
        subnetIds: aurora.subnetIds,
        allowedCidrs: topology.access.clientCidrs,
        allowedSecurityGroupIds: aurora.allowedSecurityGroupIds,
        port: topology.port,
        description: `pg-read-replicas: ${topology.name}`,
      },
      inPrimary,
    );
    const nodes = primaryClusterNodes(topology);
    const plan = auroraParameterPlan(topology);
    const roles = [...new Set(nodes.map((node) => ROLES[node.role].aurora))];
    const parameters = new AuroraParameterGroups(`${name}-params`, { family: aurora.family, plan, roles }, inPrimary);
    const monitoringRole = aurora.monitoringInterval > 0 ? this.monitoringRole(name) : undefined;
    const ignoreVersion = versionDriftIgnored(aurora);
    const global =
      aurora.secondaries.length > 0
        ? new aws.rds.GlobalCluster(
            `${name}-global`,
            { globalClusterIdentifier: `${prefix}-global`, engine: ENGINE, engineVersion: aurora.engineVersion, storageEncrypted: true, deletionProtection: aurora.deletionProtection },
            { ...inPrimary, ignoreChanges: ignoreVersion },
          )
        : undefined;
    this.cluster = new aws.rds.Cluster(
      `${name}-cluster`,
      clusterArgs(topology, {
        identifierPrefix: prefix,
        password,
        subnetGroupName: network.subnetGroup.name,
        securityGroupId: network.securityGroup.id,
        parameterGroupName: parameters.cluster.name,
        ...(global ? { globalClusterId: global.id } : {}),
      }),
      { ...inPrimary, ignoreChanges: ignoreVersion },
    );

    const instances: Instance[] = [];
    for (const node of nodes) {
      const args = instanceArgs(topology, node, {
        clusterId: this.cluster.id,
        parameterGroupName: parameters.forRole(ROLES[node.role].aurora).name,
        subnetGroupName: network.subnetGroup.name,
        ...(monitoringRole ? { monitoringRoleArn: monitoringRole.arn } : {}),
      });
      // The first instance created becomes the writer: readers wait for it.
      const dependsOn = instances[0] ? [instances[0].resource] : [];
      instances.push({ node, resource: new aws.rds.ClusterInstance(`${name}-${node.name}`, args, { ...inPrimary, dependsOn, ignoreChanges: ignoreVersion }) });
    }
    const writer = instances[0];
    if (!writer) throw new Error("AuroraCluster: the primary cluster always has its writer");
    const olap = instances.find((i) => i.node.role === "olap");
    const endpoints = olap ? this.customEndpoints(name, prefix, olap, instances, inPrimary) : undefined;
    const proxy = aurora.proxy.enabled
      ? new AuroraProxy(
          `${name}-proxy`,
          {
            aurora,
            user: topology.user,
            password,
            clusterIdentifier: this.cluster.clusterIdentifier,
            securityGroupId: network.securityGroup.id,
            waitFor: instances.map((i) => i.resource),
          },
          inPrimary,
        )
      : undefined;
    if (aurora.autoscaling) {
      const target = new aws.appautoscaling.Target(`${name}-readers`, scalingTargetArgs(aurora.autoscaling, this.cluster.clusterIdentifier), {
        ...inPrimary,
        dependsOn: instances.map((i) => i.resource),
      });
      new aws.appautoscaling.Policy(`${name}-readers`, scalingPolicyArgs(aurora.autoscaling, target), inPrimary);
    }
    const secondaries = aurora.secondaries.map((secondary) => {
      const provider = new aws.Provider(`${name}-${secondary.region}`, providerArgs(topology, secondary.region), { parent: this });
      this.providers[secondary.region] = provider;
      if (!global) throw new Error("AuroraCluster: secondaries join the global cluster created with them");
      return new AuroraSecondaryRegion(
        `${name}-${secondary.region}`,
        { topology, secondary, plan, globalClusterIdentifier: global.id, primaryWriter: writer.resource },
        { parent: this, providers: [provider] },
      );
    });

    this.check(name, args.cli, topology, nodes, instances, secondaries, [
      ...(proxy ? [proxy] : []),
      ...(endpoints ? [endpoints.oltp, endpoints.olap] : []),
    ]);
    this.outputs = auroraStackOutputs(
      topology,
      {
        writer: this.cluster.endpoint,
        oltpReader: endpoints ? endpoints.oltp.endpoint : this.cluster.readerEndpoint,
        ...(endpoints ? { olap: endpoints.olap.endpoint } : {}),
        ...(proxy ? { proxy: { write: proxy.proxy.endpoint, readOnly: proxy.readOnly.endpoint } } : {}),
        instances: instances.map((i) => ({ node: i.node, identifier: i.resource.identifier, endpoint: i.resource.endpoint })),
        secondaries: secondaries.map((s) => ({
          region: s.region,
          readerEndpoint: s.cluster.readerEndpoint,
          readers: s.readers.map((r) => ({ identifier: r.identifier, endpoint: r.endpoint })),
        })),
      },
      password,
    );
    this.registerOutputs({ clusterIdentifier: this.cluster.clusterIdentifier });
  }

  /** The deploy gate: the CLI's aurora-check, re-run whenever the topology or an identifier changes. */
  private check(
    name: string,
    cli: string,
    topology: AuroraTopology,
    nodes: DatabaseNode[],
    instances: Instance[],
    secondaries: AuroraSecondaryRegion[],
    alsoWaitFor: pulumi.Resource[],
  ): void {
    const ids = pulumi
      .all([
        this.cluster.clusterIdentifier,
        pulumi.all(instances.map((i) => i.resource.identifier)),
        pulumi.all(secondaries.map((s) => pulumi.all([s.cluster.clusterIdentifier, pulumi.all(s.readers.map((r) => r.identifier))]))),
      ])
      .apply(([clusterId, instanceIds, remote]) => ({ clusterId, instanceIds, secondaries: remote.map(([id, readerIds]) => ({ clusterId: id, readerIds })) }));
    const expectation = ids.apply((created) => auroraExpectation(topology, nodes, created));
    const check = auroraCheckCommand(cli);
    new command.local.Command(
      `${name}-check`,
      {
        create: check.create,
        update: check.create,
        environment: expectation.apply((e) => check.environment(e)),
        triggers: [topology.hash, expectation.apply((e) => JSON.stringify(e.clusters))],
      },
      { parent: this, dependsOn: [...instances.map((i) => i.resource), ...secondaries.flatMap((s) => [s.cluster, ...s.readers]), ...alsoWaitFor] },
    );
  }

  /**
   * The cluster's reader endpoint would send OLTP reads to the OLAP reader too. OLTP reads
   * get a READER endpoint that excludes it (readers added later, autoscaled ones included,
   * join it automatically); analytics get one whose only member is the OLAP reader.
   */
  private customEndpoints(name: string, prefix: string, olap: Instance, instances: Instance[], opts: pulumi.CustomResourceOptions) {
    const waitFor = { ...opts, dependsOn: instances.map((i) => i.resource) };
    const endpoint = (suffix: string, members: Pick<aws.rds.ClusterEndpointArgs, "excludedMembers" | "staticMembers">) =>
      new aws.rds.ClusterEndpoint(
        `${name}-${suffix}`,
        { clusterIdentifier: this.cluster.id, clusterEndpointIdentifier: `${prefix}-${suffix}`, customEndpointType: "READER", ...members },
        waitFor,
      );
    return { oltp: endpoint("oltp", { excludedMembers: [olap.resource.identifier] }), olap: endpoint("olap", { staticMembers: [olap.resource.identifier] }) };
  }

  private monitoringRole(name: string): aws.iam.Role {
    const role = new aws.iam.Role(
      `${name}-monitoring`,
      {
        description: "pg-read-replicas: RDS enhanced monitoring",
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "monitoring.rds.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
      },
      { parent: this },
    );
    new aws.iam.RolePolicyAttachment(`${name}-monitoring`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole" }, { parent: this });
    return role;
  }
}
