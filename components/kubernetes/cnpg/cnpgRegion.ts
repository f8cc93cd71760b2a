/**
 * Everything of one region on the cloudnative-pg engine: the operator (checked or
 * installed), Secrets, NetworkPolicies, the region's Clusters and Poolers, and the
 * same verification Job as the StatefulSet engine. The primary's region also
 * exposes the main Cluster's primary to other regions when any exist. The
 * verification Job is made by `verify`, once every region exists: the region
 * holding the writer (primaryRegion) verifies first and writes the heartbeat
 * the others look for, whichever region the stack was created in.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Endpoint } from "../../contract/stackOutputs";
import type { CnpgEngine, Region, SelfHostedTopology } from "../../topology/types";
import type { ServerCertificate } from "../clusterTls";
import { serviceHost } from "../conventions";
import { type RegionCredentials, credentialsSecret } from "../manifests/secrets";
import { exposedPrimaryManifest } from "../manifests/services";
import { createNamespace } from "../namespace";
import { VerificationJob } from "../verificationJob";
import { instanceNetworkPolicy, poolerNetworkPolicy } from "./access";
import { type ClusterManifest, clusterMetadata, mainClusterManifest, replicaClusterManifest } from "./cluster";
import { CNPG_OPERATOR } from "../../facts/cnpg/operator";
import { CNPG_AVAILABILITY } from "../../facts/cnpg/availability";
import { crdProblem, operatorCheckName, operatorRelease } from "./operator";
import { type ClusterPlan, clusterPlans, cnpgNames } from "./plan";
import { holdsWriter, poolerTarget, poolsOf } from "./writerRegion";
import { poolerManifest } from "./pooler";
import { appUserSecret, caSecret, certificateSecret, clientCaSecret, pemBundle } from "./secrets";
import { cnpgVerifyTargets } from "./verify";
import { isDistributed, members } from "./distributed";
import { createBarmanPlugin, createBarmanStores, createScheduledBackup } from "./barmanRegion";

export interface CnpgCertificates {
  server: ServerCertificate;
  /** streaming_replica's client certificate, the same in every region. */
  replication: ServerCertificate;
  /** The server CA: no key, nothing here signs a server certificate. */
  caPem: pulumi.Input<string>;
  /** The client CA: the operator signs its poolers' client certificates with it. */
  clientCa: { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string> };
}

export interface CnpgRegionArgs {
  topology: SelfHostedTopology;
  /** The topology's engine, narrowed: the engine table hands it over. */
  engine: CnpgEngine;
  region: Region;
  credentials: RegionCredentials;
  certificates: CnpgCertificates;
  /** Other regions only: where their replica clusters reach the primary. */
  primaryEndpoint?: pulumi.Input<Endpoint>;
  /** Other regions only: the main Cluster (their replica clusters seed from it). */
  after?: pulumi.Resource[];
}

export class CnpgRegion extends pulumi.ComponentResource {
  declare readonly region: Region;
  declare readonly exposedPrimary?: k8s.core.v1.Service;
  declare readonly clusters: k8s.apiextensions.CustomResource[];
  declare readonly poolers: k8s.apiextensions.CustomResource[];
  /** With backup or restore: the ObjectStores and the ScheduledBackup (Barman Cloud plugin). */
  declare readonly backupObjects: pulumi.Resource[];
  private readonly args: CnpgRegionArgs;
  private readonly name: string;
  /** What the verification Job waits for in this region. */
  private readonly verifyReady: pulumi.Resource[];
  private job?: VerificationJob;

  constructor(name: string, args: CnpgRegionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:kubernetes:CnpgRegion", name, {}, opts);
    const { topology, region } = args;
    this.args = args;
    this.name = name;
    this.region = region;
    const child = (dependsOn: pulumi.Resource[] = []) => ({ parent: this, dependsOn });

    const namespace = createNamespace(name, topology, child());
    const operator = createOperator(name, args, child());
    const plugin = createBarmanPlugin(name, args, operator, { parent: this });
    const base = [...namespace, ...operator, ...plugin.installed];
    const crdCheck = pulumi
      .all([checkInstalledOperator(name, args, { parent: this }), plugin.check])
      .apply((): undefined => undefined);
    const secured = [...base, ...createSecrets(name, args, child(base)), ...createPolicies(name, args, child(base))];
    const stores = createBarmanStores(name, args, crdCheck, child(secured));
    const ready = [...secured, ...stores];
    const clusters = createClusters(name, args, crdCheck, ready, this);
    this.clusters = [...clusters.values()];
    const main = clusters.get(cnpgNames.main(topology));
    const scheduled = main ? createScheduledBackup(name, args, child([...ready, main])) : [];
    this.backupObjects = [...plugin.installed, ...stores, ...scheduled];
    this.exposedPrimary = createExposedPrimary(name, topology, region, child(ready));
    this.poolers = createPoolers(name, args, clusters, ready, this);
    this.verifyReady = [...ready, ...this.clusters, ...this.poolers];
  }

