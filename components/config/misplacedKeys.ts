/**
 * Keys that are valid for one backend but set on another: each gets the reason
 * it does not apply and what to do instead, rather than "is not a known key".
 */
import { BACKENDS, BACKEND_SCHEMAS, type Backend } from "./schema";
import { genericPath, schemaAt } from "./schemaPaths";

interface Explanation {
  problem: string;
  fix: string;
}

const AURORA_STORAGE =
  "a commit is acknowledged once 4 of 6 storage copies in 3 zones have it, and readers share that storage";

/** Specific explanations, by backend and generic key path; anything else falls back to "applies only to backend X". */
const EXPLANATIONS: Partial<Record<Backend, Record<string, Explanation>>> = {
  aurora: {
    pgbouncer: {
      problem: "is not used by backend aurora",
      fix: "remove it; RDS Proxy settings live under aurora.proxy",
    },
    resources: {
      problem: "is not used by backend aurora",
      fix: "remove it; instance sizes live under aurora.instanceClass",
    },
    "backup.schedule": {
      problem: "does not apply on Aurora, which takes one automated backup a day",
      fix: "remove backup.schedule; set the hour in aurora.preferredBackupWindow",
    },
    "backup.repository": {
      problem: "does not apply on Aurora, which keeps its automated backups and snapshots itself",
      fix: "remove backup.repository",
    },
    "backup.archiveTimeout": {
      problem: "does not apply on Aurora, which archives its storage itself: there is no archive_command to time",
      fix: "remove backup.archiveTimeout",
    },
    "backup.s3": {
      problem: "does not apply on Aurora, which keeps its automated backups and snapshots itself",
      fix: "remove backup.s3",
    },
    "restore.targetLsn": {
      problem: "does not apply on Aurora, which restores to a time or to the latest restorable time only",
      fix: "use restore.targetTime or restore.latest: true",
    },
    "restore.s3": {
      problem: "does not apply on Aurora: restore.from is a cluster, read with the stack's own AWS credentials",
      fix: "remove restore.s3",
    },
    "restore.fromStack": {
      problem: "does not apply on Aurora: restore.from names the source cluster itself",
      fix: "remove restore.fromStack; put the source cluster's identifier, ARN or resource id in restore.from",
    },
    "replication.synchronousCommit": {
      problem: `does not apply on Aurora: ${AURORA_STORAGE}`,
      fix: "remove replication.synchronousCommit and synchronousReplicas from the Aurora stack",
    },
    "replication.synchronousReplicas": {
      problem: `does not apply on Aurora: ${AURORA_STORAGE}`,
      fix: "remove replication.synchronousCommit and synchronousReplicas from the Aurora stack",
    },
  },
  selfHosted: {
    "restore.snapshot": {
      problem: "applies only to backend aurora (a cluster snapshot)",
      fix: "restore from a repository: set restore.from to the source stack's backup.repository",
    },
  },
  local: {
    "backup.s3": {
      problem: "is not used by the local backend, whose repository is a directory on this machine",
      fix: "remove backup.s3 and set backup.repository to an absolute directory outside the stack's state directory",
    },
    "restore.s3": {
      problem: "is not used by the local backend, which restores from a directory on this machine",
      fix: "remove restore.s3 and set restore.from to the source stack's backup.repository (a directory)",
    },
    "restore.snapshot": {
      problem: "applies only to backend aurora (a cluster snapshot)",
      fix: "restore from a repository: set restore.from to the source stack's backup.repository",
    },
    crossRegion: {
      problem: "is not supported by the local backend, which runs every server on this machine",
      fix: "remove crossRegion from the local stack; keep it in the selfHosted or aurora stacks (local up --stack <name> rehearses those)",
    },
    requireTls: {
      problem: "is not supported by the local backend, which listens on loopback only",
      fix: "remove requireTls from the local stack; local up --stack <name> rehearses a selfHosted stack's TLS",
    },
  },
};

function blockExplanation(key: string, backend: Backend, owners: readonly Backend[]): Explanation {
  return {
    problem: `is set but backend ${backend} does not use it`,
    fix: `remove the ${key} block, or set backend to ${owners.join(" or ")}`,
  };
}

function entryExplanation(backend: Backend, owner: Backend): Explanation {
  const instead =
    backend === "aurora"
      ? "Aurora secondaries replicate through the Global Database"
      : backend === "selfHosted"
        ? "selfHosted regions are reached through context or kubeconfig"
        : "the local backend has no other regions";
  return { problem: `applies only to backend ${owner}`, fix: `remove it; ${instead}` };
}

/** Why a key unknown to `backend` is there, when another backend knows it; undefined for plain typos. */
export function misplacedKey(backend: Backend, path: readonly PropertyKey[]): Explanation | undefined {
  const generic = genericPath(path);
  const specific =
    EXPLANATIONS[backend]?.[generic] ??
    (generic.startsWith("replication.") && backend === "aurora" ? auroraReplication(generic) : undefined);
  if (specific) return specific;
  const owners = BACKENDS.filter((other) => other !== backend && schemaAt(BACKEND_SCHEMAS[other], path) !== undefined);
  const owner = owners[0];
  if (!owner) return undefined;
  if (path.length === 1) return blockExplanation(generic, backend, owners);
  return entryExplanation(backend, owner);
}

function auroraReplication(generic: string): Explanation {
  return {
    problem: "does not apply on Aurora: readers share the writer's storage, with no WAL streaming, slots or byte lag",
    fix: `remove ${generic}; Aurora reader lag is bounded in milliseconds by verification.maxLag`,
  };
}
