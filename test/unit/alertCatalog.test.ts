/**
 * One alert catalog for every engine (components/monitoring/alertCatalog.ts): whatever the statefulset engine, the
 * local backend and the cloudnative-pg engine render, for the example stacks and for generated topologies, is a
 * catalog alert with the catalog's severity and `for` (or the engine's declared override); every catalog alert is
 * rendered by each engine that does not declare it absent (with a reason); and README.md's Runbook has an entry for
 * every one. The expected `for` is read from the catalog's data here, not through the builders' own lookup.
 */
import { readFileSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../components/config/stackFile";
import { watchedClusters } from "../../components/kubernetes/cnpg/monitoring";
import {
  ALERT_CATALOG,
  type AlertName,
  type CatalogAlert,
  RULE_ENGINES,
  type RuleEngine,
} from "../../components/monitoring/alertCatalog";
import { alertRules } from "../../components/monitoring/alertRules";
import { catalogRule } from "../../components/monitoring/catalogRule";
import { certificateRules } from "../../components/monitoring/certificateRules";
import { cnpgAlertRules } from "../../components/monitoring/cnpgRules";
import { type AlertRule, type RuleGroup, promDuration } from "../../components/monitoring/ruleFile";
import { topologyFromPulumiConfig } from "../../components/pipeline/loadTopology";
import type { PgbackrestBackup, Topology } from "../../components/topology/types";
import { localConfig, selfHostedConfig } from "../support/arbitraries";
import { accepted } from "../support/topologies";

const CATALOG: Readonly<Record<string, CatalogAlert>> = ALERT_CATALOG;
const NAMES = Object.keys(CATALOG) as AlertName[];
const ROOT = resolve(__dirname, "../..");
/** Every example stack in stacks/ (Aurora's render no Prometheus rules). */
const EXAMPLE_STACKS = readdirSync(resolve(ROOT, "stacks")).flatMap(
  (file) => file.match(/^Pulumi\.(.+)\.yaml$/)?.[1] ?? [],
);

const PGBACKREST: PgbackrestBackup = {
  tool: "pgbackrest",
  repository: { kind: "posix" },
  schedule: "0 3 * * *",
  retention: { type: "time", days: 7 },
  archiveTimeoutSeconds: 60,
};

interface Rendering {
  engine: RuleEngine;
  olapReplayPausedForMs: number;
  alerts: AlertRule[];
}

const alertsOf = (groups: RuleGroup[]) => groups.flatMap((g) => g.rules).filter((r): r is AlertRule => "alert" in r);

/** Every rule set a topology renders: per region on cloudnative-pg; with and without pgBackRest and certificates. */
function renderings(topology: Topology): Rendering[] {
  if (topology.backend === "aurora") return [];
  const olapReplayPausedForMs = topology.monitoring.olapReplayPausedForMs;
  if (topology.backend === "selfHosted" && topology.kubernetes.engine.name === "cloudnative-pg")
    return topology.regions.map((region) => ({
      engine: "cloudnative-pg",
      olapReplayPausedForMs,
      alerts: alertsOf(cnpgAlertRules(topology, region.name, watchedClusters(topology, region))),
    }));
  const engine = topology.backend === "local" ? "local" : "statefulset";
  const archiving = { ...topology, backup: PGBACKREST };
  const sets = [alertRules(topology), alertRules(archiving)];
  if (engine === "statefulset") sets.push([certificateRules(topology.name, [{ name: "ca", notAfter: 2e9 }])]);
  return sets.map((groups) => ({ engine, olapReplayPausedForMs, alerts: alertsOf(groups) }));
}

/** The `for` the catalog's data gives an alert on an engine, as Prometheus text. */
function expectedFor(entry: CatalogAlert, engine: RuleEngine, olapReplayPausedForMs: number): string | undefined {
  const spec = entry.engines?.[engine]?.forMs ?? entry.forMs;
  if (spec === "none") return undefined;
  return promDuration(spec === "olapReplayPausedFor" ? olapReplayPausedForMs : spec);
}

/** Each rendered alert against the catalog; the problems found, one line each (empty: agrees). */
function disagreements({ engine, olapReplayPausedForMs, alerts }: Rendering): string[] {
  return alerts.flatMap((rule) => {
    const entry = CATALOG[rule.alert];
    if (!entry) return [`${engine}: ${rule.alert} is not in the catalog`];
    const problems: string[] = [];
    const override = entry.engines?.[engine];
    if (override?.absent) problems.push(`${engine}: ${rule.alert} renders although declared absent`);
    if (!entry.severities.includes(rule.labels.severity))
      problems.push(`${engine}: ${rule.alert} severity ${rule.labels.severity}, catalog ${entry.severities.join("/")}`);
    const wanted = expectedFor(entry, engine, olapReplayPausedForMs);
    if (rule.for !== wanted)
      problems.push(`${engine}: ${rule.alert} for ${rule.for ?? "none"}, catalog ${wanted ?? "none"}`);
    if (rule.annotations.runbook !== `README.md#${rule.alert.toLowerCase()}`)
      problems.push(`${engine}: ${rule.alert} runbook link ${rule.annotations.runbook}`);
    return problems;
  });
}

const exampleRenderings = () =>
  EXAMPLE_STACKS.flatMap((name) =>
    renderings(topologyFromPulumiConfig(readStackConfig("stacks", name), name).topology),
  );

describe("the alert catalog", () => {
  it("holds every alert the example stacks render, with its severity and for on each engine", () => {
    expect(exampleRenderings().flatMap(disagreements)).toEqual([]);
  });

  it("holds every alert generated topologies render, with its severity and for on each engine", () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.oneof(selfHostedConfig, localConfig), (config) => {
        const topology = accepted(config)?.topology;
        if (!topology) return;
        expect(renderings(topology).flatMap(disagreements)).toEqual([]);
        checked++;
      }),
      { numRuns: 60 },
    );
    expect(checked).toBeGreaterThan(15);
  });

  it("is rendered in full: each alert, in each severity, by every engine that does not declare it absent", () => {
    const seen = new Set(
      exampleRenderings().flatMap((r) => r.alerts.map((a) => `${r.engine} ${a.alert} ${a.labels.severity}`)),
    );
    const missing = NAMES.flatMap((name) =>
      RULE_ENGINES.filter((engine) => !CATALOG[name]!.engines?.[engine]?.absent).flatMap((engine) =>
        CATALOG[name]!.severities.map((s) => `${engine} ${name} ${s}`).filter((key) => !seen.has(key)),
      ),
    );
    expect(missing).toEqual([]);
  });

  it("gives every engine difference a reason, and every alert at least one engine", () => {
    for (const name of NAMES) {
      const overrides = Object.values(CATALOG[name]!.engines ?? {});
      for (const override of overrides) expect(override.reason.length, name).toBeGreaterThan(20);
      expect(
        RULE_ENGINES.some((engine) => !CATALOG[name]!.engines?.[engine]?.absent),
        name,
      ).toBe(true);
    }
  });

  it("has a runbook entry in README.md for every alert", () => {
    const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
    const runbook = readme.slice(
      readme.indexOf("\n### Runbook\n"),
      readme.indexOf("\n## ", readme.indexOf("\n### Runbook\n")),
    );
    const entries = new Set([...runbook.matchAll(/^#### (\S+)$/gm)].map((m) => m[1]));
    expect(NAMES.filter((name) => !entries.has(name))).toEqual([]);
  });
});

describe("a rule built from the catalog", () => {
  it("refuses an alert its engine declares absent", () => {
    expect(() => catalogRule("cloudnative-pg", "PgSlotWalLost", { expr: "vector(1)" })).toThrow(/absent on/);
  });

  it("refuses an engine's own text where the catalog shares one it did not declare its own", () => {
    const input = { expr: "vector(1)", description: "another wording of the same advice" };
    expect(() => catalogRule("statefulset", "PgbouncerClientsWaiting", input)).toThrow(/shares its description/);
  });

  it("refuses a missing text the catalog does not share, a tier it does not list, an unfilled placeholder", () => {
    expect(() => catalogRule("local", "PgExporterCannotReachPostgres", { expr: "vector(1)" })).toThrow(/must give/);
    expect(() =>
      catalogRule("local", "PgMoreThanOneWriter", { expr: "x", severity: "warning", description: "d" }),
    ).toThrow(/severity warning/);
    expect(() => catalogRule("local", "PgExporterTargetsMissing", { expr: "x", description: "d" })).toThrow(/%stack%/);
  });
});
