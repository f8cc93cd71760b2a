/**
 * The CI examples in examples/ci/ parse, and ask only for what exists: the GitHub Actions
 * workflow runs pg-read-replicas commands and options the CLI has, on the right events, one
 * preview per pull request at a time, and comments the summary file the run writes; the
 * Pulumi Deployments settings use only fields the Pulumi CLI's deployment file knows and set
 * only config keys the schema has, with an expiry in the label format the product writes.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { program } from "../../cli/main";
import { selfHostedConfigSchema } from "../../components/config/schema";
import { expiryLabelValue } from "../../components/config/labels";
import { SUMMARY_MARKER } from "../../components/preview/summary";
import { ACTIONS_RUNTIME, CI_ACTIONS } from "../../components/facts/ci/actions";

const EXAMPLES = join(__dirname, "../../examples/ci");

interface Step {
  name?: string;
  id?: string;
  run?: string;
  uses?: string;
  if?: string;
  with?: Record<string, string | boolean | number>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: { pull_request: { types: string[] } };
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = parse(readFileSync(join(EXAMPLES, "github-actions/preview.yml"), "utf8")) as Workflow;

/** Shell words of one command line, with `${{ ... }}` expressions standing for a value. */
function words(line: string): string[] {
  const text = line.replace(/\$\{\{[^}]*\}\}/g, "42");
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** Every invocation of the CLI in the workflow: the job, the subcommand path and its options. */
function invocations(): Array<{ job: string; path: string[]; options: string[] }> {
  return Object.entries(workflow.jobs).flatMap(([job, { steps }]) =>
    steps.flatMap((step) =>
      (step.run ?? "")
        .split("\n")
        .filter((line) => line.includes("pg-read-replicas.cjs"))
        .map((line) => {
          const args = words(line.slice(line.indexOf("pg-read-replicas.cjs") + "pg-read-replicas.cjs".length));
          const firstOption = args.findIndex((arg) => arg.startsWith("--"));
          return {
            job,
            path: args.slice(0, firstOption),
            options: args.slice(firstOption).filter((arg) => arg.startsWith("--")),
          };
        }),
    ),
  );
}

function commandAt(path: string[]): Command {
  let command: Command = program();
  for (const name of path) {
    const next = command.commands.find((c) => c.name() === name);
    if (!next) throw new Error(`the CLI has no command ${path.join(" ")}`);
    command = next as Command;
  }
  return command;
}

describe("the GitHub Actions workflow", () => {
  it("runs on pull requests opened, updated, reopened and closed", () => {
    expect(workflow.on.pull_request.types.sort()).toEqual(["closed", "opened", "reopened", "synchronize"]);
  });

  it("invokes only commands and options the CLI has, with every required option", () => {
    const calls = invocations();
    expect(calls.map((c) => `${c.job}: ${c.path.join(" ")}`)).toEqual([
      "rehearse: preview run",
      "cloud: preview run",
      "down: preview down",
    ]);
    for (const call of calls) {
      const command = commandAt(call.path);
      const known = command.options.map((o) => o.long);
      for (const option of call.options) expect(known, `${call.path.join(" ")} ${option}`).toContain(option);
      for (const required of command.options.filter((o) => o.mandatory)) expect(call.options).toContain(required.long);
    }
  });

  it("previews on open and update, removes on close, one run per pull request at a time", () => {
    const { rehearse, cloud, down } = workflow.jobs;
    expect(rehearse!.if).toContain("github.event.action != 'closed'");
    expect(cloud!.if).toContain("github.event.action != 'closed'");
    expect(down!.if).toContain("github.event.action == 'closed'");
    for (const job of Object.values(workflow.jobs))
      expect(job.concurrency?.group).toContain("${{ github.event.pull_request.number }}");
    // A Pulumi update or destroy is never cut short; a rehearsal is interrupted and tears down.
    expect(cloud!.concurrency?.["cancel-in-progress"]).toBe(false);
    expect(down!.concurrency?.group).toBe(cloud!.concurrency?.group);
    expect(rehearse!.concurrency?.["cancel-in-progress"]).toBe(true);
  });

  it("comments, even after a failed run, the summary file the run wrote, found again by its marker", () => {
    for (const name of ["rehearse", "cloud"]) {
      const steps = workflow.jobs[name]!.steps;
      const run = invocations().find((c) => c.job === name)!;
      const summaryFile = words(steps.find((s) => s.run?.includes("preview run"))!.run!).at(-1);
      expect(run.options).toContain("--summary");
      const comment = steps.find((s) => s.uses?.startsWith("actions/github-script@"))!;
      expect(comment.if).toBe("always()");
      expect(comment.with!.script).toContain(`"${summaryFile}"`);
      expect(comment.with!.script).toContain(SUMMARY_MARKER);
      expect(comment.with!.script).toContain("updateComment");
    }
  });
});

