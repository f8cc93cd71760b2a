/**
 * Tokens with the writer's identity (token.ts) and what the client does with a given one (tokenPolicy.ts): signed and
 * verified with a rotating secret, dropped when expired, from the future or from another cluster; the writer's
 * identity asked for once and refreshed behind the calls (writerIdentity.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClientConfigError, ReplicaClient, TokenError, mergeTokens, parseToken } from "pg-read-replicas/client";
import { decodeToken, encodeToken, formatLsn } from "../../components/client/token";
import { TokenPolicy } from "../../components/client/tokenPolicy";
import { WriterIdentity } from "../../components/client/writerIdentity";

const SECRET = "s".repeat(32);
const OLD_SECRET = "o".repeat(40);
const WRITER = { system: "7442839455417651234", timeline: 3 };
const position = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const identity = fc.record({
  system: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String),
  timeline: fc.integer({ min: 1, max: 0xffffffff }),
});
const decoded = fc.record({
  position,
  identity,
  issuedAt: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  mac: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{22}$/), { nil: undefined }),
});

const clock = (start: number) => {
  const state = { now: start };
  return { state, now: () => state.now };
};

describe("tokens with an identity", () => {
  it("encode and decode to the same parts, in one canonical text safe in a header and a cookie", () => {
    fc.assert(
      fc.property(decoded, (token) => {
        const text = encodeToken(token);
        expect(text).toMatch(/^[0-9A-F]+\/[0-9A-F]+\.[0-9]+\.[0-9]+\.[0-9a-z]+(\.[A-Za-z0-9_-]{22})?$/);
        const back = decodeToken(text);
        expect(back).toEqual(Object.fromEntries(Object.entries(token).filter(([, v]) => v !== undefined)));
        expect(encodeURIComponent(text).replace(/%2F/g, "/")).toBe(text);
        expect(parseToken(text)).toBe(token.position);
      }),
    );
    expect(encodeToken({ position: 0x16b374d848n, identity: WRITER, issuedAt: 36 })).toBe(
      "16/B374D848.3.7442839455417651234.10",
    );
  });

  it("refuse an identity out of range or half written, naming the part", () => {
    expect(() => decodeToken("0/1.4294967296.1.1")).toThrow(/timeline 4294967296 is over 2\^32-1/);
    expect(() => decodeToken("0/1.1.18446744073709551616.1")).toThrow(/system identifier .* is over 2\^64-1/);
    for (const text of ["0/1.1", "0/1.1.2", "0/1.0.2.3", "0/1.1.2.3.short", "0/1.1.2.3.", "0/1.1.2.ZZ"]) {
      expect(() => decodeToken(text), text).toThrow(TokenError);
    }
  });

  it("merge to the latest position, returned as it was given (a signature survives)", () => {
    fc.assert(
      fc.property(fc.array(decoded, { minLength: 1, maxLength: 6 }), (tokens) => {
        const texts = tokens.map(encodeToken);
        const merged = mergeTokens(...texts)!;
        expect(texts).toContain(merged);
        expect(parseToken(merged)).toBe(tokens.map((t) => t.position).reduce((a, b) => (b > a ? b : a)));
        expect(mergeTokens(...[...texts].reverse())).toBe(merged);
      }),
    );
    // At one position the token that says more wins: an identity over a bare position.
    const bare = formatLsn(5n);
    const full = encodeToken({ position: 5n, identity: WRITER, issuedAt: 1 });
    expect(mergeTokens(bare, full)).toBe(full);
    expect(mergeTokens(full, bare)).toBe(full);
  });
});

describe("the token policy", () => {
  it("signs what it issues and reads it back; any edit of a signed token is refused before use", () => {
    const { now } = clock(1_000_000);
    const policy = new TokenPolicy({ secrets: [SECRET], maxAgeMs: 60_000, now });
    fc.assert(
      fc.property(position, fc.integer({ min: 0, max: 3 }), (p, part) => {
        const token = policy.issue(formatLsn(p), WRITER);
        expect(policy.accept(token, WRITER)).toEqual({ required: formatLsn(p), given: token });
        const parts = token.split(".");
        // Change one part: the position, the timeline, the system identifier or the issued time.
        parts[part] =
          part === 0
            ? formatLsn(p ^ 1n)
            : part === 3
              ? (parseInt(parts[3]!, 36) + 1).toString(36)
              : `${Number(parts[part]) + 1}`;
        expect(() => policy.accept(parts.join("."), WRITER)).toThrow(
          /has a signature none of this client's tokenSecret/,
        );
      }),
    );
  });

  it("with a secret, refuses unsigned tokens and bare positions, and the message names the secret", () => {
    const policy = new TokenPolicy({ secrets: [SECRET], maxAgeMs: 60_000 });
    const unsigned = new TokenPolicy({ maxAgeMs: 60_000 }).issue("0/10", WRITER);
    expect(() => policy.accept(unsigned, WRITER)).toThrow(
      /is not signed, and this client reads only tokens signed with its tokenSecret/,
    );
    expect(() => policy.accept("0/10", WRITER)).toThrow(TokenError);
  });

  it("rotates secrets: the first signs, any verifies, a removed one no longer does", () => {
    const old = new TokenPolicy({ secrets: [OLD_SECRET], maxAgeMs: 60_000 }).issue("1/0", WRITER);
    const rotating = new TokenPolicy({ secrets: [SECRET, OLD_SECRET], maxAgeMs: 60_000 });
    expect(rotating.accept(old, WRITER).required).toBe("1/0");
    const issued = rotating.issue("1/0", WRITER);
    expect(new TokenPolicy({ secrets: [SECRET], maxAgeMs: 60_000 }).accept(issued, WRITER).required).toBe("1/0");
    expect(() => new TokenPolicy({ secrets: [SECRET], maxAgeMs: 60_000 }).accept(old, WRITER)).toThrow(TokenError);
  });

  it("drops a token older than maxAgeMs or issued further ahead, and keeps one within it", () => {
    const { state, now } = clock(10_000_000);
    const policy = new TokenPolicy({ maxAgeMs: 60_000, now });
    const token = policy.issue("2/0", WRITER);
    state.now += 60_000;
    expect(policy.accept(token, WRITER)).toEqual({ required: "2/0", given: token });
    state.now += 1;
    expect(policy.accept(token, WRITER)).toEqual({ required: undefined, given: token, dropped: "expired" });
    state.now -= 2 * 60_000 + 2;
    expect(policy.accept(token, WRITER).dropped).toBe("issued_in_future");
    // A bare position carries no time: it never expires.
    state.now += 10 ** 9;
    expect(policy.accept("2/0", WRITER)).toEqual({ required: "2/0", given: "2/0" });
  });

  it("drops another cluster's token; a token from an earlier timeline of the same cluster is kept", () => {
    const policy = new TokenPolicy({ maxAgeMs: 60_000 });
    const token = policy.issue("3/0", WRITER);
    expect(policy.accept(token, { ...WRITER, system: "1" }).dropped).toBe("other_cluster");
    expect(policy.accept(token, { ...WRITER, timeline: 4 }).required).toBe("3/0");
    expect(policy.accept(token, undefined).required).toBe("3/0");
  });

  it("issues a bare position when the writer's identity is unknown: signed with a secret, and read back", () => {
    expect(new TokenPolicy({ maxAgeMs: 1 }).issue("0/3000148", undefined)).toBe("0/3000148");
    const signing = new TokenPolicy({ secrets: [SECRET], maxAgeMs: 1 });
    const token = signing.issue("0/3000148", undefined);
    expect(token).toMatch(/^0\/3000148\.[A-Za-z0-9_-]{22}$/);
    expect(signing.accept(token, WRITER)).toEqual({ required: "0/3000148", given: token });
    expect(() => signing.accept(`0/3000149${token.slice(9)}`, WRITER)).toThrow(TokenError);
  });
});

describe("token options", () => {
  const targets = {
    write: { label: "w", config: { host: "127.0.0.1", port: 1 } },
    read: { label: "r", config: { host: "127.0.0.1", port: 1 } },
  };
  it("refuse a short secret, an empty list and a max age below the staleness ceiling, naming the option", () => {
    expect(() => new ReplicaClient(targets, { tokenSecret: "short" })).toThrow(
      /tokenSecret is 5 bytes: use a string of at least 32 bytes/,
    );
    expect(() => new ReplicaClient(targets, { tokenSecret: [SECRET, "x"] })).toThrow(/tokenSecret\[1\] is 1 bytes/);
    expect(() => new ReplicaClient(targets, { tokenSecret: [] })).toThrow(ClientConfigError);
    expect(() => new ReplicaClient(targets, { tokenMaxAgeMs: 29_999 })).toThrow(
      /tokenMaxAgeMs = 29999: use a number of milliseconds ≥ maxReplicaStalenessMs \(30000\)/,
    );
    expect(() => new ReplicaClient(targets, { tokenMaxAgeMs: 5_000, maxReplicaStalenessMs: 5_000 })).not.toThrow();
  });
});

describe("the writer's identity", () => {
  it("is asked for once, refreshed behind the calls when stale, and not asked again soon after a failure", async () => {
    const { state, now } = clock(0);
    const answers: Array<() => Promise<typeof WRITER>> = [];
    let asked = 0;
    const identity = new WriterIdentity(
      () => {
        asked++;
        return answers.shift()!();
      },
      { refreshMs: 10_000, retryMs: 1_000, askTimeoutMs: 1_000, now },
    );
    answers.push(async () => WRITER);
    expect(await identity.current()).toEqual(WRITER);
    expect(await identity.current()).toEqual(WRITER);
    expect(asked).toBe(1);
    state.now = 10_001;
    let release!: () => void;
    answers.push(() => new Promise((resolve) => (release = () => resolve({ ...WRITER, timeline: 4 }))));
    expect(await identity.current()).toEqual(WRITER); // stale: returned at once, refreshed behind
    release();
    await new Promise((r) => setImmediate(r));
    expect(identity.peek).toEqual({ ...WRITER, timeline: 4 });

    const fresh = new WriterIdentity(
      () => {
        asked++;
        return Promise.reject(new Error("down"));
      },
      { refreshMs: 10_000, retryMs: 1_000, askTimeoutMs: 1_000, now },
    );
    const before = asked;
    expect(await fresh.current()).toBeUndefined();
    expect(await fresh.current()).toBeUndefined();
    expect(asked).toBe(before + 1);
    state.now += 1_001;
    await fresh.current();
    expect(asked).toBe(before + 2);
  });

  it("does not hold a call longer than askTimeoutMs for a writer that does not answer, nor again soon after", async () => {
    let asked = 0;
    const silent = new WriterIdentity(
      () => {
        asked++;
        return new Promise<never>(() => undefined);
      },
      { refreshMs: 10_000, retryMs: 60_000, askTimeoutMs: 20 },
    );
    await expect(silent.current()).resolves.toBeUndefined();
    await expect(silent.current()).resolves.toBeUndefined();
    expect(asked).toBe(1);
  });
});
