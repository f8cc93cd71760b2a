/**
 * postgresql.conf quoting reads back to the value given. The reader below is
 * PostgreSQL's own rule (src/backend/utils/misc/guc-file.l: the STRING token and
 * GUC_scanstr); the integration suite checks the same against a real `postgres -C`.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { quoteSetting } from "../../components/render/postgresqlConf";

const STRING_TOKEN = /^'(?:[^'\\\n]|\\.|'')*'$/;
const ESCAPES: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/** guc-file.l's GUC_scanstr: backslash escapes (incl. octal), doubled quotes. */
export function readConfValue(text: string): string {
  if (!text.startsWith("'")) return text;
  expect(text).toMatch(STRING_TOKEN);
  let out = "";
  for (let i = 1; i < text.length - 1; i++) {
    const c = text[i]!;
    if (c === "\\") {
      const next = text[++i]!;
      const octal = /^[0-7]{1,3}/.exec(text.slice(i, text.length - 1))?.[0];
      if (octal) {
        out += String.fromCharCode(parseInt(octal, 8));
        i += octal.length - 1;
      } else out += ESCAPES[next] ?? next;
    } else if (c === "'" && text[i + 1] === "'") {
      out += "'";
      i++;
    } else out += c;
  }
  return out;
}

describe("postgresql.conf quoting", () => {
  it("reads back to the original value for any text without NUL", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme-ascii", maxLength: 40 }).filter((s) => !s.includes("\0")),
        (value) => {
          expect(readConfValue(quoteSetting(value))).toBe(value);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("covers the characters PostgreSQL's lexer treats specially", () => {
    for (const value of ["C:\\new", "it's", "a\nb", "\\\\", "'", 'ANY 1 ("a-0", "a-1")', "%m [%p] %q%u@%d "]) {
      expect(readConfValue(quoteSetting(value))).toBe(value);
    }
  });
});
