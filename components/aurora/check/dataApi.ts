/** The application role step's Data API calls, through @aws-sdk/client-rds-data (default credential chain). */
import { EnableHttpEndpointCommand, RDSClient } from "@aws-sdk/client-rds";
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
} from "@aws-sdk/client-rds-data";
import type { DataApi, DataApiTarget } from "../appRoleRun";

export function awsDataApi(): DataApi {
  const clients = new Map<string, RDSDataClient>();
  const client = (region: string) => {
    const existing = clients.get(region);
    if (existing) return existing;
    const made = new RDSDataClient({ region });
    clients.set(region, made);
    return made;
  };
  const on = (t: DataApiTarget) => ({ resourceArn: t.clusterArn, secretArn: t.secretArn });
  return {
    async enableHttpEndpoint(target) {
      await new RDSClient({ region: target.region }).send(
        new EnableHttpEndpointCommand({ ResourceArn: target.clusterArn }),
      );
    },
    async beginTransaction(target) {
      const { transactionId } = await client(target.region).send(
        new BeginTransactionCommand({ ...on(target), database: target.database }),
      );
      if (!transactionId) throw new Error("BeginTransaction returned no transaction id");
      return transactionId;
    },
    async executeStatement(target, statement, transactionId) {
      await client(target.region).send(
        new ExecuteStatementCommand({
          ...on(target),
          database: target.database,
          sql: statement.sql,
          transactionId,
          parameters: Object.entries(statement.parameters).map(([name, value]) => ({
            name,
            value: { stringValue: value },
          })),
        }),
      );
    },
    async commitTransaction(target, transactionId) {
      await client(target.region).send(new CommitTransactionCommand({ ...on(target), transactionId }));
    },
    async rollbackTransaction(target, transactionId) {
      await client(target.region).send(new RollbackTransactionCommand({ ...on(target), transactionId }));
    },
  };
}
