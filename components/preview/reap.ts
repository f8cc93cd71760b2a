/**
 * `preview reap`: find AWS resources of preview stacks whose expiry tag (EXPIRES_LABEL, set on every resource through
 * the providers' defaultTags) passed longer ago than --older-than, and delete them in dependency order. Anything
 * without the expiry tag is refused, whatever the listing returned. Pure: the AWS calls sit behind ReapApi
 * (reapAws.ts implements it with the Resource Groups Tagging API, IAM's own listing, and RDS, CloudWatch, SNS,
 * Secrets Manager, CloudWatch Logs, EC2 and IAM calls; tests use a fake).
 */
import { DASHBOARD_LABEL, EXPIRES_LABEL } from "../config/labels";

export interface TaggedResource {
  arn: string;
  /** The region it was listed in (a global cluster's ARN names none). */
  region: string;
  tags: Readonly<Record<string, string>>;
}

export interface ReapApi {
  /** Every resource in `region` carrying tag `key` (any value), every page. */
  listTagged(region: string, key: string): Promise<TaggedResource[]>;
  /**
   * Every IAM role carrying tag `key` (any value), every page: IAM is global, and the Tagging API's GetResources
   * does not return IAM roles (TAGGING_API_LISTS_IAM_ROLES), so they are listed once, through IAM.
   */
  listTaggedRoles(key: string): Promise<TaggedResource[]>;
  /** Deletes one resource; only called for kinds in DELETION_ORDER and for resources carrying the expiry tag. */
  delete(resource: ReapTarget): Promise<void>;
}

/**
 * What the reaper deletes, in this order: what watches or fronts a cluster first, then the instances (RDS refuses to
 * delete a cluster that still has them), the clusters (each removed from its global cluster first: RDS refuses to
 * delete a member), the global cluster once it has no member, and the groups the clusters used last. Then what the
 * clusters and proxies used: the alarms' topics, the secrets (the proxy's logins), the clusters' log groups, the
 * security groups (EC2 refuses while an instance's or proxy's network interface still holds one) and the IAM roles
 * (the proxy's, enhanced monitoring's).
 */
export const DELETION_ORDER = [
  "alarm",
  "dashboard",
  "db-proxy-endpoint",
  "db-proxy",
  "db",
  "cluster-endpoint",
  "cluster",
  "global-cluster",
  "cluster-pg",
  "pg",
  "subgrp",
  "sns-topic",
  "secret",
  "log-group",
  "security-group",
  "iam-role",
] as const;
export type DeletableKind = (typeof DELETION_ORDER)[number];

/**
 * Secrets Manager keeps a deleted secret this long, restorable until then with `aws secretsmanager restore-secret`
 * (DeleteSecret's RecoveryWindowInDays takes 7 to 30, the installed @aws-sdk/client-secrets-manager says; 30 when
 * unset): nothing in this product destroys irrecoverably by default, so the reaper never asks for
 * ForceDeleteWithoutRecovery.
 */
export const SECRET_RECOVERY_DAYS = 7;

