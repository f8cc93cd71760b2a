/**
 * Promotion after the primary stops, on a topology this file boots for itself (the integration suite's,
 * under its own state directory): a promoted topology cannot be turned back in place, so the suite's
 * shared one is never promoted. A replica becomes the writer, the write pool follows it, no replicated row
 * is lost, and monitoring follows the new writer.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Endpoint, StackOutputs } from "../../components/contract/stackOutputs";
import { prometheusUrl } from "../../components/local/monitoring";
import { LocalRunner } from "../../components/local/runner";
import { TARGET_LABELS } from "../../components/monitoring/targets";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { verifyStack } from "../../components/verify/verifier";
import { ReplicaClient } from "pg-read-replicas/client";
import { decodeToken, encodeToken } from "../../components/client/token";
import { integrationConfig } from "../support/integrationTopology";
import {
  endpointOf,
  eventually,
  oltpReadersOf,
  readPoolHostsOf,
  readPoolLandingsOf,
  sqlOn,
} from "../support/localStack";

let parent: string;
let local: LocalRunner;
let outputs: StackOutputs;

beforeAll(async () => {
  // mkdtemp makes a 0700 directory; the servers run as postgres and must get through it.
  parent = mkdtempSync(join(tmpdir(), "pgrr-promote-"));
  chmodSync(parent, 0o755);
  local = new LocalRunner("promote", join(parent, "s"));
  ({ outputs } = await local.up(topologyFromConfig(integrationConfig()).topology));
});

afterAll(async () => {
  await local?.down();
  if (parent) rmSync(parent, { recursive: true, force: true });
});

const runner = () => local;
const sql = <T = Record<string, unknown>>(
  endpoint: Endpoint,
  text: string,
  values: unknown[] = [],
  timeoutMs?: number,
) => sqlOn<T>(outputs, endpoint, text, values, timeoutMs);
const oltpReaders = () => oltpReadersOf(outputs);
const readPoolHosts = () => readPoolHostsOf(runner(), outputs);
const readPoolLandings = (count: number) => readPoolLandingsOf(outputs, count);

interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
}

type RuleGroups = {
  data: {
    groups: Array<{ lastEvaluation: string; rules: Array<{ name: string; annotations?: Record<string, string> }> }>;
  };
};

/** After promote, the local Prometheus treats the promoted node as the writer and no longer scrapes the retired one. */
async function expectMonitoringToFollow(writer: string, retired: string): Promise<void> {
  const state = runner().state()!;
  if (!state.monitoring) return;
  const url = prometheusUrl(state.monitoring.prometheus);
  const reloadedBy = Date.now();
  const rules = async () => (await (await fetch(`${url}/api/v1/rules`)).json()) as RuleGroups;
  const notInRecovery = (await rules()).data.groups
    .flatMap((g) => g.rules)
    .find((r) => r.name === "PgReplicaNotInRecovery");
  expect(notInRecovery?.annotations?.description).toContain(`the writer is ${writer}`);
  // Prometheus hands new targets to its scrape manager at most every 5 s after a reload.
  await eventually(`${retired} no longer scraped`, 20_000, async () => {
    const targets = (await (await fetch(`${url}/api/v1/targets`)).json()) as {
      data: { activeTargets: Array<{ labels: Record<string, string> }> };
    };
    return targets.data.activeTargets.some((t) => t.labels[TARGET_LABELS.node] === retired) ? undefined : true;
  });
  // Every group evaluated twice since the reload (on Prometheus's clock, the same as ours): a rule still
  // naming the promoted node a replica would be pending by then.
  const twice = reloadedBy + 2 * state.topology.monitoring.scrapeIntervalMs;
  await eventually("two rule evaluations after the reload", 60_000, async () =>
    (await rules()).data.groups.every((g) => Date.parse(g.lastEvaluation) > twice) ? true : undefined,
  );
  const active = ((await (await fetch(`${url}/api/v1/alerts`)).json()) as { data: { alerts: PrometheusAlert[] } }).data
    .alerts;
  // Alerts about roles; the retired writer's own (its exporter could not reach it) end with its series, not here.
  const roleAlerts = ["PgReplicaNotInRecovery", "PgMoreThanOneWriter", "PgFewerStreamingReplicasThanDeclared"];
  const aboutWriter = active.filter(
    (a) =>
      roleAlerts.includes(a.labels.alertname ?? "") ||
      (a.labels.alertname === "PgReplicaNotStreaming" && Object.values(a.labels).includes(writer)),
  );
  expect(aboutWriter.map((a) => `${a.labels.alertname} ${a.state} ${JSON.stringify(a.labels)}`)).toEqual([]);
}

