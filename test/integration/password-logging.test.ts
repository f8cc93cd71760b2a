/**
 * Issue 25, item 4, on a real local stack of its own: no role password is ever the text of a statement. The stack
 * boots with log_min_duration_statement = 0 on the primary (stack config: every statement reaches the server log), the
 * test adds log_statement = 'all' (not a setting stack config may override), then rotates every password twice —
 * by the bootstrap every writer start runs, and by the rendered refresh.sh as the statefulset engine's refresher runs
 * it — while the monitoring role (pg_monitor: it reads every session's query) samples pg_stat_activity. The server
 * log and every sampled query must hold the verifiers and never a password. Before this, `ALTER ROLE … PASSWORD`
 * carried the cleartext and the log held it.
 *
 * Also here, against the same server: PostgreSQL stores the verifier as given, a client logs in with the password
 * through SCRAM, and the verifier computed in TypeScript equals, byte for byte, the one PostgreSQL computes for the
 * same password and salt.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { external } from "./support";
import type { StackOutputs } from "../../components/contract/stackOutputs";
import { nodeContext } from "../../components/local/contexts";
import { bootstrapPrimary } from "../../components/local/postgresNode";
import { LocalRunner } from "../../components/local/runner";
import type { LocalState } from "../../components/local/state";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { scramVerifier, scramVerifierWithSalt } from "../../components/sql/scramVerifier";
import { localBase, patched } from "../support/configs";
import { clientOn, eventually } from "../support/localStack";
import { startRefresher, writeCredentials } from "../support/refresher";

const parent = mkdtempSync(join(tmpdir(), "pgrr-pwlog-"));
chmodSync(parent, 0o755);
const runner = new LocalRunner("pwlog", join(parent, "pwlog"));
let outputs: StackOutputs;
let state: LocalState;
/** Every password any role of the stack held: none may ever be in the log or in pg_stat_activity. */
const passwords: string[] = [];

const config = patched(localBase(), {
  name: "pwlog",
  replicas: "1",
  olap: { enabled: false },
  resources: { primary: { memory: "256Mi" }, replica: { memory: "256Mi" } },
  postgresql: { primary: { log_min_duration_statement: "0" } },
});

beforeAll(async () => {
  if (external) return;
  ({ outputs } = await runner.up(topologyFromConfig(config).topology));
  state = runner.state()!;
  passwords.push(state.passwords.app, state.passwords.replication, state.passwords.monitor);
}, 600_000);

afterAll(async () => {
  await runner.down().catch(() => undefined);
  rmSync(parent, { recursive: true, force: true });
}, 300_000);

const writer = () => state.topology.primary;
const serverLog = () => readFileSync(runner.layout.log(writer().name), "utf8");

async function appLogin(password: string): Promise<void> {
  const client = clientOn({ ...outputs, password }, outputs.writer);
  await client.connect();
  await client.end();
}

/**
 * The monitoring role (pg_monitor) reading every session's query text, as fast as it can, until stopped. (The
 * application user no longer may: it sees other sessions' queries as <insufficient privilege>.)
 */
function sampleActivity(): { stop: () => Promise<string[]> } {
  const seen: string[] = [];
  let running = true;
  // pg_hba admits the monitoring role to the postgres database (where the exporters read); pg_stat_activity is
  // the same in every database.
  const monitor = {
    ...outputs,
    database: "postgres",
    user: state.topology.monitoring.user,
    password: state.passwords.monitor,
  };
  const client: pg.Client = clientOn(monitor, outputs.writer);
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ query: string }>(
        "SELECT query FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query <> ''",
      );
      seen.push(...rows.map((r) => r.query));
    }
    await client.end();
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

describe.skipIf(external)("role passwords never travel as SQL text", () => {
  it("PostgreSQL stores the verifier as given, and the application user logs in with the password (SCRAM)", async () => {
    const stored = await runner.superuserQuery(
      writer().name,
      `SELECT rolpassword FROM pg_authid WHERE rolname = '${state.topology.user}'`,
    );
    expect(stored).toBe(scramVerifier(state.topology.user, state.passwords.app));
    await appLogin(state.passwords.app);
    await expect(appLogin(`${state.passwords.app}x`)).rejects.toThrow(/password authentication failed/);
  });

  it("computes, for PostgreSQL's own salt, exactly the verifier PostgreSQL stores", async () => {
    // A throwaway role and password (not the stack's), hashed by the server itself.
    const probe = "Probe-Passw0rd!~ with spaces";
    await runner.superuserQuery(
      writer().name,
      `SET password_encryption = 'scram-sha-256'; CREATE ROLE scram_probe NOLOGIN PASSWORD '${probe}'`,
    );
    const stored = await runner.superuserQuery(
      writer().name,
      "SELECT rolpassword FROM pg_authid WHERE rolname = 'scram_probe'",
    );
    const salt = Buffer.from(stored.split("$")[1]!.split(":")[1]!, "base64");
    expect(scramVerifierWithSalt("scram_probe", probe, salt)).toBe(stored);
  });

  it("boots and rotates twice (bootstrap, refresh.sh) under log_statement = 'all': no password in the log or pg_stat_activity", async () => {
    await runner.superuserQuery(writer().name, "ALTER SYSTEM SET log_statement = 'all'");
    await runner.superuserQuery(writer().name, "SELECT pg_reload_conf()");
    const sampler = sampleActivity();

    // A writer start with new passwords: the bootstrap sets each role's verifier.
    const first = { app: "rotatedAppFirst0001", replication: "rotatedReplFirst0002", monitor: "rotatedMonFirst0003" };
    passwords.push(...Object.values(first));
    await bootstrapPrimary(
      { ...nodeContext(runner.layout, state), passwords: { ...state.passwords, ...first } },
      writer(),
    );
    await appLogin(first.app);

    // The refresher on a running writer: the Secret's files change, it sets the new verifiers.
    const second = { app: "rotatedAppSecond004", replication: "rotatedReplSecond05", monitor: "rotatedMonSecond006" };
    passwords.push(...Object.values(second));
    const credentials = join(parent, "credentials");
    writeCredentials(state, credentials, second);
    const refresher = startRefresher(runner, state, {
      writer: writer().name,
      credentialsDir: credentials,
      dir: parent,
    });
    try {
      await eventually(
        "the refresher set the rotated application password",
        60_000,
        async () =>
          (await appLogin(second.app).then(
            () => true,
            () => false,
          )) || undefined,
      );
    } finally {
      await refresher.stop();
    }
    const queries = await sampler.stop();

    const log = serverLog();
    // The statements that set the passwords were logged: logging was on, and the test looks where it should.
    expect(log).toMatch(/statement: ALTER ROLE app WITH LOGIN NOSUPERUSER NOCREATEROLE PASSWORD /);
    expect(log).toMatch(/statement: ALTER ROLE app PASSWORD /);
    expect(queries.length).toBeGreaterThan(0);
    for (const password of passwords) {
      expect(log.includes(password), "a password is in the server log").toBe(false);
      expect(
        queries.filter((q) => q.includes(password)),
        "a password is in pg_stat_activity",
      ).toEqual([]);
    }
    // What they carried instead: the verifiers.
    expect(log).toContain(`PASSWORD '${scramVerifier("app", second.app)}'`);
  }, 180_000);
});
