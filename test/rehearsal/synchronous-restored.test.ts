/**
 * A synchronous stack promoted while none of its other replicas ran (issue 23: "nothing restores synchronous commit
 * after a degraded failover"). The new writer commits locally then, or every commit would wait for a standby that
 * cannot stream; these tests check, on real servers, that commits become synchronous again once a follower streams,
 * with nobody running the warning's command:
 * - on the local stack, whose controller runs the keeper (sql/synchronousKeeper.ts) beside its read pool;
 * - by refresh.sh as the statefulset engine renders it, run beside the same writer as the refresher sidecar runs it;
 * - and the keeper's SQL itself, in the cases it must leave alone.
 * "Synchronous again" is proven by a commit that waits while the standby is stopped and completes once it is back.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stackClient } from "../../components/contract/connection";
import type { StackOutputs } from "../../components/contract/stackOutputs";
import { nodeByName, nodeContext } from "../../components/local/contexts";
import { isAlive } from "../../components/local/exec";
import { superuserSql } from "../../components/local/postgresNode";
import { LocalRunner } from "../../components/local/runner";
import type { LocalState } from "../../components/local/state";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { KEEPER_SQL, WANTED_SETTINGS, recordWantedSql } from "../../components/sql/synchronousKeeper";
import { localBase, patched } from "../support/configs";
import { eventually } from "../support/localStack";
import { startRefresher, writeCredentials } from "../support/refresher";

const NAME = "syncback";
const [primary, first, second] = [`${NAME}-primary`, `${NAME}-replica-0`, `${NAME}-replica-1`];
const parent = mkdtempSync(join(tmpdir(), "pgrr-syncback-"));
chmodSync(parent, 0o755);
const runner = new LocalRunner(NAME, join(parent, "s"));
let outputs: StackOutputs;
const state = (): LocalState => runner.state()!;

const config = patched(localBase(), {
  name: NAME,
  olap: { enabled: false },
  replication: { synchronousCommit: "remote_apply", synchronousReplicas: 1 },
  resources: { primary: { memory: "256Mi" }, replica: { memory: "256Mi" } },
});

/** Statements in one session (ALTER SYSTEM of a custom setting needs its SET first), each on its own. */
const onWriter = (statements: string[]) =>
  superuserSql(
    nodeContext(runner.layout, state()),
    nodeByName(state(), state().writer),
    statements.flatMap((s) => ["-c", s]),
  );
const setting = async (name: string) =>
  (await runner.superuserQuery(first, `SELECT current_setting('${name}', true)`)).trim();
/** The three read at once: the keeper's reload may land between two queries. */
async function synchronousSettings(): Promise<{ names: string; commit: string; wanted: string }> {
  const read = await runner.superuserQuery(
    first,
    `SELECT json_build_object('names', current_setting('synchronous_standby_names'), 'commit', current_setting('synchronous_commit'), 'wanted', coalesce(current_setting('${WANTED_SETTINGS.names}', true), ''))`,
  );
  return JSON.parse(read) as { names: string; commit: string; wanted: string };
}

