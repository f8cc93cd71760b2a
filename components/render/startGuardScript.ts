/**
 * start-guard.sh: the first init container of every database pod. A data
 * directory that would start as a writer (it has data and no standby.signal)
 * may start only in the pod the fence names. `pg-read-replicas kubernetes
 * failover` writes the fence before it promotes, so the old primary can never
 * come back as a second writer behind `rw`.
 *
 * A planned switchover hands the writer over only once the new one has replayed everything the
 * old one wrote, then names the old one in the fence's `rejoin`: that pod, shut down cleanly, holds
 * nothing past the new writer's fork point (facts/postgres/handover.ts), so it may come back as a
 * standby of the new writer (standby.signal; seed-replica.sh points it at rw) without a rewind.
 *
 * After a failover the old writer, if it was a replica group's pod, is recreated by its StatefulSet; refused, it would
 * stay unready and (OrderedReady) keep every higher ordinal from being created or rolled. It rejoins as a standby by
 * itself only when it provably holds nothing the new writer lacks: it was shut down cleanly (its shutdown checkpoint
 * is its last WAL record), it is the same database system, and the writer's timeline history says the new timeline
 * forked from this pod's timeline after that checkpoint (facts HANDOVER.replicationCommands and
 * refusesCheckpointPastFork):
 * its WAL is then a prefix of the writer's, so following it needs no rewind and discards nothing. A crashed old writer
 * (its end of WAL unknown here) or one with WAL past the fork stays refused, deleting nothing: a human decides. Pods
 * of the primary's group have no replication connection here (no PRIMARY_HOST) and never rejoin this way.
 *
 * A data directory of another major version than the stack's postgresVersion never starts: a major
 * version cannot change in place (the server would refuse it with "database files are incompatible
 * with server"); the guard says so first, with what to do, in the pod's log.
 *
 * Inputs (environment): POD_NAME, PGDATA, CONFIGURED_WRITER (the stack's
 * kubernetes.writer), POSTGRES_MAJOR (its postgresVersion), optional FENCED_WRITER and REJOIN (the
 * fence ConfigMap's `writer`, `rejoin`); for the rejoin after a failover, optional PRIMARY_HOST, PRIMARY_PORT,
 * PRIMARY_SSLMODE, PRIMARY_SSLROOTCERT, REPLICATION_USER, REPLICATION_PASSWORD and PASSFILE (seed-replica.sh's).
 */
import { HANDOVER } from "../facts/postgres";

/** The fence's `writer` while a failover stops the old writer (failover/fence.ts NO_WRITER): nobody to rejoin. */
export const NO_WRITER_YET = "none-failover-under-way";

const LINES = HANDOVER.controldataLines.value;

/** The rejoin after a failover (see above): 0 and standby.signal written, or 1 with the reason on stderr. */
const REJOIN_AFTER_FAILOVER = `controldata() { LC_ALL=C pg_controldata "$PGDATA" | sed -n "s/^$1: *//p"; }
lsn_value() { local hi=\${1%/*} lo=\${1#*/}; echo $(( (16#$hi << 32) + 16#$lo )); }
rejoin_after_failover() {
  if [ -z "\${PRIMARY_HOST:-}" ] || [ -z "\${REPLICATION_PASSWORD:-}" ] || [ "$writer" = "${NO_WRITER_YET}" ]; then return 1; fi
  local state; state=$(controldata "${LINES.state}")
  if [ "$state" != "${HANDOVER.cleanShutdownStates.value.writer}" ]; then
    echo "start-guard: $POD_NAME was not shut down cleanly ('$state'): its end of WAL is not known here, so it cannot be shown to hold nothing $writer lacks: not rejoining" >&2
    return 1
  fi
  local escaped; escaped=$(printf '%s' "$REPLICATION_PASSWORD" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/:/\\\\:/g')
  rm -f "$PASSFILE"
  (umask 077 && printf '*:*:*:%s:%s\\n' "$REPLICATION_USER" "$escaped" > "$PASSFILE")
  local conninfo="host=$PRIMARY_HOST port=$PRIMARY_PORT user=$REPLICATION_USER passfile=$PASSFILE sslmode=$PRIMARY_SSLMODE connect_timeout=10 replication=true"
  if [ -n "\${PRIMARY_SSLROOTCERT:-}" ]; then conninfo="$conninfo sslrootcert=$PRIMARY_SSLROOTCERT"; fi
  local identity history
  if ! identity=$(psql "$conninfo" -XAtq -c IDENTIFY_SYSTEM 2>&1); then
    echo "start-guard: cannot ask the writer at $PRIMARY_HOST whether $POD_NAME may rejoin ($identity): not rejoining now" >&2
    return 1
  fi
  local system=\${identity%%|*} rest=\${identity#*|}
  local tli=\${rest%%|*} ours_tli ours_checkpoint
  ours_tli=$(controldata "${LINES.timeline}")
  ours_checkpoint=$(controldata "${LINES.checkpoint}")
  if [ "$system" != "$(controldata "${LINES.systemId}")" ] || [ "$tli" = "$ours_tli" ]; then
    echo "start-guard: the writer at $PRIMARY_HOST is database system $system on timeline $tli; $POD_NAME is $(controldata "${LINES.systemId}") on timeline $ours_tli: not a fork of this pod's history, not rejoining" >&2
    return 1
  fi
  if ! history=$(psql "$conninfo" -XAtq -c "TIMELINE_HISTORY $tli" 2>&1); then
    echo "start-guard: cannot read the writer's timeline history ($history): not rejoining now" >&2
    return 1
  fi
  local fork; fork=$(printf '%s\\n' "\${history#*|}" | awk -F '\\t' -v t="$ours_tli" '$1 == t { print $2 }')
  if [ -z "$fork" ] || [ "$(lsn_value "$fork")" -le "$(lsn_value "$ours_checkpoint")" ]; then
    echo "start-guard: $POD_NAME wrote past the point where $writer's timeline forked from timeline $ours_tli (its shutdown checkpoint $ours_checkpoint, the fork \${fork:-not in the history}): those writes exist only here. Not rejoining; nothing was deleted" >&2
    return 1
  fi
  touch "$PGDATA/standby.signal"
  echo "start-guard: $POD_NAME, the writer before a failover, shut down cleanly at $ours_checkpoint, before $writer's timeline $tli forked at $fork: it holds nothing $writer lacks, rejoining as its standby"
}`;

