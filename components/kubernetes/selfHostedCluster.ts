/**
 * The self-hosted backend: PostgreSQL and PgBouncer on Kubernetes, the
 * primary's region on the ambient provider and every other region on its own
 * cluster through its own provider.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type Endpoint, type PlainOutputs } from "../contract/stackOutputs";
import { type StackOutputValues, toOutputValues } from "../outputs/pulumiOutputs";
import { commonOutputs } from "../outputs/commonOutputs";
import { groupOf, servingStandbys } from "../topology/queries";
import type { Region, RemoteRegion, SelfHostedTopology } from "../topology/types";
import { ClusterTls } from "./clusterTls";
import { CnpgRegion } from "./cnpg/cnpgRegion";
import { cnpgStackOutputs } from "./cnpg/outputs";
import { POOL_SERVICE_PORT, names, podHost, serviceHost } from "./conventions";
import { RegionDeployment, type RegionDeploymentArgs } from "./regionDeployment";

/** One region on either engine: what other regions need of it. */
type RegionStack = RegionDeployment | CnpgRegion;

export interface SelfHostedClusterArgs {
  /** Plain: the topology decides which resources exist. */
  topology: SelfHostedTopology;
}

/** The generated password, marked secret here rather than trusting every consumer to. */
function password(name: string, parent: pulumi.Resource): pulumi.Output<string> {
  // No special characters: these passwords travel through conninfo strings, passfiles and userlists.
  return pulumi.secret(new random.RandomPassword(name, { length: 32, special: false }, { parent }).result);
}

export class SelfHostedCluster extends pulumi.ComponentResource {
  declare readonly outputs: StackOutputValues;
  declare readonly regions: RegionStack[];
  declare readonly providers: Record<string, k8s.Provider>;

  constructor(name: string, args: SelfHostedClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:kubernetes:SelfHostedCluster", name, {}, opts);
    const { topology } = args;
    const app = password(`${name}-app-password`, this);
    const credentials = {
      superuser: password(`${name}-superuser-password`, this),
      replication: password(`${name}-replication-password`, this),
      monitor: password(`${name}-monitor-password`, this),
      app,
      // A new token whenever the topology changes, so each verification proves fresh replication.
      heartbeatToken: new random.RandomId(`${name}-heartbeat`, { byteLength: 6, keepers: { topology: topology.hash } }, { parent: this }).hex.apply(
        (hex) => `${topology.hash}-${hex}`,
      ),
    };
    const tls = new ClusterTls(`${name}-tls`, { topology }, { parent: this });

    const home = topology.regions.find((region) => region.primary) ?? topology.regions[0];
    if (!home) throw new Error("SelfHostedCluster: a topology always has the primary's region");
    // CloudNativePG's replica clusters authenticate as streaming_replica with a certificate from the stack's CA.
    const replicationCertificate = topology.kubernetes.engine.name === "cloudnative-pg" ? tls.clientCertificate(`${name}-tls-streaming-replica`, "streaming_replica") : undefined;
    const deploy = (region: Region, extra: Pick<RegionDeploymentArgs, "primaryEndpoint" | "verifyAfter">, after: pulumi.Resource[], opts: pulumi.ComponentResourceOptions): RegionStack => {
      const regionName = `${name}-${region.name}`;
      if (!replicationCertificate) return new RegionDeployment(regionName, { topology, region, credentials, certificate: tls.forRegion(region.name), ...extra }, opts);
      const certificates = { server: tls.forRegion(region.name), replication: replicationCertificate, caPem: tls.caPem, caKeyPem: tls.caKeyPem };
      return new CnpgRegion(regionName, { topology, region, credentials, certificates, ...extra, after }, opts);
    };
    const primary = deploy(home, {}, [], { parent: this });
    this.providers = {};
    this.regions = [primary];
    for (const region of topology.regions.filter((r): r is RemoteRegion => !r.primary)) {
      const provider = this.providerFor(name, region);
      this.providers[region.name] = provider;
      const extra = { primaryEndpoint: this.primaryEndpointFor(topology, region, primary), verifyAfter: [primary.verification.job] };
      const after = primary instanceof CnpgRegion ? primary.clusters.slice(0, 1) : [];
      this.regions.push(deploy(region, extra, after, { parent: this, providers: [provider] }));
    }
    const plain = topology.kubernetes.engine.name === "cloudnative-pg" ? cnpgStackOutputs(topology) : stackOutputs(topology);
    this.outputs = toOutputValues(
      { ...plain, capacity: pulumi.output(plain.capacity), tls: tls.caPem.apply((caPem) => ({ required: topology.access.requireTls, caPem })) },
      app,
    );
    this.registerOutputs({ writer: this.outputs.writer, topologyHash: this.outputs.topologyHash });
  }

  private providerFor(name: string, region: RemoteRegion): k8s.Provider {
    const access = region.access;
    return new k8s.Provider(
      `${name}-${region.name}-cluster`,
      {
        ...(access.context !== undefined ? { context: access.context } : {}),
        // Contents or path: either way it grants cluster access, so it is kept secret.
        ...(access.kubeconfig !== undefined ? { kubeconfig: pulumi.secret(access.kubeconfig) } : {}),
      },
      { parent: this },
    );
  }

  /** A configured host wins; otherwise the exposed primary's load balancer address. */
  private primaryEndpointFor(topology: SelfHostedTopology, region: RemoteRegion, primary: RegionStack): pulumi.Input<Endpoint> {
    if (region.access.primaryHost) return { host: region.access.primaryHost, port: topology.port };
    const exposed = primary.exposedPrimary;
    if (!exposed) throw new Error(`SelfHostedCluster: ${region.name} has replicas, so the primary's region exposes its primary`);
    return exposed.status.apply((status) => {
      const ingress = status?.loadBalancer?.ingress?.[0];
      const host = ingress?.hostname || ingress?.ip;
      if (!host) {
        throw new Error(
          `${names.exposedPrimary(topology)} has no load balancer address for ${region.name}'s replicas; set crossRegion[].primaryHost to the address they should use`,
        );
      }
      return { host, port: topology.port };
    });
  }
}

/** StackOutputs for Kubernetes: in-cluster DNS names of Services and pods. */
export function stackOutputs(topology: SelfHostedTopology): PlainOutputs {
  const namespace = topology.kubernetes.namespace;
  const endpoint = (service: string, port = topology.port): Endpoint => ({ host: serviceHost(service, namespace), port });
  const poolEndpoint = (service: string) => endpoint(service, POOL_SERVICE_PORT);
  const { write, read, olap } = topology.pools;
  const readerEndpoint = endpoint(names.roleService(topology, "oltp"));
  return {
    ...commonOutputs(topology),
    backend: "selfHosted",
    writer: endpoint(names.roleService(topology, "primary")),
    readerEndpoint,
    readers: servingStandbys(topology).map((node) => ({
      name: node.name,
      region: node.region,
      role: node.role,
      host: podHost(node.name, groupOf(topology, node), namespace),
      port: topology.port,
      slot: node.slot,
    })),
    pools: {
      write: poolEndpoint(write.service),
      read: poolEndpoint(read.service),
      ...(olap ? { olap: poolEndpoint(olap.service) } : {}),
    },
    regions: topology.regions.map((region) => ({
      region: region.name,
      primary: region.primary,
      readerEndpoint,
      readPool: poolEndpoint(region.pools.find((p) => p.name === "read")?.service ?? read.service),
    })),
    notes: [],
    tls: { required: topology.access.requireTls },
  };
}
