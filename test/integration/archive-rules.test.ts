/**
 * The archive and base backup alerts under promtool, on synthetic series of the writer's exporter: each fires on the
 * state it names and stays silent on a busy healthy writer, on an idle one (whose segment keeps a few bytes of its own
 * records unswitched), and after a failure that a retry fixed.
 * Skipped against a deployed stack (STACK_OUTPUTS): promtool runs on rules rendered from a topology of its own and
 * synthetic series, not on the stack in the outputs file; npm test runs it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { againstADeployedStack } from "./support";
import { MONITORING_BINARIES } from "../../components/local/monitoring";
import { renderAlertRules } from "../../components/monitoring/alertRules";
import { baseBackupBoundMs } from "../../components/monitoring/archiveRules";
import type { LocalTopology } from "../../components/topology/types";
import { localBase, patched } from "../support/configs";
import { buildAs } from "../support/topologies";
import { runPromtoolTest } from "../support/promtool";

const STEP_S = 15;
const SEGMENT = 16 * 1024 * 1024;
const topology: LocalTopology = {
  ...buildAs("local", patched(localBase(), { name: "it" })),
  backup: {
    tool: "pgbackrest",
    repository: { kind: "posix" },
    schedule: "0 3 * * *",
    retention: { type: "time", days: 7 },
    archiveTimeoutSeconds: 60,
  },
};
const dir = mkdtempSync(join(tmpdir(), "pgrr-archive-rules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "rules.yml"), renderAlertRules(topology));

const WRITER = 'pgrr_cluster="it", job="pgrr-postgres", pg_node="it-primary-0", role="primary"';
type Series = { series: string; values: string };
type Check = { alert: string; at: string; firing: boolean };

const values = (list: readonly number[]) => list.join(" ");
const steps = (minutes: number) => (minutes * 60) / STEP_S;

/** The writer's series for `minutes`: WAL written per step, and what is archived (from the archive's position). */
function writer(
  written: readonly number[],
  unarchivedFrom: readonly number[],
  more: Partial<Record<string, string>> = {},
) {
  const n = written.length - 1;
  const series: Record<string, string> = {
    pgrr_primary_wal_written_bytes_total: values(written),
    pgrr_archiver_unarchived_from_bytes: values(unarchivedFrom),
    pgrr_archiver_enabled: `1x${n}`,
    pgrr_archiver_failed_count: `0x${n}`,
    pgrr_archiver_failing: `0x${n}`,
    pgrr_backup_baseline_time_seconds: `0x${n}`,
    ...more,
  };
  return Object.entries(series).map(([name, v]): Series => ({ series: `${name}{${WRITER}}`, values: v! }));
}

/**
 * What a healthy archive leaves unarchived: archive_timeout (60s, 4 steps) switches the segment and archive-push takes
 * it, so everything written before the last switch is archived.
 */
const SWITCH_STEPS = 60 / STEP_S;
const archived = (written: readonly number[]) => written.map((_, i) => written[i - (i % SWITCH_STEPS)]!);
const busy = (n: number, perStep: number) => Array.from({ length: n + 1 }, (_, i) => SEGMENT + i * perStep);

function promtoolTest(name: string, series: Series[], checks: Check[]): void {
  const test = {
    rule_files: [join(dir, "rules.yml")],
    evaluation_interval: `${STEP_S}s`,
    tests: [
      {
        name,
        interval: `${STEP_S}s`,
        input_series: series,
        promql_expr_test: checks.map((c) => ({
          expr: `count(ALERTS{alertname="${c.alert}", alertstate="firing", pgrr_cluster="it"})`,
          eval_time: c.at,
          exp_samples: c.firing ? [{ labels: "{}", value: 1 }] : [],
        })),
      },
    ],
  };
  runPromtoolTest(dir, name, test);
}