  /** The region's verification Job, made once by `verify`. */
  get verification(): VerificationJob {
    if (!this.job) throw new Error(`CnpgRegion ${this.region.name}: verify() has not run yet`);
    return this.job;
  }

  /** This region holds the distributed topology's writer (its Job writes the heartbeat the others look for). */
  get holdsWriter(): boolean {
    return holdsWriter(this.args.topology, this.region);
  }

  /** Makes the verification Job, after `after` (the writer's region's Job, for every other region). */
  verify(after: pulumi.Resource[]): VerificationJob {
    const { topology, region } = this.args;
    this.job = new VerificationJob(
      `${this.name}-verify`,
      {
        topology,
        targets: cnpgVerifyTargets(topology, region),
        waitFor: [...this.verifyReady, ...after],
        // The operator's image (the Job runs its psql) has postgres as UID 26, not the official image's 999.
        runAsUser: CNPG_AVAILABILITY.postgresUid.value,
        // The server CA: the instances and the poolers (by default they present the Cluster's server certificate,
        // CNPG_OPERATOR.poolerServesServerCertificate) chain to it, and it names every Service verify.sh dials.
        caSecret: cnpgNames.caSecret(topology),
      },
      { parent: this },
    );
    this.registerOutputs({ verification: this.job.job.metadata.name });
    return this.job;
  }
}

