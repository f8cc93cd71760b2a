/**
 * What the application role's step needs (appRoleStep.ts): it runs through the RDS Data API, which takes only some
 * Aurora PostgreSQL versions and no T instance class, and runs on the writer, which a failover may make any instance
 * of the primary cluster (facts/aws/dataApi.ts). And the role must be another role than the master.
 */
import { DATA_API, dataApiSupportsVersion } from "../facts/aws/dataApi";
import type { ConfigIssue } from "../config/errors";
import type { ResolvedAurora } from "../config/resolve";
import type { Check } from "../topology/validate/rule";

/** The classes of the primary cluster's instances: each may become its writer. */
function primaryClasses(config: ResolvedAurora): Array<{ key: string; value: string }> {
  const { instanceClass } = config.aurora;
  return [
    { key: "aurora.instanceClass.writer", value: instanceClass.writer },
    ...(config.replicas.count > 0 ? [{ key: "aurora.instanceClass.reader", value: instanceClass.reader }] : []),
    ...(config.olap.enabled && instanceClass.olap
      ? [{ key: "aurora.instanceClass.olap", value: instanceClass.olap }]
      : []),
  ];
}

function classIssues(config: ResolvedAurora): ConfigIssue[] {
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  for (const { key, value } of primaryClasses(config)) {
    if (!DATA_API.unsupportedClass.value.test(value) || seen.has(value)) continue;
    seen.add(value);
    issues.push({
      key,
      value,
      problem:
        "is a T (burstable) class, which the RDS Data API does not run on; pulumi up creates the application role through it on the writer, and a failover can make any instance of the primary cluster the writer",
      fix: "use a db.r class, e.g. db.r6g.large (the smallest the Data API takes)",
    });
  }
  return issues;
}

function versionIssues(config: ResolvedAurora): ConfigIssue[] {
  const version = config.aurora.engineVersion;
  const [major] = version.split(".");
  const floor = DATA_API.oldestMinor.value[Number(major)];
  const supported = dataApiSupportsVersion(version);
  if (supported !== false && supported !== undefined) return [];
  return [
    {
      key: "aurora.engineVersion",
      value: version,
      problem:
        supported === undefined
          ? `is of a major the RDS Data API's availability table does not list; pulumi up creates the application role through the Data API`
          : `is older than ${major}.${floor}, the first ${major}.x the RDS Data API takes on a provisioned cluster; pulumi up creates the application role through it`,
      fix:
        floor === undefined
          ? "use a listed major (13 to 18)"
          : `use ${major}.${floor} or later (with aurora.allowMajorVersionUpgrade for a running stack's major)`,
    },
  ];
}

/** PostgreSQL truncates names at 63 bytes: a derived `<user>_app` may pass that. */
const MAX_NAME = 63;

function appUserIssues(config: ResolvedAurora): ConfigIssue[] {
  if (config.aurora.appUser.length > MAX_NAME)
    return [
      {
        key: "aurora.appUser",
        value: config.aurora.appUser,
        problem: `is longer than the ${MAX_NAME} characters PostgreSQL keeps of a role's name`,
        fix: "set aurora.appUser to a shorter name",
      },
    ];
  if (config.aurora.appUser !== config.user) return [];
  return [
    {
      key: "aurora.appUser",
      value: config.aurora.appUser,
      problem: "is the master user (user); the application must log in as a role of its own, without rds_superuser",
      fix: "choose another name, or leave aurora.appUser out (<user>_app)",
    },
  ];
}

export function auroraDataApiRules(config: ResolvedAurora): Check[] {
  return [
    ({ issues }) => {
      issues.push(...classIssues(config), ...versionIssues(config), ...appUserIssues(config));
    },
  ];
}
