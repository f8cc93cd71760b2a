/** Sources: the GitHub Actions the CI examples use, each read at the release its workflow pins (action.yml). */
import type { Source } from "./source";

export const CI_SOURCES = {
  actionsCheckout: {
    repo: "actions/checkout",
    ref: "3d3c42e5aac5ba805825da76410c181273ba90b1",
    title: "actions/checkout v7.0.1: its inputs and runtime",
  },
  actionsGithubScript: {
    repo: "actions/github-script",
    ref: "ed597411d8f924073f98dfc5c65a23a2325f34cd",
    title: "actions/github-script v8.0.0: its inputs and runtime",
  },
  actionsSetupNode: {
    repo: "actions/setup-node",
    ref: "820762786026740c76f36085b0efc47a31fe5020",
    title: "actions/setup-node v7.0.0: its inputs and runtime",
  },
  pulumiActions: {
    repo: "pulumi/actions",
    ref: "8e5e406f4007fca908480587cb9893c07090f58d",
    title: "pulumi/actions v7.0.0: its inputs and runtime",
  },
  pulumiAuthActions: {
    repo: "pulumi/auth-actions",
    ref: "141415910c3beb54e03b48e9057c204c97b956f2",
    title: "pulumi/auth-actions v2.1.0: its inputs and runtime",
  },
  runnerNode24Migration: {
    url: "https://github.com/actions/runner/pull/3948",
    title: "actions/runner #3948: Node 20 to Node 24 migration, in phases ending with Node 24 required",
    note: "the last phase runs every JavaScript action on Node 24 with no opt-out; an action declaring node20 then runs on a runtime it was not released for",
  },
} as const satisfies Record<string, Source>;
