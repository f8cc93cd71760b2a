/**
 * The options terraform-aws-rds-aurora users expect, on the aurora-dev stack
 * under mocks: an RDS-managed master password (the proxy then takes RDS's own
 * secret beside the app role's), windows, CA, IAM authentication, applyImmediately and a
 * major upgrade in place.
 */
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeConfigValue } from "../../components/config/rawConfig";
import { TYPES, ofType, one } from "../support/graph";
import { type ProgramRun, isSecretValue, resolve, runProgram } from "../support/pulumiMocks";

const KEY = "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-6789-0abc-def012345678";
const devAurora = (
  parse(readFileSync("stacks/Pulumi.aurora-dev.yaml", "utf8")) as { config: Record<string, Record<string, unknown>> }
).config["pg-read-replicas:aurora"]!;
const withAurora = (changes: Record<string, unknown>) => ({
  "pg-read-replicas:aurora": encodeConfigValue({ ...devAurora, ...changes }),
});

describe("aurora-dev with an RDS-managed master password and the operational options", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(
      "aurora-dev",
      withAurora({
        manageMasterUserPassword: true,
        masterPasswordRotationDays: 14,
        kmsKeyId: KEY,
        applyImmediately: true,
        preferredMaintenanceWindow: "sun:05:00-sun:06:00",
        preferredBackupWindow: "03:00-04:00",
        caCertIdentifier: "rds-ca-rsa4096-g1",
        logRetentionDays: 90,
      }),
    );
  });

  it("sends no password and lets RDS keep it under the stack's key", () => {
    const cluster = one(run, TYPES.cluster, "pg-cluster").inputs;
    expect(cluster).toMatchObject({
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: KEY,
      iamDatabaseAuthenticationEnabled: false,
      applyImmediately: true,
    });
    expect(cluster.masterPassword).toBeUndefined();
    // The only generated password is the application role's.
    expect(ofType(run, "random:index/randomPassword:RandomPassword").map((r) => r.name)).toEqual(["pg-app-password"]);
  });

  it("points RDS Proxy at the app role's secret and RDS's, readable and decryptable only through Secrets Manager in us-east-1", () => {
    const managed = "arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!cluster-pg-aurora-dev-a1b2c3d4-AbCdEf";
    const app = "arn:aws:secretsmanager:us-east-1:111122223333:secret:pg-app-secret-AbCdEf";
    expect(ofType(run, TYPES.proxy)[0]!.inputs.auths.map((a: { secretArn: string }) => a.secretArn)).toEqual([
      app,
      managed,
    ]);
    // The product writes only the application role's secret: RDS keeps the master's.
    expect(ofType(run, TYPES.secretVersion).map((v) => v.name)).toEqual(["pg-app-secret"]);
    const policy = JSON.parse(ofType(run, "aws:iam/rolePolicy:RolePolicy")[0]!.inputs.policy);
    expect(policy.Statement).toEqual([
      { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [app, managed] },
      {
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: KEY,
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } },
      },
    ]);
  });

  it("rotates on the stack's schedule, exports the app role's password (never the master's) and names the master's secret", async () => {
    expect(ofType(run, "aws:secretsmanager/secretRotation:SecretRotation")[0]!.inputs).toMatchObject({
      rotationRules: { automaticallyAfterDays: 14 },
    });
    expect(await resolve(run.program.password)).toEqual({ value: "mock-pg-app-password", secret: true });
    expect((await resolve(run.program.user)).value).toBe("app_app");
    const notes = (await resolve(run.program.notes)).value;
    expect(
      notes.some(
        (n) =>
          n.includes(
            'the master user "app" is for administration: RDS keeps its password in Secrets Manager (arn:aws:secretsmanager:',
          ) && n.includes("every 14 days"),
      ),
    ).toBe(true);
    expect(JSON.stringify(notes)).not.toContain("mock-managed-password");
  });

  it("applies windows, the CA and applyImmediately on every instance, and the log retention", () => {
    for (const instance of ofType(run, TYPES.instance)) {
      expect(instance.inputs).toMatchObject({
        caCertIdentifier: "rds-ca-rsa4096-g1",
        applyImmediately: true,
        preferredMaintenanceWindow: "sun:05:00-sun:06:00",
      });
    }
    expect(one(run, TYPES.cluster, "pg-cluster").inputs).toMatchObject({
      preferredBackupWindow: "03:00-04:00",
      preferredMaintenanceWindow: "sun:05:00-sun:06:00",
    });
    expect(ofType(run, "aws:cloudwatch/logGroup:LogGroup")[0]!.inputs).toEqual(
      expect.objectContaining({ name: "/aws/rds/cluster/pg-aurora-dev-a1b2c3d4/postgresql", retentionInDays: 90 }),
    );
  });
});

describe("aurora-dev as shipped", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("aurora-dev");
  });

  it("generates the password, keeps it secret, and leaves Aurora's max_connections and max_worker_processes formulas alone", async () => {
    expect(isSecretValue(one(run, TYPES.cluster, "pg-cluster").rawInputs.masterPassword)).toBe(true);
    for (const group of ofType(run, TYPES.parameterGroup)) {
      const names = (group.inputs.parameters as Array<{ name: string }>).map((p) => p.name);
      expect(names, group.name).not.toContain("max_connections");
      expect(names, group.name).not.toContain("max_worker_processes");
    }
    const notes = (await resolve(run.program.notes)).value;
    expect(notes).toContain(
      "writer, OLTP readers: max_connections = 200 not applied: Aurora sizes it from the instance class (LEAST({DBInstanceClassMemory/9531392},5000)); set it in stack config to override.",
    );
  });

  it("holds engine changes while AWS applies minors, family included, and says how a major goes through", async () => {
    expect(one(run, TYPES.cluster, "pg-cluster").ignoreChanges).toEqual(["engineVersion", "globalClusterIdentifier"]);
    for (const group of [...ofType(run, TYPES.parameterGroup), ...ofType(run, TYPES.clusterParameterGroup)])
      expect(group.ignoreChanges).toEqual(["family"]);
    const notes = (await resolve(run.program.notes)).value;
    expect(notes.some((n) => n.includes("a new postgresVersion waits for aurora.allowMajorVersionUpgrade: true"))).toBe(
      true,
    );
  });
});

describe("aurora-dev upgrading its major in place", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("aurora-dev", {
      "pg-read-replicas:postgresVersion": "17",
      ...withAurora({ engineVersion: "17.4", allowMajorVersionUpgrade: true }),
    });
  });

  it("sends the new version with allowMajorVersionUpgrade and the new family's writer group, ignoring nothing", () => {
    const cluster = one(run, TYPES.cluster, "pg-cluster");
    expect(cluster.inputs).toMatchObject({
      engineVersion: "17.4",
      allowMajorVersionUpgrade: true,
      dbInstanceParameterGroupName: "pg-params-writer-abc123",
    });
    // globalClusterIdentifier only: adding crossRegion later makes the global cluster around this one (cluster.ts).
    expect(cluster.ignoreChanges).toEqual(["globalClusterIdentifier"]);
    for (const group of ofType(run, TYPES.parameterGroup)) expect(group.inputs.family).toBe("aurora-postgresql17");
  });
});
