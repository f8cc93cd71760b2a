/** PG_POOL against the pg-pool the repository installs: the version cited, and the queue's timeout message in it. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SOURCES } from "../../components/facts/sources";
import { PROJECT_ROOT } from "../../components/ground/paths";
import { PG_POOL } from "../../components/facts/postgres/pgPool";

const root = join(PROJECT_ROOT, "node_modules", "pg-pool");

describe("pg-pool as installed", () => {
  it("is the version the facts cite", () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    expect(SOURCES.pgPool.ref).toBe(`pg-pool@${version}`);
  });

  it("fails a connect() that waited in its full pool's queue with the message the client tells apart", () => {
    const source = readFileSync(join(root, "index.js"), "utf8");
    const start = source.indexOf("if (this._isFull() || this._idle.length)");
    const queued = source.slice(start, source.indexOf("this._pendingQueue.push(pendingItem)", start));
    expect(queued).toContain(`new Error('${PG_POOL.queueTimeoutMessage.value}')`);
    // A new client's own connect timeout says something else, so it still counts against the server.
    expect(source).toContain("Connection terminated due to connection timeout");
    expect(source.split(PG_POOL.queueTimeoutMessage.value).length - 1).toBe(1);
  });
});
