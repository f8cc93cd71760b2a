/**
 * Everything of one region on its Kubernetes cluster: namespace, secrets,
 * database groups, role Services, PgBouncer pools and the verification Job.
 * The primary's region also exposes the primary to other regions when any exist.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Endpoint } from "../outputs";
import { renderBootstrapSql } from "../render/bootstrapSql";
import { renderUserlist } from "../render/pgbouncerIni";
import { renderSeedReplicaScript } from "../render/seedReplicaScript";
import type { VerifyTargets } from "../render/verifyScript";
import type { NodeRole, Region, Topology } from "../topology/types";
import type { ServerCertificate } from "./clusterTls";
import { CREDENTIAL_KEYS, POOL_SERVICE_PORT, baseLabels, names, podHost, serviceHost } from "./conventions";
import { DatabaseGroup } from "./databaseGroup";
import { contentHash } from "./hash";
import { exposedPrimaryManifest, roleServiceManifest } from "./manifests/services";
import { PgBouncerPool } from "./pgbouncerPool";
import { VerificationJob } from "./verificationJob";

export interface RegionCredentials {
  superuser: pulumi.Input<string>;
  replication: pulumi.Input<string>;
  app: pulumi.Input<string>;
  heartbeatToken: pulumi.Input<string>;
}

export interface RegionDeploymentArgs {
  topology: Topology;
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
    const k = topology.kubernetes!;
    const namespace = k.namespace;
    const child = (dependsOn: pulumi.Resource[] = []) => ({ parent: this, dependsOn });

    const namespaceResource = k.createNamespace
      ? [new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: namespace, labels: baseLabels(topology, "postgresql") } }, child())]
      : [];
    const base = [...namespaceResource, ...this.secrets(name, args, namespaceResource)];
    const configs = this.configMaps(name, args, base);
    const services = this.roleServices(name, topology, region, base);
    if (region.primary && topology.regions.some((r) => !r.primary)) {
      const ranges = topology.regions.flatMap((r) => (r.access ? r.access.cidrs : []));
      this.exposedPrimary = new k8s.core.v1.Service(`${name}-rw-external`, exposedPrimaryManifest(topology, namespace, ranges), child(base));
    }

    this.groups = [];
    const ready: pulumi.Resource[] = [...base, ...configs, ...services];
    let primary: DatabaseGroup | undefined;
    for (const group of region.groups) {
      // Replicas seed from a running primary: in its region, create them after it is ready.
      const waitFor = primary ? [...ready, primary.statefulSet] : ready;
      const created = new DatabaseGroup(`${name}-${group.name}`, { topology, group, waitFor }, { parent: this });
      if (group.role === "primary") primary = created;
      this.groups.push(created);
    }

    const authHash = pulumi.secret(pulumi.output(args.credentials.app).apply((password) => contentHash(password)));
    this.pools = region.pools.map(
      (pool) => new PgBouncerPool(`${name}-${pool.service}`, { topology, pool, authHash, waitFor: ready }, { parent: this }),
    );

    this.verification = new VerificationJob(
      `${name}-verify`,
      {
        topology,
        targets: this.verifyTargets(topology, region),
        waitFor: [...ready, ...this.groups.map((g) => g.statefulSet), ...this.pools.flatMap((p) => [p.deployment, p.service]), ...(args.verifyAfter ?? [])],
      },
      { parent: this },
    );
    this.registerOutputs({ verification: this.verification.job.metadata.name });
  }

  private secrets(name: string, args: RegionDeploymentArgs, waitFor: pulumi.Resource[]): pulumi.Resource[] {
    const { topology, region, credentials, certificate } = args;
    const namespace = topology.kubernetes!.namespace;
    const opts = { parent: this, dependsOn: waitFor };
    const metadata = (secretName: string, component: "postgresql" | "pgbouncer") => ({
      name: secretName,
      namespace,
      labels: baseLabels(topology, component),
    });
    const credentialData: Record<string, pulumi.Input<string>> = {
      [CREDENTIAL_KEYS.replication]: credentials.replication,
      [CREDENTIAL_KEYS.app]: credentials.app,
      "heartbeat-token": credentials.heartbeatToken,
      // The superuser password exists only where the primary was initialised.
      ...(region.primary ? { [CREDENTIAL_KEYS.superuser]: credentials.superuser } : {}),
    };
    return [
      new k8s.core.v1.Secret(`${name}-credentials`, { metadata: metadata(names.credentials(topology), "postgresql"), stringData: credentialData }, opts),
      new k8s.core.v1.Secret(
        `${name}-tls`,
        {
          metadata: metadata(names.tls(topology), "postgresql"),
          type: "kubernetes.io/tls",
          stringData: { "tls.crt": certificate.certPem, "tls.key": certificate.keyPem, "ca.crt": certificate.caPem },
        },
        opts,
      ),
      new k8s.core.v1.Secret(
        `${name}-pgbouncer-auth`,
        {
          metadata: metadata(names.poolAuth(topology), "pgbouncer"),
          stringData: { "userlist.txt": pulumi.output(credentials.app).apply((password) => renderUserlist(topology.user, password)) },
        },
        opts,
      ),
    ];
  }

  private configMaps(name: string, args: RegionDeploymentArgs, waitFor: pulumi.Resource[]): pulumi.Resource[] {
    const { topology, region, primaryEndpoint } = args;
    const namespace = topology.kubernetes!.namespace;
    const opts = { parent: this, dependsOn: waitFor };
    const labels = baseLabels(topology, "postgresql");
    const maps: pulumi.Resource[] = [
      new k8s.core.v1.ConfigMap(
        `${name}-scripts`,
        { metadata: { name: names.scripts(topology), namespace, labels }, data: { "seed-replica.sh": renderSeedReplicaScript(topology) } },
        opts,
      ),
    ];
    if (region.primary) {
      maps.push(
        new k8s.core.v1.ConfigMap(
          `${name}-bootstrap`,
          { metadata: { name: names.bootstrap(topology), namespace, labels }, data: { "bootstrap.sql": renderBootstrapSql(topology) } },
          opts,
        ),
      );
    } else {
      if (!primaryEndpoint) throw new Error(`RegionDeployment ${region.name}: a replica-only region needs primaryEndpoint`);
      const endpoint = pulumi.output(primaryEndpoint);
      maps.push(
        new k8s.core.v1.ConfigMap(
          `${name}-primary-endpoint`,
          {
            metadata: { name: names.primaryEndpoint(topology), namespace, labels },
            data: { host: endpoint.host, port: endpoint.port.apply(String) },
          },
          opts,
        ),
      );
    }
    return maps;
  }

  private roleServices(name: string, topology: Topology, region: Region, waitFor: pulumi.Resource[]): k8s.core.v1.Service[] {
    const roles = new Set<NodeRole>(region.groups.map((g) => g.role));
    return [...roles].map(
      (role) =>
        new k8s.core.v1.Service(`${name}-svc-${role}`, roleServiceManifest(topology, role, topology.kubernetes!.namespace), {
          parent: this,
          dependsOn: waitFor,
        }),
    );
  }

  private verifyTargets(topology: Topology, region: Region): VerifyTargets {
    const namespace = topology.kubernetes!.namespace;
    const readers = region.groups
      .filter((g) => g.role !== "primary")
      .flatMap((group) => group.members.map((node) => ({ node, endpoint: { host: podHost(node.name, group, namespace), port: topology.port } })));
    const pools = region.pools.map((pool) => ({ pool, endpoint: { host: serviceHost(pool.service, namespace), port: POOL_SERVICE_PORT } }));
    if (!region.primary) return { mode: "replica", region: region.name, readers, pools };
    return {
      mode: "primary",
      region: region.name,
      writer: { host: serviceHost(names.rwService(topology), namespace), port: topology.port },
      readers,
      pools,
    };
  }
}
