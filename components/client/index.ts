/**
 * pg-read-replicas/client: reads routed to replicas without stale reads.
 *
 *   const db = ReplicaClient.fromEnv();               // or fromOutputsFile("outputs.json")
 *   const { token } = await db.write((tx) => tx.query("UPDATE ..."));
 *   const { result } = await db.read((tx) => tx.query("SELECT ..."), { token });
 */
export {
  ReplicaClient,
  DEFAULTS,
  type AnalyticOptions,
  type CallOptions,
  type ClientOptions,
  type ReadOptions,
  type ReadResult,
  type WriteOptions,
  type WriteResult,
} from "./replicaClient";
export { Session } from "./session";
export type { BudgetOptions } from "./budget";
export {
  TOKEN_HEADER,
  type HttpTokenOptions,
  type MiddlewareOptions,
  causalityMiddleware,
  runJob,
  sessionFromRequest,
  tokenFromHeaders,
  tokenHeaders,
  withToken,
} from "./http";
export { WindowSession, type WindowSessionOptions } from "./windowSession";
export { type OrmClient, type OrmSession, type OrmWork, connectionPool, ormClient } from "./orm";
export type { Consistency, FallbackReason, Queryable, Route, Work } from "./route";
export type { Isolation } from "./sql";
export { type CausalityToken, TokenError, mergeTokens, normalizeToken, parseToken, formatLsn } from "./token";
export {
  ClientConfigError,
  ClientPoolExhaustedError,
  CommitOutcomeUnknownError,
  NoServerError,
  OlapBehindError,
  PrimaryBudgetExceededError,
  ReadTransactionEndedError,
  ReplicaUnavailableError,
  WriteNotCommittedError,
  WrongServerError,
} from "./errors";
export { type ClientTargets, targetsFromEnv, targetsFromOutputs, targetsFromOutputsFile } from "./targets";
export { ENV_NAMES, connectionUrls, shellExports } from "../contract/urls";
export type { ConnectionUrls, Endpoint, StackOutputs } from "../contract/stackOutputs";
export { ATTRIBUTES, INSTRUMENTATION_SCOPE, METRICS } from "./telemetry";
