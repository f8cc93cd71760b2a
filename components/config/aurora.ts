/**
 * The aurora block of an Aurora stack and its Global Database regions, resolved once: the reader
 * class from the writer's, a region's clients from allowedCidrs, the proxy's idle timeout in seconds.
 */
import type { ProxyMode } from "./auroraFields";
import { type AuroraConfig, type SelfHostedConfig, selfHostedConfigSchema } from "./schema";

export interface AuroraRegionEntry {
  region: string;
  replicas: number;
  vpcId: string;
  subnetIds: readonly string[];
  kmsKeyId: string;
  instanceClass: string;
  allowedCidrs: readonly string[];
  snsTopicArn?: string;
}

export type ResolvedAuroraBlock = Omit<AuroraConfig["aurora"], "instanceClass" | "proxy" | "appUser"> & {
  /** The application role's name (aurora.appUser, else `<user>_app`). */
  appUser: string;
  instanceClass: { writer: string; reader: string; olap?: string };
  proxy: { mode: ProxyMode; requireTls: boolean; maxConnectionsPercent: number; idleClientTimeoutS: number };
};

/**
 * Aurora takes no resources, pgbouncer or replication keys; the per-role settings it maps
 * still derive from them, so they hold the schema's own defaults.
 */
export function auroraPlaceholders(): Pick<SelfHostedConfig, "resources" | "pgbouncer" | "replication"> {
  const shape = selfHostedConfigSchema.shape;
  return {
    resources: shape.resources.parse(undefined),
    pgbouncer: shape.pgbouncer.parse(undefined),
    replication: shape.replication.parse(undefined),
  };
}

const readerClass = (aurora: AuroraConfig["aurora"]) => aurora.instanceClass.reader ?? aurora.instanceClass.writer;

export function resolveAuroraBlock(aurora: AuroraConfig["aurora"], user: string): ResolvedAuroraBlock {
  return {
    ...aurora,
    appUser: aurora.appUser ?? `${user}_app`,
    instanceClass: {
      writer: aurora.instanceClass.writer,
      reader: readerClass(aurora),
      ...(aurora.instanceClass.olap ? { olap: aurora.instanceClass.olap } : {}),
    },
    proxy: {
      mode: aurora.proxy.mode ?? (aurora.proxy.enabled === false ? "none" : "readWrite"),
      requireTls: aurora.proxy.requireTls,
      maxConnectionsPercent: aurora.proxy.maxConnectionsPercent,
      idleClientTimeoutS: Math.round(aurora.proxy.idleClientTimeout / 1000),
    },
  };
}

export function resolveAuroraRegions(config: AuroraConfig): AuroraRegionEntry[] {
  return config.crossRegion.map((entry) => ({
    ...entry,
    instanceClass: entry.instanceClass ?? readerClass(config.aurora),
    allowedCidrs: entry.allowedCidrs ?? config.allowedCidrs,
  }));
}
