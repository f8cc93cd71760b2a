/**
 * The SCRAM-SHA-256 verifier (sql/scramVerifier.ts): its shape as PostgreSQL stores it (facts/postgres SCRAM_SECRET),
 * stable for the same (role, password) so a re-rendered Secret does not change, and different for another password or
 * role. That PostgreSQL takes it and a client logs in with the password is test/integration/scram-verifier.test.ts.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SCRAM_SECRET } from "../../components/facts/postgres";
import { VERIFIER_ENV, bootstrapEnvironment } from "../../components/render/bootstrapSql";
import { refreshFiles, refreshRoles, renderRefreshScript } from "../../components/render/refreshScript";
import { REFRESH_KEYS } from "../../components/kubernetes/conventions";
import { renderWriterBootstrapScript } from "../../components/render/writerBootstrapScript";
import {
  SCRAM_VERIFIER_PATTERN,
  derivedSalt,
  scramVerifier,
  scramVerifierWithSalt,
} from "../../components/sql/scramVerifier";
import { selfHostedTopology } from "../support/topologies";

const asciiPassword = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 64,
});
const role = fc.stringMatching(/^[a-z_][a-z0-9_]{0,30}$/);

function parts(verifier: string) {
  const [mechanism, iterationsAndSalt, keys] = verifier.split("$");
  const [iterations, salt] = iterationsAndSalt!.split(":");
  const [storedKey, serverKey] = keys!.split(":");
  return {
    mechanism,
    iterations: Number(iterations),
    salt: Buffer.from(salt!, "base64"),
    storedKey: Buffer.from(storedKey!, "base64"),
    serverKey: Buffer.from(serverKey!, "base64"),
  };
}

describe("scramVerifier", () => {
  it("has PostgreSQL's shape: SCRAM-SHA-256$4096:<16-byte salt>$<32-byte StoredKey>:<32-byte ServerKey>", () => {
    const { mechanism, iterations, saltBytes, keyBytes } = SCRAM_SECRET.format.value;
    fc.assert(
      fc.property(role, asciiPassword, (r, password) => {
        const verifier = scramVerifier(r, password);
        expect(verifier).toMatch(SCRAM_VERIFIER_PATTERN);
        const p = parts(verifier);
        expect(p).toMatchObject({ mechanism, iterations });
        expect([p.salt.length, p.storedKey.length, p.serverKey.length]).toEqual([saltBytes, keyBytes, keyBytes]);
        expect(verifier).not.toContain(password.length >= 8 ? password : "\u0000");
      }),
      { numRuns: 40 },
    );
  });

  it("is the same for the same role and password (no churn on re-render), another for another password or role", () => {
    fc.assert(
      fc.property(role, asciiPassword, asciiPassword, (r, a, b) => {
        expect(scramVerifier(r, a)).toBe(scramVerifier(r, a));
        if (a !== b) expect(scramVerifier(r, a)).not.toBe(scramVerifier(r, b));
        expect(derivedSalt(r, a).equals(derivedSalt(`${r}x`, a))).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it("uses the salt it is given, as PostgreSQL does with the salt it stores", () => {
    const salt = Buffer.alloc(16, 7);
    expect(parts(scramVerifierWithSalt("app", "pw", salt)).salt.equals(salt)).toBe(true);
  });

  it("refuses a non-ASCII or empty password, naming the role, instead of guessing SASLprep", () => {
    expect(() => scramVerifier("app", "pässword")).toThrow(/role "app".*non-ASCII.*use an ASCII password/);
    expect(() => scramVerifier("app", "")).toThrow(/role "app" is empty/);
  });
});

describe("where the verifiers go", () => {
  const topology = selfHostedTopology({ replicas: "1" });
  const passwords = { app: "appSecret123", replication: "replSecret456", monitor: "monSecret789" };

  it("the local bootstrap's environment holds each role's verifier and no password", () => {
    const env = bootstrapEnvironment(topology, passwords);
    expect(Object.keys(env).sort()).toEqual(Object.values(VERIFIER_ENV).sort());
    expect(env[VERIFIER_ENV.app]).toBe(scramVerifier(topology.user, passwords.app));
    const text = JSON.stringify(env);
    for (const password of Object.values(passwords)) expect(text).not.toContain(password);
  });

  it("refresh.sh sets the verifier files on the roles and refuses a file that is not a verifier", () => {
    const roles = refreshRoles(topology, REFRESH_KEYS);
    expect(refreshFiles(roles).sort()).toEqual(
      ["app-password-scram", "monitor-password-scram", "replication-password", "replication-password-scram"].sort(),
    );
    const script = renderRefreshScript(topology, roles, "/var/run/postgresql");
    execFileSync("bash", ["-n"], { input: script });
    expect(script).toContain(`-v 'app'="$(cat "$CREDENTIALS_DIR/app-password-scram")"`);
    expect(script).toContain(`case "$(cat "$CREDENTIALS_DIR/app-password-scram")" in 'SCRAM-SHA-256$'*) ;;`);
    // The cleartext replication password is read only for the passfile.
    expect(script.match(/CREDENTIALS_DIR\/replication-password"/g)).toHaveLength(1);
  });
});

describe("bootstrap.sh on a writer pod created before the verifiers", () => {
  it("skips bootstrap.sql (no failing postStart loop) when its environment has no verifiers, before waiting for the server", () => {
    const script = renderWriterBootstrapScript({
      socketDir: "/nonexistent",
      bootstrapSql: "/nonexistent/bootstrap.sql",
      port: 5432,
      waitSeconds: 1,
    });
    const pgdata = mkdtempSync(join(tmpdir(), "pgrr-bootstrap-"));
    try {
      const env = { PATH: "/usr/bin:/bin", PGDATA: pgdata, APP_PASSWORD: "legacy" };
      const result = spawnSync("bash", ["-c", script], { env, encoding: "utf8" });
      expect(result.status).toBe(0);
      expect(result.stderr).toMatch(/created before the roles' SCRAM verifiers.*bootstrap.sql not applied/);
      // With the verifiers it goes on to wait for the server (none here: it gives up and fails, as before).
      const current = spawnSync("bash", ["-c", script], {
        env: { ...env, APP_PASSWORD_SCRAM: "SCRAM-SHA-256$4096:x" },
        encoding: "utf8",
      });
      expect(current.status).not.toBe(0);
    } finally {
      rmSync(pgdata, { recursive: true, force: true });
    }
  });
});