/** An insert through the write pool, and whether it has been acknowledged yet. */
function insert(id: number): { done: () => boolean; acknowledged: Promise<void> } {
  let done = false;
  const acknowledged = (async () => {
    const client = stackClient(outputs, outputs.pools.write, { queryTimeoutMs: 120_000 });
    await client.connect();
    try {
      await client.query("INSERT INTO acked (id) VALUES ($1)", [id]);
      done = true;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return { done: () => done, acknowledged };
}

/** A commit waits while the only named standby is stopped, and is acknowledged once it streams again. */
async function commitWaitsForTheStandby(id: number): Promise<void> {
  await runner.stopNodeByName(second);
  const pending = insert(id);
  // Long enough for a local commit through the pool many times over; the wait is PostgreSQL's, not a bound.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  expect(pending.done(), "a commit was acknowledged with its only synchronous standby stopped").toBe(false);
  await runner.startNodeByName(second);
  await pending.acknowledged;
}

beforeAll(async () => {
  ({ outputs } = await runner.up(topologyFromConfig(config).topology));
  const setup = stackClient(outputs, outputs.pools.write);
  await setup.connect();
  await setup.query("CREATE TABLE acked (id int PRIMARY KEY)");
  await setup.end();
}, 600_000);

afterAll(async () => {
  const down = await runner.down().catch(() => undefined);
  expect(down?.removed).toBe(true);
  rmSync(parent, { recursive: true, force: true });
}, 300_000);

describe.sequential("a synchronous stack promoted with no other replica running", () => {
  it("commits locally, then synchronously again once the follower streams, with nobody running a command", async () => {
    await runner.stopNodeByName(second);
    const promoted = await runner.promote({ replica: first, force: true });
    expect(promoted.synchronous).toMatch(/^asynchronous for now: none of the OLTP replicas that follow it/);
    expect(await synchronousSettings()).toEqual({
      names: "",
      commit: "local",
      wanted: `ANY 1 ("${second}")`,
    });
    await insert(1).acknowledged; // acknowledged by the writer alone: nothing to wait for

    await runner.startNodeByName(second); // it follows the new writer (it was stopped when the others were pointed)
    const restored = await eventually("the keeper made commits synchronous again", 60_000, async () => {
      const now = await synchronousSettings();
      return now.commit === "remote_apply" ? now : undefined;
    });
    expect(restored).toEqual({ names: `ANY 1 ("${second}")`, commit: "remote_apply", wanted: "" });
    await commitWaitsForTheStandby(2);
  });

  it("leaves alone what it must: no record, a hand-made setting, nothing more streaming", async () => {
    // The local controller is stopped so that only these statements change the writer.
    const controller = state().pids.readPoolController!;
    process.kill(controller, "SIGTERM");
    await eventually("the local controller stopped", 30_000, async () => !isAlive(controller) || undefined);

    expect((await runner.superuserQuery(first, KEEPER_SQL)).trim()).toBe("");
    await onWriter([
      ...recordWantedSql({ commit: "remote_apply", names: `ANY 1 ("${second}")` }),
      "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (someone_else)'",
      "SELECT pg_reload_conf()",
    ]);
    expect((await runner.superuserQuery(first, KEEPER_SQL)).trim()).toBe("");
    // A record asking for two, one of them never streaming: raised to the one that streams, never to two.
    await onWriter([
      ...recordWantedSql({ commit: "remote_apply", names: `ANY 2 ("${second}", "ghost")` }),
      `ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 ("${second}", "ghost")'`,
      "SELECT pg_reload_conf()",
    ]);
    expect((await runner.superuserQuery(first, KEEPER_SQL)).trim()).toBe("");
  });

  it("refresh.sh, beside a Kubernetes writer, does the same from the record a failover leaves", async () => {
    // As the failover leaves a writer with no follower running (promotedWriterSql with a degraded plan).
    await onWriter([
      "ALTER SYSTEM SET synchronous_commit = 'local'",
      "ALTER SYSTEM SET synchronous_standby_names = ''",
      ...recordWantedSql({ commit: "remote_apply", names: `ANY 1 ("${second}")` }),
      "SELECT pg_reload_conf()",
    ]);
    expect(await synchronousSettings()).toMatchObject({ names: "", commit: "local" });
    const credentials = join(parent, "credentials");
    writeCredentials(state(), credentials, state().passwords);
    const refresher = startRefresher(runner, state(), { writer: first, credentialsDir: credentials, dir: parent });
    try {
      await eventually("refresh.sh made commits synchronous again", 60_000, async () =>
        (await setting("synchronous_commit")) === "remote_apply" ? true : undefined,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; refresh.sh's log:\n${refresher.log()}`);
      });
      expect(await synchronousSettings()).toEqual({
        names: `ANY 1 ("${second}")`,
        commit: "remote_apply",
        wanted: "",
      });
      expect(refresher.log()).toContain(
        `refresh: synchronous commit raised: ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 ("${second}")'`,
      );
    } finally {
      await refresher.stop();
    }
    await commitWaitsForTheStandby(3);
  });

  it("lost no acknowledged commit on the way", async () => {
    const reader = stackClient(outputs, outputs.pools.write);
    await reader.connect();
    const ids = (await reader.query<{ id: number }>("SELECT id FROM acked ORDER BY id")).rows.map((r) => r.id);
    await reader.end();
    expect(ids).toEqual([1, 2, 3]);
    expect(primary).not.toBe(state().writer);
  });
});
