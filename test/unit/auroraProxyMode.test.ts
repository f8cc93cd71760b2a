/**
 * aurora.proxy.mode at config time: the older enabled key still reads (false is none), a contradiction between the two
 * is refused naming both, and readWrite with an OLAP reader is warned about (its READ_ONLY endpoint reaches every
 * reader, the OLAP one too: PROXY_ENDPOINTS), since the proxy is billed per instance whatever endpoint reads take.
 */
import { describe, expect, it } from "vitest";
import { PROXY_ENDPOINTS } from "../../components/facts/aws";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import type { AuroraTopology } from "../../components/topology/types";
import { refusalMessage, withAurora } from "../support/configs";

const R6G = { writer: "db.r6g.large", olap: "db.r6g.xlarge" };
const modeOf = (proxy: Record<string, unknown>) =>
  (topologyFromConfig(withAurora({ proxy })).topology as AuroraTopology).aurora.proxy.mode;

describe("aurora.proxy.mode", () => {
  it("defaults to readWrite, reads enabled: false as none, and takes each mode", () => {
    expect(modeOf({})).toBe("readWrite");
    expect(modeOf({ enabled: false })).toBe("none");
    expect(modeOf({ enabled: true })).toBe("readWrite");
    for (const mode of ["readWrite", "writeOnly", "none"]) expect(modeOf({ mode })).toBe(mode);
    expect(modeOf({ enabled: false, mode: "none" })).toBe("none");
  });

  it("refuses enabled: false with a mode that keeps the proxy, naming both and the fix", () => {
    const message = refusalMessage(withAurora({ proxy: { enabled: false, mode: "writeOnly" } }));
    expect(message).toContain("aurora.proxy");
    expect(message).toContain("enabled: false and mode: writeOnly");
    expect(message).toContain("remove aurora.proxy.enabled");
  });

  it("refuses a mode it does not know", () => {
    expect(refusalMessage(withAurora({ proxy: { mode: "readOnly" } }))).toContain("aurora.proxy.mode");
  });

  it("warns about readWrite with an OLAP reader, whose READ_ONLY endpoint no pool can use", () => {
    expect(PROXY_ENDPOINTS.readOnlyReachesEveryReader.value).toBe(true);
    const warned = (proxy: Record<string, unknown>) =>
      topologyFromConfig(withAurora({ instanceClass: R6G, proxy }, { olap: { enabled: true } })).warnings.some((w) =>
        w.startsWith("aurora.proxy.mode is readWrite with an OLAP reader"),
      );
    expect(warned({})).toBe(true);
    expect(warned({ mode: "writeOnly" })).toBe(false);
    expect(warned({ mode: "none" })).toBe(false);
    expect(
      topologyFromConfig(withAurora({ instanceClass: R6G }, { olap: { enabled: false } })).warnings.join(),
    ).not.toContain("aurora.proxy.mode is readWrite");
  });
});
