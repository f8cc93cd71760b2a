/**
 * The Aurora backend: an Aurora PostgreSQL cluster with a writer and OLTP
 * readers, an OLAP reader isolated behind its own custom endpoint, RDS Proxy
 * pools, optional reader autoscaling, a Global Database secondary per extra
 * region, and a check that fails `pulumi up` unless everything is available
 * and replicating within the bound.
 */
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Endpoint, Reader, StackOutputValues } from "../outputs";
import { toOutputValues } from "../outputs";
import type { AuroraSettings, DatabaseNode, Topology } from "../topology/types";
import { auroraCheckCommand } from "./checkCommand";
import type { AuroraExpectation } from "./check";
import { AuroraNetwork } from "./network";
import { auroraNotes } from "./notes";
import { AuroraParameterGroups, type InstanceRole } from "./parameterGroups";
import { AuroraProxy } from "./proxy";
import { AuroraSecondaryRegion } from "./secondaryRegion";

export interface AuroraClusterArgs {
  /** Plain: the topology decides which resources exist. */
  topology: Topology;
  /** Unique per AWS account (custom endpoint, global cluster and snapshot names), e.g. "<name>-<stack>". */
  identifierPrefix: string;
  /** Where the check command runs the CLI from. */
  cli: string;
}

const ENGINE = "aurora-postgresql";

interface Instance {
  node: DatabaseNode;
  resource: aws.rds.ClusterInstance;
}

export class AuroraCluster extends pulumi.ComponentResource {
  declare readonly outputs: StackOutputValues;
  declare readonly cluster: aws.rds.Cluster;
  declare readonly providers: Record<string, aws.Provider>;

  constructor(name: string, args: AuroraClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:aurora:AuroraCluster", name, {}, opts);
    const { topology, identifierPrefix: prefix } = args;
    const aurora = topology.aurora;
    if (topology.backend !== "aurora" || !aurora) throw new Error(`AuroraCluster needs an aurora topology (got backend ${topology.backend})`);
    this.providers = { [topology.region]: new aws.Provider(`${name}-${topology.region}`, { region: topology.region as aws.Region }, { parent: this }) };
    const inPrimary = { parent: this, provider: this.providers[topology.region] };

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
    const olapNode = topology.standbys.find((s) => s.role === "olap");
    const roles: InstanceRole[] = ["writer", "reader", ...(olapNode ? (["olap"] as const) : [])];
    const parameters = new AuroraParameterGroups(`${name}-params`, { aurora, roles }, inPrimary);
    const monitoringRole = aurora.monitoringInterval > 0 ? this.monitoringRole(name) : undefined;
    const global =
      aurora.secondaries.length > 0
        ? new aws.rds.GlobalCluster(
            `${name}-global`,
            { globalClusterIdentifier: `${prefix}-global`, engine: ENGINE, engineVersion: aurora.engineVersion, storageEncrypted: true, deletionProtection: aurora.deletionProtection },
            { ...inPrimary, ignoreChanges: aurora.autoMinorVersionUpgrade ? ["engineVersion"] : [] },
          )
        : undefined;

    this.cluster = new aws.rds.Cluster(
      `${name}-cluster`,
      {
        engine: ENGINE,
        engineVersion: aurora.engineVersion,
        databaseName: topology.database,
        masterUsername: topology.user,
        masterPassword: password,
        port: topology.port,
        dbSubnetGroupName: network.subnetGroup.name,
        vpcSecurityGroupIds: [network.securityGroup.id],
        dbClusterParameterGroupName: parameters.cluster.name,
        storageEncrypted: true,
        ...(aurora.kmsKeyId ? { kmsKeyId: aurora.kmsKeyId } : {}),
        deletionProtection: aurora.deletionProtection,
        skipFinalSnapshot: aurora.skipFinalSnapshot,
        ...(aurora.skipFinalSnapshot ? {} : { finalSnapshotIdentifier: `${prefix}-final` }),
        backupRetentionPeriod: aurora.backupRetentionDays,
        copyTagsToSnapshot: true,
        enabledCloudwatchLogsExports: ["postgresql"],
        ...(global ? { globalClusterIdentifier: global.id } : {}),
        // availabilityZones is left unset: Aurora picks three, and a declared list that drifts forces replacement.
      },
      { ...inPrimary, ignoreChanges: aurora.autoMinorVersionUpgrade ? ["engineVersion"] : [] },
    );

    const instances = this.instances(name, topology, aurora, parameters, network, monitoringRole, inPrimary);
    const writer = instances.find((i) => i.node.role === "primary")!;
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
    if (aurora.autoscaling) this.autoscaling(name, aurora.autoscaling, instances, inPrimary);
    const secondaries = aurora.secondaries.map((secondary) => {
      const provider = new aws.Provider(`${name}-${secondary.region}`, { region: secondary.region as aws.Region }, { parent: this });
      this.providers[secondary.region] = provider;
      return new AuroraSecondaryRegion(
        `${name}-${secondary.region}`,
        { topology, secondary, globalClusterIdentifier: global!.id, primaryWriter: writer.resource },
        { parent: this, providers: [provider] },
      );
    });

    const expectation = this.expectation(topology, instances, secondaries);
    const check = auroraCheckCommand(args.cli);
    new command.local.Command(
      `${name}-check`,
      {
        create: check.create,
        update: check.create,
        environment: expectation.apply((e) => check.environment(e)),
        // Re-run whenever the topology or any identifier changes.
        triggers: [topology.hash, expectation.apply((e) => JSON.stringify(e.clusters))],
      },
      {
        parent: this,
        dependsOn: [...instances.map((i) => i.resource), ...secondaries.flatMap((s) => [s.cluster, ...s.readers]), ...(proxy ? [proxy] : []), ...(endpoints ? [endpoints.oltp, endpoints.olap] : [])],
      },
    );

    this.outputs = this.stackOutputs(topology, instances, secondaries, endpoints, proxy, password);
    this.registerOutputs({ clusterIdentifier: this.cluster.clusterIdentifier });
  }