/** `${{ secrets.X }}` and `${{ steps.X.outputs.pulumi-access-token }}` in a value: credentials handed to a step. */
function credentialsIn(value: unknown): string[] {
  const text = JSON.stringify(value ?? {});
  return [...text.matchAll(/\$\{\{\s*(secrets\.\w+|steps\.[\w-]+\.outputs\.pulumi-access-token)\s*\}\}/g)].map(
    (m) => m[1]!,
  );
}

/** Whose pull requests a job runs for: true when its condition excludes forks. */
function excludesForks(job: Job): boolean {
  return (job.if ?? "").includes("github.event.pull_request.head.repo.full_name == github.repository");
}

describe("the GitHub Actions workflow's credentials (what a change's code can reach)", () => {
  const jobs = Object.entries(workflow.jobs);

  it("hands no credential to the whole workflow or a whole job, only to the steps that use it", () => {
    expect(credentialsIn(workflow.env)).toEqual([]);
    for (const [name, job] of jobs) {
      expect(credentialsIn(job.env), name).toEqual([]);
      for (const step of job.steps) {
        const outsideEnv = credentialsIn({ ...step, env: undefined });
        expect(outsideEnv, `${name}: ${step.name ?? step.uses ?? step.run}`).toEqual([]);
      }
    }
  });

  it("keeps every credential away from npm ci's install scripts and from forks' pull requests", () => {
    for (const [name, job] of jobs)
      for (const step of job.steps) {
        if (credentialsIn(step.env).length === 0) continue;
        expect(step.run ?? "", `${name}: ${step.name}`).not.toMatch(/npm (ci|install)/);
        expect(excludesForks(job), `${name} holds ${credentialsIn(step.env).join(", ")}`).toBe(true);
      }
  });

  it("stores no long-lived Pulumi token: a short-lived team token from GitHub's OIDC, not exported to later steps", () => {
    const everything = JSON.stringify(workflow);
    expect(everything).not.toContain("secrets.PULUMI_ACCESS_TOKEN");
    for (const [name, job] of jobs) {
      const deploys = job.steps.filter((step) => step.env?.PULUMI_ACCESS_TOKEN !== undefined);
      const auth = job.steps.filter((step) => step.uses?.startsWith("pulumi/auth-actions@"));
      expect(job.permissions?.["id-token"] === "write", `${name}: id-token only where a token is exchanged`).toBe(
        auth.length > 0,
      );
      if (deploys.length === 0) continue;
      expect(auth, name).toHaveLength(1);
      expect(auth[0]!.with).toMatchObject({
        "requested-token-type": "urn:pulumi:token-type:access_token:team",
        "export-environment-variables": false,
      });
      expect(String(auth[0]!.with!.scope)).toMatch(/^team:/);
      for (const step of deploys)
        expect(step.env!.PULUMI_ACCESS_TOKEN).toBe(`\${{ steps.${auth[0]!.id}.outputs.pulumi-access-token }}`);
    }
  });

  it("grants the workflow only read access, and pull-requests: write only to the jobs that comment", () => {
    expect(workflow.permissions).toEqual({ contents: "read" });
    for (const [name, job] of jobs) {
      const comments = job.steps.some((step) => step.uses?.startsWith("actions/github-script@"));
      expect(job.permissions?.["pull-requests"] === "write", name).toBe(comments);
    }
  });

  it("leaves no GitHub token in .git/config", () => {
    for (const [name, job] of jobs)
      for (const step of job.steps.filter((s) => s.uses?.startsWith("actions/checkout@")))
        expect(step.with?.["persist-credentials"], name).toBe(false);
  });

  it("writes the kubeconfig 0600 outside the workspace, and removes it even after a failure", () => {
    for (const [name, job] of jobs) {
      const writes = job.steps.findIndex((step) => step.env?.PREVIEW_KUBECONFIG !== undefined);
      if (writes < 0) continue;
      const write = job.steps[writes]!.run!;
      expect(write, name).toMatch(/^umask 077 && /);
      expect(write, name).toContain('> "$RUNNER_TEMP/');
      const path = /> "(\$RUNNER_TEMP\/[\w.-]+)"/.exec(write)![1]!;
      const users = job.steps.flatMap((step, at) => (step.env?.KUBECONFIG !== undefined ? [at] : []));
      expect(users.length, name).toBeGreaterThan(0);
      for (const at of users)
        expect(job.steps[at]!.env!.KUBECONFIG).toBe(path.replace("$RUNNER_TEMP", "${{ runner.temp }}"));
      const removal = job.steps.findIndex((step) => step.run === `rm -f "${path}"`);
      expect(removal, name).toBeGreaterThan(Math.max(...users));
      expect(job.steps[removal]!.if, name).toBe("always()");
    }
  });
});

