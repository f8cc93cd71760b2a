/** One AWS provider per region the stack deploys to. */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { AuroraTopology } from "../topology/types";

/**
 * Every AWS resource goes through one of these providers, so the stack's labels (the change a
 * preview belongs to, its expiry) become tags on all of them through `defaultTags`.
 */
function providerArgs(topology: AuroraTopology, region: string): aws.ProviderArgs {
  const tags = Object.keys(topology.labels).length > 0 ? { defaultTags: { tags: { ...topology.labels } } } : {};
  return { region: region as aws.Region, ...tags };
}

export function createRegionProvider(
  name: string,
  topology: AuroraTopology,
  region: string,
  parent: pulumi.Resource,
): aws.Provider {
  return new aws.Provider(`${name}-${region}`, providerArgs(topology, region), { parent });
}

/** A child of the component in one region: created through that region's provider. */
export interface InRegion {
  parent: pulumi.Resource;
  provider: aws.Provider;
}
