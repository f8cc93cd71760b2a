/**
 * pg_stat_statements on the booted local stack: the application user reads its own statements on the writer and on a
 * replica (the extension reaches standbys by replication); other users' statements only the exporters' role reads
 * (pg_monitor has pg_read_all_stats), not the application user (issue 25 item 4).
 */
import { randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { eventually, external, oltpReaders, outputs, runner, sql } from "./support";

const STATEMENTS = "SELECT query, calls FROM pg_stat_statements WHERE query = $1";

/**
 * A statement no one else runs, and the text pg_stat_statements records for it. Aliases and constants are not part
 * of a statement's identity (queryid), so `SELECT 1 AS marker` would count under an earlier `SELECT 1`: the number
 * of columns is.
 */
function uniqueStatement(): { text: string; normalised: string } {
  const columns = Array.from({ length: randomInt(40, 400) }, (_, i) => i + 1);
  return {
    text: `SELECT ${columns.map(String).join(", ")}`,
    normalised: `SELECT ${columns.map((i) => `$${i}`).join(", ")}`,
  };
}

/** The entries with exactly this text, once there are any. */
function recorded(endpoint: Parameters<typeof sql>[0], normalised: string) {
  return eventually("the statement in pg_stat_statements", 10_000, async () => {
    const rows = await sql<{ query: string; calls: string }>(endpoint, STATEMENTS, [normalised]);
    return rows.length > 0 ? rows : undefined;
  });
}

describe("pg_stat_statements", () => {
  it("records the application's statements, readable by the application user on the writer", async () => {
    const statement = uniqueStatement();
    await sql(outputs.writer, statement.text);
    const rows = await recorded(outputs.writer, statement.normalised);
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.calls)).toBe(1);
  });

  it("is there on a replica too, counting the replica's own reads", async () => {
    const reader = oltpReaders()[0]!;
    const statement = uniqueStatement();
    await sql(reader, statement.text);
    const rows = await recorded(reader, statement.normalised);
    expect(Number(rows[0]!.calls)).toBe(1);
  });

  it.skipIf(external)(
    "shows other users' statement texts to the exporters' role (pg_read_all_stats), never to the application user",
    async () => {
      const state = runner().state()!;
      const writer = state.topology.primary.name;
      const statement = uniqueStatement();
      // The application user sees how many statements the superuser has (userid and calls are public), not their text.
      const superusers = async () =>
        (
          await sql<{ n: number; hidden: number }>(
            outputs.writer,
            "SELECT count(*)::int AS n, count(*) FILTER (WHERE query = '<insufficient privilege>')::int AS hidden FROM pg_stat_statements WHERE userid = 'postgres'::regrole",
          )
        )[0]!;
      const before = await superusers();
      await runner().superuserQuery(writer, statement.text);
      const after = await eventually("the superuser's statement recorded", 10_000, async () => {
        const now = await superusers();
        return now.n > before.n ? now : undefined;
      });
      expect(after.hidden).toBe(after.n);
      expect(await sql(outputs.writer, STATEMENTS, [statement.normalised])).toEqual([]);
      if (state.topology.monitoring.enabled) {
        const monitor = state.topology.monitoring.user;
        const answer = await runner().superuserQuery(
          writer,
          `SELECT pg_has_role('${monitor}', 'pg_read_all_stats', 'USAGE')`,
        );
        expect(answer.trim()).toBe("t");
      }
    },
  );
});
