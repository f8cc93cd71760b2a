/**
 * The GitHub Actions the CI examples (examples/ci/github-actions) use, each pinned to the commit of one release: a
 * tag can be moved to other code by whoever controls the action's repository, a commit cannot. With each, what its
 * action.yml at that commit declares: the inputs it takes and the Node runtime it runs on.
 */
import { cite, fact } from "../fact";

export interface PinnedAction {
  /** owner/name, as `uses:` names it. */
  readonly action: string;
  readonly release: string;
  readonly commit: string;
  /** action.yml `inputs`: every key a step may give in `with:`. */
  readonly inputs: readonly string[];
  /** action.yml `runs.using`. */
  readonly runtime: string;
}

export const CI_ACTIONS = {
  checkout: fact<PinnedAction>(
    {
      action: "actions/checkout",
      release: "v7.0.1",
      commit: "3d3c42e5aac5ba805825da76410c181273ba90b1",
      inputs: [
        "repository",
        "ref",
        "token",
        "ssh-key",
        "ssh-known-hosts",
        "ssh-strict",
        "ssh-user",
        "persist-credentials",
        "path",
        "clean",
        "filter",
        "sparse-checkout",
        "sparse-checkout-cone-mode",
        "fetch-depth",
        "fetch-tags",
        "show-progress",
        "lfs",
        "submodules",
        "set-safe-directory",
        "github-server-url",
        "allow-unsafe-pr-checkout",
      ],
      runtime: "node24",
    },
    cite(
      "actionsCheckout",
      "action.yml: inputs; runs.using",
      "persist-credentials defaults to true: the example sets it false",
    ),
  ),
  githubScript: fact<PinnedAction>(
    {
      action: "actions/github-script",
      release: "v8.0.0",
      commit: "ed597411d8f924073f98dfc5c65a23a2325f34cd",
      inputs: [
        "script",
        "github-token",
        "debug",
        "user-agent",
        "previews",
        "result-encoding",
        "retries",
        "retry-exempt-status-codes",
        "base-url",
      ],
      runtime: "node24",
    },
    cite("actionsGithubScript", "action.yml: inputs; runs.using"),
  ),
  setupNode: fact<PinnedAction>(
    {
      action: "actions/setup-node",
      release: "v7.0.0",
      commit: "820762786026740c76f36085b0efc47a31fe5020",
      inputs: [
        "node-version",
        "node-version-file",
        "architecture",
        "check-latest",
        "registry-url",
        "scope",
        "token",
        "cache",
        "package-manager-cache",
        "cache-dependency-path",
        "mirror",
        "mirror-token",
      ],
      runtime: "node24",
    },
    cite("actionsSetupNode", "action.yml: inputs; runs.using"),
    cite(
      "actionsSetupNode",
      "README.md, Breaking changes in V5 and the note under Running without a lockfile",
      "npm caching is on by default; in workflows holding credentials set package-manager-cache: false, since a poisoned cache may expose credentials (including OIDC tokens)",
    ),
  ),
  pulumi: fact<PinnedAction>(
    {
      action: "pulumi/actions",
      release: "v7.0.0",
      commit: "8e5e406f4007fca908480587cb9893c07090f58d",
      inputs: [
        "command",
        "stack-name",
        "pulumi-version",
        "pulumi-version-file",
        "work-dir",
        "comment-on-pr",
        "comment-on-pr-number",
        "comment-on-summary",
        "github-token",
        "cloud-url",
        "secrets-provider",
        "parallel",
        "message",
        "config-map",
        "expect-no-changes",
        "diff",
        "replace",
        "exclude",
        "exclude-dependents",
        "target",
        "target-dependents",
        "policyPacks",
        "policyPackConfigs",
        "refresh",
        "upsert",
        "remove",
        "edit-pr-comment",
        "color",
        "exclude-protected",
        "plan",
        "suppress-outputs",
        "suppress-progress",
        "always-include-summary",
        "continue-on-error",
        "log-verbosity",
        "log-flow",
        "debug",
      ],
      runtime: "node24",
    },
    cite("pulumiActions", "action.yml: inputs; runs.using", "without `command` it installs the Pulumi CLI only"),
  ),
  pulumiAuth: fact<PinnedAction>(
    {
      action: "pulumi/auth-actions",
      release: "v2.1.0",
      commit: "141415910c3beb54e03b48e9057c204c97b956f2",
      inputs: [
        "organization",
        "requested-token-type",
        "scope",
        "token-expiration",
        "export-environment-variables",
        "cloud-url",
      ],
      runtime: "node24",
    },
    cite(
      "pulumiAuthActions",
      "action.yml: inputs; runs.using",
      "export-environment-variables defaults to true (PULUMI_ACCESS_TOKEN for every later step): the example sets it false",
    ),
  ),
} as const;

/** The runtime GitHub's runners end up requiring of every JavaScript action. */
export const ACTIONS_RUNTIME = fact("node24", cite("runnerNode24Migration", "Migration Phases, Phase 3"));
