/**
 * The self-hosted backend: PostgreSQL and PgBouncer on Kubernetes, the
 * primary's region on the ambient provider and every other region on its own
 * cluster through its own provider.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Endpoint } from "../contract/stackOutputs";
import { type StackOutputValues, toOutputValues } from "../outputs/pulumiOutputs";
import type { RemoteRegion, SelfHostedTopology } from "../topology/types";
import { ClusterTls } from "./clusterTls";
import { names } from "./conventions";
import { type RegionStack, engineFor } from "./engines";

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
      probe: password(`${name}-probe-password`, this),
      app,
      // A new token whenever the topology changes, so each verification proves fresh replication.
      heartbeatToken: new random.RandomId(
        `${name}-heartbeat`,
        { byteLength: 6, keepers: { topology: topology.hash } },
        { parent: this },
      ).hex.apply((hex) => `${topology.hash}-${hex}`),
    };
    const tls = new ClusterTls(`${name}-tls`, { topology }, { parent: this });
    const engine = engineFor(topology, name, tls);

    const home = topology.regions.find((region) => region.primary);
    if (!home) throw new Error("SelfHostedCluster: a topology always has the primary's region");
    const primary = engine.deployRegion(
      `${name}-${home.name}`,
      { topology, region: home, credentials },
      { parent: this },
    );
    this.providers = {};
    this.regions = [primary];
    for (const region of topology.regions.filter((r): r is RemoteRegion => !r.primary)) {
      const provider = this.providerFor(name, region);
      this.providers[region.name] = provider;
      const remote = { primaryEndpoint: this.primaryEndpointFor(topology, region, primary), primary };
      this.regions.push(
        engine.deployRegion(
          `${name}-${region.name}`,
          { topology, region, credentials, remote },
          { parent: this, providers: [provider] },
        ),
      );
    }
    engine.afterRegions?.(`${name}-${home.name}`, this.regions);
    const plain = engine.outputs(topology);
    this.outputs = toOutputValues(
      {
        ...plain,
        capacity: pulumi.output(plain.capacity),
        backup: pulumi.output(plain.backup),
        tls: tls.caPem.apply((caPem) => ({ required: topology.access.requireTls, caPem })),
      },
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
  private primaryEndpointFor(
    topology: SelfHostedTopology,
    region: RemoteRegion,
    primary: RegionStack,
  ): pulumi.Input<Endpoint> {
    if (region.access.primaryHost) return { host: region.access.primaryHost, port: topology.port };
    const exposed = primary.exposedPrimary;
    if (!exposed)
      throw new Error(`SelfHostedCluster: ${region.name} has replicas, so the primary's region exposes its primary`);
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
