/**
 * The `aurora-app-role` step against a fake RDS Data API that keeps its rules: statements run only inside the
 * transaction they name, a rollback discards them, named parameters are bound (never spliced into the text), and a
 * cluster without its HTTP endpoint refuses every call until EnableHttpEndpoint.
 */
import { describe, expect, it } from "vitest";
import { type AppRoleStatement, appRoleStatements } from "../../components/aurora/appRole";
import { statsSchemaSql } from "../../components/sql/statsAccess";
import { type AppRoleRequest, type DataApi, createAppRole } from "../../components/aurora/appRoleRun";
import { scramVerifier } from "../../components/sql/scramVerifier";
import { APP_PASSWORD_ENV, appRoleCommand, parseAppRoleTarget } from "../../components/aurora/check/handover";

class DataApiError extends Error {
  constructor(
    override name: string,
    message: string,
  ) {
    super(message);
  }
}

interface Call {
  op: string;
  transactionId?: string;
  sql?: string;
  parameters?: Record<string, string>;
}

/** A fake Data API: what it committed, every call in order, and the failures it is told to give. */
function fakeDataApi(
  options: { endpointOn?: boolean; failOn?: (sql: string) => Error | undefined; transient?: number } = {},
) {
  const calls: Call[] = [];
  const committed: AppRoleStatement[][] = [];
  const open = new Map<string, AppRoleStatement[]>();
  let endpointOn = options.endpointOn ?? true;
  let transient = options.transient ?? 0;
  let next = 0;
  const guard = () => {
    if (!endpointOn)
      throw new DataApiError("HttpEndpointNotEnabledException", "HttpEndpoint is not enabled for cluster");
    if (transient > 0) {
      transient--;
      throw new DataApiError("DatabaseUnavailableException", "The database is unavailable");
    }
  };
  const api: DataApi = {
    async enableHttpEndpoint() {
      calls.push({ op: "enableHttpEndpoint" });
      endpointOn = true;
    },
    async beginTransaction() {
      calls.push({ op: "begin" });
      guard();
      const id = `tx-${++next}`;
      open.set(id, []);
      return id;
    },
    async executeStatement(_target, statement, transactionId) {
      calls.push({ op: "execute", transactionId, sql: statement.sql, parameters: statement.parameters });
      const pending = open.get(transactionId);
      if (!pending) throw new DataApiError("TransactionNotFoundException", `no transaction ${transactionId}`);
      // Every :name in the text must be bound, and every bound name used.
      const named = new Set([...statement.sql.matchAll(/(?<!:):([a-z_]+)/g)].map((m) => m[1]));
      expect([...named].sort()).toEqual(Object.keys(statement.parameters).sort());
      const failure = options.failOn?.(statement.sql);
      if (failure) throw failure;
      pending.push(statement);
    },
    async commitTransaction(_target, transactionId) {
      calls.push({ op: "commit", transactionId });
      committed.push(open.get(transactionId)!);
      open.delete(transactionId);
    },
    async rollbackTransaction(_target, transactionId) {
      calls.push({ op: "rollback", transactionId });
      open.delete(transactionId);
    },
  };
  return { api, calls, committed };
}

const request: AppRoleRequest = {
  region: "us-east-1",
  clusterId: "pg-aurora-prod-a1b2c3d4",
  clusterArn: "arn:aws:rds:us-east-1:111122223333:cluster:pg-aurora-prod-a1b2c3d4",
  secretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:pg-master-secret-AbCdEf",
  database: "app",
  user: "app_app",
};
const PASSWORD = "Zx9-secret-Password";
/** One ExecuteStatement per statement of the role's step. */
const EXECUTES = appRoleStatements("app_app", "shop", PASSWORD).map(() => "execute");
const noWait = { attempts: 4, delayMs: 1, sleep: async () => undefined };

/** The error the step fails with; a step that succeeds fails the test. */
async function refusal(step: Promise<unknown>): Promise<Error> {
  return step.then(
    () => {
      throw new Error("the step succeeded");
    },
    (error: Error) => error,
  );
}