export interface ReapTarget extends TaggedResource {
  kind: DeletableKind;
  /** The name the service's delete call takes: a role's name without its path, a security group's id. */
  name: string;
  expires: Date;
  /** Secrets only: the recovery window DeleteSecret is sent (a secret without one is never deleted). */
  recoveryWindowDays?: number;
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

/** The RDS resource types DELETION_ORDER names (the ARN's own type); another RDS type stays `rds:<type>`. */
const RDS_KINDS: ReadonlySet<string> = new Set(
  DELETION_ORDER.slice(DELETION_ORDER.indexOf("db-proxy-endpoint"), DELETION_ORDER.indexOf("subgrp") + 1),
);

/**
 * The kind and the name a delete call takes, from an ARN (`arn:<partition>:<service>:<region>:<account>:<resource>`):
 * - rds `…:cluster:pg-x` → cluster `pg-x` (each RDS type DELETION_ORDER names: `db`, `subgrp`, `global-cluster`…);
 * - cloudwatch `…:alarm:<name>` → alarm;
 * - sns `…:<topic>` → sns-topic (the resource is the bare name; a subscription's `<topic>:<id>` is not one);
 * - secretsmanager `…:secret:<name>-<6 characters>` → secret, its name without the 6 random characters;
 * - logs `…:log-group:<name>` → log-group (names hold `/`; the Tagging API may append `:*`; a stream is not one);
 * - ec2 `…:security-group/sg-…` → security-group, its id;
 * - iam `arn:aws:iam::<account>:role/<path/>name` → iam-role, its name without the path (IAM is global).
 * Anything else: `<service>:<type>`, which no delete takes.
 */
export function kindOf(arn: string): { kind: string; name: string } {
  const parts = arn.split(":");
  const service = parts[2] ?? "";
  const resource = parts.slice(5).join(":");
  const [type = "", ...rest] = parts.slice(5);
  const name = rest.join(":");
  const other = { kind: `${service}:${type.split("/")[0] ?? ""}`, name: resource };
  switch (service) {
    case "rds":
      return RDS_KINDS.has(type) ? { kind: type, name } : other;
    case "cloudwatch": {
      if (type === "alarm" && name !== "") return { kind: "alarm", name };
      const dashboard = /^dashboard\/([^/:]+)$/.exec(resource);
      return dashboard ? { kind: "dashboard", name: dashboard[1]! } : other;
    }
    case "sns":
      return parts.length === 6 && type !== "" ? { kind: "sns-topic", name: type } : other;
    case "secretsmanager": {
      const secret = /^(.+)-[A-Za-z0-9]{6}$/.exec(name);
      return type === "secret" && secret ? { kind: "secret", name: secret[1]! } : other;
    }
    case "logs": {
      const group = name.replace(/:\*$/, "");
      return type === "log-group" && group !== "" && !group.includes(":") ? { kind: "log-group", name: group } : other;
    }
    case "ec2": {
      const sg = /^security-group\/(sg-[0-9a-f]+)$/.exec(resource);
      return sg ? { kind: "security-group", name: sg[1]! } : other;
    }
    case "iam": {
      const role = /^role\/(?:[^:]*\/)?([^/:]+)$/.exec(resource);
      return role ? { kind: "iam-role", name: role[1]! } : other;
    }
    default:
      return other;
  }
}

const isDeletable = (kind: string): kind is DeletableKind => (DELETION_ORDER as readonly string[]).includes(kind);

/**
 * The stack's dashboard takes no tags, so it is found through its home-region alarms, which name it
 * (DASHBOARD_LABEL): deleted with them, only when every listed alarm naming it is expired long enough, and only a
 * name the product gives dashboards (`<prefix>-replication`). It goes as an alarm's kin: the alarm's tags, its
 * region (dashboards are the account's, reached through any region's endpoint), the account from its ARN.
 */
function dashboardsOf(resources: readonly TaggedResource[], expired: ReadonlySet<string>): ReapTarget[] {
  const found = new Map<string, { from: TaggedResource; blocked: boolean }>();
  for (const resource of resources) {
    const name = resource.tags[DASHBOARD_LABEL];
    if (name === undefined || kindOf(resource.arn).kind !== "alarm" || !/^[A-Za-z0-9_-]+-replication$/.test(name))
      continue;
    const seen = found.get(name);
    const blocked = !expired.has(resource.arn) || seen?.blocked === true;
    found.set(name, { from: seen?.from ?? resource, blocked });
  }
  return [...found]
    .filter(([, { blocked }]) => !blocked)
    .map(([name, { from }]) => {
      const account = from.arn.split(":")[4] ?? "";
      return {
        arn: `arn:aws:cloudwatch::${account}:dashboard/${name}`,
        region: from.region,
        tags: from.tags,
        kind: "dashboard" as const,
        name,
        expires: parseExpiry(from.tags[EXPIRES_LABEL] ?? "")!,
      };
    });
}

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
      if (isDeletable(kind))
        plan.remove.push({
          ...resource,
          kind,
          name,
          expires,
          ...(kind === "secret" ? { recoveryWindowDays: SECRET_RECOVERY_DAYS } : {}),
        });
      else plan.byHand.push({ ...resource, expires });
    }
  }
  plan.remove.push(...dashboardsOf(resources, new Set(plan.remove.map((t) => t.arn))));
  plan.remove.sort((a, b) => DELETION_ORDER.indexOf(a.kind) - DELETION_ORDER.indexOf(b.kind));
  return plan;
}

