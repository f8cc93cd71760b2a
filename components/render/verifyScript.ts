/**
 * verify.sh: the deploy gate. Runs the verifier's SQL with psql until every
 * check passes or the timeout expires; exits non-zero with the reasons, which
 * is what fails `pulumi up` (the Kubernetes Job fails, the provider reports it).
 *
 * Two modes:
 *  - "primary" (the primary's region): the writer answers as a primary; every
 *    expected standby of the region streams on its own slot within the lag
 *    bound (one statement, sql/streamingSql.ts: the script only prints its
 *    rows); a fresh heartbeat written on the writer becomes visible on each
 *    local reader within maxLag; readers refuse writes; each pool lands on its role.
 *    On success it writes the final heartbeat $HEARTBEAT_TOKEN for other regions.
 *  - "replica" (another region): its readers are in recovery, refuse writes, see
 *    $HEARTBEAT_TOKEN, and its read pool lands on them.
 *
 * Inputs (environment): PGUSER, PGPASSWORD, PGDATABASE, HEARTBEAT_TOKEN, optional PGSSLMODE.
 */
import type { Endpoint } from "./pgbouncerIni";
import { poolMembers, servingStandbys } from "../topology/queries";
import type { Pool, StandbyNode, Topology } from "../topology/types";
import {
  HEARTBEAT_DDL,
  IDENTITY_SQL,
  READ_ONLY_PROBE_SQL,
  STANDBY_STATUS_SQL,
  heartbeatSeenSql,
  heartbeatWriteSql,
} from "../sql/replicationSql";
import { STREAMING_COLUMNS, type StreamingExpectation, streamingProblemsSql } from "../sql/streamingSql";
import { STATS_OPTIONS } from "../sql/statsAccess";
import { shq } from "../ground/shell";

export type { StreamingExpectation } from "../sql/streamingSql";

/** A standby reached directly: it must stream on its own slot. */
export interface NodeReader {
  node: StandbyNode;
  endpoint: Endpoint;
}

/**
 * Standbys behind one Service (CloudNativePG names its instances itself): every
 * sample may land on another, and each must stream on a slot matching slotPattern
 * (a shell glob; "" for a replica cluster, which streams without a slot).
 */
export interface ServiceReader {
  label: string;
  endpoint: Endpoint;
  slotPattern: string;
}

interface TargetsBase {
  region: string;
  /** Endpoints of the standbys this script can reach (its region's). */
  readers: ReadonlyArray<NodeReader | ServiceReader>;
  /** `expect` replaces the topology's own answer (poolExpectation) where identities are not node names. */
  pools: ReadonlyArray<{ pool: Pool; endpoint: Endpoint; expect?: { names: string[]; inRecovery: boolean } }>;
}

/**
 * The primary's region checks the writer too; another region checks only its own readers and pools.
 * `streaming` replaces the default expectation (every serving standby of this region, by name).
 */
export type VerifyTargets =
  | (TargetsBase & { mode: "primary"; writer: Endpoint; streaming?: readonly StreamingExpectation[] })
  | (TargetsBase & { mode: "replica" });

/** Which node names a pool may land on, and whether they are standbys. */
export function poolExpectation(topology: Topology, pool: Pool): { names: string[]; inRecovery: boolean } {
  return { names: poolMembers(topology, pool).map((node) => node.name), inRecovery: pool.target !== "primary" };
}

const POOL_SAMPLES = 6;

/** A standby of the topology, as the writer must see it stream. */
export function nodeExpectation(node: StandbyNode): StreamingExpectation {
  return { kind: "node", name: node.name, slot: node.slot, role: node.role, remote: node.remote };
}

/**
 * What this Job expects of the writer's pg_stat_replication: `streaming` when given, else this region's standbys.
 * Another region's are created by its own cluster's deployment, which this Job does not wait for; that region's Job
 * checks them (and waits for this one).
 */
export function streamingExpectations(
  topology: Topology,
  streaming?: readonly StreamingExpectation[],
): StreamingExpectation[] {
  return streaming
    ? [...streaming]
    : servingStandbys(topology)
        .filter((s) => !s.remote)
        .map(nodeExpectation);
}

const STREAMING_SQL_END = "END_OF_STREAMING_SQL";

/** The streaming rule's statement, held verbatim by a quoted here-document (readable in the ConfigMap). */
function streamingStatement(topology: Topology, streaming?: readonly StreamingExpectation[]): string {
  const statement = streamingProblemsSql(streamingExpectations(topology, streaming), topology.verification.maxLagBytes);
  if (statement.split("\n").includes(STREAMING_SQL_END))
    throw new Error(`the streaming statement holds a line ${STREAMING_SQL_END}, which would end its here-document`);
  return `IFS= read -r -d '' STREAMING_SQL <<'${STREAMING_SQL_END}' || true
${statement}
${STREAMING_SQL_END}`;
}

