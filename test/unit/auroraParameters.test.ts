/** Topology settings → Aurora parameter groups: units converted, bounds applied, nothing dropped unannounced. */
import { describe, expect, it } from "vitest";
import { auroraClusterParameters, auroraParametersFor } from "../../components/aurora/parameters";
import type { MappableSetting } from "../../components/aurora/parameters";

const settings = (pairs: Record<string, string>, source: MappableSetting["source"] = "default"): MappableSetting[] =>
  Object.entries(pairs).map(([name, value]) => ({ name, value, source }));

describe("Aurora parameters", () => {
  it("converts sizes to Aurora's units (kB, 8kB pages), durations to ms, booleans to 1/0", () => {
    const { parameters } = auroraParametersFor(
      "olap",
      settings({ work_mem: "128MB", temp_buffers: "16MB", statement_timeout: "300s", idle_in_transaction_session_timeout: "10min", jit: "off", enable_partitionwise_join: "on" }),
    );
    expect(Object.fromEntries(parameters.map((p) => [p.name, p.value]))).toEqual({
      work_mem: "131072",
      temp_buffers: "2048",
      statement_timeout: "300000",
      idle_in_transaction_session_timeout: "600000",
      jit: "0",
      enable_partitionwise_join: "1",
    });
  });

  it("marks settings that need a reboot", () => {
    const { parameters } = auroraParametersFor("primary", settings({ max_connections: "400", work_mem: "8MB" }));
    expect(parameters.find((p) => p.name === "max_connections")!.applyMethod).toBe("pending-reboot");
    expect(parameters.find((p) => p.name === "work_mem")!.applyMethod).toBe("immediate");
  });

  it("bounds what Aurora bounds and says so", () => {
    const { parameters, notes } = auroraParametersFor("olap", settings({ max_standby_streaming_delay: "-1" }));
    expect(parameters).toEqual([{ name: "max_standby_streaming_delay", value: "30000", applyMethod: "immediate" }]);
    expect(notes).toEqual([expect.objectContaining({ setting: "max_standby_streaming_delay", outcome: "mapped", auroraValue: "30000" })]);
    expect(auroraParametersFor("oltp", settings({ max_standby_streaming_delay: "500ms" })).parameters[0]!.value).toBe("1000");
  });

  it("skips what Aurora manages itself, with the reason, and flags overrides from stack config", () => {
    const { parameters, notes } = auroraParametersFor("oltp", [...settings({ wal_level: "replica", shared_buffers: "512MB" }), ...settings({ checkpoint_timeout: "15min" }, "stackConfig")]);
    expect(parameters).toEqual([]);
    expect(notes.map((n) => [n.setting, n.outcome, n.fromStackConfig])).toEqual([
      ["wal_level", "skipped", false],
      ["shared_buffers", "skipped", false],
      ["checkpoint_timeout", "skipped", true],
    ]);
    expect(notes[1]!.reason).toBe("Aurora sizes it from the instance class");
  });

  it("accounts for every setting exactly once", () => {
    const input = settings({ work_mem: "4MB", wal_level: "replica", some_future_setting: "1", max_standby_streaming_delay: "-1" });
    const { parameters, notes } = auroraParametersFor("olap", input);
    const accounted = [...parameters.map((p) => p.name), ...notes.filter((n) => n.outcome === "skipped").map((n) => n.setting)];
    expect(accounted.sort()).toEqual(input.map((s) => s.name).sort());
    expect(notes.find((n) => n.setting === "some_future_setting")!.reason).toBe("Aurora PostgreSQL has no equivalent parameter");
  });

  it("forces TLS at the cluster only when required", () => {
    expect(auroraClusterParameters(true).map((p) => p.name)).toEqual(["password_encryption", "rds.force_ssl"]);
    expect(auroraClusterParameters(false).map((p) => p.name)).toEqual(["password_encryption"]);
  });
});