/** IAM's calls on one role, every page of each listing read (reapAws.ts: the SDK; tests: a fake IAM). */
export interface RoleSteps {
  attachedPolicyArns(role: string): Promise<string[]>;
  detachPolicy(role: string, policyArn: string): Promise<void>;
  inlinePolicyNames(role: string): Promise<string[]>;
  deleteInlinePolicy(role: string, policyName: string): Promise<void>;
  instanceProfileNames(role: string): Promise<string[]>;
  removeFromInstanceProfile(role: string, instanceProfile: string): Promise<void>;
  deleteRole(role: string): Promise<void>;
}

/**
 * IAM refuses DeleteRole (DeleteConflict) while managed policies are attached, inline policies exist or an instance
 * profile holds the role: detach the managed ones (the policies themselves stay), delete the inline ones (they are
 * the role's own), take the role out of its instance profiles, then delete it.
 */
export async function deleteRoleInOrder(iam: RoleSteps, role: string): Promise<void> {
  for (const arn of await iam.attachedPolicyArns(role)) await iam.detachPolicy(role, arn);
  for (const name of await iam.inlinePolicyNames(role)) await iam.deleteInlinePolicy(role, name);
  for (const profile of await iam.instanceProfileNames(role)) await iam.removeFromInstanceProfile(role, profile);
  await iam.deleteRole(role);
}

/** What a deletion did: a secret is only scheduled for deletion, restorable for its recovery window. */
function doneLine(target: ReapTarget, done: boolean): string {
  if (target.kind !== "secret") return `${done ? "deleted" : "would delete"} ${target.arn}`;
  const days = target.recoveryWindowDays ?? SECRET_RECOVERY_DAYS;
  return (
    `${done ? "scheduled" : "would schedule"} ${target.arn} for deletion in ${days} days (Secrets Manager's recovery ` +
    `window: aws secretsmanager restore-secret --secret-id ${target.arn} undoes it until then; nothing in this product ` +
    `destroys irrecoverably by default)`
  );
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
          log(doneLine(target, true));
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
 * Lists every region (and IAM's roles, once) and plans; deletes in order only when `delete` is true (nothing destroys
 * data by default: without it, reap lists what it would delete). A failure is reported, not fatal.
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
  const listed = (
    await Promise.all([
      ...options.regions.map((r) => api.listTagged(r, EXPIRES_LABEL)),
      api.listTaggedRoles(EXPIRES_LABEL),
    ])
  ).flat();
  const unique = [...new Map(listed.map((r) => [r.arn, r])).values()];
  const plan = reapPlan(unique, options.now, options.olderThanMs);
  const report: ReapReport = { ...plan, deleted: [], failed: [] };
  if (options.delete === true) {
    await deleteInOrder(api, plan.remove, report, options.log);
  } else {
    for (const t of plan.remove) options.log(`${doneLine(t, false)} (expired ${t.expires.toISOString()})`);
  }
  for (const r of plan.byHand) options.log(`expired, not deleted by this command (delete it by hand): ${r.arn}`);
  for (const r of plan.refused) options.log(`refused ${r.arn}: ${r.why}`);
  return report;
}