  private instances(
    name: string,
    topology: Topology,
    aurora: AuroraSettings,
    parameters: AuroraParameterGroups,
    network: AuroraNetwork,
    monitoringRole: aws.iam.Role | undefined,
    opts: pulumi.CustomResourceOptions,
  ): Instance[] {
    const nodes = [topology.primary, ...topology.standbys.filter((s) => !s.remote)];
    const created: Instance[] = [];
    for (const node of nodes) {
      const role: InstanceRole = node.role === "primary" ? "writer" : node.role === "oltp" ? "reader" : "olap";
      const resource = new aws.rds.ClusterInstance(
        `${name}-${node.name}`,
        {
          clusterIdentifier: this.cluster.id,
          engine: ENGINE,
          engineVersion: aurora.engineVersion,
          instanceClass: aurora.instanceClass[role]!,
          dbParameterGroupName: parameters.instance[role]!.name,
          dbSubnetGroupName: network.subnetGroup.name,
          // Failover promotes the lowest tier: OLTP readers (1) before the OLAP reader (15).
          promotionTier: node.role === "primary" ? 0 : node.role === "oltp" ? aurora.promotionTiers.oltp : aurora.promotionTiers.olap,
          publiclyAccessible: false,
          autoMinorVersionUpgrade: aurora.autoMinorVersionUpgrade,
          performanceInsightsEnabled: aurora.performanceInsights,
          ...(monitoringRole ? { monitoringInterval: aurora.monitoringInterval, monitoringRoleArn: monitoringRole.arn } : {}),
        },
        {
          ...opts,
          // The first instance created becomes the writer: readers wait for it.
          dependsOn: created.length > 0 ? [created[0]!.resource] : [],
          ignoreChanges: aurora.autoMinorVersionUpgrade ? ["engineVersion"] : [],
        },
      );
      created.push({ node, resource });
    }
    return created;
  }

  /**
   * The cluster's reader endpoint would send OLTP reads to the OLAP reader too. OLTP reads
   * get a READER endpoint that excludes it (readers added later, autoscaled ones included,
   * join it automatically); analytics get one whose only member is the OLAP reader.
   */
  private customEndpoints(name: string, prefix: string, olap: Instance, instances: Instance[], opts: pulumi.CustomResourceOptions) {
    const waitFor = { ...opts, dependsOn: instances.map((i) => i.resource) };
    return {
      oltp: new aws.rds.ClusterEndpoint(
        `${name}-oltp`,
        { clusterIdentifier: this.cluster.id, clusterEndpointIdentifier: `${prefix}-oltp`, customEndpointType: "READER", excludedMembers: [olap.resource.identifier] },
        waitFor,
      ),
      olap: new aws.rds.ClusterEndpoint(
        `${name}-olap`,
        { clusterIdentifier: this.cluster.id, clusterEndpointIdentifier: `${prefix}-olap`, customEndpointType: "READER", staticMembers: [olap.resource.identifier] },
        waitFor,
      ),
    };
  }

