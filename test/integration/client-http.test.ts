/**
 * The causality token across HTTP requests and jobs, against the local stack: a Node http server with the middleware
 * (the (req, res, next) shape Express and Connect take), two instances of it behind no sticky sessions, a Fetch-API
 * handler (Hono, Next.js, Bun, Deno), and a background job. Each time, a read that follows the caller's own write,
 * through another request or a job, sees the write, with the replica paused so that a read without the token would
 * not (replay paused on every OLTP replica: the read waits, then the primary serves it, never a stale replica).
 */
import { type Server, createServer } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type ReplicaClient,
  type Session,
  TOKEN_HEADER,
  causalityMiddleware,
  parseToken,
  runJob,
  sessionFromRequest,
  withToken,
} from "pg-read-replicas/client";
import {
  clientWith,
  closeClients,
  pauseReplay,
  readVersion,
  resumeReplay,
  versionedTable,
  writeVersion,
} from "./clientSupport";
import { external, oltpReaders } from "./support";

let table: string;
const servers: Server[] = [];

/** One service instance: POST /write?v=N writes version N of key k; GET /read answers what it reads and where. */
async function instance(client: ReplicaClient, cookie?: string): Promise<string> {
  const middleware = causalityMiddleware(client, cookie ? { cookie, secureCookie: false } : {});
  const server = createServer((req, res) => {
    middleware(req, res, async (error?: unknown) => {
      if (error) {
        res.statusCode = 500;
        return res.end(String(error));
      }
      const db = (req as unknown as { db: Session }).db;
      const url = new URL(req.url!, "http://x");
      if (req.method === "POST") {
        await db.write((tx) => writeVersion(tx, table, "k", Number(url.searchParams.get("v"))));
        return res.end("written");
      }
      const read = await db.read((tx) => readVersion(tx, table, "k"), { maxWaitMs: 300 });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ version: read.result, target: read.route.target }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

beforeAll(async () => {
  table = await versionedTable("http");
});

afterEach(async () => {
  if (!external) for (const reader of oltpReaders()) await resumeReplay(reader.name);
});

afterAll(async () => {
  for (const server of servers) server.close();
  await closeClients();
});

const pauseReplicas = async () => {
  for (const reader of oltpReaders()) await pauseReplay(reader.name);
};

describe.skipIf(external)("the token through HTTP", () => {
  it("carries a write's token in a header from one instance to another, whose read sees it", async () => {
    const [a, b] = [await instance(clientWith()), await instance(clientWith())];
    await pauseReplicas();
    const written = await fetch(`${a}/write?v=7`, { method: "POST" });
    const token = written.headers.get(TOKEN_HEADER);
    expect(token).not.toBeNull();
    parseToken(token!);
    const read = await fetch(`${b}/read`, { headers: { [TOKEN_HEADER]: token! } });
    expect(await read.json()).toEqual({ version: 7, target: "primary" });
    // The read's response carries the token on: at or past the write's.
    expect(parseToken(read.headers.get(TOKEN_HEADER)!)).toBeGreaterThanOrEqual(parseToken(token!));
  });

  it("carries it in a cookie when told to, as a browser sends it back", async () => {
    const a = await instance(clientWith(), "pgrr_token");
    await pauseReplicas();
    const written = await fetch(`${a}/write?v=8`, { method: "POST" });
    const cookie = written.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^pgrr_token=[0-9A-F]+%2F[0-9A-F]+\.\d+\.\d+\.[0-9a-z]+; Path=\/; HttpOnly; SameSite=Lax$/);
    const read = await fetch(`${a}/read`, { headers: { cookie: cookie.split(";")[0]! } });
    expect(await read.json()).toEqual({ version: 8, target: "primary" });
  });

  it("answers 400 to a malformed token, before the handler runs", async () => {
    const a = await instance(clientWith());
    const response = await fetch(`${a}/read`, { headers: { [TOKEN_HEADER]: "yesterday" } });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/x-causality-token: "yesterday" is not a causality token/);
  });

  it("with a tokenSecret, answers 400 to a token another secret signed, and serves one its own secret signed", async () => {
    const secret = "http-test-secret-of-at-least-32-bytes";
    const a = await instance(clientWith({ tokenSecret: secret }));
    const foreign = (await clientWith({ tokenSecret: `other-${secret}` }).write(async () => undefined)).token;
    const refused = await fetch(`${a}/read`, { headers: { [TOKEN_HEADER]: foreign } });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/has a signature none of this client's tokenSecret values made/);
    const written = await fetch(`${a}/write?v=10`, { method: "POST" });
    const token = written.headers.get(TOKEN_HEADER)!;
    const read = await fetch(`${a}/read`, { headers: { [TOKEN_HEADER]: token } });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { version: number }).version).toBe(10);
  });

  it("works with the Fetch API's Request and Response, as Hono or a Next.js route handler would", async () => {
    const client = clientWith();
    const handle = async (request: Request): Promise<Response> => {
      const session = sessionFromRequest(client, request);
      if (request.method === "POST") {
        await session.write((tx) => writeVersion(tx, table, "k", 9));
        return withToken(new Response("written"), session);
      }
      const read = await session.read((tx) => readVersion(tx, table, "k"), { maxWaitMs: 300 });
      return withToken(Response.json({ version: read.result }), session);
    };
    await pauseReplicas();
    const written = await handle(new Request("http://x/write", { method: "POST" }));
    const token = written.headers.get(TOKEN_HEADER)!;
    const read = await handle(new Request("http://x/read", { headers: { [TOKEN_HEADER]: token } }));
    expect(await read.json()).toEqual({ version: 9 });
  });

  it("hands the token to a background job through its payload, and the job's read sees the write", async () => {
    const client = clientWith();
    await pauseReplicas();
    const request = client.session();
    await request.write((tx) => writeVersion(tx, table, "k", 10));
    const payload = JSON.parse(JSON.stringify({ key: "k", token: request.token }));
    const job = await runJob(client, payload.token, (session) =>
      session.read((tx) => readVersion(tx, table, payload.key), { maxWaitMs: 300 }),
    );
    expect(job.result.result).toBe(10);
    expect(parseToken(job.token!)).toBeGreaterThanOrEqual(parseToken(payload.token));
  });
});