function createOperator(
  name: string,
  { topology, engine }: CnpgRegionArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release[] {
  if (!engine.installOperator) return [];
  return [new k8s.helm.v3.Release(`${name}-cloudnative-pg`, operatorRelease(topology, engine.operatorNamespace), opts)];
}

/**
 * Without an install, the CRD the operator registers must be there, and new enough: read at preview, before
 * anything is created. A missing CRD halts the program inside Pulumi's `.get()` (pulumi/pulumi#3364), before any code
 * here runs: the read is named so that Pulumi's diagnostic, which prints the name, says what is missing and the fix.
 */
function checkInstalledOperator(
  name: string,
  { engine, region }: CnpgRegionArgs,
  opts: pulumi.CustomResourceOptions,
): pulumi.Output<undefined> {
  if (engine.installOperator) return pulumi.output(undefined);
  const crd = k8s.apiextensions.v1.CustomResourceDefinition.get(
    operatorCheckName(name),
    CNPG_OPERATOR.crds.value.cluster,
    opts,
  );
  return crd.spec.apply((spec) => {
    const problem = crdProblem(engine, { spec: spec as never }, `region ${region.name}'s cluster`);
    if (problem) throw new Error(problem);
    return undefined;
  });
}

function createSecrets(
  name: string,
  { topology, credentials, certificates }: CnpgRegionArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret[] {
  const { caPem, clientCa, server, replication } = certificates;
  const trusted = pulumi.all([clientCa.certPem, caPem]).apply(([client, server]) => pemBundle(client, server));
  return [
    new k8s.core.v1.Secret(`${name}-app-user`, appUserSecret(topology, credentials.app), opts),
    new k8s.core.v1.Secret(`${name}-tls-ca`, caSecret(topology, caPem), opts),
    new k8s.core.v1.Secret(`${name}-tls-client-ca`, clientCaSecret(topology, trusted, clientCa.keyPem), opts),
    new k8s.core.v1.Secret(`${name}-tls`, certificateSecret(topology, cnpgNames.serverSecret(topology), server), opts),
    new k8s.core.v1.Secret(
      `${name}-tls-replication`,
      certificateSecret(topology, cnpgNames.replicationSecret(topology), replication),
      opts,
    ),
    // The verification Job's password and heartbeat token, as on the StatefulSet engine.
    new k8s.core.v1.Secret(`${name}-credentials`, credentialsSecret(topology, credentials, false), opts),
  ];
}

function createPolicies(
  name: string,
  { topology, region, engine }: CnpgRegionArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy[] {
  const instances = instanceNetworkPolicy(topology, region, engine.operatorNamespace);
  return [
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol-postgresql`, instances, opts),
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol-pgbouncer`, poolerNetworkPolicy(topology, region), opts),
  ];
}

/** The region's Clusters by name, in plan order. */
function createClusters(
  name: string,
  args: CnpgRegionArgs,
  crdCheck: pulumi.Output<undefined>,
  ready: pulumi.Resource[],
  parent: pulumi.Resource,
): Map<string, k8s.apiextensions.CustomResource> {
  const { topology, region } = args;
  const byName = new Map<string, k8s.apiextensions.CustomResource>();
  for (const plan of clusterPlans(topology, region)) {
    // In the primary's region, replica clusters seed from the main Cluster once it is Ready.
    const main = byName.get(cnpgNames.main(topology));
    const waitFor = [...ready, ...(main ? [main] : []), ...(args.after ?? [])];
    byName.set(plan.name, createCluster(name, args, plan, crdCheck, { parent, dependsOn: waitFor }));
  }
  return byName;
}

function createCluster(
  name: string,
  args: CnpgRegionArgs,
  plan: ClusterPlan,
  check: pulumi.Output<undefined>,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  const { topology, region } = args;
  const inRegion = {
    host: serviceHost(cnpgNames.service(cnpgNames.main(topology), "rw"), topology.kubernetes),
    port: topology.port,
  };
  const source = plan.kind === "replica" && plan.remote ? args.primaryEndpoint : inRegion;
  if (!source) throw new Error(`CnpgRegion ${region.name}: a replica-only region needs primaryEndpoint`);
  const manifest = pulumi
    .all([pulumi.output(source), check])
    .apply(([endpoint]): ClusterManifest =>
      plan.kind === "main"
        ? mainClusterManifest(topology, plan, region)
        : replicaClusterManifest(topology, plan, region, endpoint),
    );
  return new k8s.apiextensions.CustomResource(
    `${name}-${plan.name}`,
    {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      metadata: clusterMetadata(topology, plan),
      spec: manifest.spec,
    },
    opts,
  );
}

/**
 * The region's member of the distributed topology exposed to the other regions, whichever instance the operator
 * elected (what its -rw selects): the main Cluster's primary for other regions' Clusters, and each other region's
 * designated primary, which the others stream from once primaryRegion names that region.
 */
function createExposedPrimary(
  name: string,
  topology: SelfHostedTopology,
  region: Region,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Service | undefined {
  const member = members(topology).find((m) => m.region === region.name);
  const others = topology.regions.filter((r) => r.name !== region.name);
  const cidrs = others.flatMap((r) => (r.primary ? topology.access.replicationCidrs : r.access.cidrs));
  // The primary's region exposes its main Cluster to any other region (its OLAP or OLTP replicas stream from it).
  const exposes = region.primary || (member !== undefined && isDistributed(topology));
  if (!member || !exposes || cidrs.length === 0) return undefined;
  const exposed = exposedPrimaryManifest(topology, [...new Set(cidrs)]);
  const labels = CNPG_OPERATOR.labels.value;
  const selector = { [labels.cluster]: member.cluster, [labels.instanceRole]: labels.primary };
  const ports = [{ name: "postgres", port: topology.port, targetPort: CNPG_OPERATOR.postgresPort.value.number }];
  return new k8s.core.v1.Service(
    `${name}-rw-external`,
    { ...exposed, spec: { ...exposed.spec, selector, ports } },
    opts,
  );
}

/** Each pool's Pooler, after the Cluster it targets; the write pool only where the writer is (writerRegion.ts). */
function createPoolers(
  name: string,
  { topology, region }: CnpgRegionArgs,
  clusters: Map<string, k8s.apiextensions.CustomResource>,
  ready: pulumi.Resource[],
  parent: pulumi.Resource,
): k8s.apiextensions.CustomResource[] {
  return poolsOf(topology, region).map((pool) => {
    const target = clusters.get(poolerTarget(topology, pool).cluster);
    const dependsOn = [...ready, ...(target ? [target] : [])];
    return new k8s.apiextensions.CustomResource(`${name}-${pool.service}`, poolerManifest(topology, pool), {
      parent,
      dependsOn,
    });
  });
}
