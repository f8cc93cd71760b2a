/**
 * Everything of one region on its Kubernetes cluster: namespace, secrets,
 * database groups, role Services, PgBouncer pools and the verification Job.
 * The primary's region also exposes the primary to other regions when any exist.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Endpoint } from "../../contract/stackOutputs";
import type { VerifyTargets } from "../../render/verifyScript";
import type { NodeRole, Region, SelfHostedTopology } from "../../topology/types";
import type { ServerCertificate } from "../clusterTls";
import { POOL_SERVICE_PORT, baseLabels, names, podHost, serviceHost } from "../conventions";
import { servingStandbys } from "../../topology/queries";
import { DatabaseGroup } from "./databaseGroup";
import { contentHash } from "./hash";
import { type Scripts, renderScripts } from "./files";
import { fenceConfigMap, primaryEndpointConfigMap, scriptsConfigMap } from "./manifests/configMaps";
import { databaseNetworkPolicy, poolNetworkPolicy } from "../manifests/networkPolicies";
import { dashboardConfigMap, podMonitors, prometheusRule } from "./manifests/monitoringObjects";
import { type RegionCredentials, credentialsSecret, poolAuthSecret, tlsSecret } from "../manifests/secrets";
import { exposedPrimaryManifest, roleServiceManifest } from "../manifests/services";
import { PgBouncerPool } from "./pgbouncerPool";
import { VerificationJob } from "../verificationJob";

export type { RegionCredentials } from "../manifests/secrets";

export interface RegionDeploymentArgs {
  topology: SelfHostedTopology;
  region: Region;
  credentials: RegionCredentials;
  certificate: ServerCertificate;
  /** Other regions only: where their replicas reach the primary. */
  primaryEndpoint?: pulumi.Input<Endpoint>;
  /** Other regions only: verify after the primary region has (its final heartbeat is awaited here). */
  verifyAfter?: pulumi.Resource[];
}

export class RegionDeployment extends pulumi.ComponentResource {
  declare readonly verification: VerificationJob;
  declare readonly exposedPrimary?: k8s.core.v1.Service;
  declare readonly groups: DatabaseGroup[];
  declare readonly pools: PgBouncerPool[];

  constructor(name: string, args: RegionDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:kubernetes:RegionDeployment", name, {}, opts);
    const { topology, region } = args;
    const child = (dependsOn: pulumi.Resource[] = []) => ({ parent: this, dependsOn });

    const namespace = topology.kubernetes.createNamespace
      ? [
          new k8s.core.v1.Namespace(
            `${name}-ns`,
            { metadata: { name: topology.kubernetes.namespace, labels: baseLabels(topology, "postgresql") } },
            child(),
          ),
        ]
      : [];
    const secrets = [
      new k8s.core.v1.Secret(
        `${name}-credentials`,
        credentialsSecret(topology, args.credentials, region.primary),
        child(namespace),
      ),
      new k8s.core.v1.Secret(`${name}-tls`, tlsSecret(topology, args.certificate), child(namespace)),
      new k8s.core.v1.Secret(`${name}-pgbouncer-auth`, poolAuthSecret(topology, args.credentials), child(namespace)),
    ];
    const policies = [
      new k8s.networking.v1.NetworkPolicy(
        `${name}-netpol-postgresql`,
        databaseNetworkPolicy(topology, region),
        child(namespace),
      ),
      new k8s.networking.v1.NetworkPolicy(
        `${name}-netpol-pgbouncer`,
        poolNetworkPolicy(topology, region),
        child(namespace),
      ),
    ];
    const base = [...namespace, ...secrets, ...policies];
    const scripts = renderScripts(topology, region);
    const configs = this.configMaps(name, args, scripts, base);
    const roles = new Set<NodeRole>(region.groups.map((g) => g.role));
    const services = [...roles].map(
      (role) => new k8s.core.v1.Service(`${name}-svc-${role}`, roleServiceManifest(topology, role), child(base)),
    );
    const remoteCidrs = topology.regions.flatMap((r) => (r.primary ? [] : r.access.cidrs));
    if (region.primary && remoteCidrs.length > 0) {
      this.exposedPrimary = new k8s.core.v1.Service(
        `${name}-rw-external`,
        exposedPrimaryManifest(topology, remoteCidrs),
        child(base),
      );
    }

    const ready: pulumi.Resource[] = [...base, ...configs, ...services];
    this.groups = [];
    let primary: DatabaseGroup | undefined;
    // A rotated password rolls the pods: the writer's bootstrap re-applies it, replicas rewrite their passfile.
    const credentialsHash = pulumi.secret(
      pulumi
        .all([args.credentials.app, args.credentials.replication, args.credentials.monitor])
        .apply(([app, replication, monitor]) => contentHash(app, replication, monitor)),
    );
    for (const group of region.groups) {
      // Replicas seed from a running primary: in its region, create them after it is ready.
      const waitFor = primary ? [...ready, primary.statefulSet] : ready;
      const created = new DatabaseGroup(
        `${name}-${group.name}`,
        { topology, group, scripts, credentialsHash, waitFor },
        { parent: this },
      );
      if (group.role === "primary") primary = created;
      this.groups.push(created);
    }

    const authHash = pulumi.secret(
      pulumi.all([args.credentials.app, args.credentials.monitor]).apply(([app, monitor]) => contentHash(app, monitor)),
    );
    this.pools = region.pools.map(
      (pool) =>
        new PgBouncerPool(`${name}-${pool.service}`, { topology, pool, authHash, waitFor: ready }, { parent: this }),
    );

    const workloads = [
      ...this.groups.map((g) => g.statefulSet),
      ...this.pools.flatMap((p) => [p.deployment, p.service]),
    ];
    this.verification = new VerificationJob(
      `${name}-verify`,
      {
        topology,
        targets: verifyTargets(topology, region),
        waitFor: [...ready, ...workloads, ...(args.verifyAfter ?? [])],
      },
      { parent: this },
    );
    this.monitoringObjects(name, args, base);
    this.registerOutputs({ verification: this.verification.job.metadata.name });
  }

