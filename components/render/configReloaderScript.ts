/**
 * The config reloader: a sidecar's shell loop that takes changed files to a running server
 * without restarting it. The kubelet updates a ConfigMap or Secret volume in place (a new
 * directory swapped in under `..data`), but nothing tells the server: the loop sums the files the
 * server reads every few seconds and, when the sum changes, asks the server to reload
 * (PostgreSQL: pg_reload_conf(), which keeps the old value of a setting it cannot take and logs
 * why; PgBouncer: RELOAD on its console). A failed reload is retried on the next turn. POSIX sh,
 * so the same text runs under the postgres image's bash and the PgBouncer image's BusyBox.
 */
import { shq } from "../ground/shell";

export interface ReloaderSpec {
  /** Who reloads: named in the log lines. */
  server: string;
  /** The files whose content the server reads (symlinks are followed, as the server follows them). */
  watch: readonly string[];
  /** argv that reloads the server, exit status 0 when it did. */
  reload: readonly string[];
  periodSeconds: number;
}

export function renderConfigReloaderScript(spec: ReloaderSpec): string {
  const files = spec.watch.map(shq).join(" ");
  const reload = spec.reload.map(shq).join(" ");
  return `set -u
# Stop at once on SIGTERM: the sleep runs in the background so the trap is not held up by it.
trap 'exit 0' TERM INT
sum() { cat ${files} 2>/dev/null | cksum; }
last=$(sum)
echo "config-reloader: watching ${spec.watch.join(", ")} for ${spec.server}"
while :; do
  sleep ${spec.periodSeconds} & wait $!
  now=$(sum)
  [ "$now" = "$last" ] && continue
  if ${reload} >/dev/null; then
    last=$now
    echo "config-reloader: files changed; ${spec.server} reloaded"
  else
    echo "config-reloader: files changed but ${spec.server} did not reload; retrying" >&2
  fi
done
`;
}
