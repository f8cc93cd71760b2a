/**
 * Issue 25 item 4 on the stack under test: the application user holds no pg_monitor, so it reads no other role's
 * query text; what the verifier and the read pool's probe need of the statistics (the replication views, the WAL
 * receiver, the server's own processes, the WAL listings) it reads through pgrr_stats' definer functions, with the
 * same SQL, by putting that schema first in its search_path (sql/statsAccess.ts). It cannot change those functions.
 */
import { describe, expect, it } from "vitest";
import { STATS_OWNER, STATS_SCHEMA } from "../../components/sql/statsAccess";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { integrationConfig } from "../support/integrationTopology";
import { endpointOf, eventually, external, oltpReaders, outputs, runner, sql, statsSql } from "./support";

describe("the application user's statistics", () => {
  it("holds neither pg_monitor nor pg_read_all_stats", async () => {
    const [row] = await sql<{ monitor: boolean; stats: boolean }>(
      outputs.writer,
      "SELECT pg_has_role(current_user, 'pg_monitor', 'USAGE') AS monitor, pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS stats",
    );
    expect(row).toEqual({ monitor: false, stats: false });
  });

  it("reads every replica's streaming state on the writer, and each replica's WAL receiver, through pgrr_stats", async () => {
    const rows = await statsSql<{ name: string; state: string; replay: string | null }>(
      outputs.writer,
      "SELECT application_name AS name, state, replay_lsn::text AS replay FROM pg_stat_replication",
    );
    for (const reader of oltpReaders()) {
      const mine = rows.find((r) => r.name === reader.name);
      expect(mine, `${reader.name} in pg_stat_replication: ${JSON.stringify(rows)}`).toBeDefined();
      expect(mine!.state).toBe("streaming");
      expect(mine!.replay).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      const [receiver] = await statsSql<{ status: string }>(
        endpointOf(reader),
        "SELECT status FROM pg_stat_wal_receiver",
      );
      expect(receiver?.status, reader.name).toBe("streaming");
    }
    const [listing] = await statsSql<{ n: number }>(outputs.writer, "SELECT count(*)::int AS n FROM pg_ls_waldir()");
    expect(listing!.n).toBeGreaterThan(0);
  });

  it("without pgrr_stats reads the catalog's own views, with no details of other roles' sessions", async () => {
    const rows = await sql<{ state: string | null }>(outputs.writer, "SELECT state FROM pg_stat_replication");
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.state === null)).toBe(true);
    await expect(sql(outputs.writer, "SELECT count(*) FROM pg_ls_waldir()")).rejects.toThrow(/permission denied/);
  });

  it("cannot change what pgrr_stats returns, nor add to it", async () => {
    await expect(
      sql(
        outputs.writer,
        `CREATE OR REPLACE FUNCTION ${STATS_SCHEMA}.wal_senders() RETURNS SETOF pg_catalog.pg_stat_replication LANGUAGE sql AS 'SELECT * FROM pg_catalog.pg_stat_replication'`,
      ),
    ).rejects.toThrow(/must be owner|permission denied/);
    await expect(sql(outputs.writer, `CREATE TABLE ${STATS_SCHEMA}.planted (x int)`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(sql(outputs.writer, `ALTER SCHEMA ${STATS_SCHEMA} RENAME TO elsewhere`)).rejects.toThrow(
      /must be owner/,
    );
  });

  it.skipIf(external)(
    "sees another role's running query neither in pg_stat_activity nor through pgrr_stats, and its own session through it",
    async () => {
      const state = runner().state()!;
      const marker = `marker_${Date.now()}`;
      const running = runner().superuserQuery(state.writer, `SELECT pg_sleep(4) AS ${marker}`);
      try {
        await eventually("the superuser's query running", 4_000, async () =>
          (await runner().superuserQuery(
            state.writer,
            `SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%AS ${marker}' AND pid <> pg_backend_pid()`,
          )) === "1"
            ? true
            : undefined,
        );
        const seen = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%AS ${marker}'`;
        const [plain] = await sql<{ n: number }>(outputs.writer, seen);
        const [through] = await statsSql<{ n: number }>(outputs.writer, seen);
        expect(plain!.n, "in pg_stat_activity").toBe(0);
        expect(through!.n, "through pgrr_stats").toBe(0);
        const [own] = await statsSql<{ n: number }>(
          outputs.writer,
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = pg_backend_pid() AND query LIKE 'SELECT count(*)::int AS n FROM pg_stat_activity%'",
        );
        expect(own!.n, "its own session").toBe(1);
        const owner = await runner().superuserQuery(
          state.writer,
          `SELECT rolcanlogin FROM pg_roles WHERE rolname = '${STATS_OWNER}'`,
        );
        expect(owner).toBe("f");
      } finally {
        await running;
      }
    },
  );

  it.skipIf(external)("a stack made when the application user held pg_monitor loses it on its next up", async () => {
    const state = runner().state()!;
    await runner().superuserQuery(state.writer, `GRANT pg_monitor TO ${state.topology.user}`);
    const held = () =>
      runner().superuserQuery(state.writer, `SELECT pg_has_role('${state.topology.user}', 'pg_monitor', 'MEMBER')`);
    expect(await held()).toBe("t");
    // The same stack file as the suite's: `local up` resumes the running stack (nothing restarts).
    await runner().up(topologyFromConfig(integrationConfig()).topology);
    expect(await held()).toBe("f");
  });
});