  /** PodMonitors everywhere, the rules and the dashboard in the primary's region (where the writer's metrics are). */
  private monitoringObjects(name: string, args: RegionDeploymentArgs, waitFor: pulumi.Resource[]): void {
    const { topology, region } = args;
    const settings = topology.kubernetes.monitoring;
    if (!topology.monitoring.enabled) return;
    const opts = { parent: this, dependsOn: waitFor };
    if (settings.prometheusOperator) {
      for (const monitor of podMonitors(topology, region))
        new k8s.apiextensions.CustomResource(`${name}-${monitor.metadata.name}-monitor`, monitor, opts);
      if (region.primary) {
        const rule = prometheusRule(topology);
        new k8s.apiextensions.CustomResource(`${name}-alerts`, rule, opts);
      }
    }
    if (settings.grafanaDashboard && region.primary)
      new k8s.core.v1.ConfigMap(`${name}-dashboard`, dashboardConfigMap(topology), opts);
  }

  private configMaps(
    name: string,
    args: RegionDeploymentArgs,
    scripts: Scripts,
    waitFor: pulumi.Resource[],
  ): pulumi.Resource[] {
    const { topology, region, primaryEndpoint } = args;
    const opts = { parent: this, dependsOn: waitFor };
    const scriptMap = new k8s.core.v1.ConfigMap(`${name}-scripts`, scriptsConfigMap(topology, scripts), opts);
    if (region.primary) {
      // Only `pg-read-replicas kubernetes failover` moves the fence; a stale kubernetes.writer must not move it back.
      return [
        scriptMap,
        new k8s.core.v1.ConfigMap(`${name}-fence`, fenceConfigMap(topology), { ...opts, ignoreChanges: ["data"] }),
      ];
    }
    if (!primaryEndpoint)
      throw new Error(`RegionDeployment ${region.name}: a replica-only region needs primaryEndpoint`);
    return [
      scriptMap,
      new k8s.core.v1.ConfigMap(
        `${name}-primary-endpoint`,
        primaryEndpointConfigMap(topology, pulumi.output(primaryEndpoint)),
        opts,
      ),
    ];
  }
}

/** What a region's verification Job checks: its readers and pools, and in the primary's region the writer. */
export function verifyTargets(topology: SelfHostedTopology, region: Region): VerifyTargets {
  const namespace = topology.kubernetes.namespace;
  const serving = new Set(servingStandbys(topology).map((node) => node.name));
  const readers = region.groups.flatMap((group) =>
    group.role === "primary"
      ? []
      : group.members
          .filter((node) => serving.has(node.name))
          .map((node) => ({ node, endpoint: { host: podHost(node.name, group, namespace), port: topology.port } })),
  );
  const pools = region.pools.map((pool) => ({
    pool,
    endpoint: { host: serviceHost(pool.service, namespace), port: POOL_SERVICE_PORT },
  }));
  if (!region.primary) return { mode: "replica", region: region.name, readers, pools };
  const writer = { host: serviceHost(names.roleService(topology, "primary"), namespace), port: topology.port };
  return { mode: "primary", region: region.name, writer, readers, pools };
}
