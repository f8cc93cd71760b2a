/**
 * The reader endpoint daemon (started by `local up`): the local ro Service.
 * Readiness is the Kubernetes probe's SQL, asked of each OLTP replica every second.
 */
import { LocalError } from "../components/local/runner";
import { LOOPBACK } from "../components/local/ports";
import { ReaderEndpoint } from "../components/local/readerEndpoint";
import { Layout } from "../components/local/layout";
import { readState } from "../components/local/state";
import { localOutputs } from "../components/local/outputs";
import { queryOnce } from "../components/verify/client";
import { readinessSql } from "../components/sql/replicationSql";

export async function serveReaderEndpoint(stateDir: string): Promise<void> {
  const state = readState(new Layout(stateDir));
  if (!state) throw new LocalError(`serve-reader-endpoint: no state in ${stateDir}`);
  const outputs = localOutputs(state);
  const sql = readinessSql("oltp", state.topology.replication.maxLagBytes);
  const backends = state.topology.standbys
    .filter((s) => s.role === "oltp" && s.region === state.topology.region)
    .map((s) => ({ name: s.name, host: LOOPBACK, port: state.ports.nodes[s.name]! }));
  const log = (message: string) => console.log(`${new Date().toISOString()} ${message}`);
  const endpoint = new ReaderEndpoint({
    listen: { host: LOOPBACK, port: state.ports.readerEndpoint },
    backends,
    isReady: async (backend) => {
      const rows = await queryOnce({ outputs, sslmode: "disable" }, backend, sql);
      return rows[0]?.[0] === true;
    },
    log,
  });
  await endpoint.start();
  log(`listening on ${LOOPBACK}:${state.ports.readerEndpoint}; ready: ${endpoint.readyBackends().join(", ") || "none"}`);
  const stop = () => void endpoint.stop().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
