/**
 * Causality tokens. The heart of one is a WAL position (LSN) in PostgreSQL's own text form,
 * `16/B374D848`, which SQL can cast (`'16/B374D848'::pg_lsn`). The client issues it with the
 * writer's identity and the time it was issued, dot-separated, so a token can be told apart
 * when it comes from another cluster or from long ago (tokenPolicy.ts):
 *
 *   16/B374D848.1.7442839455417651234.miuq1x7k[.<mac>]
 *   position    timeline  system_identifier  issued (epoch ms, base 36)  HMAC (with a tokenSecret)
 *
 * (A client that signs but does not know the writer's identity yet issues the position with its HMAC alone.)
 * Every character is safe in a header and a cookie value. A bare position is still read (a
 * token from before identities, or one a caller made) and carries no identity. Merging takes
 * the token with the later position, as it is: a read gated on the merge has seen every write
 * that produced its parts, and a signed token keeps its signature.
 */
import { UserError } from "../ground/errors";

export type CausalityToken = string;

export class TokenError extends UserError {
  override name = "TokenError";
}

/** The writer a token was issued for: its cluster (pg_control_system()) and WAL timeline. */
export interface TokenIdentity {
  /** system_identifier, decimal: the same on the writer and every physical replica of it. */
  system: string;
  timeline: number;
}

export interface DecodedToken {
  position: bigint;
  identity?: TokenIdentity;
  /** Epoch ms. */
  issuedAt?: number;
  /** base64url HMAC-SHA-256 of the rest, first 22 characters (tokenPolicy.ts). */
  mac?: string;
}

/** Two 32-bit halves in hex, as pg_lsn prints them (`%X/%X`). Lower case and leading zeros are read too. */
const LSN = "([0-9A-Fa-f]{1,8})\\/([0-9A-Fa-f]{1,8})";
const TOKEN_TEXT = new RegExp(
  `^${LSN}(?:\\.([1-9][0-9]{0,9})\\.([0-9]{1,20})\\.([0-9a-z]{1,11}))?(?:\\.([A-Za-z0-9_-]{22}))?$`,
);
const MAX_U64 = (1n << 64n) - 1n;

function malformed(token: unknown, why = ""): TokenError {
  const shown =
    typeof token === "string" ? JSON.stringify(token.length > 40 ? `${token.slice(0, 40)}…` : token) : String(token);
  return new TokenError(
    `${shown} is not a causality token: expected a WAL position such as 0/3000148 (two hex numbers of up to 8 digits, as pg_lsn prints), ` +
      `optionally followed by what write() adds (0/3000148[.<timeline>.<system id>.<issued>][.<signature>])${why}; ` +
      "no read was made. Pass the token exactly as a previous write() or read() returned it, or none.",
  );
}

/** Reads a token's parts; refuses anything else, naming what was expected. */
export function decodeToken(token: string): DecodedToken {
  const match = typeof token === "string" ? TOKEN_TEXT.exec(token) : null;
  if (!match) throw malformed(token);
  const position = (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
  const mac = match[6] !== undefined ? { mac: match[6] } : {};
  if (match[3] === undefined) return { position, ...mac };
  const timeline = Number(match[3]);
  const system = BigInt(match[4]!);
  const issuedAt = parseInt(match[5]!, 36);
  if (timeline > 0xffffffff) throw malformed(token, ` (timeline ${match[3]} is over 2^32-1)`);
  if (system > MAX_U64) throw malformed(token, ` (system identifier ${match[4]} is over 2^64-1)`);
  if (!Number.isSafeInteger(issuedAt)) throw malformed(token, ` (issued time ${match[5]} is not a time)`);
  return {
    position,
    identity: { system: system.toString(), timeline },
    issuedAt,
    ...mac,
  };
}

/** A token's WAL position. */
export function parseToken(token: string): bigint {
  return decodeToken(token).position;
}

export function formatLsn(position: bigint): CausalityToken {
  if (position < 0n || position > MAX_U64) throw new RangeError(`WAL position ${position} is outside 0..2^64-1`);
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The text a MAC is computed over: the canonical token without its MAC. */
export function unsignedText(token: Omit<DecodedToken, "mac">): string {
  const lsn = formatLsn(token.position);
  if (!token.identity) return lsn;
  return `${lsn}.${token.identity.timeline}.${token.identity.system}.${(token.issuedAt ?? 0).toString(36)}`;
}

/** The canonical text of a decoded token. */
export function encodeToken(token: DecodedToken): CausalityToken {
  const text = unsignedText(token);
  return token.mac !== undefined ? `${text}.${token.mac}` : text;
}

/** The canonical form of a token (upper-case position, no leading zeros); throws TokenError on a malformed one. */
export function normalizeToken(token: string): CausalityToken {
  return encodeToken(decodeToken(token));
}

/** Of two tokens at one position, the one that says more: with an identity, then issued later. */
function better(a: DecodedToken, b: DecodedToken): boolean {
  if (a.position !== b.position) return a.position > b.position;
  if (!a.identity !== !b.identity) return a.identity !== undefined;
  if ((a.issuedAt ?? 0) !== (b.issuedAt ?? 0)) return (a.issuedAt ?? 0) > (b.issuedAt ?? 0);
  return encodeToken(a) > encodeToken(b);
}

/**
 * The latest of any number of tokens, in canonical form; undefined and "" count as no token. Every present one must
 * be well formed.
 */
export function mergeTokens(...tokens: ReadonlyArray<string | null | undefined>): CausalityToken | undefined {
  let latest: DecodedToken | undefined;
  for (const token of tokens) {
    if (token === undefined || token === null || token === "") continue;
    const decoded = decodeToken(token);
    if (latest === undefined || better(decoded, latest)) latest = decoded;
  }
  return latest === undefined ? undefined : encodeToken(latest);
}

/** True when `position` (as a server reported it) is at or past `token`. */
export function reached(position: string, token: CausalityToken | undefined): boolean {
  return token === undefined || parseToken(position) >= parseToken(token);
}

/** Bytes from `position` up to `token` (0 when already past it). */
export function bytesBehind(position: string, token: CausalityToken | undefined): number {
  if (token === undefined) return 0;
  const gap = parseToken(token) - parseToken(position);
  return gap > 0n ? Number(gap) : 0;
}
