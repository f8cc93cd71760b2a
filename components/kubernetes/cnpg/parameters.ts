/**
 * The product's per-role settings as a Cluster's spec.postgresql.parameters.
 * CloudNativePG applies one set to every instance of a Cluster and manages some
 * parameters itself (facts/parameters.ts). Each setting is sent, realised by
 * another field, or refused as a ConfigIssue naming key, value and fix: never
 * silently dropped. Pure.
 */
import type { ConfigIssue } from "../../config/errors";
import { parsePostgresSize } from "../../ground/units";
import type { Setting } from "../../topology/types";
import { CNPG_PARAMETERS, managedParameter } from "../../facts/cnpg/parameters";
import { STATEMENT_STATISTICS } from "../../facts/postgres";
import type { ClusterPlan } from "./plan";

export interface ParameterPlan {
  parameters: Record<string, string>;
  issues: ConfigIssue[];
  /** What differs from the StatefulSet engine's files, in words (for the notes output). */
  notes: string[];
}

/** Product settings the operator realises from other fields; sending them would be refused. */
const REALISED_ELSEWHERE: Readonly<Record<string, string>> = {
  synchronous_standby_names: "spec.postgresql.synchronous (ANY k over the main Cluster's own instances)",
  hot_standby: "the operator always runs standbys as hot standbys (hot_standby = true)",
  shared_preload_libraries: `the operator loads pg_stat_statements and creates it in every database when a pg_stat_statements.* parameter is set (${STATEMENT_STATISTICS.cnpgManagesExtension.value.trigger} = ${STATEMENT_STATISTICS.cnpgManagesExtension.value.value}, PostgreSQL's default, is sent for that)`,
};

/** pg_stat_statements on this engine: the parameter that makes the operator preload and create it. */
function statementStatistics(settings: readonly Setting[], out: ParameterPlan): void {
  const preload = settings.find((s) => s.name === "shared_preload_libraries" && s.source === "default");
  if (preload?.value !== STATEMENT_STATISTICS.preloadLibrary.value) return;
  const { trigger, value } = STATEMENT_STATISTICS.cnpgManagesExtension.value;
  out.parameters[trigger] = value;
}

/** Inert on a primary, so one Cluster-wide set may carry the replicas' values. */
const STANDBY_ONLY: ReadonlySet<string> = new Set([
  "hot_standby_feedback",
  "max_standby_streaming_delay",
  "max_standby_archive_delay",
  "wal_receiver_status_interval",
]);

/**
 * Would make the main Cluster's primary refuse writes by default; its replicas refuse writes anyway (they are in
 * recovery).
 */
const PRIMARY_HARMFUL: ReadonlySet<string> = new Set(["default_transaction_read_only"]);

const DEFAULT_WAL_SIZES = { min_wal_size: "80MB", max_wal_size: "1GB" } as const;

function configKey(setting: Setting, block: string): string {
  return setting.source === "stackConfig" ? `${block}.${setting.name}` : "kubernetes.engine";
}

function refusal(setting: Setting, block: string): ConfigIssue {
  const kind = managedParameter(setting.name);
  return {
    key: configKey(setting, block),
    value: setting.source === "stackConfig" ? setting.value : "cloudnative-pg",
    problem: `${setting.name} = ${setting.value} is a parameter CloudNativePG ${kind === "fixed" ? "manages itself" : "blocks"}: its webhook refuses the Cluster ("${CNPG_PARAMETERS.refusal.value}")`,
    fix:
      setting.source === "stackConfig"
        ? `remove ${setting.name} from ${block} (the operator sets it), or use kubernetes.engine statefulset`
        : "use kubernetes.engine statefulset, which writes this setting itself",
  };
}

/** The main Cluster: the primary's settings, plus the replicas' where they are standby-only or agree. */
function mainSettings(plan: Extract<ClusterPlan, { kind: "main" }>, out: ParameterPlan): Setting[] {
  const merged = new Map<string, Setting>(plan.primary.settings.map((s) => [s.name, s]));
  for (const replica of plan.replicas.settings) {
    const primary = merged.get(replica.name);
    if (primary?.value === replica.value) continue;
    if (PRIMARY_HARMFUL.has(replica.name)) {
      out.notes.push(
        `${replica.name} = ${replica.value} is not set on the main Cluster: CloudNativePG applies one set to every instance, and the primary would refuse writes; replicas refuse them anyway, being in recovery`,
      );
      continue;
    }
    if (STANDBY_ONLY.has(replica.name)) {
      merged.set(replica.name, replica);
      continue;
    }
    // A setting the user gave the replicas that the primary would not get (or gets otherwise).
    if (replica.source === "stackConfig" || primary?.source === "stackConfig") {
      out.issues.push({
        key:
          replica.source === "stackConfig"
            ? `postgresql.replica.${replica.name}`
            : `postgresql.primary.${replica.name}`,
        value: replica.source === "stackConfig" ? replica.value : primary?.value,
        problem: `differs between the primary (${primary?.value ?? "not set"}) and the OLTP replicas (${replica.value}); CloudNativePG applies one parameter set to every instance of the main Cluster (any replica may become the primary)`,
        fix: `set ${replica.name} to the same value in postgresql.primary and postgresql.replica, or use kubernetes.engine statefulset`,
      });
    }
  }
  return [...merged.values()];
}

