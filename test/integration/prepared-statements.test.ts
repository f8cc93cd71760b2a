/**
 * Prepared statements through every pool in transaction pooling, as common
 * drivers send them: postgres.js with its defaults (prepare: true, unnamed-by-us
 * statements it names itself) and node-postgres with named statements, many
 * clients at once on a pool far smaller than the client count.
 */
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import type { Endpoint } from "../../components/contract/stackOutputs";
import { sslFor } from "../../components/contract/connection";
import { client, outputs } from "./support";

const CLIENTS = 24;
const ROUNDS = 20;
const SHAPES = 20;

function pools(): Array<[string, Endpoint]> {
  return Object.entries(outputs.pools).filter((entry): entry is [string, Endpoint] => entry[1] !== undefined);
}

describe.each(pools())("the %s pool with prepared statements", (pool, endpoint) => {
  it(`serves postgres.js (prepare: true) from ${CLIENTS} concurrent clients, ${SHAPES} statement shapes`, async () => {
    const ssl = sslFor(outputs, undefined);
    const sql = postgres({
      host: endpoint.host,
      port: endpoint.port,
      database: outputs.database,
      username: outputs.user,
      password: outputs.password,
      max: CLIENTS,
      idle_timeout: 2,
      connect_timeout: 10,
      ...(ssl ? { ssl: ssl as object } : {}),
    });
    try {
      const results = await Promise.all(
        Array.from({ length: CLIENTS * ROUNDS }, async (_, i) => {
          const shape = i % SHAPES;
          // Each shape is its own statement text, so postgres.js prepares SHAPES statements per connection.
          const rows = await sql.unsafe(`SELECT $1::int + ${shape} AS value, pg_is_in_recovery() AS standby`, [i], {
            prepare: true,
          });
          return { expected: i + shape, got: rows[0]?.value, standby: rows[0]?.standby };
        }),
      );
      for (const result of results) expect(result.got).toBe(result.expected);
      expect(new Set(results.map((r) => r.standby))).toEqual(new Set([pool !== "write"]));
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it(`serves node-postgres named statements from ${CLIENTS} concurrent clients, in and out of transactions`, async () => {
    const clients = Array.from({ length: CLIENTS }, () => client(endpoint, 15_000));
    await Promise.all(clients.map((c) => c.connect()));
    try {
      await Promise.all(
        clients.map(async (c, index) => {
          for (let round = 0; round < ROUNDS; round++) {
            const shape = (index + round) % SHAPES;
            const named = { name: `add_${shape}`, text: `SELECT $1::int + ${shape} AS value`, values: [round] };
            if (round % 5 === 0) {
              await c.query("BEGIN");
              expect((await c.query(named)).rows[0].value).toBe(round + shape);
              await c.query("COMMIT");
            } else {
              expect((await c.query(named)).rows[0].value).toBe(round + shape);
            }
          }
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    }
  });
});
