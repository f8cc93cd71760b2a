/**
 * PgBouncer's resident memory with N TLS clients logged in, to size the pool pods' memory from a measurement:
 * `npx tsx bench/pgbouncerMemory.ts 1000 4000` (run as root; PgBouncer runs as postgres). The clients log in
 * over TLS (client_tls_sslmode = require, SCRAM) to PgBouncer's own console, which needs no server: what is measured
 * is the per-client cost of the pooler (socket, TLS session, buffers), not server connections.
 */
import { execFileSync, spawn } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { findPgbouncer } from "../components/local/binaries";

const counts = process.argv.slice(2).map(Number);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

async function main(): Promise<void> {
  const max = Math.max(...counts);
  const dir = mkdtempSync(join(tmpdir(), "pgrr-bouncer-rss-"));
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString());
  execFileSync("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"],
    ...["-subj", "/CN=bench", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
  ]);
  writeFileSync(join(dir, "users.txt"), '"bench" "bench-password"\n');
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      "listen_port = 16432",
      "auth_type = scram-sha-256",
      `auth_file = ${join(dir, "users.txt")}`,
      "stats_users = bench",
      `logfile = ${join(dir, "log")}`,
      `max_client_conn = ${max + 10}`,
      "client_tls_sslmode = require",
      `client_tls_cert_file = ${join(dir, "cert.pem")}`,
      `client_tls_key_file = ${join(dir, "key.pem")}`,
      "",
    ].join("\n"),
  );
  for (const f of ["", "users.txt", "pgbouncer.ini", "key.pem", "cert.pem"]) chownSync(join(dir, f), uid, gid);
  // runuser's PAM session resets the open-files limit to 1024: raise it, or logins stall past ~1000 clients.
  const start = `ulimit -n ${max + 100} && exec ${findPgbouncer().path} ${join(dir, "pgbouncer.ini")}`;
  const bouncer = spawn("runuser", ["-u", "postgres", "--", "sh", "-c", start], { stdio: "ignore" });
  await sleep(1000);
  const pid = Number(
    execFileSync("pgrep", ["-P", String(bouncer.pid)])
      .toString()
      .trim(),
  );
  const clients: pg.Client[] = [];
  try {
    console.log(`PgBouncer ${findPgbouncer().version}, 0 clients: RSS ${rssMiB(pid).toFixed(1)} MiB`);
    for (const count of counts) {
      while (clients.length < count) {
        const batch = Array.from({ length: Math.min(50, count - clients.length) }, async () => {
          const c = new pg.Client({
            host: "127.0.0.1",
            port: 16432,
            database: "pgbouncer",
            user: "bench",
            password: "bench-password",
            ssl: { rejectUnauthorized: false },
          });
          await c.connect();
          await c.query("SHOW VERSION");
          return c;
        });
        clients.push(...(await Promise.all(batch)));
      }
      await sleep(500);
      const rss = rssMiB(pid);
      console.log(`${count} TLS clients: RSS ${rss.toFixed(1)} MiB`);
    }
  } finally {
    await Promise.allSettled(clients.map((c) => c.end()));
    bouncer.kill("SIGTERM");
    process.kill(pid, "SIGTERM");
    if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
    else console.log(dir);
  }
}

void main();
