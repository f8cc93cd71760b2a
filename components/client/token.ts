/**
 * Causality tokens: a WAL position (LSN) in PostgreSQL's own text form, `16/B374D848`,
 * so a stateless service can carry one in a header or a cookie, a human can read it,
 * and SQL can cast it (`'16/B374D848'::pg_lsn`). Merging takes the later position:
 * a read gated on the merge has seen every write that produced its parts.
 */
import { UserError } from "../ground/errors";

export type CausalityToken = string;

export class TokenError extends UserError {
  override name = "TokenError";
}

/** Two 32-bit halves in hex, as pg_lsn prints them (`%X/%X`). Lower case and leading zeros are read too. */
const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** Parses a token into its 64-bit position; refuses anything else, naming what was expected. */
export function parseToken(token: string): bigint {
  const match = typeof token === "string" ? LSN_TEXT.exec(token) : null;
  if (!match) {
    const shown =
      typeof token === "string" ? JSON.stringify(token.length > 40 ? `${token.slice(0, 40)}…` : token) : String(token);
    throw new TokenError(
      `${shown} is not a causality token: expected a WAL position such as 0/3000148 (two hex numbers of up to 8 digits, as write() returns and pg_lsn prints); ` +
        "no read was made. Pass the token exactly as a previous write() or read() returned it, or none.",
    );
  }
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatLsn(position: bigint): CausalityToken {
  if (position < 0n || position >= 1n << 64n) throw new RangeError(`WAL position ${position} is outside 0..2^64-1`);
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The canonical form of a token (upper case, no leading zeros); throws TokenError on a malformed one. */
export function normalizeToken(token: string): CausalityToken {
  return formatLsn(parseToken(token));
}

/** The latest of any number of tokens; undefined and "" count as no token. Every present one must be well formed. */
export function mergeTokens(...tokens: ReadonlyArray<string | null | undefined>): CausalityToken | undefined {
  let latest: bigint | undefined;
  for (const token of tokens) {
    if (token === undefined || token === null || token === "") continue;
    const position = parseToken(token);
    if (latest === undefined || position > latest) latest = position;
  }
  return latest === undefined ? undefined : formatLsn(latest);
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
