/**
 * `preview reap`: find AWS resources of preview stacks whose expiry tag (EXPIRES_LABEL, set on every resource through
 * the providers' defaultTags) passed longer ago than --older-than, and delete them in dependency order. Anything
 * without the expiry tag is refused, whatever the listing returned. Pure: the AWS calls sit behind ReapApi
 * (reapAws.ts implements it with the Resource Groups Tagging API and RDS/CloudWatch calls; tests use a fake).
 */
import { EXPIRES_LABEL } from "../config/labels";

export interface TaggedResource {
  arn: string;
  /** The region it was listed in (a global cluster's ARN names none). */
  region: string;
  tags: Readonly<Record<string, string>>;
}

export interface ReapApi {
  /** Every resource in `region` carrying tag `key` (any value), every page. */
  listTagged(region: string, key: string): Promise<TaggedResource[]>;
  /** Deletes one resource; only called for kinds in DELETABLE and for resources carrying the expiry tag. */
  delete(resource: ReapTarget): Promise<void>;
}

/**
 * What the reaper deletes, in this order: what watches or fronts a cluster first, then the instances (RDS refuses to
 * delete a cluster that still has them), the clusters (each removed from its global cluster first: RDS refuses to
 * delete a member), the global cluster once it has no member, and the groups the clusters used last.
 */
export const DELETION_ORDER = [
  "alarm",
  "db-proxy-endpoint",
  "db-proxy",
  "db",
  "cluster-endpoint",
  "cluster",
  "global-cluster",
  "cluster-pg",
  "pg",
  "subgrp",
] as const;
export type DeletableKind = (typeof DELETION_ORDER)[number];

export interface ReapTarget extends TaggedResource {
  kind: DeletableKind;
  name: string;
  expires: Date;
}

export interface ReapPlan {
  /** Expired long enough, in deletion order. */
  remove: ReapTarget[];
  /** Expired long enough, but of a kind this command does not delete: the ARN, to delete by hand. */
  byHand: Array<TaggedResource & { expires: Date }>;
  /** Not to be touched, with why. */
  refused: Array<{ arn: string; why: string }>;
  /** Carrying a future expiry (or one not yet old enough). */
  kept: number;
}

/** `20250603T120000Z` (expiryLabelValue) → the Date; undefined when it is not one. */
export function parseExpiry(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const at = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** arn:aws:rds:us-east-1:111122223333:cluster:pg-x → { kind: "cluster", name: "pg-x" }; cloudwatch alarms alike. */
export function kindOf(arn: string): { kind: string; name: string } {
  const parts = arn.split(":");
  const service = parts[2] ?? "";
  const [kind = "", ...name] = parts.slice(5);
  return {
    kind: service === "rds" || (service === "cloudwatch" && kind === "alarm") ? kind : `${service}:${kind}`,
    name: name.join(":"),
  };
}

const isDeletable = (kind: string): kind is DeletableKind => (DELETION_ORDER as readonly string[]).includes(kind);

export function reapPlan(resources: readonly TaggedResource[], now: Date, olderThanMs: number): ReapPlan {
  const plan: ReapPlan = { remove: [], byHand: [], refused: [], kept: 0 };
  for (const resource of resources) {
    const tag = resource.tags[EXPIRES_LABEL];
    const expires = tag === undefined ? undefined : parseExpiry(tag);
    if (tag === undefined) {
      plan.refused.push({ arn: resource.arn, why: `no ${EXPIRES_LABEL} tag: not a preview resource` });
    } else if (expires === undefined) {
      plan.refused.push({ arn: resource.arn, why: `${EXPIRES_LABEL}=${tag} is not an expiry (YYYYMMDDTHHMMSSZ)` });
    } else if (expires.getTime() + olderThanMs > now.getTime()) {
      plan.kept += 1;
    } else {
      const { kind, name } = kindOf(resource.arn);
      if (isDeletable(kind)) plan.remove.push({ ...resource, kind, name, expires });
      else plan.byHand.push({ ...resource, expires });
    }
  }
  plan.remove.sort((a, b) => DELETION_ORDER.indexOf(a.kind) - DELETION_ORDER.indexOf(b.kind));
  return plan;
}

export interface ReapReport extends ReapPlan {
  deleted: string[];
  failed: Array<{ arn: string; error: string }>;
}

async function deleteOne(api: ReapApi, target: ReapTarget): Promise<string | undefined> {
  try {
    await api.delete(target);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Deletes kind by kind in DELETION_ORDER; within a kind, what failed is tried once more after the others (a global
 * cluster's writer leaves it only after its secondaries, and the listing does not say which cluster is which).
 */
async function deleteInOrder(
  api: ReapApi,
  targets: readonly ReapTarget[],
  report: ReapReport,
  log: (l: string) => void,
) {
  for (const kind of DELETION_ORDER) {
    let pending = targets.filter((t) => t.kind === kind);
    for (let attempt = 1; attempt <= 2 && pending.length > 0; attempt++) {
      const failed: Array<{ target: ReapTarget; error: string }> = [];
      for (const target of pending) {
        const error = await deleteOne(api, target);
        if (error === undefined) {
          report.deleted.push(target.arn);
          log(`deleted ${target.arn}`);
        } else failed.push({ target, error });
      }
      pending = failed.map((f) => f.target);
      if (attempt === 2)
        for (const f of failed) {
          report.failed.push({ arn: f.target.arn, error: f.error });
          log(`could not delete ${f.target.arn}: ${f.error}`);
        }
    }
  }
}

/**
 * Lists every region and plans; deletes in order only when `delete` is true (nothing destroys data by default: without
 * it, reap lists what it would delete). A failure is reported, not fatal.
 */
export async function reapPreviews(
  api: ReapApi,
  options: {
    regions: readonly string[];
    now: Date;
    olderThanMs: number;
    delete?: boolean;
    log: (line: string) => void;
  },
): Promise<ReapReport> {
  const listed = (await Promise.all(options.regions.map((r) => api.listTagged(r, EXPIRES_LABEL)))).flat();
  const unique = [...new Map(listed.map((r) => [r.arn, r])).values()];
  const plan = reapPlan(unique, options.now, options.olderThanMs);
  const report: ReapReport = { ...plan, deleted: [], failed: [] };
  if (options.delete === true) {
    await deleteInOrder(api, plan.remove, report, options.log);
  } else {
    for (const t of plan.remove) options.log(`would delete ${t.arn} (expired ${t.expires.toISOString()})`);
  }
  for (const r of plan.byHand) options.log(`expired, not deleted by this command (delete it by hand): ${r.arn}`);
  for (const r of plan.refused) options.log(`refused ${r.arn}: ${r.why}`);
  return report;
}
