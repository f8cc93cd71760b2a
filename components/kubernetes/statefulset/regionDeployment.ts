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
import type { IssuedCertificate, ServerCertificate } from "../clusterTls";
import { POOL_SERVICE_PORT, names, podHost, serviceHost } from "../conventions";
import { servingStandbys } from "../../topology/queries";
import { DatabaseGroup } from "./databaseGroup";
import { contentHash } from "./hash";
import { type Scripts, renderScripts } from "./files";
import { fenceConfigMap, primaryEndpointConfigMap, scriptsConfigMap } from "./manifests/configMaps";
import {
  databaseNetworkPolicy,
  defaultDenyNetworkPolicy,
  maintenanceNetworkPolicies,
  poolNetworkPolicy,
  verifyNetworkPolicy,
} from "../manifests/networkPolicies";
import { certificateRule, dashboardConfigMap, podMonitors, prometheusRule } from "./manifests/monitoringObjects";
import { type RegionCredentials, appSecret, credentialsSecret, poolAuthSecret, tlsSecret } from "../manifests/secrets";
import { exposedPrimaryManifest, roleServiceManifest } from "../manifests/services";
import { createNamespace } from "../namespace";
import { PasswordsJob } from "./passwordsJob";
import { BackupJobs } from "./backupJobs";
import { retainsVolumes } from "./volumeProtection";
import { pgbackrestBackup } from "../../render/pgbackrestConf";
import { PgBouncerPool } from "./pgbouncerPool";
import { VerificationJob } from "../verificationJob";

export type { RegionCredentials } from "../manifests/secrets";

export interface RegionDeploymentArgs {
  topology: SelfHostedTopology;
  region: Region;
  credentials: RegionCredentials;
  certificate: ServerCertificate;
  /** The pools' own certificate (ClusterTls.forRegionPools). */
  poolCertificate: ServerCertificate;
  /** Other regions only: where their replicas reach the primary. */
  primaryEndpoint?: pulumi.Input<Endpoint>;
  /** Other regions only: verify after the primary region has (its final heartbeat is awaited here). */
  verifyAfter?: pulumi.Resource[];
  /** The primary's region only: every certificate the stack issued, for the expiry alerts. */
  certificates?: IssuedCertificate[];
  /** Other regions only: the primary region's passwords Job (the writer accepts the Secret's passwords). */
  passwordsApplied?: pulumi.Resource[];
}

export class RegionDeployment extends pulumi.ComponentResource {
  declare readonly verification: VerificationJob;
  declare readonly exposedPrimary?: k8s.core.v1.Service;
  declare readonly groups: DatabaseGroup[];
  declare readonly pools: PgBouncerPool[];
  /** The primary's region only: the writer accepts the Secret's passwords. */
  declare readonly passwords?: PasswordsJob;
  /** The primary's region of a stack with a pgBackRest backup: stanza, CronJob and their RBAC. */
  declare readonly backup?: BackupJobs;

  constructor(name: string, args: RegionDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:kubernetes:RegionDeployment", name, {}, opts);
    const { topology, region } = args;
    const child = (dependsOn: pulumi.Resource[] = []) => ({ parent: this, dependsOn });

    // Deleting the Namespace deletes every claim in it, whatever the StatefulSets' retention policy: a stack that is
    // not a per-change preview keeps it on `pulumi destroy` or a namespace change (volumeProtection.ts).
    const namespace = createNamespace(name, topology, { ...child(), retainOnDelete: retainsVolumes(topology) });
    const access = [...createSecrets(name, args, child(namespace)), ...createPolicies(name, args, child(namespace))];
    const base = [...namespace, ...access];
    const scripts = renderScripts(topology, region);
    const configs = createConfigMaps(name, args, scripts, child(base));
    const services = createRoleServices(name, args, child(base));
    this.exposedPrimary = createExposedPrimary(name, args, child(base));
    if (region.primary)
      this.passwords = new PasswordsJob(
        `${name}-passwords`,
        { topology, credentials: args.credentials, waitFor: base },
        { parent: this },
      );
    // Nothing restarts with a rotated password before the writer accepts it.
    const passwordsApplied = this.passwords ? [this.passwords.job] : (args.passwordsApplied ?? []);
    // Nor does a running pool reload one: its config-reloader RELOADs a changed userlist in place (PgBouncer logs in
    // to the servers with it), so the pools' Secret changes only once the writer accepts the passwords.
    const poolAuth = createPoolAuthSecret(name, args, child([...base, ...passwordsApplied]));
    const ready: pulumi.Resource[] = [...base, ...configs, ...services, ...passwordsApplied, poolAuth];
    this.groups = createDatabaseGroups(name, args, scripts, ready, this);
    this.pools = createPools(name, args, ready, this);

    const workloads = [
      ...this.groups.map((g) => g.statefulSet),
      ...this.pools.flatMap((p) => [p.deployment, p.service]),
    ];
    this.verification = new VerificationJob(
      `${name}-verify`,
      {
        topology,
        targets: verifyTargets(topology, region),
        caSecret: names.tls(topology),
        waitFor: [...ready, ...workloads, ...(args.verifyAfter ?? [])],
      },
      { parent: this },
    );
    if (region.primary && pgbackrestBackup(topology))
      this.backup = new BackupJobs(
        `${name}-backup`,
        { topology, base: [...base, ...configs], writer: this.groups.map((g) => g.statefulSet) },
        { parent: this },
      );
    createMonitoringObjects(name, args, child(base));
    this.registerOutputs({ verification: this.verification.job.metadata.name });
  }
}

