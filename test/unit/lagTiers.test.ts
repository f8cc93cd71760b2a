/**
 * The replication lag alerts' two tiers (the seeds' 1 s / 10 MB warning, 5 s / 100 MB critical), on every engine:
 * the stack's bounds are the critical tier, the warning stays below them, and each engine's rules carry both tiers
 * under one alert name. (The thresholds' edges run under promtool in test/integration/monitoring-rules.test.ts and
 * cnpg-rules.test.ts.)
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { watchedClusters } from "../../components/kubernetes/cnpg/monitoring";
import { alertRules } from "../../components/monitoring/alertRules";
import { cnpgAlertRules } from "../../components/monitoring/cnpgRules";
import { SEED_LAG_TIERS, lagTiers } from "../../components/monitoring/lagTiers";
import type { AlertRule, RuleGroup } from "../../components/monitoring/ruleFile";
import { localBase } from "../support/configs";
import { buildAs, stackTopology } from "../support/topologies";

const MB = 1024 ** 2;
const bounds = (maxLagMs: number, maxLagBytes: number) => ({
  verification: { maxLagMs },
  replication: { maxLagBytes },
});

function lagAlerts(groups: RuleGroup[]): Array<[string, string, string]> {
  return groups
    .flatMap((g) => g.rules)
    .filter((r): r is AlertRule => "alert" in r && r.alert.startsWith("PgReplicationLag"))
    .map((r) => [r.alert, r.labels.severity, r.expr.slice(r.expr.lastIndexOf(" > ") + 3)]);
}

describe("lag tiers", () => {
  it("are the seeds' figures at the default bounds (verification.maxLag 5s, replication.maxLagBytes 100MB)", () => {
    expect(lagTiers(bounds(5000, 100 * MB))).toEqual({
      warning: { seconds: 1, bytes: 10 * MB },
      critical: { seconds: 5, bytes: 100 * MB },
    });
    expect(SEED_LAG_TIERS.critical).toEqual({ seconds: 5, bytes: 100 * MB });
  });

  it("take the stack's bounds as the critical tier and keep the seeds' warning below them", () => {
    expect(lagTiers(bounds(30_000, 64 * MB))).toEqual({
      warning: { seconds: 1, bytes: 10 * MB },
      critical: { seconds: 30, bytes: 64 * MB },
    });
    // A bound at or under the seeds' warning: the warning keeps the seeds' ratio below it (1:5, 1:10).
    expect(lagTiers(bounds(500, 8 * MB))).toEqual({
      warning: { seconds: 0.1, bytes: Math.floor(0.8 * MB) },
      critical: { seconds: 0.5, bytes: 8 * MB },
    });
  });

  it("always warn strictly before the critical tier", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_600_000 }), fc.integer({ min: 1024, max: 2 ** 40 }), (ms, bytes) => {
        const { warning, critical } = lagTiers(bounds(ms, bytes));
        expect(warning.seconds).toBeLessThan(critical.seconds);
        expect(warning.bytes).toBeLessThan(critical.bytes);
      }),
    );
  });
});

describe("every engine's lag alerts", () => {
  it("local and statefulset: warning and critical, in seconds and bytes, at the tiers", () => {
    const topology = buildAs("local", localBase());
    const { warning, critical } = lagTiers(topology);
    expect(lagAlerts(alertRules(topology))).toEqual([
      ["PgReplicationLagHigh", "warning", String(warning.seconds)],
      ["PgReplicationLagBytesHigh", "warning", String(warning.bytes)],
      ["PgReplicationLagHigh", "critical", String(critical.seconds)],
      ["PgReplicationLagBytesHigh", "critical", String(critical.bytes)],
    ]);
  });

  it("cloudnative-pg: the same in the writer's region; seconds only where no WAL sender is exported", () => {
    const topology = stackTopology("prod-cnpg", "selfHosted");
    const { warning, critical } = lagTiers(topology);
    const [home, remote] = topology.regions.map((r) =>
      lagAlerts(cnpgAlertRules(topology, r.name, watchedClusters(topology, r))),
    );
    expect(home).toEqual([
      ["PgReplicationLagHigh", "warning", String(warning.seconds)],
      ["PgReplicationLagBytesHigh", "warning", String(warning.bytes)],
      ["PgReplicationLagHigh", "critical", String(critical.seconds)],
      ["PgReplicationLagBytesHigh", "critical", String(critical.bytes)],
    ]);
    expect(remote).toEqual([
      ["PgReplicationLagHigh", "warning", String(warning.seconds)],
      ["PgReplicationLagHigh", "critical", String(critical.seconds)],
    ]);
  });
});
