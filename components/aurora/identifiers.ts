/**
 * Names AWS wants unique per account and region, for resources the provider
 * does not auto-name. A cluster's identifier carries a random suffix that is
 * renewed whenever the cluster would be replaced (its keepers are the cluster's
 * replace-forcing inputs), so a replacement created before the old cluster is
 * deleted never asks for a name still in use, and its log group can be created
 * first under the name RDS will write to. The final snapshot takes the
 * cluster's name: a second destroy of a re-created stack never meets the first
 * one's snapshot. Pure.
 */

/** RDS cluster identifiers: letters, digits and hyphens, at most 63, no "--", no trailing "-". */
const MAX_CLUSTER_IDENTIFIER = 63;

function tidy(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

/** `<prefix>[-<region>]-<suffix>`, the prefix shortened so the whole fits 63 characters. */
export function clusterIdentifier(prefix: string, suffix: string, region?: string): string {
  const tail = tidy([region, suffix].filter((part) => part !== undefined).join("-"));
  const room = MAX_CLUSTER_IDENTIFIER - tail.length - 1;
  const head = tidy(prefix).slice(0, room).replace(/-$/, "");
  return `${head}-${tail}`;
}

/** Snapshot identifiers allow 255 characters, with the same alphabet. */
export function finalSnapshotIdentifier(clusterId: string): string {
  return `${clusterId}-final`;
}

/** The stack's global cluster (crossRegion): one per identifier prefix. */
export const globalClusterIdentifier = (prefix: string) => `${prefix}-global`;
