/**
 * The PgBouncer exporter of a local stack (the daemons' bundle, `pool-exporter`, started
 * by `local up` with monitoring on): one HTTP listener per pool, each scrape a
 * fresh console session as the stats user, as pgbouncer_exporter does beside
 * every pool pod on Kubernetes, with the same metric names.
 */
import { createServer } from "node:http";
import { pgbouncerExposition } from "../monitoring/pgbouncerMetrics";
import { poolEndpointOf, poolKey, poolsOf } from "./contexts";
import { LocalError } from "./errors";
import { Layout } from "./layout";
import { consoleRows } from "./pgbouncerAdmin";
import { readState } from "./state";

export async function servePoolExporter(stateDir: string, log: (message: string) => void): Promise<void> {
  const layout = new Layout(stateDir);
  const state = readState(layout);
  if (!state?.monitoring) throw new LocalError(`serve-pool-exporter: no monitoring in the state in ${stateDir}`);
  // The monitoring role, a stats user of every pool, as the exporter sidecars log in on Kubernetes.
  const login = {
    user: state.topology.monitoring.user,
    password: state.passwords.monitor,
    ...(state.topology.access.requireTls ? { ssl: { rejectUnauthorized: false } } : {}),
  };
  const listeners = poolsOf(state.topology).map((pool) => {
    const key = poolKey(state, pool);
    const listen = state.monitoring!.poolExporters[key];
    if (!listen) throw new LocalError(`serve-pool-exporter: no address for pool ${key}`);
    let lastError = "";
    const server = createServer((request, response) => {
      if (request.url !== "/metrics") {
        response.writeHead(404).end();
        return;
      }
      consoleRows(poolEndpointOf(state, pool), login)
        .then(
          (rows) => rows,
          (error: Error) => {
            if (error.message !== lastError) log(`${key}: scrape failed: ${error.message}`);
            lastError = error.message;
            return undefined;
          },
        )
        .then((rows) =>
          response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(pgbouncerExposition(rows)),
        );
    });
    return new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(listen.port, listen.host, () => {
        log(`${key}: serving http://${listen.host}:${listen.port}/metrics`);
        resolve();
      });
    });
  });
  await Promise.all(listeners);
}
