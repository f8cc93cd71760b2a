/**
 * The application role's step at check time: appRole.ts's statements sent through the RDS Data API as the master user
 * (its secret's ARN), in one transaction. The password itself is never sent: the role's SCRAM verifier is, as a Data
 * API parameter, never in a statement's text. A failure rolls the transaction back and names the cluster and the fix.
 * Pure: the SDK's implementation of DataApi is check/dataApi.ts (check-time code: layers.test.ts); tests use a fake.
 */
import { UserError } from "../ground/errors";
import { type AppRoleStatement, appRoleStatements } from "./appRole";

/** Where the statements run: the primary cluster, logged in with the master user's secret. */
export interface DataApiTarget {
  region: string;
  clusterArn: string;
  secretArn: string;
  database: string;
}

/**
 * The four Data API calls the step makes, and RDS's EnableHttpEndpoint; errors are thrown as the SDK throws them
 * (`name` is the exception's).
 */
export interface DataApi {
  /** RDS EnableHttpEndpoint: a restored cluster comes without the Data API (facts/aws/restore.ts). */
  enableHttpEndpoint(target: DataApiTarget): Promise<void>;
  beginTransaction(target: DataApiTarget): Promise<string>;
  executeStatement(target: DataApiTarget, statement: AppRoleStatement, transactionId: string): Promise<void>;
  commitTransaction(target: DataApiTarget, transactionId: string): Promise<void>;
  rollbackTransaction(target: DataApiTarget, transactionId: string): Promise<void>;
}

export interface AppRoleRequest extends DataApiTarget {
  clusterId: string;
  user: string;
}

export class AppRoleError extends UserError {
  override name = "AppRoleError";
}

/** Errors worth another try: the writer just became available, or the service is briefly unavailable. */
const TRANSIENT = new Set([
  "DatabaseResumingException",
  "DatabaseUnavailableException",
  "ServiceUnavailableError",
  "InternalServerErrorException",
]);

export interface RetryPolicy {
  attempts: number;
  delayMs: number;
  sleep: (ms: number) => Promise<void>;
}

const defaultRetry: RetryPolicy = {
  attempts: 6,
  delayMs: 20_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** What to do about an error the Data API returned, by its exception name. */
function fixFor(name: string, request: AppRoleRequest): string {
  switch (name) {
    case "HttpEndpointNotEnabledException":
      return `the Data API is still off on ${request.clusterId} after EnableHttpEndpoint; check that the credentials pulumi up runs with may call rds:EnableHttpEndpoint, and that ${request.clusterId} runs a version and class the Data API takes (aurora.engineVersion, aurora.instanceClass), then run pulumi up again`;
    case "AccessDeniedException":
    case "ForbiddenException":
      return `let the credentials pulumi up runs with call rds-data:BeginTransaction, rds-data:ExecuteStatement, rds-data:CommitTransaction and rds-data:RollbackTransaction on ${request.clusterArn}, and secretsmanager:GetSecretValue (with kms:Decrypt on its key) on ${request.secretArn}`;
    case "SecretsErrorException":
    case "InvalidSecretException":
      return `the master user's secret ${request.secretArn} could not be read or does not hold username and password: check it in Secrets Manager (with aurora.manageMasterUserPassword, RDS keeps it)`;
    case "DatabaseNotFoundException":
      return `database "${request.database}" is not on ${request.clusterId}: a restored cluster keeps its source's databases; set database to one of them`;
    case "DatabaseErrorException":
      return `PostgreSQL refused a statement as the master user; nothing was changed (the transaction was rolled back). Run pulumi up again once the cause is fixed`;
    default:
      return TRANSIENT.has(name)
        ? `the writer of ${request.clusterId} did not answer the Data API in time; run pulumi up again once the cluster is available`
        : `run pulumi up again; if it persists, check the Data API on ${request.clusterId} (aws rds describe-db-clusters --query 'DBClusters[0].HttpEndpointEnabled')`;
  }
}

function redacted(text: string, password: string): string {
  return password.length > 0 ? text.split(password).join("***") : text;
}

function failure(error: unknown, request: AppRoleRequest, password: string): AppRoleError {
  const name = error instanceof Error ? error.name : "Error";
  const message = redacted(error instanceof Error ? error.message : String(error), password);
  return new AppRoleError(
    `the application role "${request.user}" was not created on ${request.clusterId} (${request.region}): ${name}: ${message}. Fix: ${fixFor(name, request)}.`,
  );
}

async function inTransaction(api: DataApi, request: AppRoleRequest, statements: AppRoleStatement[]): Promise<void> {
  const transactionId = await api.beginTransaction(request);
  try {
    for (const statement of statements) await api.executeStatement(request, statement, transactionId);
    await api.commitTransaction(request, transactionId);
  } catch (error) {
    // The Data API also rolls back by itself after three minutes idle; rolling back now frees the connection.
    await api.rollbackTransaction(request, transactionId).catch(() => undefined);
    throw error;
  }
}

/**
 * Creates the role, or sets its password again (idempotent), retrying only while the writer is not ready yet. Throws an
 * AppRoleError naming the cluster and the fix.
 */
export async function createAppRole(
  api: DataApi,
  request: AppRoleRequest,
  password: string,
  retry: RetryPolicy = defaultRetry,
): Promise<{ attempts: number }> {
  const statements = appRoleStatements(request.user, request.database, password);
  let enabled = false;
  for (let attempt = 1; ; attempt++) {
    try {
      await inTransaction(api, request, statements);
      return { attempts: attempt };
    } catch (error) {
      const name = error instanceof Error ? error.name : "";
      // A restore does not pass EnableHttpEndpoint, and the provider sets it only on a later update: turn it on once.
      const enable = name === "HttpEndpointNotEnabledException" && !enabled;
      if ((!TRANSIENT.has(name) && !enable) || attempt >= retry.attempts) throw failure(error, request, password);
      if (enable) {
        await api.enableHttpEndpoint(request).catch((e: unknown) => {
          throw failure(e, request, password);
        });
        enabled = true;
      }
      await retry.sleep(retry.delayMs);
    }
  }
}
