import pg from "pg";
import { describe, expect, it } from "vitest";
import { commitOutcome } from "../../components/client/commitOutcome";

function serverError(code: string): pg.DatabaseError {
  const error = new pg.DatabaseError("from the server", 0, "error");
  error.code = code;
  return error;
}

describe("what an error after COMMIT says about the write", () => {
  it.each([
    ["23505", "a deferred unique violation"],
    ["40001", "a serialization failure at commit"],
    ["P0001", "a deferred trigger's RAISE"],
    ["23503", "a deferred foreign key"],
  ])("%s (%s) proves the rollback", (code) => {
    expect(commitOutcome(serverError(code))).toBe("rolled back");
  });

  it.each([
    ["57P01", "the backend terminated"],
    ["57014", "the statement cancelled"],
    ["08006", "connection failure"],
    ["53200", "out of memory"],
    ["XX000", "internal error"],
    ["40003", "statement completion unknown"],
  ])("%s (%s), which the position query can raise after COMMIT succeeded, leaves it unknown", (code) => {
    expect(commitOutcome(serverError(code))).toBe("unknown");
  });

  it("leaves socket errors unknown, even one whose Node code looks like a SQLSTATE", () => {
    expect(commitOutcome(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }))).toBe("unknown");
    expect(commitOutcome(new Error("Connection terminated unexpectedly"))).toBe("unknown");
    expect(commitOutcome(new DOMException("aborted", "AbortError"))).toBe("unknown");
  });
});
