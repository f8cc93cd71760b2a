/**
 * A small local stack driven the way a user changes one: its stack file (Pulumi.<stack>.yaml) is
 * edited, then `local up` runs again on the running stack. For the change drill and the change bench.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { readStackConfig } from "../../components/config/stackFile";
import { type UpResult, LocalRunner } from "../../components/local/runner";
import { writerSlots } from "../../components/local/changeSteps";
import { topologyFromPulumiConfig } from "../../components/pipeline/loadTopology";
import type { Topology } from "../../components/topology/types";

export type StackConfig = Record<string, unknown>;

export class ChangingStack {
  readonly stacksDir: string;
  readonly stateDir: string;
  readonly runner: LocalRunner;
  /** Each step of each `up`, when it started and how long it took: printed when a drill fails or hangs. */
  readonly steps: string[] = [];
  private readonly root: string;

  /** Makes nothing on disk until the stack file is first written (a skipped suite leaves nothing behind). */
  constructor(readonly name: string) {
    this.root = join(tmpdir(), `pgrr-change-${name}-${randomBytes(4).toString("hex")}`);
    this.stacksDir = join(this.root, "stacks");
    this.stateDir = join(this.root, "state");
    this.runner = new LocalRunner(name, this.stateDir);
  }

  /** The stack file's path, its directory made (world-traversable: the servers run as postgres). */
  stackFile(): string {
    if (!existsSync(this.stacksDir)) {
      mkdirSync(this.stacksDir, { recursive: true });
      chmodSync(this.root, 0o755);
    }
    return join(this.stacksDir, `Pulumi.${this.name}.yaml`);
  }

  /** Writes the stack file as a user would: `pg-read-replicas:<key>: value` under `config:`. */
  edit(config: StackConfig): void {
    const keyed = Object.fromEntries(Object.entries(config).map(([key, value]) => [`pg-read-replicas:${key}`, value]));
    writeFileSync(this.stackFile(), stringify({ config: keyed }));
  }

  topology(): Topology {
    return topologyFromPulumiConfig(readStackConfig(this.stacksDir, this.name), `stack ${this.name} config`).topology;
  }

  up(): Promise<UpResult> {
    return this.runner.up(this.topology(), async (step) => {
      const started = Date.now();
      this.steps.push(`${new Date(started).toISOString()} ${step.title}`);
      await step.run();
      this.steps.push(`  ${Date.now() - started} ms`);
    });
  }

  /** The writer's replication slots, and the slots of the standbys the state declares. */
  slots(): Promise<{ slots: string[]; expected: string[] }> {
    return writerSlots(this.runner.layout, this.runner.state()!);
  }

  async down(): Promise<void> {
    await this.runner.down();
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The drill's stack: two OLTP replicas, no OLAP replica, small memory, no monitoring (its own files test that). */
export function drillConfig(name: string, patch: StackConfig = {}): StackConfig {
  return {
    backend: "local",
    postgresVersion: 15,
    name,
    replicas: 2,
    database: "app",
    user: "app",
    allowedCidrs: ["127.0.0.1/32"],
    olap: { enabled: false },
    monitoring: { enabled: false },
    resources: { primary: { memory: "256Mi" }, replica: { memory: "256Mi" } },
    ...patch,
  };
}
