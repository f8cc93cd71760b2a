/**
 * The restart-or-reload classification of every setting the product renders (facts/postgres) against the
 * server itself: `postgres --describe-config` prints each setting's context, as pg_settings shows it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SETTING_CONTEXTS } from "../../components/facts/postgres";
import { GUCS } from "../../components/settings/registry";

function describedContexts(major: number): Record<string, string> {
  const out = execFileSync(join(`/usr/lib/postgresql/${major}/bin`, "postgres"), ["--describe-config"], {
    encoding: "utf8",
  });
  return Object.fromEntries(
    out
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("\t"))
      .map(([name, context]) => [name!, context!]),
  );
}

describe("setting contexts", () => {
  it("classify every setting the registry can render", () => {
    const missing = Object.keys(GUCS).filter((name) => !(name in SETTING_CONTEXTS.value));
    expect(missing).toEqual([]);
  });

  // Debian's layout, as the local backend finds its servers: /usr/lib/postgresql/<major>/bin.
  const majors = (existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql") : [])
    .map(Number)
    .filter((major) => major >= 15 && existsSync(`/usr/lib/postgresql/${major}/bin/postgres`));
  it.runIf(majors.length > 0)("agree with the installed servers' own table", () => {
    for (const major of majors) {
      const described = describedContexts(major);
      const disagree = Object.entries(SETTING_CONTEXTS.value).filter(([name, context]) => described[name] !== context);
      expect(disagree, `PostgreSQL ${major}`).toEqual([]);
    }
  });
});
