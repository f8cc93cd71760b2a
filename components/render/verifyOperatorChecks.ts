/**
 * verify.sh's checks of an operator's standbys on the writer (CloudNativePG): its
 * instances <cluster>-<n>, each on its own slot <prefix><cluster>_<n>, and replica
 * clusters, which stream without a slot. Emitted only when a region expects them, so
 * the StatefulSet engine's scripts stay as they were. Reads $status (pg_stat_replication
 * rows) and MAX_LAG_BYTES, and reports through problem and report, as check_streaming does.
 */
export const OPERATOR_STREAMING_CHECKS = `
check_instances() {
  local cluster=$1 want=$2 prefix=$3 role=$4 lines line app state got_slot active replay_bytes flush_bytes replay_ms sync found=0
  lines=$(printf '%s\\n' "$status" | grep -E "^$cluster-[0-9]+\\|" || true)
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    IFS='|' read -r app state got_slot active replay_bytes flush_bytes replay_ms sync <<<"$line"
    found=$((found + 1))
    if [ "$state" != streaming ]; then problem "$app: state is $state, not streaming."; fi
    if [ "$got_slot" != "$prefix\${app//-/_}" ] || [ "$active" != t ]; then problem "$app: streams without its slot $prefix\${app//-/_} active (slot: '\${got_slot}', active: $active)."; fi
    if [ "$replay_bytes" -lt 0 ]; then problem "$app: connected but has not reported a WAL position yet.";
    elif [ "$replay_bytes" -gt "$MAX_LAG_BYTES" ]; then problem "$app: lags $replay_bytes bytes behind the writer (bound $MAX_LAG_BYTES)."; fi
    report+=("$app ($role, instance of $cluster): streaming on $got_slot ($sync), replay lag \${replay_bytes} bytes / \${replay_ms} ms")
  done <<<"$lines"
  if [ "$found" -lt "$want" ]; then problem "$cluster: $found of its $want standbys stream from the writer. Look at the Cluster's status (kubectl get cluster $cluster) and its pods' logs."; fi
}

check_replica_cluster() {
  local name=$1 role=$2 line app state got_slot active replay_bytes flush_bytes replay_ms sync bytes
  line=$(printf '%s\\n' "$status" | grep "^$name|" || true)
  if [ -z "$line" ]; then
    problem "$name: the replica cluster's designated primary is not connected to the writer (absent from pg_stat_replication). Look at kubectl get cluster $name and its pod's log."
    return
  fi
  IFS='|' read -r app state got_slot active replay_bytes flush_bytes replay_ms sync <<<"$line"
  if [ "$state" != streaming ]; then problem "$name: state is $state, not streaming."; fi
  bytes=$replay_bytes
  if [ "$role" = olap ]; then bytes=$flush_bytes; fi
  if [ "$bytes" -lt 0 ]; then problem "$name: connected but has not reported a WAL position yet.";
  elif [ "$bytes" -gt "$MAX_LAG_BYTES" ]; then problem "$name: lags $bytes bytes behind the writer (bound $MAX_LAG_BYTES)."; fi
  report+=("$name ($role, replica cluster): streaming without a slot ($sync), replay lag \${replay_bytes} bytes / \${replay_ms} ms")
}`;