function walSizeIssues(parameters: Record<string, string>, storageBytes: number, block: string): ConfigIssue[] {
  const min = parsePostgresSize(parameters.min_wal_size ?? DEFAULT_WAL_SIZES.min_wal_size) ?? 0;
  const max = parsePostgresSize(parameters.max_wal_size ?? DEFAULT_WAL_SIZES.max_wal_size) ?? 0;
  const issues: ConfigIssue[] = [];
  if (min >= max) {
    issues.push({
      key: `${block}.min_wal_size`,
      value: parameters.min_wal_size ?? DEFAULT_WAL_SIZES.min_wal_size,
      problem: `must be below max_wal_size (${parameters.max_wal_size ?? DEFAULT_WAL_SIZES.max_wal_size}): CloudNativePG's webhook refuses the Cluster (${CNPG_PARAMETERS.walSizeRule.value})`,
      fix: "lower min_wal_size or raise max_wal_size",
    });
  }
  if (max >= storageBytes) {
    issues.push({
      key: `${block}.max_wal_size`,
      value: parameters.max_wal_size ?? DEFAULT_WAL_SIZES.max_wal_size,
      // Our rule, not the webhook's (it checks only a separate walStorage): WAL shares the data volume here.
      problem: `must be below the Cluster's volume (${storageBytes} bytes): the WAL lives on the data volume, and up to max_wal_size of it would fill that volume`,
      fix: "lower max_wal_size or raise the storage of that role under resources",
    });
  }
  return issues;
}

/**
 * Another region's OLTP Cluster may be promoted (distributed.ts): a setting that would make its primary refuse writes
 * is left out, as on the main Cluster; while a replica cluster, recovery refuses writes anyway.
 */
function promotableSettings(plan: Extract<ClusterPlan, { kind: "replica" }>, out: ParameterPlan): readonly Setting[] {
  if (plan.role !== "oltp") return plan.group.settings;
  return plan.group.settings.filter((setting) => {
    if (!PRIMARY_HARMFUL.has(setting.name)) return true;
    out.notes.push(
      `${setting.name} = ${setting.value} is not set on ${plan.name}: promoting that region (kubernetes.cloudnativePg.primaryRegion) would leave its primary refusing writes; as a replica cluster it refuses them anyway, being in recovery`,
    );
    return false;
  });
}

/** spec.postgresql.parameters of one Cluster, with every problem the operator would refuse it for. */
export function clusterParameters(plan: ClusterPlan): ParameterPlan {
  const out: ParameterPlan = { parameters: {}, issues: [], notes: [] };
  const block =
    plan.kind === "main" ? "postgresql.primary" : plan.role === "olap" ? "olap.settings" : "postgresql.replica";
  const settings = plan.kind === "main" ? mainSettings(plan, out) : promotableSettings(plan, out);
  for (const setting of settings) {
    if (REALISED_ELSEWHERE[setting.name] !== undefined && setting.source === "default") continue;
    if (managedParameter(setting.name) !== undefined || !CNPG_PARAMETERS.namePattern.value.test(setting.name)) {
      out.issues.push(refusal(setting, block));
      continue;
    }
    out.parameters[setting.name] = setting.value;
  }
  statementStatistics(settings, out);
  const walLevel = out.parameters.wal_level;
  if (walLevel !== undefined && !CNPG_PARAMETERS.walLevels.value.includes(walLevel)) {
    out.issues.push({
      key: "kubernetes.engine",
      value: "cloudnative-pg",
      problem: `wal_level = ${walLevel} is refused by CloudNativePG with standbys`,
      fix: "use wal_level replica or logical",
    });
  }
  if (plan.instances > 1 && out.parameters.wal_log_hints !== CNPG_PARAMETERS.walLogHintsWithReplicas.value) {
    out.issues.push({
      key: "kubernetes.engine",
      value: "cloudnative-pg",
      problem: "CloudNativePG requires wal_log_hints = on with more than one instance",
      fix: "keep wal_log_hints on",
    });
  }
  out.issues.push(...walSizeIssues(out.parameters, plan.resources.storageBytes, block));
  return out;
}

/** Where each realised-elsewhere setting went, for the notes output. */
export function realisedElsewhere(): string[] {
  return Object.entries(REALISED_ELSEWHERE).map(
    ([name, how]) => `${name} is not a parameter on cloudnative-pg: ${how}`,
  );
}