describe("the aurora-app-role step", () => {
  it("runs the role's statements in order in one transaction, then commits", async () => {
    const { api, calls, committed } = fakeDataApi();
    expect(await createAppRole(api, request, PASSWORD, noWait)).toEqual({ attempts: 1 });
    expect(calls.map((c) => c.op)).toEqual(["begin", ...EXECUTES, "commit"]);
    expect(new Set(calls.filter((c) => c.transactionId).map((c) => c.transactionId))).toEqual(new Set(["tx-1"]));
    expect(committed).toHaveLength(1);
    const [setVerifier, role] = committed[0]!;
    const statistics = committed[0]!.at(-1);
    expect(setVerifier!.sql).toMatch(/^SELECT set_config\(/);
    // Between them, the statistics schema the role reads through (sql/statsAccess.ts), Aurora's reader status too.
    expect(committed[0]!.slice(2, -1).map((s) => s.sql)).toEqual([
      ...statsSchemaSql("app_app"),
      expect.stringContaining("pgrr_stats.aurora_replica_status()"),
    ]);
    expect(statistics!.sql).toBe("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    expect(role!.sql).toContain("CREATE ROLE %I WITH LOGIN NOSUPERUSER NOCREATEROLE");
    expect(role!.sql).toContain("'app_app'");
  });

  it("never sends the password: only its SCRAM verifier, as a parameter", async () => {
    const { api, calls } = fakeDataApi();
    await createAppRole(api, request, PASSWORD, noWait);
    const executed = calls.filter((c) => c.op === "execute");
    for (const call of executed) expect(JSON.stringify(call)).not.toContain(PASSWORD);
    expect(executed.flatMap((c) => Object.values(c.parameters ?? {}))).toEqual([scramVerifier("app_app", PASSWORD)]);
  });

  it("rolls back and names the cluster, the error and the fix when PostgreSQL refuses a statement, without the password", async () => {
    const { api, calls, committed } = fakeDataApi({
      failOn: (sql) =>
        sql.startsWith("DO")
          ? new DataApiError("DatabaseErrorException", `ERROR: permission denied to create role (near ${PASSWORD})`)
          : undefined,
    });
    const error = await refusal(createAppRole(api, request, PASSWORD, noWait));
    expect(committed).toHaveLength(0);
    expect(calls.at(-1)).toMatchObject({ op: "rollback", transactionId: "tx-1" });
    expect(error.message).toContain(
      'the application role "app_app" was not created on pg-aurora-prod-a1b2c3d4 (us-east-1)',
    );
    expect(error.message).toContain("DatabaseErrorException: ERROR: permission denied to create role");
    expect(error.message).toContain("Fix: PostgreSQL refused a statement as the master user; nothing was changed");
    expect(error.message).not.toContain(PASSWORD);
  });

  it("names the IAM actions and the secret when the caller may not use the Data API", async () => {
    const { api } = fakeDataApi({
      failOn: () =>
        new DataApiError("AccessDeniedException", "User is not authorized to perform rds-data:ExecuteStatement"),
    });
    const error = await refusal(createAppRole(api, request, PASSWORD, noWait));
    expect(error.message).toContain("rds-data:ExecuteStatement");
    expect(error.message).toContain(
      `secretsmanager:GetSecretValue (with kms:Decrypt on its key) on ${request.secretArn}`,
    );
  });

  it("waits out a writer that is not ready yet, within its attempts", async () => {
    const ready = fakeDataApi({ transient: 2 });
    expect(await createAppRole(ready.api, request, PASSWORD, noWait)).toEqual({ attempts: 3 });
    const never = fakeDataApi({ transient: 10 });
    const error = await refusal(createAppRole(never.api, request, PASSWORD, noWait));
    expect(error.message).toContain("DatabaseUnavailableException");
    expect(error.message).toContain("did not answer the Data API in time; run pulumi up again");
  });

  it("turns the HTTP endpoint on once when the cluster came without it (a restore), then creates the role", async () => {
    const { api, calls, committed } = fakeDataApi({ endpointOn: false });
    expect(await createAppRole(api, request, PASSWORD, noWait)).toEqual({ attempts: 2 });
    expect(calls.map((c) => c.op)).toEqual(["begin", "enableHttpEndpoint", "begin", ...EXECUTES, "commit"]);
    expect(committed).toHaveLength(1);
  });

  it("is handed its target as JSON and its password in a variable of its own", () => {
    const command = appRoleCommand("/repo/bin/cli.js", "/usr/bin/node");
    expect(command.create).toBe("'/usr/bin/node' '/repo/bin/cli.js' aurora-app-role --from-env");
    const env = command.environment(request);
    expect(Object.keys(env)).not.toContain(APP_PASSWORD_ENV);
    expect(parseAppRoleTarget(Object.values(env)[0], "env")).toEqual(request);
    expect(() => parseAppRoleTarget(JSON.stringify({ ...request, secretArn: "pg-master" }), "env")).toThrow(
      /secretArn/,
    );
  });
});
