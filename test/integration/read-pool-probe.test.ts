/**
 * The read pool controller keeps one connection per replica for its readiness probe (probeConnections.ts), instead
 * of a new connection (TLS, SCRAM, a backend fork) every second. On the running stack each OLTP replica shows one
 * controller session whose backend outlives several ticks; a probe connection the server ends is replaced on the next
 * probe.
 */
import { describe, expect, it } from "vitest";
import { ProbeConnections } from "../../components/local/probeConnections";
import { READ_POOL_TICK_MS } from "../../components/local/readPoolDaemon";
import { endpointOf, eventually, external, oltpReaders, outputs, runner, sql } from "./support";

const CONTROLLER = "pg-read-replicas-read-pool";

async function controllerSessions(reader: (typeof outputs.readers)[number]) {
  return sql<{ pid: number; started: string }>(
    endpointOf(reader),
    "SELECT pid, backend_start::text AS started FROM pg_stat_activity WHERE application_name = $1",
    [CONTROLLER],
  );
}

describe.skipIf(external)("the read pool controller's probe", () => {
  it("holds one session per replica across ticks, not a new one each second", async () => {
    for (const reader of oltpReaders()) {
      const first = await eventually(`${reader.name}: the controller's session`, 10_000, async () => {
        const rows = await controllerSessions(reader);
        return rows.length === 1 ? rows : undefined;
      });
      await new Promise((resolve) => setTimeout(resolve, 3 * READ_POOL_TICK_MS + 200));
      expect(await controllerSessions(reader)).toEqual(first);
    }
  });

  it("replaces a connection the server ended, on the next probe", async () => {
    const reader = oltpReaders()[0]!;
    const probes = new ProbeConnections(5_000);
    try {
      const pid = async () =>
        Number((await probes.query(reader.name, outputs, endpointOf(reader), "SELECT pg_backend_pid()"))[0]![0]);
      const before = await pid();
      expect(await pid()).toBe(before);
      await runner().superuserQuery(reader.name, `SELECT pg_terminate_backend(${before})`);
      await expect(pid()).rejects.toThrow();
      expect(probes.size).toBe(0);
      const after = await pid();
      expect(after).not.toBe(before);
      expect(probes.size).toBe(1);
    } finally {
      await probes.close();
    }
  });
});
