/**
 * `preview run --cloud` against a fake in place of Pulumi's LocalWorkspace (no Pulumi CLI
 * here): the exact Automation API calls in order, the config the stack gets from its
 * template, the outputs file the suite reads, and destroy + stack removal after any failure.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it, vi } from "vitest";
import { previewCommands } from "../../cli/preview";
import { type Automation, type AutomationStack, cloudDriver } from "../../components/preview/cloudDriver";
import { type PreviewResult, runPreview } from "../../components/preview/cycle";
import { PROJECT_ROOT } from "../../components/ground/paths";
import { FAKE_OUTPUTS, deps } from "../support/previewFakes";

const IDENTITY = { template: "pr", id: "42", stack: "pr-42" };
const EXPIRES = new Date("2030-01-02T03:04:05Z");

interface Fake {
  calls: string[];
  config?: Record<string, { value: string }>;
  automation: () => Promise<Automation>;
}

function fakePulumi(fail: { createOrSelectStack?: Error; up?: Error; destroy?: Error } = {}): Fake {
  const fake: Fake = { calls: [], automation: async () => automation };
  const stack: AutomationStack = {
    setAllConfig: async (config) => {
      fake.calls.push("setAllConfig");
      fake.config = config;
    },
    up: async (options) => {
      fake.calls.push("up");
      options.onOutput("Updating (pr-42)\n");
      if (fail.up) throw fail.up;
      return {};
    },
    outputs: async () => {
      fake.calls.push("outputs");
      return Object.fromEntries(
        Object.entries({ ...FAKE_OUTPUTS, capacity: undefined }).map(([key, value]) => [
          key,
          { value, secret: key === "password" },
        ]),
      );
    },
    destroy: async () => {
      fake.calls.push("destroy");
      if (fail.destroy) throw fail.destroy;
      return {};
    },
    workspace: {
      removeStack: async (name) => void fake.calls.push(`removeStack ${name}`),
    },
  };
  const automation: Automation = {
    createOrSelectStack: async (args) => {
      fake.calls.push(`createOrSelectStack ${args.stackName} ${args.workDir}`);
      if (fail.createOrSelectStack) throw fail.createOrSelectStack;
      return stack;
    },
    selectStack: async () => stack,
  };
  return fake;
}

async function cycle(fake: Fake, suiteSaw: string[] = []): Promise<PreviewResult> {
  const driver = cloudDriver({
    ...IDENTITY,
    stacksDir: `${PROJECT_ROOT}/stacks`,
    expires: EXPIRES,
    automation: fake.automation,
  });
  return runPreview(driver, IDENTITY, {
    keep: false,
    signal: new AbortController().signal,
    log: () => undefined,
    cleanupCommand: "pg-read-replicas preview down --stack pr --id 42 --cloud",
    deps: deps({
      suite: async (file) => {
        suiteSaw.push(readFileSync(file, "utf8"), String(statSync(file).mode & 0o777), file);
        return { ok: true, passed: 1, failed: 0, skipped: 0, total: 1, failures: [] };
      },
    }),
  });
}

describe("preview run --cloud, through the Automation API", () => {
  it("creates or selects pr-42, sets its config from the template, deploys, reads outputs, then destroys and removes it", async () => {
    const fake = fakePulumi();
    const suiteSaw: string[] = [];
    const result = await cycle(fake, suiteSaw);
    expect(fake.calls).toEqual([
      `createOrSelectStack pr-42 ${PROJECT_ROOT}`,
      "setAllConfig",
      "up",
      "outputs",
      "destroy",
      "removeStack pr-42",
    ]);
    expect(result.ok).toBe(true);
    expect(fake.config).toMatchObject({
      "pg-read-replicas:backend": { value: "selfHosted" },
      "pg-read-replicas:changeId": { value: "42" },
      "kubernetes:context": { value: "preview-us-east-1" },
      "pg-read-replicas:labels": {
        value: JSON.stringify({
          "pg-read-replicas/purpose": "preview",
          "pg-read-replicas/expires": "20300102T030405Z",
        }),
      },
    });
    // The suite read the outputs as `pulumi stack output --json --show-secrets` writes them, readable by this user
    // only, removed afterwards.
    const [text, mode, file] = suiteSaw;
    expect(JSON.parse(text!)).toEqual(FAKE_OUTPUTS);
    expect(mode).toBe(String(0o600));
    expect(existsSync(file!)).toBe(false);
  });

  it("destroys and removes the stack when the update fails", async () => {
    const fake = fakePulumi({
      up: new Error("kubernetes:batch/v1:Job pg-verify-89b44d01a8: Job has reached the specified backoff limit"),
    });
    const result = await cycle(fake);
    expect(fake.calls).toEqual([
      `createOrSelectStack pr-42 ${PROJECT_ROOT}`,
      "setAllConfig",
      "up",
      "destroy",
      "removeStack pr-42",
    ]);
    expect(result.steps.find((s) => s.name === "deploy")).toMatchObject({
      status: "failed",
      error: expect.stringContaining("backoff limit"),
    });
  });

  it("touches nothing when the stack cannot be created (no Pulumi CLI), and reports why", async () => {
    const fake = fakePulumi({
      createOrSelectStack: new Error("Failed to run command: pulumi version (spawn pulumi ENOENT)"),
    });
    const result = await cycle(fake);
    expect(fake.calls).toEqual([`createOrSelectStack pr-42 ${PROJECT_ROOT}`]);
    expect(result.steps.map((s) => s.status)).toEqual(["failed", "skipped", "skipped", "skipped", "passed"]);
    expect(result.removed).toEqual([]);
  });

  it("reports a failed destroy separately, leaving the stack for preview down --cloud", async () => {
    const fake = fakePulumi({ destroy: new Error("the Kubernetes cluster is unreachable") });
    const result = await cycle(fake);
    expect(fake.calls.slice(-1)).toEqual(["destroy"]);
    expect(result.steps.find((s) => s.name === "teardown")).toMatchObject({
      status: "failed",
      error: "the Kubernetes cluster is unreachable",
    });
    expect(result.ok).toBe(false);
  });

  it("refuses a config problem before Pulumi is asked for anything", async () => {
    const stacksDir = mkdtempSync(join(tmpdir(), "pgrr-stacks-"));
    try {
      const template = readFileSync(`${PROJECT_ROOT}/stacks/Pulumi.pr.yaml`, "utf8").replace(
        "pg-read-replicas:replicas: 2",
        "pg-read-replicas:replicas: -1",
      );
      writeFileSync(join(stacksDir, "Pulumi.pr.yaml"), template);
      const fake = fakePulumi();
      const driver = cloudDriver({ ...IDENTITY, stacksDir, expires: EXPIRES, automation: fake.automation });
      await expect(driver.prepare(() => undefined)).rejects.toThrow(
        /stack pr-42 config \(template pr with changeId 42\) has 1 problem; nothing was created:\n {2}- pg-read-replicas:replicas = "-1": must be from 1 to 15/,
      );
      expect(fake.calls).toEqual([]);
    } finally {
      rmSync(stacksDir, { recursive: true, force: true });
    }
  });
});

describe("preview down --cloud", () => {
  async function down(fake: Fake, present = true): Promise<string> {
    const root = new Command("pg-read-replicas").exitOverride();
    const automation = async (): Promise<Automation> => {
      const real = await fake.automation();
      return {
        ...real,
        selectStack: async (args) => (
          fake.calls.push(`selectStack ${args.stackName}`),
          present ? real.selectStack(args) : undefined
        ),
      };
    };
    previewCommands(root, automation);
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (written.push(String(chunk)), true));
    try {
      await root.parseAsync(["node", "cli", "preview", "down", "--id", "42", "--cloud"]);
    } finally {
      spy.mockRestore();
    }
    return written.join("");
  }

  it("destroys and removes the change's stack", async () => {
    const fake = fakePulumi();
    expect(await down(fake)).toContain("Removed every resource of Pulumi stack pr-42, and the stack.");
    expect(fake.calls).toEqual(["selectStack pr-42", "destroy", "removeStack pr-42"]);
  });

  it("has nothing to do when the stack is gone (its run tore it down)", async () => {
    const fake = fakePulumi();
    expect(await down(fake, false)).toContain("Nothing to do: no Pulumi stack pr-42.");
    expect(fake.calls).toEqual(["selectStack pr-42"]);
  });
});
