/**
 * refresh.sh: beside every database server, a loop that brings what Kubernetes updates in place (a Secret volume's
 * files; environment variables never change in a running container) to the running server, so rotating a password
 * or renewing a certificate restarts nothing:
 * - on the writer, the SCRAM verifiers of the passwords in the credentials volume (computed where the Secret is
 *   made, sql/scramVerifier.ts) are set on their roles (ALTER ROLE … PASSWORD '<verifier>', the replication role
 *   included) whenever the files change: a connection that is already open is not affected, and the pools and
 *   replicas that log in next use the new passwords;
 * - on a replica, its passfile is rewritten from the replication password file, so the WAL receiver's next
 *   connection (libpq reads the passfile at each connect) logs in with whatever the writer now expects.
 * A renewed certificate is not this loop's: the pod's config-reloader watches the TLS files with the configuration
 * and reloads the server (render/configReloaderScript.ts; PostgreSQL reads ssl_cert_file and ssl_key_file again on
 * SIGHUP, facts/kubernetes/certificates.ts postgresReloadsTlsFiles).
 *
 * It logs in over the server's socket as the superuser (peer, pg_ident's admin map: the same OS user as the
 * server). Whether this server is the writer is asked each round, so a promoted replica starts applying.
 *
 * On a stack that commits synchronously the writer's round also runs the synchronous keeper
 * (sql/synchronousKeeper.ts): after a promotion that had to wait for fewer standbys than the stack asks for (or none),
 * it makes commits synchronous again as they stream.
 *
 * Inputs (environment): CREDENTIALS_DIR, PASSFILE, optional REFRESH_INTERVAL_SECONDS.
 */
import { shq } from "../ground/shell";
import type { Topology } from "../topology/types";
import { prometheusMonitoring } from "../topology/queries";
import { KEEPER_SQL } from "../sql/synchronousKeeper";

/** The refresher's round, unless REFRESH_INTERVAL_SECONDS says otherwise. */
export const REFRESH_INTERVAL_SECONDS = 5;

/** Whether the stack's writer waits for standbys at all (else the keeper has nothing to give back). */
const commitsSynchronously = (topology: Topology) =>
  topology.replication.synchronousReplicas > 0 && !["local", "off"].includes(topology.replication.synchronousCommit);

/**
 * The keeper's statements, run one by one as they come (ALTER SYSTEM refuses a transaction block); what it ran is
 * logged (standby names only: nothing secret).
 */
const keepSynchronous = `keep_synchronous() {
  local statements
  statements=$(psql_local <<'SQL'
${KEEPER_SQL};
SQL
) || return 0
  [ -n "$statements" ] || return 0
  if printf '%s\\n' "$statements" | sed 's/$/;/' | psql_local >/dev/null; then
    log "synchronous commit raised: $(printf '%s' "$statements" | grep -E '^ALTER SYSTEM SET synchronous_' | paste -sd ' ')"
  fi
}`;

/** The Secret keys the refresher reads. */
export interface RefreshRoles {
  /** Credential file holding the SCRAM verifier of a role's password → the role (set on the writer). */
  verifiers: Record<string, string>;
  /** The file holding the replication role's password (the replica's passfile). */
  replicationFile: string;
}

/** Each role's verifier file and the replication password's file; the exporters' role only with monitoring. */
export function refreshRoles(
  topology: Topology,
  keys: { replication: string; verifiers: { app: string; replication: string; monitor: string } },
) {
  const monitoring = prometheusMonitoring(topology);
  return {
    verifiers: {
      [keys.verifiers.app]: topology.user,
      [keys.verifiers.replication]: topology.replication.user,
      ...(monitoring ? { [keys.verifiers.monitor]: monitoring.user } : {}),
    },
    replicationFile: keys.replication,
  } satisfies RefreshRoles;
}

/** Every file of the credentials volume the refresher reads. */
export function refreshFiles(roles: RefreshRoles): string[] {
  return [...Object.keys(roles.verifiers), roles.replicationFile];
}

/**
 * Each role gets its verifier, never the password: a statement holding a password would reach the server log and
 * pg_stat_activity. A file that is not a verifier (a Secret written by hand with a password in it) is refused before
 * any SQL runs.
 */
function applyPasswords(roles: RefreshRoles): string {
  const checks = Object.keys(roles.verifiers)
    .map(
      (file) =>
        `  case "$(cat "$CREDENTIALS_DIR/${file}")" in 'SCRAM-SHA-256$'*) ;; *) log "${file} is not a SCRAM-SHA-256 verifier; no password set"; return 1 ;; esac`,
    )
    .join("\n");
  const variables = Object.entries(roles.verifiers)
    .map(([file, role]) => `-v ${shq(role)}="$(cat "$CREDENTIALS_DIR/${file}")"`)
    .join(" ");
  const statements = Object.values(roles.verifiers)
    .map((role) => `ALTER ROLE ${role} PASSWORD :'${role}';`)
    .join("\n");
  // Variables are interpolated in psql's input, not in -c; synchronous_commit local: a rotation must not wait
  // for (or stall behind) a synchronous standby.
  return `apply_passwords() {
${checks}
  psql_local ${variables} <<'SQL'
SET synchronous_commit = local;
${statements}
SQL
}`;
}

export function renderRefreshScript(topology: Topology, roles: RefreshRoles, socketDir: string): string {
  return `#!/usr/bin/env bash
# refresh.sh — generated by pg-read-replicas.
set -uo pipefail
: "\${CREDENTIALS_DIR:?}" "\${PASSFILE:?}"
INTERVAL=\${REFRESH_INTERVAL_SECONDS:-${REFRESH_INTERVAL_SECONDS}}
log() { echo "refresh: $*"; }
psql_local() { psql -h ${socketDir} -p ${topology.port} -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }
digest() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }
${applyPasswords(roles)}
${commitsSynchronously(topology) ? keepSynchronous : "keep_synchronous() { :; }"}
# As seed-replica.sh writes it: removed and written under umask 077, since libpq ignores a passfile group may read.
refresh_passfile() {
  local escaped
  escaped=$(sed -e 's/\\\\/\\\\\\\\/g' -e 's/:/\\\\:/g' "$CREDENTIALS_DIR/${roles.replicationFile}")
  local wanted
  wanted=$(printf '*:*:*:%s:%s' ${shq(topology.replication.user)} "$escaped")
  [ -f "$PASSFILE" ] && [ "$(cat "$PASSFILE")" = "$wanted" ] && return 0
  (umask 077 && printf '%s\\n' "$wanted" > "$PASSFILE.new") && mv -f "$PASSFILE.new" "$PASSFILE" &&
    log "passfile rewritten from the rotated replication password"
}
applied=""
# PID 1 of its container: without a handler SIGTERM would be ignored and the pod would wait out its whole grace
# period. The sleep runs in the background so the trap is not held up by it.
trap 'exit 0' TERM INT
while :; do
  sleep "$INTERVAL" & wait $!
  role=$(psql_local -c 'SELECT pg_is_in_recovery()' 2>/dev/null) || continue
  if [ "$role" = f ]; then
    passwords=$(digest "$CREDENTIALS_DIR"/*)
    if [ "$passwords" != "$applied" ]; then
      if apply_passwords; then applied=$passwords; log "passwords set on the roles"; fi
    fi
    keep_synchronous
  else
    applied=""
    [ -f "$PASSFILE" ] && refresh_passfile
  fi
done
`;
}