function writerChecks(topology: Topology, writer: Endpoint, streaming?: readonly StreamingExpectation[]): string {
  // The rule is the statement's (sql/streamingSql.ts): each row is a problem, or a healthy standby's summary.
  const skipped = "_ ".repeat(STREAMING_COLUMNS.indexOf("summary"));
  return `${streamingStatement(topology, streaming)}

check_writer() {
  local out streaming summary found
  if ! out=$(sql ${shq(writer.host)} ${writer.port} ${shq(IDENTITY_SQL)}); then
    problem "writer ${writer.host}:${writer.port}: cannot query it: $out. Check the primary pod's log and the ${topology.user} user's access (pg_hba)."
    return 1
  fi
  if [ "\${out##*|}" != f ]; then
    problem "writer ${writer.host}:${writer.port} answered as \${out%%|*}, which is in recovery: the rw endpoint does not reach the primary."
    return 1
  fi
  if ! streaming=$(stats_sql ${shq(writer.host)} ${writer.port} "$STREAMING_SQL"); then
    problem "writer: cannot read pg_stat_replication: $streaming"
    return 1
  fi
  while IFS='|' read -r ${skipped}summary found; do
    if [ -n "$found" ]; then problem "$found"; elif [ -n "$summary" ]; then report+=("$summary"); fi
  done <<<"$streaming"
}

write_heartbeat() {
  local out
  if ! out=$(sql ${shq(writer.host)} ${writer.port} "$HEARTBEAT_DDL; $(heartbeat_insert "$1")"); then
    problem "writer: cannot write heartbeat: $out"
    return 1
  fi
}`;
}

function readerChecks(): string {
  return `check_reader() {
  local name=$1 host=$2 port=$3 token=$4 slot=$5 out waited=0
  if ! out=$(stats_sql "$host" "$port" ${shq(STANDBY_STATUS_SQL)}); then
    problem "$name ($host:$port): cannot query it: $out"
    return
  fi
  IFS='|' read -r in_recovery receiver pending_bytes lag_ms receiver_slot <<<"$out"
  if [ "$in_recovery" != t ]; then problem "$name: not in recovery: it is no longer a replica (was it promoted?)."; fi
  if [ "$receiver" != streaming ]; then problem "$name: WAL receiver is $receiver, not streaming."; fi
  # $slot is a name, or a pattern for standbys behind one Service (operator-named instances).
  if [ "$receiver" = streaming ] && [[ "$receiver_slot" != $slot ]]; then problem "$name: streams on slot '$receiver_slot', not its own \${slot:-(none: a replica cluster streams without one)}."; fi
  if out=$(sql "$host" "$port" ${shq(READ_ONLY_PROBE_SQL)}); then
    problem "$name: accepted a write; replicas must refuse writes."
  elif ! printf '%s' "$out" | grep -Eq 'read-only transaction|during recovery'; then
    problem "$name: a write failed, but not as read-only: $out"
  fi
  until [ "$(sql "$host" "$port" "$(heartbeat_seen "$token")")" = 1 ]; do
    if [ "$waited" -ge "$MAX_LAG_MS" ]; then
      problem "$name: heartbeat $token not visible after \${MAX_LAG_MS} ms (bound). Replay lag: \${lag_ms} ms; check its WAL receiver and disk."
      return
    fi
    sleep 0.2
    waited=$((waited + 200))
  done
  report+=("$name ($host:$port): in recovery, WAL receiver $receiver on $receiver_slot, heartbeat seen within \${waited} ms")
}

check_pool() {
  local pool=$1 host=$2 port=$3 expect_recovery=$4 expected=$5 out name recovery i
  for i in $(seq 1 ${POOL_SAMPLES}); do
    if ! out=$(sql "$host" "$port" ${shq(IDENTITY_SQL)}); then
      problem "pool $pool ($host:$port): cannot query through it: $out. Check the pgbouncer pods' log."
      return
    fi
    name=\${out%%|*}
    recovery=\${out##*|}
    case " $expected " in
      *" $name "*) ;;
      *) problem "pool $pool landed on $name, which is not one of: $expected."; return ;;
    esac
    if [ "$recovery" != "$expect_recovery" ]; then problem "pool $pool landed on $name with in-recovery=$recovery."; return; fi
  done
  report+=("pool $pool ($host:$port): lands on $expected")
}`;
}

