import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactConnectionString } from "../../components/ground/redact";
import { targetsFromEnv } from "../../components/client/targets";

/** A password no other part of the templates can contain, of printable ASCII (@ : / ? # % and quotes included). */
const password = fc
  .string({ minLength: 1, maxLength: 16 })
  .filter((s) => !/[\s\0]/.test(s))
  .map((s) => `S3cret${s}`);

/** The ways a URL reaches the client, well-formed or mistyped. */
const shapes: Array<(pw: string) => string> = [
  (pw) => `postgresql://app:${pw}@h:5432/db`,
  (pw) => `postgres://app:${encodeURIComponent(pw)}@h/db`,
  (pw) => `postgre://app:${pw}@h/db`, // a mistyped scheme
  (pw) => `mysql://app:${pw}@h/db`,
  (pw) => `postgresql:/app:${pw}@h/db`, // a missing slash
  (pw) => `app:${pw}@h/db`, // no scheme at all
  (pw) => `postgresql://app:${pw}@h`, // no database
  (pw) => `postgresql://app@h/db?password=${encodeURIComponent(pw)}&sslmode=require`,
  (pw) => `postgresql://h/db?sslmode=require&password=${encodeURIComponent(pw)}`,
  (pw) => `postgresql://h?sslpassword=${encodeURIComponent(pw)}`,
  (pw) => `host=h dbname=db user=app password=${pw.replace(/[\s']/g, "")}`,
  (pw) => `host=h password='${pw.replace(/['\\]/g, "")}' dbname=db`,
];

describe("connection strings made safe to print", () => {
  it("never print the password, whatever shape the string has", () => {
    fc.assert(
      fc.property(password, fc.integer({ min: 0, max: shapes.length - 1 }), (pw, shape) => {
        const url = shapes[shape]!(pw);
        const secret = shape >= 10 ? pw.replace(/[\s'\\]/g, "") : pw;
        expect(redactConnectionString(url)).not.toContain(secret);
        expect(redactConnectionString(url)).not.toContain(encodeURIComponent(secret));
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps what helps find the mistake: scheme, user, host and database", () => {
    expect(redactConnectionString("mysql://app:hunter2@db.example:5432/app")).toBe(
      "mysql://app:***@db.example:5432/app",
    );
    expect(redactConnectionString("postgresql://app:p@ss@word@h/db")).toBe("postgresql://app:***@h/db");
    expect(redactConnectionString("postgresql://h/db?password=x&sslmode=require")).toBe(
      "postgresql://h/db?password=***&sslmode=require",
    );
    expect(redactConnectionString("postgresql://h/db")).toBe("postgresql://h/db");
  });

  it("reach every error the client raises for a bad URL", () => {
    fc.assert(
      fc.property(password, fc.integer({ min: 2, max: 9 }), (pw, shape) => {
        const env = { DATABASE_PRIMARY_URL: "postgresql://a:b@h/db", DATABASE_REPLICA_URL: shapes[shape]!(pw) };
        let message = "";
        try {
          targetsFromEnv(env);
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).not.toContain(pw);
        expect(message).not.toContain(encodeURIComponent(pw));
      }),
      { numRuns: 500 },
    );
  });
});