/** Every action a step uses, with the comment on its line (the release a commit pin stands for). */
function usedActions(): Array<{ job: string; step: Step; ref: string; comment: string }> {
  const lines = readFileSync(join(EXAMPLES, "github-actions/preview.yml"), "utf8").split("\n");
  const comments = new Map(
    lines.flatMap((line) => {
      const m = /uses:\s*(\S+)(?:\s+#\s*(.*))?$/.exec(line);
      return m ? [[m[1]!, m[2] ?? ""] as const] : [];
    }),
  );
  return Object.entries(workflow.jobs).flatMap(([job, { steps }]) =>
    steps.flatMap((step) => (step.uses ? [{ job, step, ref: step.uses, comment: comments.get(step.uses) ?? "" }] : [])),
  );
}

describe("the GitHub Actions workflow's actions (what code runs beside the credentials)", () => {
  const pinned = Object.values(CI_ACTIONS).map((f) => f.value);

  it("pins every action to the commit of a release its comment names, never to a tag", () => {
    const used = usedActions();
    expect(used.length).toBeGreaterThan(0);
    for (const { job, ref, comment } of used) {
      const [action, at] = ref.split("@") as [string, string];
      expect(at, `${job}: ${ref}`).toMatch(/^[0-9a-f]{40}$/);
      const known = pinned.find((p) => p.action === action);
      expect(known, `${job}: ${action} has no entry in facts/ci/actions.ts`).toBeDefined();
      expect(at, `${job}: ${action}`).toBe(known!.commit);
      expect(comment, `${job}: ${ref}`).toBe(known!.release);
    }
  });

  it("gives each action only inputs its action.yml at that commit declares", () => {
    for (const { job, step, ref } of usedActions()) {
      const known = pinned.find((p) => p.action === ref.split("@")[0])!;
      for (const key of Object.keys(step.with ?? {})) expect(known.inputs, `${job}: ${ref} with ${key}`).toContain(key);
    }
  });

  it("uses only actions released for the runtime runners require", () => {
    for (const { action, runtime } of pinned) expect(runtime, action).toBe(ACTIONS_RUNTIME.value);
  });

  it("restores no dependency cache in a job that holds a credential", () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const holds = job.steps.some((step) => credentialsIn(step.env).length > 0);
      for (const step of job.steps.filter((s) => s.uses?.startsWith("actions/setup-node@"))) {
        expect(step.with?.cache, name).toBeUndefined();
        if (holds) expect(step.with?.["package-manager-cache"], name).toBe(false);
      }
    }
  });
});

