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
    // Nothing removes it and no tag finds it: the reaper names it by the stack's prefix (README, previews).
    "aws:cloudwatch/dashboard:Dashboard":
      "nothing: a dashboard takes no tags and outlives a leaked preview; delete it by name (aws cloudwatch delete-dashboards)",
  },
  cite("pulumiAwsTypes", "<module>/<resource>.d.ts", "Args interface without tags"),
);
