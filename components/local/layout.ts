/** Where everything of one local stack lives under its state directory. */
import { join } from "node:path";

export class Layout {
  constructor(readonly root: string) {}

  get stateFile(): string {
    return join(this.root, "state.json");
  }
  /** Written first by local up: local down deletes only a directory that holds it (or a state file). */
  get markerFile(): string {
    return join(this.root, ".pg-read-replicas-stack");
  }
  get outputsFile(): string {
    return join(this.root, "outputs.json");
  }
  get socketDir(): string {
    return join(this.root, "run");
  }
  /** Every node listens on the same port (PgBouncer host lists need one): each needs its own socket directory. */
  nodeSocketDir(index: number): string {
    return join(this.socketDir, String(index));
  }
  get logDir(): string {
    return join(this.root, "logs");
  }
  /** pg_hba.conf differs per region (its clients, and the primary's replication rules). */
  hbaFile(region: string): string {
    return join(this.root, `pg_hba.${region}.conf`);
  }
  get identFile(): string {
    return join(this.root, "pg_ident.conf");
  }
  get tlsDir(): string {
    return join(this.root, "tls");
  }
  get scriptsDir(): string {
    return join(this.root, "scripts");
  }
  /** The exporters' queries file, the rules, prometheus.yml and Prometheus's data. */
  get monitoringDir(): string {
    return join(this.root, "monitoring");
  }
  nodeDir(node: string): string {
    return join(this.root, "nodes", node);
  }
  dataDir(node: string): string {
    return join(this.nodeDir(node), "data");
  }
  confFile(node: string): string {
    return join(this.nodeDir(node), "postgresql.conf");
  }
  passfile(node: string): string {
    return join(this.nodeDir(node), "replication.pgpass");
  }
  poolDir(pool: string): string {
    return join(this.root, "pools", pool);
  }
  poolIni(pool: string): string {
    return join(this.poolDir(pool), "pgbouncer.ini");
  }
  poolUserlist(pool: string): string {
    return join(this.poolDir(pool), "userlist.txt");
  }
  log(name: string): string {
    return join(this.logDir, `${name}.log`);
  }
}

/** Unix socket paths are limited to 107 bytes; PostgreSQL appends /.s.PGSQL.<port>. */
export const MAX_SOCKET_DIR_LENGTH = 90;