export function renderStartGuardScript(fenceConfigMap: string): string {
  return `#!/usr/bin/env bash
# start-guard.sh — generated by pg-read-replicas.
set -euo pipefail
: "\${POD_NAME:?}" "\${PGDATA:?}" "\${CONFIGURED_WRITER:?}" "\${POSTGRES_MAJOR:?}"
if [ -s "$PGDATA/PG_VERSION" ] && [ "$(cat "$PGDATA/PG_VERSION")" != "$POSTGRES_MAJOR" ]; then
  have=$(cat "$PGDATA/PG_VERSION")
  echo "start-guard: $POD_NAME holds a PostgreSQL $have data directory, but the stack now runs PostgreSQL $POSTGRES_MAJOR (postgresVersion): a major version cannot change in place." >&2
  echo "start-guard: nothing was changed. Set postgresVersion back to $have and run pulumi up: this pod starts again on its data." >&2
  echo "start-guard: to upgrade, build a new stack on PostgreSQL $POSTGRES_MAJOR and move the data into it (pg_dump | pg_restore, or logical replication for a short cut-over), then point clients at it; see the README, Changing a running stack." >&2
  exit 1
fi
# The fence is the record of the last failover; the stack's config may lag behind it.
writer=\${FENCED_WRITER:-$CONFIGURED_WRITER}
if [ ! -s "$PGDATA/PG_VERSION" ] || [ -f "$PGDATA/standby.signal" ]; then
  exit 0  # empty (initdb or seeding comes next) or a standby: neither can accept writes
fi
if [ "$writer" != "$POD_NAME" ] && [ "\${REJOIN:-}" = "$POD_NAME" ]; then
  state=$(pg_controldata "$PGDATA" | sed -n 's/^${HANDOVER.controldataLines.value.state}: *//p')
  if [ "$state" = "${HANDOVER.cleanShutdownStates.value.writer}" ]; then
    touch "$PGDATA/standby.signal"
    echo "start-guard: $POD_NAME was handed over to $writer by a switchover and shut down cleanly: rejoining as its standby"
    exit 0
  fi
  echo "start-guard: $POD_NAME is named to rejoin, but its data directory is '$state', not cleanly shut down: not rejoining" >&2
fi
${REJOIN_AFTER_FAILOVER}
if [ "$writer" != "$POD_NAME" ] && rejoin_after_failover; then exit 0; fi
if [ "$writer" != "$POD_NAME" ]; then
  echo "start-guard: $POD_NAME holds a writer's data directory, but the writer is $writer (ConfigMap ${fenceConfigMap}, key writer)." >&2
  echo "start-guard: refusing to start a second writer. To use this pod's data anyway, make it the writer: pg-read-replicas kubernetes failover --to $POD_NAME;" >&2
  echo "start-guard: to discard this data instead: a replica StatefulSet's pod whose PersistentVolumeClaim and pod are deleted comes back re-seeded from $writer; the primary StatefulSet's pod is never re-seeded: on an empty volume it initialises a new, empty database, which the replicas refuse to follow (they keep their data). Keep the primary StatefulSet at zero replicas after a failover (README, Failover)." >&2
  exit 1
fi
if [ "$CONFIGURED_WRITER" != "$writer" ]; then
  echo "start-guard: note: the fence names $writer as the writer but the stack's kubernetes.writer is $CONFIGURED_WRITER; run: pulumi config set --path kubernetes.writer $writer" >&2
fi
`;
}