  /** Reader count follows load between min and max; it adds and removes only readers it created, never the OLAP reader. */
  private autoscaling(name: string, scaling: NonNullable<AuroraSettings["autoscaling"]>, instances: Instance[], opts: pulumi.CustomResourceOptions): void {
    const target = new aws.appautoscaling.Target(
      `${name}-readers`,
      {
        serviceNamespace: "rds",
        scalableDimension: "rds:cluster:ReadReplicaCount",
        resourceId: pulumi.interpolate`cluster:${this.cluster.clusterIdentifier}`,
        minCapacity: scaling.minReaders,
        maxCapacity: scaling.maxReaders,
      },
      { ...opts, dependsOn: instances.map((i) => i.resource) },
    );
    new aws.appautoscaling.Policy(
      `${name}-readers`,
      {
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: {
            predefinedMetricType: scaling.metric === "cpu" ? "RDSReaderAverageCPUUtilization" : "RDSReaderAverageDatabaseConnections",
          },
          targetValue: scaling.target,
          scaleInCooldown: 300,
          scaleOutCooldown: 300,
        },
      },
      opts,
    );
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
    new aws.iam.RolePolicyAttachment(
      `${name}-monitoring`,
      { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole" },
      { parent: this },
    );
    return role;
  }

  private expectation(topology: Topology, instances: Instance[], secondaries: AuroraSecondaryRegion[]): pulumi.Output<AuroraExpectation> {
    const readers = instances.filter((i) => i.node.role !== "primary");
    const writer = instances.find((i) => i.node.role === "primary")!;
    return pulumi
      .all([
        this.cluster.clusterIdentifier,
        writer.resource.identifier,
        pulumi.all(readers.map((r) => r.resource.identifier)),
        pulumi.all(secondaries.map((s) => pulumi.all([s.cluster.clusterIdentifier, pulumi.all(s.readers.map((r) => r.identifier))]))),
      ])
      .apply(([clusterId, writerId, readerIds, remote]) => ({
        timeoutMs: topology.verification.timeoutMs,
        maxLagMs: topology.verification.maxLagMs,
        clusters: [
          {
            region: topology.region,
            clusterId,
            primary: true,
            declaredWriter: writerId,
            readers: readers.map((r, index) => ({ id: readerIds[index]!, role: r.node.role as "oltp" | "olap" })),
          },
          ...remote.map(([id, ids], index) => ({
            region: topology.aurora!.secondaries[index]!.region,
            clusterId: id,
            primary: false,
            readers: ids.map((readerId) => ({ id: readerId, role: "oltp" as const })),
          })),
        ],
      }));
  }

  private stackOutputs(
    topology: Topology,
    instances: Instance[],
    secondaries: AuroraSecondaryRegion[],
    endpoints: { oltp: aws.rds.ClusterEndpoint; olap: aws.rds.ClusterEndpoint } | undefined,
    proxy: AuroraProxy | undefined,
    password: pulumi.Output<string>,
  ): StackOutputValues {
    const port = topology.port;
    const at = (host: pulumi.Input<string>): pulumi.Output<Endpoint> => pulumi.output(host).apply((h) => ({ host: h, port }));
    // Replicas only, never the OLAP reader.
    const readerEndpoint = at(endpoints ? endpoints.oltp.endpoint : this.cluster.readerEndpoint);
    const readPool = endpoints || !proxy ? readerEndpoint : at(proxy.readOnly.endpoint);
    const readers: pulumi.Output<Reader>[] = [
      ...instances
        .filter((i) => i.node.role !== "primary")
        .map((i) => pulumi.all([i.resource.identifier, i.resource.endpoint]).apply(([id, host]) => ({ name: id, region: topology.region, role: i.node.role as Reader["role"], host, port }))),
      ...secondaries.flatMap((s, index) =>
        s.readers.map((r) => pulumi.all([r.identifier, r.endpoint]).apply(([id, host]) => ({ name: id, region: topology.aurora!.secondaries[index]!.region, role: "oltp" as const, host, port }))),
      ),
    ];
    const regions = pulumi.all([
      pulumi.all([readerEndpoint, readPool]).apply(([reader, pool]) => ({ region: topology.region, primary: true, readerEndpoint: reader, readPool: pool })),
      ...secondaries.map((s, index) =>
        at(s.cluster.readerEndpoint).apply((reader) => ({ region: topology.aurora!.secondaries[index]!.region, primary: false, readerEndpoint: reader, readPool: reader })),
      ),
    ]);
    return toOutputValues(
      {
        backend: "aurora",
        database: topology.database,
        user: topology.user,
        writer: at(this.cluster.endpoint),
        readerEndpoint,
        readers: pulumi.all(readers),
        pools: pulumi.all([at(proxy ? proxy.proxy.endpoint : this.cluster.endpoint), readPool, endpoints ? at(endpoints.olap.endpoint) : undefined]).apply(([write, read, olap]) => ({
          write,
          read,
          ...(olap ? { olap } : {}),
        })),
        regions,
        topologyHash: topology.hash,
        capacity: pulumi.output(topology.capacity ? { requiredReplicas: topology.capacity.requiredReplicas, formula: topology.capacity.formula } : undefined),
        verification: { ...topology.verification },
        notes: proxy ? proxy.readOnly.endpoint.apply((ro) => auroraNotes(topology, ro)) : auroraNotes(topology, undefined),
      },
      password,
    );
  }
}
