/** The README's config reference is the schemas' own defaults and descriptions. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configReference, withConfigReference } from "../../components/config/reference";
import { PROJECT_ROOT } from "../../components/ground/paths";
import { alertRules } from "../../components/monitoring/alertRules";
import { certificateRules } from "../../components/monitoring/certificateRules";

import { localBase, patched } from "../support/configs";
import { buildAs } from "../support/topologies";

describe("config reference", () => {
  it("in the README equals the one generated from the schemas (npm run docs rewrites it)", () => {
    const readme = readFileSync(`${PROJECT_ROOT}/README.md`, "utf8");
    expect(withConfigReference(readme)).toBe(readme);
  });

  it("documents every key, with its default where one applies", () => {
    const rows = configReference();
    expect(rows.length).toBeGreaterThan(60);
    for (const row of rows) {
      for (const backend of row.backends) {
        expect(row.descriptions[backend], row.key).toMatch(/\w/);
        expect(row.defaults[backend], row.key).toMatch(/\S/);
      }
    }
    const byKey = new Map(rows.map((row) => [row.key, row]));
    expect(byKey.get("replication.walKeepSize")?.defaults.selfHosted).toBe("1GB");
    expect(byKey.get("pgbouncer.instances")?.defaults).toEqual({ selfHosted: "2", local: "1" });
    expect(byKey.get("replicationCidrs")?.defaults.selfHosted).toBe("required on selfHosted; allowedCidrs on local");
    expect(byKey.get("aurora.engineVersion")?.backends).toEqual(["aurora"]);
  });
});

describe("the README's runbook", () => {
  it("has a section for every alert the rules ship", () => {
    const topology = buildAs(
      "local",
      patched(localBase(), { backup: { enabled: true, repository: "/srv/pg-backups/x" } }),
    );
    const readme = readFileSync(`${PROJECT_ROOT}/README.md`, "utf8");
    const groups = [...alertRules(topology), certificateRules("pg", [{ name: "ca", notAfter: 0 }])];
    const alerts = groups.flatMap((g) => g.rules.flatMap((r) => ("alert" in r ? [r.alert] : [])));
    expect(alerts.length).toBeGreaterThan(15);
    expect(alerts).toContain("PgArchiveFailing");
    expect(alerts.filter((alert) => !readme.includes(`\n#### ${alert}\n`))).toEqual([]);
  });
});
