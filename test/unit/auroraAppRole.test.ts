/**
 * Aurora's application role: the self-hosted backends' attributes (no superuser, no CREATEROLE), owner of the
 * database, and a password that travels only as a parameter.
 */
import { describe, expect, it } from "vitest";
import { APP_ROLE_ATTRIBUTES, appRoleStatements } from "../../components/aurora/appRole";
import { renderBootstrapSql } from "../../components/render/bootstrapSql";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { selfHostedBase } from "../support/configs";

describe("the Aurora application role", () => {
  const statements = appRoleStatements("app", "app", "s3cr'et");

  it("gets the attributes the self-hosted backends give their application user", () => {
    const bootstrap = renderBootstrapSql(topologyFromConfig(selfHostedBase()).topology);
    expect(bootstrap).toContain(`WITH ${APP_ROLE_ATTRIBUTES}`);
    expect(APP_ROLE_ATTRIBUTES).toMatch(/NOSUPERUSER/);
    expect(APP_ROLE_ATTRIBUTES).toMatch(/NOCREATEROLE/);
    const text = statements.map((s) => s.sql).join("\n");
    expect(text).toContain(`CREATE ROLE %I WITH ${APP_ROLE_ATTRIBUTES}`);
    expect(text).toContain("GRANT pg_monitor TO %I");
    expect(text).toMatch(/GRANT %I TO CURRENT_USER[\s\S]*ALTER DATABASE %I OWNER TO %I/);
  });

  it("keeps the password out of every statement's text", () => {
    for (const s of statements) expect(s.sql).not.toContain("s3cr");
    expect(statements[0]!.parameters).toEqual({ password: "s3cr'et" });
  });

  it("quotes names as literals", () => {
    const odd = appRoleStatements("o'brien", "db", "x")
      .map((s) => s.sql)
      .join("\n");
    expect(odd).toContain("'o''brien'");
  });
});
