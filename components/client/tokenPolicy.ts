/**
 * What the client does with the tokens it is given and issues:
 *
 * - **Issued** with the writer's identity (system identifier and timeline) and the time, and signed when the client
 *   has a tokenSecret: HMAC-SHA-256 over the token's text, so a token a caller forged or edited (a far-future
 *   position, another cluster's identity) is refused before any I/O. Several secrets rotate: the first signs, any
 *   verifies.
 * - **Expired** after maxAgeMs: every replica read already requires a replica within maxReplicaStalenessMs of the
 *   writer (the staleness ceiling), so a token issued longer ago than that demands nothing more, and an old one is
 *   dropped instead of being compared. maxAgeMs is therefore never below the ceiling (checked with the options). A
 *   token issued further ahead than maxAgeMs is dropped too: a clock that far off, or a forgery.
 * - **From another cluster** (its system identifier is not the writer's: another stack's cookie, a test stack's token
 *   replayed against prod) it is dropped: its position says nothing about this cluster's WAL.
 *
 * A dropped token is a read without one (still under the ceiling); the route says why (Route.tokenDropped) and the
 * token returned is a fresh one. A bare position (no identity: from an older client, or made by hand) is taken as it
 * is unless a secret is set. Clamping a token ahead of the writer is route.ts/replicaClient.ts's.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { ClientConfigError } from "./errors";
import {
  type CausalityToken,
  type DecodedToken,
  type TokenIdentity,
  TokenError,
  decodeToken,
  encodeToken,
  formatLsn,
  parseToken,
  unsignedText,
} from "./token";

export type TokenDropReason = "expired" | "issued_in_future" | "other_cluster";

export interface TokenPolicyOptions {
  /** Secrets of ≥ 32 bytes: the first signs issued tokens; a given token must carry a valid MAC from one of them. */
  secrets?: readonly string[];
  maxAgeMs: number;
  now?: () => number;
}

export interface AcceptedToken {
  /** The position a replica must have replayed; undefined when no token was given or it was dropped. */
  required: string | undefined;
  /** The given token, canonical (returned as it is when nothing newer was seen). */
  given: CausalityToken | undefined;
  dropped?: TokenDropReason;
}

const MAC_DOMAIN = "pg-read-replicas causality token v1\n";
export const MIN_SECRET_BYTES = 32;

export function checkSecrets(secrets: readonly string[], option = "tokenSecret"): void {
  if (secrets.length === 0)
    throw new ClientConfigError(
      `client option ${option} is an empty list: give at least one secret, or leave the option out`,
    );
  secrets.forEach((secret, i) => {
    const bytes = typeof secret === "string" ? Buffer.byteLength(secret) : -1;
    if (bytes < MIN_SECRET_BYTES) {
      const which = secrets.length > 1 ? `${option}[${i}]` : option;
      throw new ClientConfigError(
        `client option ${which} is ${bytes < 0 ? `a ${typeof secret}` : `${bytes} bytes`}: use a string of at least ${MIN_SECRET_BYTES} bytes ` +
          "(e.g. openssl rand -base64 48), the same on every instance that issues or reads the tokens",
      );
    }
  });
}

function mac(secret: string, text: string): string {
  return createHmac("sha256", secret)
    .update(MAC_DOMAIN + text)
    .digest("base64url")
    .slice(0, 22);
}

export class TokenPolicy {
  private readonly now: () => number;

  constructor(private readonly options: TokenPolicyOptions) {
    this.now = options.now ?? Date.now;
    if (options.secrets) checkSecrets(options.secrets);
  }

  get signs(): boolean {
    return this.options.secrets !== undefined;
  }

  /**
   * Checks a given token: malformed, unsigned or wrongly signed (with a secret) is a TokenError, thrown before any
   * I/O; expired, future or foreign is dropped. `writer` is the writer's identity when known.
   */
  accept(token: string | null | undefined, writer: TokenIdentity | undefined): AcceptedToken {
    if (token === undefined || token === null || token === "") return { required: undefined, given: undefined };
    const decoded = decodeToken(token);
    this.verify(token, decoded);
    const given = encodeToken(decoded);
    const dropped = this.dropReason(decoded, writer);
    if (dropped) return { required: undefined, given, dropped };
    return { required: formatLsn(decoded.position), given };
  }

  /**
   * A token for `position`, with the writer's identity when known (else a bare position), signed with a secret either
   * way: a client that signs reads back every token it issues.
   */
  issue(position: string, writer: TokenIdentity | undefined): CausalityToken {
    const decoded: DecodedToken = { position: parseToken(position) };
    const unsigned = writer ? { ...decoded, identity: writer, issuedAt: this.now() } : decoded;
    const secret = this.options.secrets?.[0];
    return encodeToken(secret === undefined ? unsigned : { ...unsigned, mac: mac(secret, unsignedText(unsigned)) });
  }

  private verify(token: string, decoded: DecodedToken): void {
    const secrets = this.options.secrets;
    if (!secrets) return;
    const shown = token.length > 40 ? `${token.slice(0, 40)}…` : token;
    if (decoded.mac === undefined) {
      throw new TokenError(
        `${JSON.stringify(shown)} is not signed, and this client reads only tokens signed with its tokenSecret; no read was made. ` +
          "Pass the token exactly as write() or read() of a client with the same tokenSecret returned it, or none.",
      );
    }
    const expected = Buffer.from(decoded.mac);
    const text = unsignedText(decoded);
    const valid = secrets.some((secret) => {
      const actual = Buffer.from(mac(secret, text));
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    });
    if (!valid) {
      throw new TokenError(
        `${JSON.stringify(shown)} has a signature none of this client's tokenSecret values made (edited, forged, or signed with a secret since removed); no read was made. ` +
          "Pass the token exactly as it was returned, or none; when rotating secrets, keep the old one after the new one until old tokens expire.",
      );
    }
  }

  private dropReason(decoded: DecodedToken, writer: TokenIdentity | undefined): TokenDropReason | undefined {
    if (decoded.identity && writer && decoded.identity.system !== writer.system) return "other_cluster";
    if (decoded.issuedAt === undefined) return undefined;
    const age = this.now() - decoded.issuedAt;
    if (age > this.options.maxAgeMs) return "expired";
    if (-age > this.options.maxAgeMs) return "issued_in_future";
    return undefined;
  }
}
