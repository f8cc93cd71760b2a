/**
 * Aurora's application role: the self-hosted backends' attributes (no superuser, no CREATEROLE), owner of the
 * database, and a password that travels only as a parameter.
 */
import { describe, expect, it } from "vitest";
import { APP_ROLE_ATTRIBUTES, appRoleStatements } from "../../components/aurora/appRole";
import { ROLE_ADMINISTRATION } from "../../components/facts/postgres";
import { scramVerifier } from "../../components/sql/scramVerifier";
import { renderBootstrapSql } from "../../components/render/bootstrapSql";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { selfHostedBase } from "../support/configs";

describe("the Aurora application role", () => {
  const statements = appRoleStatements("app", "app", "s3cr'et");
  const text = statements.map((s) => s.sql).join("\n");

  it("gets the attributes the self-hosted backends give their application user", () => {
    const bootstrap = renderBootstrapSql(topologyFromConfig(selfHostedBase()).topology);
    expect(bootstrap).toContain(`WITH ${APP_ROLE_ATTRIBUTES}`);
    expect(APP_ROLE_ATTRIBUTES).toMatch(/NOSUPERUSER/);
    expect(APP_ROLE_ATTRIBUTES).toMatch(/NOCREATEROLE/);
    expect(text).toContain(`CREATE ROLE %I WITH ${APP_ROLE_ATTRIBUTES}`);
    // pg_monitor goes to the statistics functions' owner only; the application role loses it (sql/statsAccess.ts).
    expect(text).toContain("EXECUTE format('GRANT pg_monitor TO %I', 'pgrr_stats_owner');");
    expect(text.match(/GRANT pg_monitor TO/g)).toHaveLength(1);
    expect(text).toContain("EXECUTE format('REVOKE pg_monitor FROM %I', 'app');");
    expect(text).toMatch(/GRANT %I TO CURRENT_USER[\s\S]*ALTER DATABASE %I OWNER TO %I/);
  });

  it("sends the role's SCRAM verifier as the only parameter, never the password", () => {
    for (const s of statements) expect(JSON.stringify(s)).not.toContain("s3cr");
    expect(statements[0]!.parameters).toEqual({ verifier: scramVerifier("app", "s3cr'et") });
    expect(statements.slice(1).every((s) => Object.keys(s.parameters).length === 0)).toBe(true);
  });

  it("never names SUPERUSER in ALTER ROLE, which only a superuser may (the master is not one)", () => {
    expect(ROLE_ADMINISTRATION.superuserAttributeNeedsSuperuser.value.alter).toBe(true);
    const alter = text.split("\n").filter((line) => line.includes("ALTER ROLE"));
    expect(alter).toHaveLength(1);
    expect(alter[0]).not.toMatch(/SUPERUSER/);
    expect(text).toMatch(/ELSIF found\.rolsuper THEN\s+RAISE EXCEPTION/);
  });

  it("adopts the master's objects only when it creates the role, and gives the master's other databases back", () => {
    expect(ROLE_ADMINISTRATION.reassignMovesSharedObjects.value).toBe(true);
    const adopt = text.slice(text.indexOf("  IF created THEN\n    SELECT"));
    expect(adopt).toMatch(
      /^ {2}IF created THEN[\s\S]*REASSIGN OWNED BY CURRENT_USER TO %I[\s\S]*ALTER DATABASE %I OWNER TO CURRENT_USER[\s\S]*END IF;/,
    );
  });

  it("quotes names as literals", () => {
    const odd = appRoleStatements("o'brien", "db", "x")
      .map((s) => s.sql)
      .join("\n");
    expect(odd).toContain("'o''brien'");
  });
});
