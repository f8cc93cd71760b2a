/**
 * What `local up` prints after the status table: every command acts on the same stack, and names only the pools it has.
 */
import { describe, expect, it } from "vitest";
import { connectHelp } from "../../cli/render";
import type { StackOutputs } from "../../components/contract/stackOutputs";
import { FAKE_OUTPUTS } from "../support/previewFakes";

/** The preview fixture's outputs, renamed and with or without an OLAP pool. */
function outputs(withOlap: boolean): StackOutputs {
  const pool = (port: number) => ({ host: "127.0.0.1", port });
  const pools = { write: pool(6001), read: pool(6002) };
  return {
    ...FAKE_OUTPUTS,
    database: "orders_db",
    user: "orders_svc",
    password: "secret-not-printed",
    pools: withOlap ? { ...pools, olap: pool(6003) } : pools,
  };
}

describe("connectHelp", () => {
  const args = "--stack odd --state-dir /tmp/s";

  it("names the OLAP pool and its URL variable only when the stack has one", () => {
    const without = connectHelp(outputs(false), "/tmp/s/outputs.json", args);
    expect(without).not.toMatch(/olap|DATABASE_OLAP_URL/);
    const withOlap = connectHelp(outputs(true), "/tmp/s/outputs.json", args);
    expect(withOlap).toContain("olap pool   psql postgresql://orders_svc@127.0.0.1:6003/orders_db");
    expect(withOlap).toContain("DATABASE_OLAP_URL");
  });

  it("carries the stack arguments into every follow-up command and never prints the password", () => {
    const text = connectHelp(outputs(true), "/tmp/s/outputs.json", args);
    for (const verb of ["local env", "local status", "local down"])
      expect(text).toContain(`pg-read-replicas ${verb} ${args}`);
    expect(text).not.toContain("secret-not-printed");
  });
});
