/**
 * The Aurora backend: an Aurora PostgreSQL cluster with a writer and OLTP
 * readers, an OLAP reader isolated behind its own custom endpoint, RDS Proxy
 * pools, optional reader autoscaling, a Global Database secondary per extra
 * region, and a check that fails `pulumi up` unless everything is available
 * and replicating within the bound. Arguments come from plain functions
 * (instances.ts, versions.ts, identifiers.ts, autoscaling.ts, expectation.ts,
 * outputs.ts); this wires them.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackOutputValues } from "../outputs/pulumiOutputs";
import { ROLES } from "../topology/roles";
import type { AuroraTopology, DatabaseNode } from "../topology/types";
import { generatedPassword, managedPassword, managedSecretArn } from "./credentials";
import { auroraAlarms, auroraDashboard } from "./alarms";
import { deployCheck } from "./deployCheck";
import { clusterIdentifier } from "./identifiers";
import { ENGINE, clusterArgs, instanceArgs, primaryClusterNodes } from "./instances";
import { postgresLogGroup } from "./logGroup";
import { AuroraNetwork } from "./network";
import { auroraStackOutputs } from "./outputs";
import { AuroraParameterGroups } from "./parameterGroups";
import { auroraParameterPlan } from "./parameters";
import { AuroraProxy } from "./proxy";
import { readerScaling } from "./readerScaling";
import { AuroraSecondaryRegion } from "./secondaryRegion";
import { versionPolicy } from "./versions";

export interface AuroraClusterArgs {
  /** Plain: the topology decides which resources exist. */
  topology: AuroraTopology;
  /** Unique per AWS account (cluster, custom endpoint and global cluster names), e.g. "<name>-<stack>". */
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
    const home = new aws.Provider(`${name}-${topology.region}`, providerArgs(topology, topology.region), {
      parent: this,
    });
    this.providers = { [topology.region]: home };
    const inPrimary = { parent: this, provider: home };

    const generated = aurora.manageMasterUserPassword ? undefined : generatedPassword(name, { parent: this });
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
    const versions = versionPolicy(aurora);
    const roles = [...new Set(nodes.map((node) => ROLES[node.role].aurora))];
    const parameters = new AuroraParameterGroups(
      `${name}-params`,
      { family: aurora.family, plan, roles, ignoreChanges: versions.parameterGroups },
      inPrimary,
    );
    const monitoringRole = aurora.monitoringInterval > 0 ? this.monitoringRole(name, home) : undefined;
    const global =
      aurora.secondaries.length > 0
        ? new aws.rds.GlobalCluster(
            `${name}-global`,
            {
              globalClusterIdentifier: `${prefix}-global`,
              engine: ENGINE,
              engineVersion: aurora.engineVersion,
              storageEncrypted: true,
              deletionProtection: aurora.deletionProtection,
            },
            // The upgrades of a Global Database go through here (versions.ts); its fixed name must be freed before a
            // replacement.
            { ...inPrimary, deleteBeforeReplace: true, ignoreChanges: versions.global },
          )
        : undefined;
    // Renewed with every input that would replace the cluster, so a replacement never reuses a name.
    const suffix = new random.RandomId(
      `${name}-cluster-id`,
      {
        byteLength: 4,
        keepers: {
          kmsKeyId: aurora.kmsKeyId ?? "",
          database: topology.database,
          user: topology.user,
          subnetGroup: network.subnetGroup.name,
        },
      },
      { parent: this },
    );
    const clusterId = suffix.hex.apply((hex) => clusterIdentifier(prefix, hex));
    const logGroup = postgresLogGroup(name, clusterId, aurora.logRetentionDays, inPrimary);
    this.cluster = new aws.rds.Cluster(
      `${name}-cluster`,
      clusterArgs(topology, {
        clusterId,
        ...(generated ? { password: generated } : {}),
        subnetGroupName: network.subnetGroup.name,
        securityGroupId: network.securityGroup.id,
        parameterGroupName: parameters.cluster.name,
        writerParameterGroupName: parameters.forRole("writer").name,
        versions,
        ...(global ? { globalClusterId: global.id } : {}),
      }),
      { ...inPrimary, dependsOn: [logGroup], ignoreChanges: versions.cluster },
    );
    const password = generated ?? managedPassword(name, aurora, this.cluster, inPrimary);

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
      instances.push({
        node,
        resource: new aws.rds.ClusterInstance(`${name}-${node.name}`, args, { ...inPrimary, dependsOn }),
      });
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
            region: topology.region,
            credentials: generated
              ? { kind: "generated", user: topology.user, password: generated }
              : { kind: "managed", secretArn: managedSecretArn(this.cluster) },
            clusterIdentifier: this.cluster.clusterIdentifier,
            securityGroupId: network.securityGroup.id,
            waitFor: instances.map((i) => i.resource),
          },
          inPrimary,
        )
      : undefined;
    if (aurora.autoscaling) {
      const oltpReaders = instances.filter((i) => i.node.role === "oltp").map((i) => i.resource.identifier);
      readerScaling(
        name,
        {
          scaling: aurora.autoscaling,
          cli: args.cli,
          region: topology.region,
          cluster: this.cluster,
          instances: instances.map((i) => i.resource),
          ...(olap ? { oltpReaderIds: pulumi.all(oltpReaders) } : {}),
        },
        inPrimary,
      );
    }
    const secondaries = aurora.secondaries.map((secondary) => {
      const provider = new aws.Provider(`${name}-${secondary.region}`, providerArgs(topology, secondary.region), {
        parent: this,
      });
      this.providers[secondary.region] = provider;
      if (!global) throw new Error("AuroraCluster: secondaries join the global cluster created with them");
      return new AuroraSecondaryRegion(
        `${name}-${secondary.region}`,
        {
          topology,
          secondary,
          plan,
          versions,
          identifierPrefix: prefix,
          globalClusterIdentifier: global.id,
          primaryWriter: writer.resource,
        },
        { parent: this, providers: [provider] },
      );
    });

    if (aurora.alarms.enabled) {
      const alarmArgs = {
        topology,
        prefix,
        instances: instances.map((i) => ({ node: i.node, identifier: i.resource.identifier })),
        secondaries: secondaries.map((s) => ({
          region: s.region,
          clusterIdentifier: s.cluster.clusterIdentifier,
          provider: this.providers[s.region]!,
        })),
      };
      auroraAlarms(`${name}-alarm`, alarmArgs, inPrimary);
      auroraDashboard(
        `${name}-dashboard`,
        alarmArgs,
        pulumi.all(instances.map((i) => i.resource.identifier)),
        inPrimary,
      );
    }

    deployCheck(
      name,
      {
        cli: args.cli,
        topology,
        nodes,
        cluster: this.cluster,
        instances: instances.map((i) => i.resource),
        secondaries,
        ...(proxy ? { proxyName: proxy.proxy.name } : {}),
        alsoWaitFor: [...(proxy ? [proxy] : []), ...(endpoints ? [endpoints.oltp, endpoints.olap] : [])],
      },
      { parent: this },
    );
    this.outputs = auroraStackOutputs(
      topology,
      {
        writer: this.cluster.endpoint,
        oltpReader: endpoints ? endpoints.oltp.endpoint : this.cluster.readerEndpoint,
        ...(endpoints ? { olap: endpoints.olap.endpoint } : {}),
        ...(proxy ? { proxy: { write: proxy.proxy.endpoint, readOnly: proxy.readOnly.endpoint } } : {}),
        instances: instances.map((i) => ({
          node: i.node,
          identifier: i.resource.identifier,
          endpoint: i.resource.endpoint,
        })),
        secondaries: secondaries.map((s) => ({
          region: s.region,
          readerEndpoint: s.cluster.readerEndpoint,
          readers: s.readers.map((r) => ({ identifier: r.identifier, endpoint: r.endpoint })),
        })),
        ...(aurora.manageMasterUserPassword ? { masterSecretArn: managedSecretArn(this.cluster) } : {}),
      },
      password,
    );
    this.registerOutputs({ clusterIdentifier: this.cluster.clusterIdentifier });
  }

  /**
   * The cluster's reader endpoint would send OLTP reads to the OLAP reader too. OLTP reads
   * get a READER endpoint that excludes it (readers added later, autoscaled ones included,
   * join it automatically); analytics get one whose only member is the OLAP reader.
   * Their names are fixed (not auto-named): a replacement must delete the old one first.
   */
  private customEndpoints(
    name: string,
    prefix: string,
    olap: Instance,
    instances: Instance[],
    opts: pulumi.CustomResourceOptions,
  ) {
    const waitFor = { ...opts, dependsOn: instances.map((i) => i.resource), deleteBeforeReplace: true };
    const endpoint = (
      suffix: string,
      members: Pick<aws.rds.ClusterEndpointArgs, "excludedMembers" | "staticMembers">,
    ) =>
      new aws.rds.ClusterEndpoint(
        `${name}-${suffix}`,
        {
          clusterIdentifier: this.cluster.id,
          clusterEndpointIdentifier: `${prefix}-${suffix}`,
          customEndpointType: "READER",
          ...members,
        },
        waitFor,
      );
    return {
      oltp: endpoint("oltp", { excludedMembers: [olap.resource.identifier] }),
      olap: endpoint("olap", { staticMembers: [olap.resource.identifier] }),
    };
  }

  /** IAM is global, but the role still goes through the stack's provider: its credentials, and the labels as tags. */
  private monitoringRole(name: string, provider: aws.Provider): aws.iam.Role {
    const opts = { parent: this, provider };
    const role = new aws.iam.Role(
      `${name}-monitoring`,
      {
        description: "pg-read-replicas: RDS enhanced monitoring",
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "monitoring.rds.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
      },
      opts,
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-monitoring`,
      { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole" },
      opts,
    );
    return role;
  }
}
