/**
 * Every setting the product renders has a restart-or-reload classification (facts/postgres); that it agrees with the
 * server itself is checked in the integration tier (test/integration/setting-contexts.test.ts).
 */
import { describe, expect, it } from "vitest";
import { SETTING_CONTEXTS } from "../../components/facts/postgres";
import { GUCS } from "../../components/settings/registry";

describe("setting contexts", () => {
  it("classify every setting the registry can render", () => {
    const missing = Object.keys(GUCS).filter((name) => !(name in SETTING_CONTEXTS.value));
    expect(missing).toEqual([]);
  });
});
