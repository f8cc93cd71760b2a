/**
 * The engines that run a selfHosted stack on Kubernetes, each realised by its own folder
 * (statefulset/, cnpg/) and chosen here, once: how a region is deployed and what the stack
 * outputs. Admission rules are chosen the same way in validate.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Endpoint, PlainOutputs } from "../contract/stackOutputs";
import type { Region, SelfHostedTopology } from "../topology/types";
import type { ClusterTls } from "./clusterTls";
import type { RegionCredentials } from "./manifests/secrets";
import { CnpgRegion } from "./cnpg/cnpgRegion";
import { createCnpgMonitoring } from "./cnpg/monitoring";
import { cnpgStackOutputs } from "./cnpg/outputs";
import { statefulsetStackOutputs } from "./statefulset/outputs";
import { RegionDeployment } from "./statefulset/regionDeployment";
import { SlotsJob } from "./statefulset/slotsJob";

/** One region on either engine: what other regions need of it. */
export type RegionStack = RegionDeployment | CnpgRegion;

export interface RegionArgs {
  topology: SelfHostedTopology;
  region: Region;
  credentials: RegionCredentials;
  /** Other regions only: where their replicas reach the primary, and the primary region's stack to follow. */
  remote?: { primaryEndpoint: pulumi.Input<Endpoint>; primary: RegionStack };
}

export interface Engine {
  deployRegion(name: string, args: RegionArgs, opts: pulumi.ComponentResourceOptions): RegionStack;
  /** After every region: what spans them (the primary region's stack first, and the parent of what it makes). */
  afterRegions?(name: string, regions: RegionStack[]): void;
  outputs(topology: SelfHostedTopology): PlainOutputs;
}

/** The args both engines' regions take: another region follows the primary region's address and verification. */
function regionArgs({ remote, ...shared }: RegionArgs) {
  return {
    ...shared,
    ...(remote ? { primaryEndpoint: remote.primaryEndpoint, verifyAfter: [remote.primary.verification.job] } : {}),
  };
}

/** The primary region's passwords Job, which another region's pools and replicas wait for. */
function passwordsOf(primary: RegionStack | undefined): pulumi.Resource[] {
  return primary instanceof RegionDeployment && primary.passwords ? [primary.passwords.job] : [];
}

/** `name` prefixes the resources an engine shares between regions (CloudNativePG's replication certificate). */
export function engineFor(topology: SelfHostedTopology, name: string, tls: ClusterTls): Engine {
  const { engine } = topology.kubernetes;
  switch (engine.name) {
    case "statefulset":
      return {
        deployRegion: (regionName, args, opts) =>
          new RegionDeployment(
            regionName,
            {
              ...regionArgs(args),
              certificate: tls.forRegion(args.region.name),
              poolCertificate: tls.forRegionPools(args.region.name),
              passwordsApplied: passwordsOf(args.remote?.primary),
              ...(args.region.primary ? { certificates: tls.issued } : {}),
            },
            opts,
          ),
        // The writer's slots follow the standbys of every region, once all of them have scaled.
        afterRegions: (regionName, regions) => {
          const [primary] = regions;
          const deployments = regions.filter(
            (region): region is RegionDeployment => region instanceof RegionDeployment,
          );
          const waitFor = deployments.flatMap((region) => region.groups.map((group) => group.statefulSet));
          new SlotsJob(`${regionName}-slots`, { topology, waitFor }, { parent: primary });
        },
        outputs: statefulsetStackOutputs,
      };
    case "cloudnative-pg": {
      // Replica clusters authenticate as streaming_replica with a certificate from the stack's client CA.
      const replication = tls.clientCertificate(`${name}-tls-streaming-replica`, "streaming_replica");
      return {
        deployRegion: (regionName, args, opts) => {
          const certificates = {
            server: tls.forRegion(args.region.name),
            replication,
            caPem: tls.caPem,
            clientCa: tls.clientAuthority(),
          };
          // Other regions' replica clusters seed from the primary region's main Cluster.
          const after = args.remote?.primary instanceof CnpgRegion ? args.remote.primary.clusters.slice(0, 1) : [];
          // No verifyAfter: the Jobs are made in afterRegions, in the writer's order.
          const { remote, ...shared } = args;
          const primaryEndpoint = remote ? { primaryEndpoint: remote.primaryEndpoint } : {};
          const cnpgArgs = { ...shared, ...primaryEndpoint, engine, certificates, after };
          const region = new CnpgRegion(regionName, cnpgArgs, opts);
          createCnpgMonitoring(regionName, topology, args.region, { parent: region });
          return region;
        },
        // The region holding the writer (kubernetes.cloudnativePg.primaryRegion) verifies first: its Job writes the
        // heartbeat every other region's Job looks for.
        afterRegions: (_name, regions) => {
          const cnpg = regions.filter((region): region is CnpgRegion => region instanceof CnpgRegion);
          const writer = cnpg.find((region) => region.holdsWriter);
          if (!writer) throw new Error("cloudnative-pg: no region holds the writer (validate.ts refuses that config)");
          const first = writer.verify([]);
          for (const region of cnpg.filter((r) => r !== writer)) region.verify([first.job]);
        },
        outputs: cnpgStackOutputs,
      };
    }
  }
}
