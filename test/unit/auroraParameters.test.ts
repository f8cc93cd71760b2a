/**
 * Topology settings → Aurora parameter groups: units converted, bounds applied, AWS's levels respected, nothing dropped
 * unannounced.
 */
import { describe, expect, it } from "vitest";
import { auroraClusterParameters, auroraParametersFor } from "../../components/aurora/parameters";
import type { MappableSetting } from "../../components/aurora/parameters";

const settings = (pairs: Record<string, string>, source: MappableSetting["source"] = "default"): MappableSetting[] =>
  Object.entries(pairs).map(([name, value]) => ({ name, value, source }));
const byName = (parameters: Array<{ name: string; value: string }>) =>
  Object.fromEntries(parameters.map((p) => [p.name, p.value]));

describe("Aurora parameters", () => {
  it("converts sizes to Aurora's units (kB, 8kB pages), durations to ms, booleans to 1/0", () => {
    const { parameters } = auroraParametersFor(
      "olap",
      settings({
        work_mem: "128MB",
        temp_buffers: "16MB",
        statement_timeout: "300s",
        idle_in_transaction_session_timeout: "10min",
        enable_partitionwise_join: "on",
      }),
    );
    expect(byName(parameters)).toEqual({
      work_mem: "131072",
      temp_buffers: "2048",
      statement_timeout: "300000",
      idle_in_transaction_session_timeout: "600000",
      enable_partitionwise_join: "1",
    });
  });

  it("marks static parameters pending-reboot, as RDS requires", () => {
    const { parameters } = auroraParametersFor(
      "primary",
      settings({ max_connections: "400", work_mem: "8MB" }, "stackConfig"),
    );
    expect(parameters.find((p) => p.name === "max_connections")!.applyMethod).toBe("pending-reboot");
    expect(parameters.find((p) => p.name === "work_mem")!.applyMethod).toBe("immediate");
  });

  it("keeps Aurora's own sizing formulas unless stack config sets the value", () => {
    const product = auroraParametersFor("primary", settings({ max_connections: "200", max_worker_processes: "8" }));
    expect(product.parameters).toEqual([]);
    expect(product.notes.map((n) => n.reason)).toEqual([
      "Aurora sizes it from the instance class (LEAST({DBInstanceClassMemory/9531392},5000)); set it in stack config to override",
      "Aurora sizes it from the instance class (GREATEST(${DBInstanceVCPU*2},8)); set it in stack config to override",
    ]);
    const chosen = auroraParametersFor("primary", settings({ max_connections: "1000" }, "stackConfig"));
    expect(byName(chosen.parameters)).toEqual({ max_connections: "1000" });
  });

  it("never sends synchronous_commit to an instance group (AWS takes it at cluster level only), and sends nothing the parameter reference does not list", () => {
    const writer = auroraParametersFor("primary", settings({ synchronous_commit: "local" }));
    expect(writer.parameters).toEqual([]);
    expect(writer.clusterParameters).toEqual([]);
    expect(writer.notes[0]!.reason).toMatch(/4 of 6 storage copies/);
    const overrides = auroraParametersFor(
      "primary",
      settings({ jit: "off", lock_timeout: "5s", commit_delay: "10", commit_siblings: "5" }, "stackConfig"),
    );
    expect(overrides.parameters).toEqual([]);
    expect(overrides.notes.map((n) => [n.setting, n.outcome])).toEqual([
      ["jit", "skipped"],
      ["lock_timeout", "skipped"],
      ["commit_delay", "skipped"],
      ["commit_siblings", "skipped"],
    ]);
    expect(overrides.notes[0]!.reason).toMatch(
      /neither the cluster nor the instance parameter group; set it per role or database \(ALTER ROLE/,
    );
  });

  it("skips what AWS marks not modifiable", () => {
    const { parameters, notes } = auroraParametersFor("olap", settings({ effective_io_concurrency: "200" }));
    expect(parameters).toEqual([]);
    expect(notes[0]!.reason).toBe("AWS marks it not modifiable in Aurora PostgreSQL parameter groups");
  });

  it("bounds what Aurora bounds and says so", () => {
    const { parameters, notes } = auroraParametersFor("olap", settings({ max_standby_streaming_delay: "-1" }));
    expect(parameters).toEqual([{ name: "max_standby_streaming_delay", value: "30000", applyMethod: "immediate" }]);
    expect(notes).toEqual([
      expect.objectContaining({ setting: "max_standby_streaming_delay", outcome: "mapped", auroraValue: "30000" }),
    ]);
    expect(auroraParametersFor("oltp", settings({ max_standby_streaming_delay: "500ms" })).parameters[0]!.value).toBe(
      "1000",
    );
  });

  it("skips what Aurora manages itself, with the reason, and flags overrides from stack config", () => {
    const { parameters, notes } = auroraParametersFor("oltp", [
      ...settings({ wal_level: "replica", shared_buffers: "512MB" }),
      ...settings({ checkpoint_timeout: "15min" }, "stackConfig"),
    ]);
    expect(parameters).toEqual([]);
    expect(notes.map((n) => [n.setting, n.outcome, n.fromStackConfig])).toEqual([
      ["wal_level", "skipped", false],
      ["shared_buffers", "skipped", false],
      ["checkpoint_timeout", "skipped", true],
    ]);
    expect(notes[1]!.reason).toBe("Aurora sizes it from the instance class");
  });

  it("accounts for every setting exactly once", () => {
    const input = settings({
      work_mem: "4MB",
      wal_level: "replica",
      some_future_setting: "1",
      max_standby_streaming_delay: "-1",
      jit: "on",
    });
    const { parameters, clusterParameters, notes } = auroraParametersFor("olap", input);
    const accounted = [...parameters, ...clusterParameters]
      .map((p) => p.name)
      .concat(notes.filter((n) => n.outcome === "skipped").map((n) => n.setting));
    expect(accounted.sort()).toEqual(input.map((s) => s.name).sort());
    expect(notes.find((n) => n.setting === "some_future_setting")!.reason).toBe(
      "Aurora PostgreSQL has no equivalent parameter",
    );
  });

  it("forces TLS at the cluster only when required, and leaves password hashing to Aurora's scram-sha-256 default", () => {
    expect(auroraClusterParameters(true)).toEqual([{ name: "rds.force_ssl", value: "1", applyMethod: "immediate" }]);
    expect(auroraClusterParameters(false)).toEqual([]);
    expect(auroraParametersFor("primary", settings({ password_encryption: "scram-sha-256" })).notes[0]!.reason).toMatch(
      /scram-sha-256 by default/,
    );
  });
});
