/**
 * The archive and base backup alerts: present only where the writer archives with pgBackRest, with the stack's own
 * archive_timeout and schedule rendered in; and the schedule's longest gap, which bounds the base backup's age. (The
 * expressions run under promtool in test/integration/archive-rules.test.ts and over real scrapes in
 * test/integration/archive-monitoring.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { alertRules } from "../../components/monitoring/alertRules";
import { baseBackupBoundMs } from "../../components/monitoring/archiveRules";
import { longestCronGapMs } from "../../components/ground/cron";
import { EXPORTER_QUERIES, exporterMetrics, exporterQueriesFor } from "../../components/monitoring/exporterQueries";
import { metricSelectors } from "../../components/monitoring/selectors";
import type { AlertRule } from "../../components/monitoring/ruleFile";
import type { LocalTopology, PgbackrestBackup } from "../../components/topology/types";
import { localBase } from "../support/configs";
import { buildAs } from "../support/topologies";

const H = 3_600_000;
const pgbackrest: PgbackrestBackup = {
  tool: "pgbackrest",
  repository: { kind: "posix" },
  schedule: "0 3 * * *",
  retention: { type: "time", days: 7 },
  archiveTimeoutSeconds: 60,
};

function alertsOf(topology: LocalTopology): Map<string, AlertRule> {
  const rules = alertRules(topology).flatMap((g) => g.rules);
  return new Map(rules.flatMap((r) => ("alert" in r ? [[r.alert, r] as const] : [])));
}

describe("longestCronGapMs", () => {
  it("measures the longest wait between runs, with names, steps, lists and ranges", () => {
    const gaps = Object.fromEntries(
      ["0 3 * * *", "*/15 * * * *", "0 3 * * sun", "0 1,13 * * *", "0 2 * * mon-fri", "0 0 1 * *"].map((s) => [
        s,
        longestCronGapMs(s)! / H,
      ]),
    );
    expect(gaps).toEqual({
      "0 3 * * *": 24,
      "*/15 * * * *": 0.25,
      "0 3 * * sun": 168,
      "0 1,13 * * *": 12,
      "0 2 * * mon-fri": 72,
      "0 0 1 * *": 31 * 24,
    });
  });

  it("ORs day-of-month and day-of-week when both are given, as cron does", () => {
    // The 1st or any Sunday: never more than a week apart.
    expect(longestCronGapMs("0 0 1 * 0")! / H).toBeLessThanOrEqual(168);
  });

  it("has no gap for a schedule that never runs", () => {
    expect(longestCronGapMs("0 0 30 2 *")).toBeUndefined();
  });

  it("gives a daily schedule a quarter more, and an hourly one at least an hour more", () => {
    expect(baseBackupBoundMs("0 3 * * *")! / H).toBe(30);
    expect(baseBackupBoundMs("0 * * * *")! / H).toBe(2);
  });
});

describe("archive and base backup alerts", () => {
  const plain = buildAs("local", localBase());

  it("are not rendered for a stack without a backup", () => {
    expect([...alertsOf(plain).keys()].filter((a) => /Archive|BaseBackup/.test(a))).toEqual([]);
  });

  it("render the stack's archive_timeout and schedule into the expressions", () => {
    const alerts = alertsOf({ ...plain, backup: { ...pgbackrest, archiveTimeoutSeconds: 300 } });
    expect(alerts.get("PgArchiveBehind")?.expr).toContain("offset 360s");
    expect(alerts.get("PgArchiveFailing")?.expr).toContain('pgrr_archiver_failing{pgrr_cluster="pg"} == 1');
    expect(alerts.get("PgBaseBackupTooOld")?.expr).toContain(`> ${30 * 3600}`);
    expect(alerts.get("PgArchiveDisabled")?.labels.severity).toBe("critical");
  });

  it("leave out the base backup alert when the schedule never runs, and keep the archive's", () => {
    const alerts = alertsOf({ ...plain, backup: { ...pgbackrest, schedule: "0 0 30 2 *" } });
    expect(alerts.has("PgBaseBackupTooOld")).toBe(false);
    expect(alerts.has("PgArchiveFailing")).toBe(true);
  });

  it("read only metrics the queries file produces", () => {
    const alerts = [...alertsOf({ ...plain, backup: pgbackrest }).values()].filter((a) =>
      /Archive|BaseBackup/.test(a.alert),
    );
    const used = alerts.flatMap((a) => metricSelectors(a.expr)).map((s) => s.slice(0, s.indexOf("{")));
    expect(used.length).toBeGreaterThan(5);
    const produced = exporterMetrics(exporterQueriesFor({ backup: pgbackrest }));
    expect(used.filter((metric) => !produced.has(metric))).toEqual([]);
  });

  it("come with the archive's exporter queries only on a stack that archives", () => {
    expect(exporterQueriesFor(plain)).toBe(EXPORTER_QUERIES);
    expect(exporterQueriesFor({ backup: { tool: "aurora", retentionDays: 7 } })).toBe(EXPORTER_QUERIES);
    const archiving = exporterQueriesFor({ backup: pgbackrest }).map((q) => q.namespace);
    expect(archiving).toEqual([...EXPORTER_QUERIES.map((q) => q.namespace), "pgrr_archiver", "pgrr_backup"]);
  });
});
