/** Causality tokens: parsing, canonical form and merging, checked on arbitrary 64-bit positions. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TokenError, formatLsn, mergeTokens, normalizeToken, parseToken } from "pg-read-replicas/client";

const position = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const token = position.map(formatLsn);
/** Any spelling PostgreSQL's pg_lsn input accepts for the same position: either case, leading zeros. */
const spelling = fc.tuple(position, fc.boolean(), fc.integer({ min: 0, max: 7 })).map(([p, lower, pad]) => {
  const hex = (n: bigint) => n.toString(16).padStart(Math.min(8, n.toString(16).length + pad), "0");
  const text = `${hex(p >> 32n)}/${hex(p & 0xffffffffn)}`;
  return { position: p, text: lower ? text.toLowerCase() : text.toUpperCase() };
});

describe("causality tokens", () => {
  it("print as pg_lsn does and read back to the same position", () => {
    expect(formatLsn(0n)).toBe("0/0");
    expect(formatLsn((0x16n << 32n) | 0xb374d848n)).toBe("16/B374D848");
    expect(parseToken("16/B374D848")).toBe((0x16n << 32n) | 0xb374d848n);
    fc.assert(fc.property(position, (p) => parseToken(formatLsn(p)) === p));
  });

  it("accept every spelling of a position and normalize it to one", () => {
    fc.assert(fc.property(spelling, ({ position: p, text }) => normalizeToken(text) === formatLsn(p)));
  });

  it("merge to the latest, in any order and grouping, ignoring absent ones", () => {
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 8 }), (tokens) => {
        const merged = mergeTokens(...tokens)!;
        const latest = tokens.map(parseToken).reduce((a, b) => (b > a ? b : a));
        expect(parseToken(merged)).toBe(latest);
        expect(mergeTokens(...[...tokens].reverse())).toBe(merged);
        expect(mergeTokens(mergeTokens(...tokens.slice(0, 3)), mergeTokens(...tokens.slice(3)))).toBe(merged);
        expect(mergeTokens(merged, ...tokens)).toBe(merged);
        expect(mergeTokens(undefined, null, "", ...tokens)).toBe(merged);
      }),
    );
    expect(mergeTokens()).toBeUndefined();
    expect(mergeTokens(undefined, "", null)).toBeUndefined();
  });

  it("compare as 64-bit positions, not as text", () => {
    expect(mergeTokens("9/FFFFFFFF", "A/0")).toBe("A/0");
    expect(mergeTokens("0/FFFFFFF", "0/10000000")).toBe("0/10000000");
  });

  it("refuse anything else with a message that names the input and the form expected", () => {
    const bad = [
      "",
      "0",
      "0/",
      "/0",
      "0/0/0",
      "G/0",
      "0/123456789",
      "123456789/0",
      " 0/1",
      "0/1 ",
      "0x0/1",
      "-1/0",
      "0/1;DROP TABLE x",
      "lsn:0/1",
    ];
    for (const text of bad.filter(Boolean)) {
      expect(() => parseToken(text), text).toThrow(TokenError);
      expect(() => mergeTokens("0/1", text), text).toThrow(
        /is not a causality token: expected a WAL position such as 0\/3000148/,
      );
    }
    expect(() => parseToken("")).toThrow(TokenError);
    expect(() => parseToken("x".repeat(500))).toThrow(/"x{40}…" is not a causality token/);
    fc.assert(
      fc.property(fc.string(), (text) => {
        if (/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(text)) return;
        expect(() => parseToken(text)).toThrow(TokenError);
      }),
    );
  });
});
