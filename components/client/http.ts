/**
 * The causality token across HTTP requests and background jobs, for services that keep no state between requests.
 * A request brings the token its caller last got (a header, or a cookie); the handler works through a Session started
 * from it; the response carries the session's token back. So a caller's read after its own write sees the write,
 * whichever instance serves each request, with no sticky sessions.
 *
 * - `causalityMiddleware`: Node's (req, res, next) shape, which Express and Connect take as it is (and Fastify
 *   through @fastify/express or middie): `req.db` is the session; the token is written as the headers are.
 * - `sessionFromRequest` and `withToken`: the Fetch API's Request and Response (Hono, Next.js route handlers, Bun,
 *   Deno, Cloudflare Workers).
 * - `runJob`: a background job whose payload carries the token of the request that enqueued it.
 *
 * A token is a WAL position with the writer's identity and grants nothing (token.ts; one ahead of the writer is healed
 * by the first read, Route.tokenClamped), so a cookie holding it need not be secret; a malformed one, or one without
 * a valid signature when the client has a tokenSecret, is answered 400 (or ignored).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ReplicaClient } from "./replicaClient";
import type { Session } from "./session";
import { type CausalityToken, TokenError, normalizeToken } from "./token";

export const TOKEN_HEADER = "x-causality-token";

export interface HttpTokenOptions {
  /** The request and response header carrying the token (case-insensitive). */
  header?: string;
  /** Also read the token from this cookie and set it there in the response; none by default. */
  cookie?: string;
  /** Cookie attributes beyond `Path=/; HttpOnly; SameSite=Lax`: `Secure` on by default. */
  secureCookie?: boolean;
  /** A malformed token: answer 400 (the default), or treat it as none. */
  onMalformedToken?: "reject" | "ignore";
}

export interface MiddlewareOptions extends HttpTokenOptions {
  /** Where the session goes on the request (default `db`). */
  property?: string;
}

type HeaderBag = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

function headerValue(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === "function")
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function cookieValue(headers: HeaderBag, name: string): string | undefined {
  for (const part of (headerValue(headers, "cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

/**
 * The token a request carries (its header, else its cookie), in canonical form; undefined when none. Throws
 * TokenError for a malformed one unless told to ignore it.
 */
export function tokenFromHeaders(headers: HeaderBag, options: HttpTokenOptions = {}): CausalityToken | undefined {
  const given =
    headerValue(headers, options.header ?? TOKEN_HEADER) ??
    (options.cookie ? cookieValue(headers, options.cookie) : undefined);
  if (given === undefined || given === "") return undefined;
  try {
    return normalizeToken(given.trim());
  } catch (error) {
    if (options.onMalformedToken === "ignore") return undefined;
    throw error;
  }
}

/** The response's headers for a token: the header, and the cookie when one is named. */
export function tokenHeaders(token: CausalityToken | undefined, options: HttpTokenOptions = {}): [string, string][] {
  if (token === undefined) return [];
  const headers: [string, string][] = [[options.header ?? TOKEN_HEADER, token]];
  if (options.cookie) {
    const secure = options.secureCookie === false ? "" : "; Secure";
    headers.push([
      "set-cookie",
      `${options.cookie}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax${secure}`,
    ]);
  }
  return headers;
}

/**
 * Node/Express/Connect middleware: a Session from the request's token on `req[property]`, and the session's token
 * in the response's headers, set as they are written (so whatever the handler wrote or read by then counts). A
 * malformed token is answered 400 with why, before the handler runs.
 */
export function causalityMiddleware(client: ReplicaClient, options: MiddlewareOptions = {}) {
  const property = options.property ?? "db";
  return (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    let session: Session;
    try {
      session = client.session(requestToken(client, req.headers, options));
    } catch (error) {
      if (!(error instanceof TokenError)) return next(error);
      res.statusCode = 400;
      res.setHeader("content-type", "text/plain; charset=utf-8");
      res.end(`${options.header ?? TOKEN_HEADER}: ${error.message}\n`);
      return;
    }
    (req as unknown as Record<string, unknown>)[property] = session;
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      if (!res.headersSent)
        for (const [name, value] of tokenHeaders(session.token, options)) res.appendHeader(name, value);
      return writeHead(...args);
    }) as ServerResponse["writeHead"];
    next();
  };
}

/**
 * The request's token as the client takes it: well formed, and signed with its tokenSecret when it has one. A token
 * that is not is a TokenError, or none when told to ignore it.
 */
function requestToken(
  client: ReplicaClient,
  headers: HeaderBag,
  options: HttpTokenOptions,
): CausalityToken | undefined {
  try {
    return client.checkToken(tokenFromHeaders(headers, options));
  } catch (error) {
    if (error instanceof TokenError && options.onMalformedToken === "ignore") return undefined;
    throw error;
  }
}

/** Fetch API: a Session from a Request's token (TokenError for a malformed or badly signed one unless ignored). */
export function sessionFromRequest(client: ReplicaClient, request: Request, options: HttpTokenOptions = {}): Session {
  return client.session(requestToken(client, request.headers, options));
}

/** Fetch API: the Response with the session's token in its headers (a new Response; the body is not read). */
export function withToken(response: Response, session: Session, options: HttpTokenOptions = {}): Response {
  const headers = new Headers(response.headers);
  for (const [name, value] of tokenHeaders(session.token, options)) headers.append(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * A background job that reads what the request enqueuing it wrote: the job's payload carries the request's token
 * (`session.token` when it enqueues), and the job runs through a session started from it. Returns the job's result
 * and the session's token after it, for a job that enqueues another.
 */
export async function runJob<T>(
  client: ReplicaClient,
  token: string | null | undefined,
  job: (session: Session) => Promise<T>,
): Promise<{ result: T; token: CausalityToken | undefined }> {
  const session = client.session(token);
  const result = await job(session);
  return { result, token: session.token };
}
