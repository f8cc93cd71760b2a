/**
 * Which resource types of the stack's graph take no tags in the provider (no `tags` argument, so the providers'
 * defaultTags, the preview's expiry included, cannot reach them), and what removes them instead. The reaper finds a
 * preview by its tags: each of these goes with the tagged resource named here. Read from node_modules/@pulumi/aws
 * (7.48.0) <module>/<resource>.d.ts, whose Args interfaces have no `tags`; a components test re-reads them.
 */
import { type Fact, cite, fact } from "../fact";

export const UNTAGGED_TYPES: Fact<Readonly<Record<string, string>>> = fact(
  {
    "aws:appautoscaling/policy:Policy": "deleted with its scalable target (tagged)",
    "aws:iam/rolePolicy:RolePolicy": "an inline policy: deleted with its role (tagged)",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "detached when its role (tagged) is deleted",
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": "deleted with its proxy (tagged)",
    "aws:rds/proxyTarget:ProxyTarget": "deleted with its proxy (tagged)",
    "aws:secretsmanager/secretVersion:SecretVersion": "deleted with its secret (tagged)",
    // No tag finds it: the home region's alarms (tagged) carry its name in DASHBOARD_LABEL, and `preview reap`
    // deletes it with them (preview/reap.ts dashboardsOf).
    "aws:cloudwatch/dashboard:Dashboard": "named by its alarms (tagged, pg-read-replicas/dashboard): deleted with them",
  },
  cite("pulumiAwsTypes", "<module>/<resource>.d.ts", "Args interface without tags"),
);

/**
 * Whether the Resource Groups Tagging API's GetResources returns IAM roles: it does not, in any region, so
 * `preview reap` lists roles through IAM itself (ListRoles, then ListRoleTags for each role's tags).
 */
export const TAGGING_API_LISTS_IAM_ROLES: Fact<boolean> = fact(
  false,
  cite(
    "taggingApiServices",
    "the note on IAM",
    "IAM users and roles can only be used in TagResources and UntagResources; GetResources does not currently support IAM users and roles",
  ),
);