const TOKEN_PLACEHOLDER = "__TOKEN__";

/** Shell wrappers around the verifier's heartbeat SQL; the token was checked to [A-Za-z0-9_-] at start-up. */
function heartbeatFunctions(): string {
  return `heartbeat_insert() { local q=${shq(heartbeatWriteSql(TOKEN_PLACEHOLDER))}; printf '%s' "\${q//${TOKEN_PLACEHOLDER}/$1}"; }
heartbeat_seen() { local q=${shq(heartbeatSeenSql(TOKEN_PLACEHOLDER))}; printf '%s' "\${q//${TOKEN_PLACEHOLDER}/$1}"; }`;
}

function readerLine(reader: NodeReader | ServiceReader): string {
  if ("node" in reader)
    return `  check_reader ${reader.node.name} ${shq(reader.endpoint.host)} ${reader.endpoint.port} "$token" ${reader.node.slot}`;
  return `  check_reader ${shq(reader.label)} ${shq(reader.endpoint.host)} ${reader.endpoint.port} "$token" ${shq(reader.slotPattern)}`;
}

function attempt(topology: Topology, targets: VerifyTargets): string {
  const readers = targets.readers.map(readerLine).join("\n");
  const pools = targets.pools
    .map(({ pool, endpoint, expect }) => {
      const { names, inRecovery } = expect ?? poolExpectation(topology, pool);
      return `  check_pool ${pool.name} ${shq(endpoint.host)} ${endpoint.port} ${inRecovery ? "t" : "f"} ${shq(names.join(" "))}`;
    })
    .join("\n");
  if (targets.mode === "primary") {
    return `attempt() {
  problems=(); report=()
  check_writer || return 1
  token="$HEARTBEAT_TOKEN-a$attempt_number"
  write_heartbeat "$token" || return 1
${readers}
${pools}
  [ \${#problems[@]} -eq 0 ] && write_heartbeat "$HEARTBEAT_TOKEN"
}`;
  }
  return `attempt() {
  problems=(); report=()
  token="$HEARTBEAT_TOKEN"
${readers}
${pools}
  [ \${#problems[@]} -eq 0 ]
}`;
}

export function renderVerifyScript(topology: Topology, targets: VerifyTargets): string {
  const { verification } = topology;
  return `#!/usr/bin/env bash
# verify.sh (${targets.mode} mode, region ${targets.region}) — generated by pg-read-replicas from topology ${topology.hash}.
set -uo pipefail
: "\${PGUSER:?}" "\${PGPASSWORD:?}" "\${PGDATABASE:?}" "\${HEARTBEAT_TOKEN:?}"
case "$HEARTBEAT_TOKEN" in *[!A-Za-z0-9_-]*) echo "verify: HEARTBEAT_TOKEN may hold only [A-Za-z0-9_-]" >&2; exit 2 ;; esac
TIMEOUT_S=${Math.ceil(verification.timeoutMs / 1000)}
MAX_LAG_MS=${verification.maxLagMs}
HEARTBEAT_DDL=${shq(HEARTBEAT_DDL.join("; "))}
export PGCONNECT_TIMEOUT=5

sql() { psql -h "$1" -p "$2" -XAtq -F '|' -v ON_ERROR_STOP=1 -c "$3" 2>&1; }
# On a server (never a pool): the replication views the application user may read, through pgrr_stats.
# A PGOPTIONS of the environment comes after, and wins.
stats_sql() { PGOPTIONS="${STATS_OPTIONS} \${PGOPTIONS:-}" sql "$@"; }
problem() { problems+=("$1"); }

${heartbeatFunctions()}

${targets.mode === "primary" ? writerChecks(topology, targets.writer, targets.streaming) : ""}

${readerChecks()}

${attempt(topology, targets)}

deadline=$(( $(date +%s) + TIMEOUT_S ))
attempt_number=1
until attempt; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "verify: FAILED after \${TIMEOUT_S}s (${targets.mode} mode, region ${targets.region}); last attempt found:" >&2
    printf '  - %s\\n' "\${problems[@]}" >&2
    exit 1
  fi
  echo "verify: attempt $attempt_number not yet passing (\${#problems[@]} problems: \${problems[0]:-}); retrying"
  attempt_number=$((attempt_number + 1))
  sleep 3
done
echo "verify: PASSED (${targets.mode} mode, region ${targets.region}) after $attempt_number attempt(s)"
printf '  - %s\\n' "\${report[@]}"
`;
}