function createSecrets(
  name: string,
  { topology, region, credentials, certificate, poolCertificate }: RegionDeploymentArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret[] {
  return [
    new k8s.core.v1.Secret(`${name}-credentials`, credentialsSecret(topology, credentials, region.primary, true), opts),
    new k8s.core.v1.Secret(`${name}-tls`, tlsSecret(topology, names.tls(topology), certificate), opts),
    new k8s.core.v1.Secret(`${name}-pool-tls`, tlsSecret(topology, names.poolTls(topology), poolCertificate), opts),
    ...(region.primary ? createAppSecrets(name, topology, region, credentials.app, certificate.caPem, opts) : []),
  ];
}

/** kubernetes.appSecret: the write and read pools' connections, in the applications' namespace (primary region). */
function createAppSecrets(
  name: string,
  topology: RegionDeploymentArgs["topology"],
  region: RegionDeploymentArgs["region"],
  password: pulumi.Input<string>,
  caPem: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret[] {
  const target = topology.kubernetes.appSecret;
  const read = region.pools.find((p) => p.name === "read");
  if (!target || !read) return [];
  return [
    new k8s.core.v1.Secret(
      `${name}-app`,
      appSecret(topology, topology.pools.write, target.name, password, caPem),
      opts,
    ),
    new k8s.core.v1.Secret(`${name}-app-ro`, appSecret(topology, read, `${target.name}-ro`, password, caPem), opts),
  ];
}

/** The pools' userlist: after the passwords Job, which reads the credentials Secret. */
function createPoolAuthSecret(
  name: string,
  { topology, credentials }: RegionDeploymentArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(`${name}-pgbouncer-auth`, poolAuthSecret(topology, credentials), opts);
}

function createPolicies(
  name: string,
  { topology, region }: RegionDeploymentArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy[] {
  return [
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol-default-deny`, defaultDenyNetworkPolicy(topology), opts),
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol-postgresql`, databaseNetworkPolicy(topology, region), opts),
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol-pgbouncer`, poolNetworkPolicy(topology, region), opts),
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol-verify`, verifyNetworkPolicy(topology, region), opts),
    ...Object.entries(maintenanceNetworkPolicies(topology)).map(
      ([role, args]) => new k8s.networking.v1.NetworkPolicy(`${name}-netpol-${role}`, args, opts),
    ),
  ];
}

/** The scripts; in the primary's region the fence, in the others the primary's address. */
function createConfigMaps(
  name: string,
  { topology, region, primaryEndpoint }: RegionDeploymentArgs,
  scripts: Scripts,
  opts: pulumi.CustomResourceOptions,
): pulumi.Resource[] {
  const scriptMap = new k8s.core.v1.ConfigMap(`${name}-scripts`, scriptsConfigMap(topology, scripts), opts);
  if (region.primary) {
    // Only `pg-read-replicas kubernetes failover` moves the fence; a stale kubernetes.writer must not move it back.
    return [
      scriptMap,
      new k8s.core.v1.ConfigMap(`${name}-fence`, fenceConfigMap(topology), { ...opts, ignoreChanges: ["data"] }),
    ];
  }
  if (!primaryEndpoint) throw new Error(`RegionDeployment ${region.name}: a replica-only region needs primaryEndpoint`);
  return [
    scriptMap,
    new k8s.core.v1.ConfigMap(
      `${name}-primary-endpoint`,
      primaryEndpointConfigMap(topology, pulumi.output(primaryEndpoint)),
      opts,
    ),
  ];
}

/** One Service per role the region runs (rw, ro, olap). */
function createRoleServices(
  name: string,
  { topology, region }: RegionDeploymentArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Service[] {
  const roles = new Set<NodeRole>(region.groups.map((g) => g.role));
  return [...roles].map(
    (role) => new k8s.core.v1.Service(`${name}-svc-${role}`, roleServiceManifest(topology, role), opts),
  );
}

/** In the primary's region when other regions exist: the primary, for their replicas. */
function createExposedPrimary(
  name: string,
  { topology, region }: RegionDeploymentArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Service | undefined {
  const remoteCidrs = topology.regions.flatMap((r) => (r.primary ? [] : r.access.cidrs));
  if (!region.primary || remoteCidrs.length === 0) return undefined;
  return new k8s.core.v1.Service(`${name}-rw-external`, exposedPrimaryManifest(topology, remoteCidrs), opts);
}

function createDatabaseGroups(
  name: string,
  { topology, region, credentials }: RegionDeploymentArgs,
  scripts: Scripts,
  ready: pulumi.Resource[],
  parent: pulumi.Resource,
): DatabaseGroup[] {
  // The refresher brings rotated application and replication passwords to the running server (roles on the writer,
  // the passfile on a replica); only the exporter reads its password once, at start.
  const credentialsHash = pulumi.secret(
    pulumi.output(credentials.monitor).apply((monitor) => (topology.monitoring.enabled ? contentHash(monitor) : "")),
  );
  const groups: DatabaseGroup[] = [];
  let primary: DatabaseGroup | undefined;
  for (const group of region.groups) {
    // Replicas seed from a running primary: in its region, create them after it is ready.
    const waitFor = primary ? [...ready, primary.statefulSet] : ready;
    const created = new DatabaseGroup(
      `${name}-${group.name}`,
      { topology, group, exporterQueries: scripts["queries.yaml"], credentialsHash, waitFor },
      { parent },
    );
    if (group.role === "primary") primary = created;
    groups.push(created);
  }
  return groups;
}

function createPools(
  name: string,
  { topology, region, credentials }: RegionDeploymentArgs,
  ready: pulumi.Resource[],
  parent: pulumi.Resource,
): PgBouncerPool[] {
  // A rotated password rolls the pools (one surge pod at a time; the readiness probe logs in with the password the
  // container was started with), after the writer accepts the passwords. A renewed certificate does not: the
  // pool's config-reloader watches tls/tls.crt and tls/tls.key and RELOAD sets client TLS up again from the files
  // (facts/postgres/pgbouncer.ts reloadRereadsTlsFiles).
  const authHash = pulumi.secret(
    pulumi.all([credentials.app, credentials.monitor]).apply(([app, monitor]) => contentHash(app, monitor)),
  );
  return region.pools.map(
    (pool) => new PgBouncerPool(`${name}-${pool.service}`, { topology, pool, authHash, waitFor: ready }, { parent }),
  );
}

/** PodMonitors everywhere, the rules and the dashboard in the primary's region (where the writer's metrics are). */
function createMonitoringObjects(
  name: string,
  { topology, region, certificates }: RegionDeploymentArgs,
  opts: pulumi.CustomResourceOptions,
): void {
  const settings = topology.kubernetes.monitoring;
  if (!topology.monitoring.enabled) return;
  if (settings.prometheusOperator) {
    for (const monitor of podMonitors(topology, region))
      new k8s.apiextensions.CustomResource(`${name}-${monitor.metadata.name}-monitor`, monitor, opts);
    if (region.primary) {
      const rule = prometheusRule(topology);
      new k8s.apiextensions.CustomResource(`${name}-alerts`, rule, opts);
      createCertificateRule(name, topology, certificates ?? [], opts);
    }
  }
  if (settings.grafanaDashboard && region.primary)
    new k8s.core.v1.ConfigMap(`${name}-dashboard`, dashboardConfigMap(topology), opts);
}

/** Rendered again on every `up` from what Pulumi recorded: a renewed certificate moves its alert's deadline. */
function createCertificateRule(
  name: string,
  topology: SelfHostedTopology,
  certificates: IssuedCertificate[],
  opts: pulumi.CustomResourceOptions,
): void {
  if (certificates.length === 0) return;
  const expiries = pulumi
    .all(certificates.map((c) => c.notAfter))
    .apply((ends) => certificates.map((c, i) => ({ name: c.name, notAfter: Date.parse(ends[i]!) / 1000 })));
  new k8s.apiextensions.CustomResource(
    `${name}-certificate-alerts`,
    { ...certificateRule(topology, []), spec: expiries.apply((list) => certificateRule(topology, list).spec) },
    opts,
  );
}

/** What a region's verification Job checks: its readers and pools, and in the primary's region the writer. */
export function verifyTargets(topology: SelfHostedTopology, region: Region): VerifyTargets {
  const serving = new Set(servingStandbys(topology).map((node) => node.name));
  const readers = region.groups.flatMap((group) =>
    group.role === "primary"
      ? []
      : group.members
          .filter((node) => serving.has(node.name))
          .map((node) => ({
            node,
            endpoint: { host: podHost(node.name, group, topology.kubernetes), port: topology.port },
          })),
  );
  const pools = region.pools.map((pool) => ({
    pool,
    endpoint: { host: serviceHost(pool.service, topology.kubernetes), port: POOL_SERVICE_PORT },
  }));
  if (!region.primary) return { mode: "replica", region: region.name, readers, pools };
  const writer = {
    host: serviceHost(names.roleService(topology, "primary"), topology.kubernetes),
    port: topology.port,
  };
  return { mode: "primary", region: region.name, writer, readers, pools };
}
