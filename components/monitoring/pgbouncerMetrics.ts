/**
 * PgBouncer's admin console (SHOW …) as Prometheus metrics under the names
 * prometheus-community/pgbouncer_exporter v0.12.1 uses, the exporter the pool
 * pods run on Kubernetes. The local backend serves these from its own daemon
 * (Debian's PgBouncer exporter 1.7 crashes on PgBouncer ≥ 1.8), so one rules
 * file and one dashboard serve both. Pure: rows in, exposition text out.
 */
export type Row = Record<string, unknown>;

export interface ConsoleRows {
  version?: string;
  pools: Row[];
  databases: Row[];
  statsTotals: Row[];
  lists: Row[];
  config: Row[];
}

type Family = { help: string; type: "gauge" | "counter"; samples: string[] };

const POOLS: Record<string, [metric: string, help: string, factor: number]> = {
  cl_active: [
    "client_active_connections",
    "Client connections linked to server connection and able to process queries",
    1,
  ],
  cl_waiting: ["client_waiting_connections", "Client connections waiting on a server connection", 1],
  sv_active: ["server_active_connections", "Server connections linked to a client connection", 1],
  sv_idle: ["server_idle_connections", "Server connections idle and ready for a client query", 1],
  sv_used: ["server_used_connections", "Server connections idle more than server_check_delay", 1],
  sv_tested: ["server_testing_connections", "Server connections running server_reset_query or server_check_query", 1],
  sv_login: ["server_login_connections", "Server connections currently logging in", 1],
  maxwait: ["client_maxwait_seconds", "Age of oldest unserved client connection", 1],
};
const DATABASES: Record<string, [metric: string, help: string]> = {
  pool_size: ["pool_size", "Maximum number of server connections"],
  // Renamed reserve_pool_size in PgBouncer 1.24; the exporter keeps one metric name (fixed in v0.12.1).
  reserve_pool: ["reserve_pool", "Maximum number of additional connections for this database"],
  reserve_pool_size: ["reserve_pool", "Maximum number of additional connections for this database"],
  max_connections: ["max_connections", "Maximum number of allowed connections for this database"],
  current_connections: ["current_connections", "Current number of connections for this database"],
  paused: ["paused", "1 if this database is currently paused, else 0"],
  disabled: ["disabled", "1 if this database is currently disabled, else 0"],
};
const STATS_TOTALS: Record<string, [metric: string, help: string, factor: number]> = {
  query_count: ["queries_pooled_total", "Total number of SQL queries pooled", 1],
  xact_count: ["sql_transactions_pooled_total", "Total number of SQL transactions pooled", 1],
  bytes_received: ["received_bytes_total", "Total volume in bytes of network traffic received by pgbouncer", 1],
  bytes_sent: ["sent_bytes_total", "Total volume in bytes of network traffic sent by pgbouncer", 1],
  query_time: ["queries_duration_seconds_total", "Seconds spent executing queries", 1e-6],
  xact_time: ["server_in_transaction_seconds_total", "Seconds spent in transactions", 1e-6],
  wait_time: ["client_wait_seconds_total", "Time spent by clients waiting for a server in seconds", 1e-6],
};
const LISTS = [
  "databases",
  "users",
  "pools",
  "free_clients",
  "used_clients",
  "login_clients",
  "free_servers",
  "used_servers",
];
const CONFIG: Record<string, string> = {
  max_client_conn: "config_max_client_connections",
  max_user_connections: "config_max_user_connections",
};

const escape = (value: unknown) =>
  String(value ?? "")
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\n/g, "\\n");
const labelText = (labels: Record<string, unknown>) =>
  Object.keys(labels).length === 0
    ? ""
    : `{${Object.entries(labels)
        .map(([k, v]) => `${k}="${escape(v)}"`)
        .join(",")}}`;

/** The exposition text for one scrape; `rows` undefined when the console could not be read (pgbouncer_up 0). */
export function pgbouncerExposition(rows: ConsoleRows | undefined): string {
  const families = new Map<string, Family>();
  const add = (name: string, type: Family["type"], help: string, labels: Record<string, unknown>, value: number) => {
    const family = families.get(name) ?? { help, type, samples: [] };
    families.set(name, family);
    family.samples.push(`${name}${labelText(labels)} ${Number.isFinite(value) ? value : "NaN"}`);
  };
  if (rows) {
    add("pgbouncer_version_info", "gauge", "The pgbouncer version info", { version: rows.version ?? "" }, 1);
    for (const row of rows.pools) {
      for (const [column, [metric, help, factor]] of Object.entries(POOLS)) {
        if (column in row)
          add(
            `pgbouncer_pools_${metric}`,
            "gauge",
            help,
            { database: row.database, user: row.user },
            Number(row[column]) * factor,
          );
      }
    }
    for (const row of rows.databases) {
      const labels = {
        name: row.name,
        host: row.host,
        port: row.port,
        database: row.database,
        force_user: row.force_user,
        pool_mode: row.pool_mode,
      };
      for (const [column, [metric, help]] of Object.entries(DATABASES)) {
        if (column in row) add(`pgbouncer_databases_${metric}`, "gauge", help, labels, Number(row[column]));
      }
    }
    for (const row of rows.statsTotals) {
      for (const [column, [metric, help, factor]] of Object.entries(STATS_TOTALS)) {
        if (column in row)
          add(
            `pgbouncer_stats_totals_${metric}`,
            "counter",
            help,
            { database: row.database },
            Number(row[column]) * factor,
          );
      }
    }
    for (const row of rows.lists) {
      if (LISTS.includes(String(row.list)))
        add(`pgbouncer_${String(row.list)}`, "gauge", `Count of ${String(row.list)}`, {}, Number(row.items));
    }
    for (const row of rows.config) {
      const metric = CONFIG[String(row.key)];
      if (metric) add(`pgbouncer_${metric}`, "gauge", `Config ${String(row.key)}`, {}, Number(row.value));
    }
  }
  add("pgbouncer_up", "gauge", "The pgbouncer scrape succeeded", {}, rows ? 1 : 0);
  return `${[...families.entries()].map(([name, f]) => `# HELP ${name} ${f.help}\n# TYPE ${name} ${f.type}\n${f.samples.join("\n")}`).join("\n")}\n`;
}
