/**
 * verify.sh: the deploy gate. Runs the verifier's SQL with psql until every
 * check passes or the timeout expires; exits non-zero with the reasons, which
 * is what fails `pulumi up` (the Kubernetes Job fails, the provider reports it).
 *
 * Two modes:
 *  - "primary" (the primary's region): the writer answers as a primary; every
 *    expected standby, in every region, streams on its own slot within the lag
 *    bound; a fresh heartbeat written on the writer becomes visible on each local
 *    reader within maxLag; readers refuse writes; each pool lands on its role.
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
  REPLICATION_STATUS_SQL,
  STANDBY_STATUS_SQL,
  heartbeatSeenSql,
  heartbeatWriteSql,
} from "../sql/replicationSql";
import { shq } from "../ground/shell";
import { OPERATOR_STREAMING_CHECKS } from "./verifyOperatorChecks";

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

/**
 * What the writer's pg_stat_replication must show: one standby by name, an operator's instances, or a replica cluster.
 */
export type StreamingExpectation =
  | { kind: "node"; node: StandbyNode }
  | { kind: "instances"; cluster: string; count: number; slotPrefix: string; role: StandbyNode["role"] }
  | { kind: "replicaCluster"; applicationName: string; role: StandbyNode["role"] };

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

function streamingLine(expectation: StreamingExpectation): string {
  switch (expectation.kind) {
    case "node":
      return `  check_streaming ${expectation.node.name} ${expectation.node.slot} ${expectation.node.role} ${expectation.node.remote ? "remote" : "local"}`;
    case "instances":
      return `  check_instances ${shq(expectation.cluster)} ${expectation.count} ${shq(expectation.slotPrefix)} ${expectation.role}`;
    case "replicaCluster":
      return `  check_replica_cluster ${shq(expectation.applicationName)} ${expectation.role}`;
  }
}

function writerChecks(topology: Topology, writer: Endpoint, streaming?: readonly StreamingExpectation[]): string {
  // Only this region's standbys: another region's are created by its own cluster's deployment,
  // which this Job does not wait for; that region's Job checks them (and waits for this one).
  const expected: StreamingExpectation[] = streaming
    ? [...streaming]
    : servingStandbys(topology)
        .filter((s) => !s.remote)
        .map((node) => ({ kind: "node", node }));
  const expectations = expected.map(streamingLine).join("\n");
  const operatorChecks = expected.some((e) => e.kind !== "node") ? OPERATOR_STREAMING_CHECKS : "";
  return `check_writer() {
  local out
  if ! out=$(sql ${shq(writer.host)} ${writer.port} ${shq(IDENTITY_SQL)}); then
    problem "writer ${writer.host}:${writer.port}: cannot query it: $out. Check the primary pod's log and the ${topology.user} user's access (pg_hba)."
    return 1
  fi
  if [ "\${out##*|}" != f ]; then
    problem "writer ${writer.host}:${writer.port} answered as \${out%%|*}, which is in recovery: the rw endpoint does not reach the primary."
    return 1
  fi
  if ! status=$(sql ${shq(writer.host)} ${writer.port} ${shq(REPLICATION_STATUS_SQL)}); then
    problem "writer: cannot read pg_stat_replication: $status"
    return 1
  fi
${expectations}
}

check_streaming() {
  local name=$1 slot=$2 role=$3 where=$4 line app state got_slot active replay_bytes flush_bytes replay_ms sync bytes
  line=$(printf '%s\\n' "$status" | grep "^$name|" || true)
  if [ -z "$line" ]; then
    problem "$name: not connected to the writer (absent from pg_stat_replication). Look at that replica's log: seeding, authentication and pg_hba are the usual causes."
    return
  fi
  IFS='|' read -r app state got_slot active replay_bytes flush_bytes replay_ms sync <<<"$line"
  if [ "$state" != streaming ]; then problem "$name: state is $state, not streaming."; fi
  if [ "$got_slot" != "$slot" ] || [ "$active" != t ]; then problem "$name: streams without its slot $slot active (slot: '\${got_slot}', active: $active)."; fi
  # The OLAP replica may pause replay for long queries by design: hold it to received-and-flushed WAL.
  bytes=$replay_bytes
  if [ "$role" = olap ]; then bytes=$flush_bytes; fi
  if [ "$bytes" -lt 0 ]; then
    problem "$name: connected but has not reported a WAL position yet."
  elif [ "$bytes" -gt "$MAX_LAG_BYTES" ]; then
    problem "$name: lags $bytes bytes behind the writer (bound $MAX_LAG_BYTES)."
  fi
  report+=("$name ($role, $where): streaming on $slot ($sync), replay lag \${replay_bytes} bytes / \${replay_ms} ms")
}

write_heartbeat() {
  local out
  if ! out=$(sql ${shq(writer.host)} ${writer.port} "$HEARTBEAT_DDL; $(heartbeat_insert "$1")"); then
    problem "writer: cannot write heartbeat: $out"
    return 1
  fi
}${operatorChecks}`;
}

function readerChecks(): string {
  return `check_reader() {
  local name=$1 host=$2 port=$3 token=$4 slot=$5 out waited=0
  if ! out=$(sql "$host" "$port" ${shq(STANDBY_STATUS_SQL)}); then
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
MAX_LAG_BYTES=${verification.maxLagBytes}
MAX_LAG_MS=${verification.maxLagMs}
HEARTBEAT_DDL=${shq(HEARTBEAT_DDL.join("; "))}
export PGCONNECT_TIMEOUT=5

sql() { psql -h "$1" -p "$2" -XAtq -F '|' -v ON_ERROR_STOP=1 -c "$3" 2>&1; }
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
