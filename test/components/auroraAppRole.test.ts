/**
 * Issue 24, item 4: the application does not log in as the Aurora master user. On every Aurora example stack the
 * `aurora-app-role` step runs after the primary cluster and its writer, as the master (its secret) through the Data
 * API the primary cluster has on, with the role's password only in its environment, a secret; RDS Proxy takes the
 * role's secret and the master's, its policy covers both, and the outputs log in as the role.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { APP_PASSWORD_ENV, APP_ROLE_ENV, parseAppRoleTarget } from "../../components/aurora/check/handover";
import { DATA_API } from "../../components/facts/aws/dataApi";
import { TYPES, ofType, one } from "../support/graph";
import { type ProgramRun, type Registered, isSecretValue, resolve, runProgram } from "../support/pulumiMocks";

const stepOf = (run: ProgramRun): Registered => {
  const steps = ofType(run, TYPES.command).filter((c) => c.inputs.create?.includes("aurora-app-role"));
  expect(steps).toHaveLength(1);
  return steps[0]!;
};

const APP_PASSWORD = "mock-pg-app-password";

describe.each(["aurora-dev", "aurora-prod", "aurora-pr"])("the application role on %s", (stack) => {
  let run: ProgramRun;
  let primary: Registered;
  beforeAll(async () => {
    run = await runProgram(stack);
    primary = one(run, TYPES.cluster, "pg-cluster");
  }, 180_000);

  it("runs after the primary cluster and its writer, as the master, through the Data API the primary has on", () => {
    const step = stepOf(run);
    const target = parseAppRoleTarget(step.inputs.environment[APP_ROLE_ENV], "the step's environment");
    const instances = ofType(run, TYPES.instance).filter((i) => i.inputs.clusterIdentifier === primary.inputs.id);
    const inPrimary = ofType(run, TYPES.instance).filter((i) => i.provider === primary.provider);
    // The writer: the instance every other instance of the primary cluster waits for (primaryInstances.ts).
    const writer = inPrimary.find((i) => inPrimary.every((o) => o === i || o.dependencies.includes(i.urn)))!;
    expect(writer, `${instances.length} instances`).toBeDefined();
    expect(step.dependencies).toContain(primary.urn);
    expect(step.dependencies).toContain(writer.urn);
    expect(target).toMatchObject({
      region: "us-east-1",
      clusterId: primary.inputs.clusterIdentifier,
      clusterArn: `arn:aws:rds:us-east-1:111122223333:cluster:${primary.inputs.clusterIdentifier}`,
      secretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:pg-master-secret-AbCdEf",
      database: "app",
      user: "app_app",
    });
    expect(primary.inputs.enableHttpEndpoint).toBe(true);
    expect(DATA_API.providerEnablesInPlace.value).toBe(true);
    for (const secondary of ofType(run, TYPES.cluster).filter((c) => c !== primary))
      expect(secondary.inputs.enableHttpEndpoint, secondary.name).toBeUndefined();
  });

  it("hands the password over only in its environment, as a secret, never in the command line", () => {
    const step = stepOf(run);
    expect(step.inputs.environment[APP_PASSWORD_ENV]).toBe(APP_PASSWORD);
    expect(isSecretValue(step.rawInputs.environment)).toBe(true);
    expect(step.inputs.create).not.toContain(APP_PASSWORD);
    expect(step.inputs.environment[APP_ROLE_ENV]).not.toContain(APP_PASSWORD);
  });

  it("gives RDS Proxy the role's secret and the master's, and lets its role read both", () => {
    const app = "arn:aws:secretsmanager:us-east-1:111122223333:secret:pg-app-secret-AbCdEf";
    const master = "arn:aws:secretsmanager:us-east-1:111122223333:secret:pg-master-secret-AbCdEf";
    const proxy = ofType(run, TYPES.proxy)[0]!;
    expect(proxy.inputs.auths.map((a: { secretArn: string }) => a.secretArn)).toEqual([app, master]);
    for (const auth of proxy.inputs.auths) expect(auth).toMatchObject({ authScheme: "SECRETS", iamAuth: "DISABLED" });
    const policy = ofType(run, "aws:iam/rolePolicy:RolePolicy").find((p) => p.parent === proxy.parent)!;
    expect(JSON.parse(policy.inputs.policy).Statement[0]).toEqual({
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [app, master],
    });
    const secret = one(run, TYPES.secretVersion, "pg-app-secret");
    expect(JSON.parse(secret.inputs.secretString)).toEqual({ username: "app_app", password: APP_PASSWORD });
    expect(isSecretValue(secret.rawInputs.secretString)).toBe(true);
  });

  it("exports the role as the user, its password as a secret, and the master's secret by ARN only", async () => {
    expect((await resolve(run.program.user)).value).toBe("app_app");
    expect(await resolve(run.program.password)).toEqual({ value: APP_PASSWORD, secret: true });
    const urls = await resolve(run.program.connectionUrls);
    expect(urls.secret).toBe(true);
    for (const url of Object.values(urls.value as Record<string, string>))
      expect(url).toMatch(new RegExp(`^postgres(ql)?://app_app:${APP_PASSWORD}@`));
    const notes = (await resolve(run.program.notes)).value.join("\n");
    expect(notes).toContain('the master user "app" is for administration');
    expect(notes).toContain("pg-master-secret-AbCdEf");
    expect(notes).not.toContain("mock-pg-master-password");
  });
});
