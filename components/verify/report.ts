/** What the verifier reports, per writer, replica and pool, and what each of its checks is given. */
import type { Endpoint, Reader, StackOutputs, VerificationBounds } from "../contract/stackOutputs";
import type { SslMode } from "../contract/connection";
import type { ArchiveState } from "../sql/archiveState";

export interface ReplicaReport {
  name: string;
  role: Reader["role"];
  region: string;
  endpoint: Endpoint;
  state?: string;
  slot?: string;
  slotActive?: boolean;
  replayLagBytes?: number;
  flushLagBytes?: number;
  replayLagMs?: number;
  /** How the writer counts it for synchronous commit: sync, quorum, potential or async. */
  sync?: string;
  inRecovery?: boolean;
  receiver?: string;
  readOnly?: boolean;
  heartbeatVisibleMs?: number;
  problems: string[];
}

export interface PoolReport {
  pool: "write" | "read" | "olap";
  endpoint: Endpoint;
  expected: string[];
  landedOn: Record<string, number>;
  problems: string[];
}

/** The writer's WAL archive, when the stack archives (outputs.backup). */
export interface ArchiveReport {
  /** formatArchiveState's line; absent when the state could not be read. */
  line?: string;
  state?: ArchiveState;
  problems: string[];
}

export interface VerificationReport {
  ok: boolean;
  attempts: number;
  elapsedMs: number;
  writer: { endpoint: Endpoint; name?: string; problems: string[] };
  replicas: ReplicaReport[];
  pools: PoolReport[];
  archive?: ArchiveReport;
  problems: string[];
}

/** One attempt's inputs. */
export interface VerifyContext {
  outputs: StackOutputs;
  bounds: VerificationBounds;
  /** Undefined: as the outputs say (TLS when the stack requires it). */
  sslmode?: SslMode;
  poolSamples: number;
}

/** A report with nothing checked yet: every reader of the outputs, no problems. */
export function emptyReport(outputs: StackOutputs): VerificationReport {
  return {
    ok: false,
    attempts: 0,
    elapsedMs: 0,
    writer: { endpoint: outputs.writer, problems: [] },
    replicas: outputs.readers.map((r) => ({
      name: r.name,
      role: r.role,
      region: r.region,
      endpoint: { host: r.host, port: r.port },
      problems: [],
    })),
    pools: [],
    problems: [],
  };
}

/** The first line of an error, for a problem text. */
export const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