const ARCHIVE_ALERTS = ["PgArchiveDisabled", "PgArchiveFailing", "PgArchiveBehind", "PgBaseBackupTooOld"];
const silent = (at: string) => ARCHIVE_ALERTS.map((alert) => ({ alert, at, firing: false }));

describe.skipIf(againstADeployedStack)("the archive and base backup alerts, under promtool", () => {
  it("pass promtool check rules", () => {
    const out = execFileSync(MONITORING_BINARIES.promtool, ["check", "rules", join(dir, "rules.yml")], {
      encoding: "utf8",
    });
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("stay silent on a busy writer whose archive keeps up", () => {
    const written = busy(steps(20), 3 * 1024 * 1024);
    promtoolTest("busy", writer(written, archived(written)), silent("19m"));
  });

  it("stay silent on an idle writer whose current segment holds only its own few bytes", () => {
    const n = steps(20);
    const tail = 0x110;
    promtoolTest("idle", writer(Array(n + 1).fill(5 * SEGMENT + tail), Array(n + 1).fill(5 * SEGMENT)), silent("19m"));
  });

  it("fire PgArchiveBehind once WAL older than archive_timeout plus the margin is not archived, and not before", () => {
    // Writes 1 MiB a step; archiving hangs from minute 5 (the segment then current never leaves).
    const written = busy(steps(12), 1024 * 1024);
    const stuckAt = steps(5);
    const from = archived(written).map((f, i) => (i < stuckAt ? f : written[stuckAt]!));
    // Nothing written after minute 5 is archived: behind once the position 120s ago passes it.
    promtoolTest("hung", writer(written, from), [
      { alert: "PgArchiveBehind", at: "5m", firing: false },
      { alert: "PgArchiveBehind", at: "8m", firing: true },
      { alert: "PgArchiveFailing", at: "8m", firing: false },
    ]);
  });

  it("fire PgArchiveFailing while attempts keep failing, not after a failure a retry fixed", () => {
    const n = steps(10);
    const written = busy(n, 64 * 1024);
    const from = archived(written);
    // Three failures each minute (PostgreSQL's retries) from minute 2 on.
    const failing = writer(written, from, {
      pgrr_archiver_failed_count: values(Array.from({ length: n + 1 }, (_, i) => (i < 8 ? 0 : 3 * Math.floor(i / 4)))),
      pgrr_archiver_failing: `0x7 1x${n - 8}`,
    });
    promtoolTest("failing", failing, [
      { alert: "PgArchiveFailing", at: "2m30s", firing: false },
      { alert: "PgArchiveFailing", at: "4m", firing: true },
    ]);
    const retried = writer(written, from, {
      pgrr_archiver_failed_count: `0x7 3x${n - 8}`,
      pgrr_archiver_failing: `0x7 1 0x${n - 9}`,
    });
    promtoolTest("retried", retried, silent("4m"));
  });

  it("fire PgArchiveDisabled when archive_mode is off on the writer for 5 minutes", () => {
    const written = busy(steps(8), 0);
    promtoolTest("disabled", writer(written, archived(written), { pgrr_archiver_enabled: `0x${steps(8)}` }), [
      { alert: "PgArchiveDisabled", at: "4m", firing: false },
      { alert: "PgArchiveDisabled", at: "6m", firing: true },
    ]);
  });

  it("fire PgBaseBackupTooOld once the newest base backup is older than the schedule allows", () => {
    const bound = baseBackupBoundMs("0 3 * * *")! / 1000;
    const n = steps(20);
    const written = busy(n, 0);
    // The newest backup ended 10 minutes before the bound runs out at time 0.
    const series = writer(written, archived(written), {
      pgrr_backup_baseline_time_seconds: `${600 - bound}x${n}`,
    });
    promtoolTest("base backup", series, [
      { alert: "PgBaseBackupTooOld", at: "9m", firing: false },
      { alert: "PgBaseBackupTooOld", at: "11m", firing: true },
    ]);
  });
});
