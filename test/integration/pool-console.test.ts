/**
 * Issue 25, item 9: the application user is no stats user of any pool. A stats user reaches PgBouncer's console
 * (database "pgbouncer") and SHOW CLIENTS lists every client's user and address; PgBouncer admits there only
 * admin_users and stats_users and turns anyone else away "not allowed" (PGBOUNCER.consoleLogins). Against the local
 * topology and any deployed stack with PgBouncer pools (not Aurora's RDS Proxy).
 */
import { describe, expect, it } from "vitest";
import type { Endpoint } from "../../components/contract/stackOutputs";
import { stackClient } from "../../components/contract/connection";
import { PGBOUNCER } from "../../components/facts/postgres/pgbouncer";
import { outputs } from "./support";

function pools(): Array<[string, Endpoint]> {
  return Object.entries(outputs.pools).filter((entry): entry is [string, Endpoint] => entry[1] !== undefined);
}

describe.skipIf(outputs.backend === "aurora").each(pools())("the %s pool's console", (_pool, endpoint) => {
  it("turns the application user away, with its right password", async () => {
    const console = stackClient({ ...outputs, database: "pgbouncer" }, endpoint);
    await expect(console.connect()).rejects.toThrow(PGBOUNCER.consoleLogins.value.refusal);
    await console.end().catch(() => undefined);
  });

  it("still serves the application user its own database", async () => {
    const app = stackClient(outputs, endpoint);
    await app.connect();
    try {
      expect((await app.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await app.end().catch(() => undefined);
    }
  });
});
