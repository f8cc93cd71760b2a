/**
 * The streaming statement's inputs: what cannot be written into it safely is refused while rendering. (The statement
 * itself runs on a real PostgreSQL in test/integration/streaming-rule.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { type StreamingExpectation, streamingProblemsSql } from "../../components/sql/streamingSql";

const node: StreamingExpectation = { kind: "node", name: "pg-replica-0", slot: "pg_replica_0", role: "oltp" };

describe("streamingProblemsSql", () => {
  it("refuses a lag bound that is not a number of bytes", () => {
    for (const bound of [Number.NaN, -1, Number.POSITIVE_INFINITY])
      expect(() => streamingProblemsSql([node], bound)).toThrow(`the byte lag bound ${bound} is not a number of bytes`);
  });

  it("refuses an instance count that is not a whole number, naming the Cluster", () => {
    const instances: StreamingExpectation = {
      kind: "instances",
      cluster: "pg",
      count: 1.5,
      slotPrefix: "_cnpg_",
      role: "oltp",
    };
    expect(() => streamingProblemsSql([instances], 1024)).toThrow("pg: an instance count of 1.5 is not a whole number");
  });

  it("doubles a name's single quotes and refuses a NUL, which no SQL literal can hold", () => {
    expect(streamingProblemsSql([{ ...node, name: "it's" }], 1024)).toContain("'it''s'");
    expect(() => streamingProblemsSql([{ ...node, name: "a\0b" }], 1024)).toThrow(
      "a NUL character cannot reach SQL text",
    );
  });
});