/**
 * The deployment file's fields, from the Pulumi CLI: ProjectStackDeployment wraps DeploymentSettings
 * under `settings` (sdk/go/common/workspace/project.go); the fields are the yaml tags of
 * DeploymentSettings, DeploymentSettingsGitHub, SourceContextGit, OperationContext and
 * OperationContextOptions in pulumi/pulumi sdk/go/common/apitype/deployments.go.
 */
const DEPLOYMENT_FILE_FIELDS: Record<string, string[]> = {
  "": ["settings"],
  settings: ["tag", "executorContext", "sourceContext", "gitHub", "operationContext", "agentPoolID"],
  "settings.sourceContext": ["git"],
  "settings.sourceContext.git": ["repoUrl", "branch", "repoDir", "commit", "gitAuth"],
  "settings.gitHub": [
    "repository",
    "pullRequestTemplate",
    "deployCommits",
    "previewPullRequests",
    "deployPullRequest",
    "paths",
  ],
  "settings.operationContext": ["oidc", "preRunCommands", "environmentVariables", "options"],
  "settings.operationContext.options": [
    "skipInstallDependencies",
    "skipIntermediateDeployments",
    "shell",
    "deleteAfterDestroy",
    "remediateIfDriftDetected",
  ],
};

describe("the Pulumi Deployments review-stack settings", () => {
  const file = parse(readFileSync(join(EXAMPLES, "pulumi-deployments/Pulumi.pr.deploy.yaml"), "utf8")) as Record<
    string,
    unknown
  >;
  const settings = file.settings as { gitHub: Record<string, unknown>; operationContext: { preRunCommands: string[] } };

  it("uses only fields the Pulumi CLI's deployment file has", () => {
    for (const [path, fields] of Object.entries(DEPLOYMENT_FILE_FIELDS)) {
      const value =
        path === ""
          ? file
          : (path.split(".").reduce<unknown>((at, key) => (at as Record<string, unknown>)?.[key], file) as
              Record<string, unknown> | undefined);
      if (value === undefined) continue;
      for (const key of Object.keys(value)) expect(fields, `${path || "(top)"}.${key}`).toContain(key);
    }
  });

  it("makes stack pr the review-stack template, deploying pull requests only", () => {
    expect(settings.gitHub).toMatchObject({ pullRequestTemplate: true, deployCommits: false });
  });

  it("gives each review stack its change id and an expiry, through config keys the schema has", () => {
    const sets = settings.operationContext.preRunCommands.filter((c) => c.startsWith("pulumi config set"));
    const keys = sets.map((c) => /pg-read-replicas:(\w+)/.exec(c)![1]!);
    expect(keys).toEqual(["changeId", "labels"]);
    for (const key of keys) expect(Object.keys(selfHostedConfigSchema.shape)).toContain(key);
    expect(sets[1]).toContain('labels["pg-read-replicas/expires"]');
  });

  it("writes the kubeconfig for the executor 0600", () => {
    const write = settings.operationContext.preRunCommands.find((c) => c.includes("$KUBECONFIG_DATA"))!;
    expect(write).toMatch(/^umask 077 && printf/);
  });

  it("writes the expiry as the product does (GNU date's format matches expiryLabelValue)", () => {
    const format = /\+(%Y%m%dT%H%M%SZ)/.exec(settings.operationContext.preRunCommands.join("\n"))![1]!;
    const at = new Date("2031-07-08T09:10:11Z");
    const written = execFileSync("date", ["-u", "-d", `@${at.getTime() / 1000}`, `+${format}`], {
      encoding: "utf8",
    }).trim();
    expect(written).toBe(expiryLabelValue(at));
  });
});