describe("the primary stopped", () => {
  it("lets promote turn a replica into the writer, repoint the write pool, and lose no replicated row", async () => {
    await sql(outputs.pools.write, "CREATE TABLE before_failover (id int PRIMARY KEY)");
    await sql(outputs.pools.write, "INSERT INTO before_failover SELECT generate_series(1, 500)");
    for (const reader of oltpReaders()) {
      await eventually(`500 rows on ${reader.name}`, 10_000, async () =>
        (await sql(endpointOf(reader), "SELECT count(*)::int AS n FROM before_failover"))[0]!.n === 500
          ? true
          : undefined,
      );
    }
    // The routing client's tokens name the writer's timeline: the one before the promotion, then the new one.
    const client = ReplicaClient.fromOutputs(outputs, { maxWaitMs: 2_000 });
    const before = decodeToken((await client.write((tx) => tx.query("INSERT INTO before_failover VALUES (0)"))).token);
    await runner().stopNodeByName("it-primary-0", "immediate");
    // PgBouncer queues the client (query_wait_timeout) while no writer answers; give up after 3s.
    await expect(sql(outputs.pools.write, "INSERT INTO before_failover VALUES (501)", [], 3000)).rejects.toThrow();

    const result = await runner().promote();
    expect(["it-replica-0", "it-replica-1"]).toContain(result.promoted);
    expect(result.formerWriter).toBe("it-primary-0");
    expect(result.writeThroughPoolMs).toBeLessThan(60_000);

    const [landed] = await sql<{ name: string; in_recovery: boolean }>(
      outputs.pools.write,
      "INSERT INTO before_failover VALUES (501) RETURNING current_setting('cluster_name') AS name, pg_is_in_recovery() AS in_recovery",
    );
    expect(landed).toEqual({ name: result.promoted, in_recovery: false });
    expect((await sql(outputs.pools.write, "SELECT count(*)::int AS n FROM before_failover"))[0]!.n).toBe(502);

    const written = await client.write((tx) => tx.query("INSERT INTO before_failover VALUES (502)"));
    const after = decodeToken(written.token);
    expect(after.identity).toEqual({ system: before.identity!.system, timeline: before.identity!.timeline + 1 });
    // A token from before the promotion is still this cluster's: kept, and a replica of the new writer serves it.
    const read = await client.read((tx) => tx.query("SELECT 1"), { token: encodeToken(before) });
    expect(read.route.tokenDropped).toBeUndefined();
    expect(decodeToken(read.token!).identity?.timeline).toBe(after.identity!.timeline);
    await client.close();

    const promotedOutputs = runner().outputs();
    const promoted = outputs.readers.find((r) => r.name === result.promoted)!;
    expect(promotedOutputs.writer).toEqual({ host: promoted.host, port: promoted.port });
    const report = await verifyStack(promotedOutputs, { timeoutMs: 60_000 });
    expect(report.problems).toEqual([]);
    expect(await readPoolLandings(30)).not.toContain(result.promoted);
    await eventually("the promoted replica out of the read pool's host list", 10_000, async () =>
      (await readPoolHosts()).includes(promoted.host) ? undefined : true,
    );
    await expectMonitoringToFollow(result.promoted, result.formerWriter);
  });
});
