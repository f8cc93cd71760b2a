/** Stand-ins for the preview cycle's collaborators: outputs, a verifier report, a suite result. */
import type { StackOutputs } from "../../components/contract/stackOutputs";
import type { CycleDeps } from "../../components/preview/cycle";
import type { SuiteResult } from "../../components/preview/suite";
import type { VerificationReport } from "../../components/verify/verifier";

export const FAKE_OUTPUTS: StackOutputs = {
  backend: "selfHosted",
  database: "app",
  user: "app",
  password: "secret",
  writer: { host: "pg-rw.pg-pr-42.svc.cluster.local", port: 5432 },
  readerEndpoint: { host: "pg-ro.pg-pr-42.svc.cluster.local", port: 5432 },
  readers: [
    {
      name: "pg-replica-0",
      region: "us-east-1",
      role: "oltp",
      host: "pg-replica-0.pg-replica-hl.pg-pr-42.svc.cluster.local",
      port: 5432,
      slot: "pg_replica_0",
    },
  ],
  pools: {
    write: { host: "pg-pool-write.pg-pr-42.svc.cluster.local", port: 5432 },
    read: { host: "pg-pool-read.pg-pr-42.svc.cluster.local", port: 5432 },
  },
  regions: [],
  topologyHash: "0123456789",
  verification: { timeoutMs: 60_000, maxLagBytes: 1 << 20, maxLagMs: 5000 },
  notes: [],
  tls: { required: true },
  connectionUrls: {
    primary: "postgresql://app:secret@pg-pool-write.pg-pr-42.svc.cluster.local:5432/app?sslmode=require",
    replica: "postgresql://app:secret@pg-pool-read.pg-pr-42.svc.cluster.local:5432/app?sslmode=require",
  },
};

export function report(problems: Record<string, string[]> = {}): VerificationReport {
  const replicas = [
    {
      name: "pg-replica-0",
      role: "oltp" as const,
      region: "us-east-1",
      endpoint: FAKE_OUTPUTS.readers[0]!,
      state: "streaming",
      sync: "quorum",
      replayLagBytes: 0,
      problems: problems["pg-replica-0"] ?? [],
    },
    {
      name: "pg-replica-eu-west-1-0",
      role: "oltp" as const,
      region: "eu-west-1",
      endpoint: FAKE_OUTPUTS.readers[0]!,
      problems: problems["pg-replica-eu-west-1-0"] ?? [],
    },
  ];
  const all = replicas.flatMap((r) => r.problems);
  return {
    ok: all.length === 0,
    attempts: 3,
    elapsedMs: 2000,
    writer: { endpoint: FAKE_OUTPUTS.writer, problems: [] },
    replicas,
    pools: [],
    problems: all,
  };
}

export const PASSED_SUITE: SuiteResult = { ok: true, passed: 28, failed: 0, skipped: 20, total: 48, failures: [] };

export function deps(overrides: Partial<CycleDeps> = {}): CycleDeps {
  return { verify: async () => report(), suite: async () => PASSED_SUITE, ...overrides };
}
