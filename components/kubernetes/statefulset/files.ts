/** The rendered files a cluster mounts, with in-pod paths substituted. Pure. */
import { exporterQueriesFor, renderExporterQueries } from "../../monitoring/exporterQueries";
import { renderBootstrapSql } from "../../render/bootstrapSql";
import { prometheusMonitoring } from "../../topology/queries";
import { renderPgHba } from "../../render/pgHba";
import { renderPgIdent } from "../../render/pgIdent";
import { renderPgbouncerIni } from "../../render/pgbouncerIni";
import {
  type ConfLine,
  archiveConfLines,
  postgresqlConfLines,
  renderPostgresqlConf,
} from "../../render/postgresqlConf";
import { refreshRoles, renderRefreshScript } from "../../render/refreshScript";
import { renderSeedReplicaScript } from "../../render/seedReplicaScript";
import { renderStartGuardScript } from "../../render/startGuardScript";
import { renderWriterBootstrapScript } from "../../render/writerBootstrapScript";
import { serverTls } from "../../render/tlsModes";
import type { NodeGroup, Pool, Region, SelfHostedTopology } from "../../topology/types";
import { BOOTSTRAP_WAIT_S } from "./manifests/databasePod";
import { type BackupFileName, type RestoreFileName, backupFiles, backupStanza, restoreFiles } from "./backupFiles";
import { PATHS, PROBE_USER, REFRESH_KEYS, names, serviceHost } from "../conventions";

export type GroupFiles = Record<"postgresql.conf" | "pg_hba.conf" | "pg_ident.conf", string>;

const PLACEMENT = (topology: SelfHostedTopology) => ({ port: topology.port, listenAddresses: "*" });
/** Every server's paths; with a pgBackRest backup, the one pgbackrest.conf and this stack's stanza. */
function serverPaths(topology: SelfHostedTopology) {
  const stanza = backupStanza(topology);
  return {
    hbaFile: PATHS.hbaFile,
    identFile: PATHS.identFile,
    socketDirectory: PATHS.socketDir,
    ssl: { certFile: PATHS.tlsCert, keyFile: PATHS.tlsKey },
    ...(stanza !== undefined ? { archive: { configFile: PATHS.pgbackrestConf, stanza } } : {}),
  };
}

export function renderGroupFiles(topology: SelfHostedTopology, group: NodeGroup): GroupFiles {
  return {
    "postgresql.conf": renderPostgresqlConf(topology, group, PLACEMENT(topology), serverPaths(topology)),
    "pg_hba.conf": renderPgHba(topology, group.region),
    "pg_ident.conf": renderPgIdent(),
  };
}

/** The settings a group's postgresql.conf sets, as lines (what its pods' restart hash reads). */
export function groupConfLines(topology: SelfHostedTopology, group: NodeGroup): ConfLine[] {
  // The archive lines too: archive_mode takes a restart, archive_command and archive_timeout a reload.
  const paths = serverPaths(topology);
  return [...postgresqlConfLines(group, PLACEMENT(topology), paths), ...archiveConfLines(topology, paths)];
}

/** A pool's pgbouncer.ini: its server connections go to the Service of the role it serves. */
export function renderPoolIni(topology: SelfHostedTopology, pool: Pool): string {
  return renderPgbouncerIni(topology, pool, {
    target: {
      host: serviceHost(names.roleService(topology, pool.target), topology.kubernetes),
      port: topology.port,
    },
    listen: { host: "*", port: topology.poolPort },
    unixSocketDir: PATHS.pgbouncerSocketDir,
    authFile: `${PATHS.pgbouncerDir}/userlist.txt`,
    probeUser: PROBE_USER,
    serverTls: serverTls(topology, `${PATHS.pgbouncerDir}/tls/ca.crt`),
    clientTls: { certFile: `${PATHS.pgbouncerDir}/tls/tls.crt`, keyFile: `${PATHS.pgbouncerDir}/tls/tls.key` },
  });
}

export type Scripts = Partial<
  Record<
    | "seed-replica.sh"
    | "start-guard.sh"
    | "refresh.sh"
    | "bootstrap.sh"
    | "bootstrap.sql"
    | "queries.yaml"
    | BackupFileName
    | RestoreFileName,
    string
  >
>;

/** The scripts every database pod of a region mounts; the bootstrap only where a writer may run. */
export function renderScripts(topology: SelfHostedTopology, region: Region): Scripts {
  const common = {
    "seed-replica.sh": renderSeedReplicaScript(topology),
    "start-guard.sh": renderStartGuardScript(names.fence(topology)),
    "refresh.sh": renderRefreshScript(topology, refreshRoles(topology, REFRESH_KEYS), PATHS.socketDir),
    ...(prometheusMonitoring(topology) ? { "queries.yaml": renderExporterQueries(exporterQueriesFor(topology)) } : {}),
    ...backupFiles(topology),
  };
  if (!region.primary) return common;
  return {
    ...common,
    ...restoreFiles(topology),
    "bootstrap.sh": renderWriterBootstrapScript({
      socketDir: PATHS.socketDir,
      bootstrapSql: PATHS.bootstrapSql,
      port: topology.port,
      waitSeconds: BOOTSTRAP_WAIT_S,
    }),
    "bootstrap.sql": renderBootstrapSql(topology),
  };
}
