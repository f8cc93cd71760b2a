/**
 * What a running pod can only take by restarting, hashed into its template's annotation, so a
 * changed pod template means "this pod must restart" and nothing else does. Everything else a pod
 * reads is a file on a ConfigMap or Secret volume, updated in place by the kubelet and reloaded by
 * the pod's config-reloader (facts: kubernetes/configMapVolumes, postgres/settingContexts,
 * postgres/pgbouncer): pg_hba.conf, pg_ident.conf, reloadable settings, certificates, pool sizes.
 * Scripts (seeding, start guard, bootstrap) run only when a pod starts, so a changed script waits
 * for the next start and restarts nothing.
 */
import { PGBOUNCER } from "../../facts/postgres";
import type { ConfLine } from "../../render/postgresqlConf";
import { needsRestart } from "../../settings/contexts";
import { contentHash } from "./hash";

/** The postgresql.conf settings whose new value needs a restart (PostgreSQL's postmaster context). */
export function restartSettings(lines: readonly ConfLine[]): ConfLine[] {
  return lines.filter((line) => needsRestart(line.name));
}

/**
 * A database pod's restart hash: its postmaster-context settings, and the exporter's queries file (postgres_exporter
 * reads it when it starts).
 */
export function databaseRestartHash(lines: readonly ConfLine[], exporterQueries?: string): string {
  const settings = restartSettings(lines).map(({ name, value }) => `${name}=${value}`);
  return contentHash(...settings, ...(exporterQueries === undefined ? [] : [exporterQueries]));
}

/** pgbouncer.ini's `key = value` lines that a RELOAD does not change. */
export function poolRestartSettings(ini: string): string[] {
  const noReload = new Set(PGBOUNCER.noReloadSettings.value);
  return ini
    .split("\n")
    .map((line) => /^([a-z_]+)\s*=\s*(.*)$/.exec(line.trim()))
    .filter((match): match is RegExpExecArray => match !== null && noReload.has(match[1]!))
    .map((match) => `${match[1]}=${match[2]}`);
}

export function poolRestartHash(ini: string): string {
  return contentHash(...poolRestartSettings(ini));
}
