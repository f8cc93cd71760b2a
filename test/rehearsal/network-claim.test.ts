/**
 * Stacks brought up side by side on one host (CI's rehearsal lanes, the preview cycles, the harness) each take a /21
 * of 198.18.0.0/15. Picking a free block and putting the host's address in it is one step under the host's network
 * lock (components/local/network.ts withNetworkLock): without it, stacks whose state directories hash to the same
 * starting block all found that block free, and the later ones' host address and route sent the first's traffic to
 * their own namespaces (a pool's address answered with a refusal from another stack's region).
 */
import { execFileSync, spawn } from "node:child_process";
import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import {
  type NamespacePlan,
  createNetwork,
  networkId,
  planNamespaces,
  removeNetwork,
  serverEndpoint,
  withNetworkLock,
} from "../../components/local/network";

/** State roots whose networks all start their search at the same block. */
function collidingRoots(count: number): string[] {
  const startOf = (root: string) => parseInt(networkId(root), 16) % 64;
  const base = `/tmp/pgrr-claim-${process.pid}`;
  const first = startOf(`${base}-0`);
  const roots = [`${base}-0`];
  for (let n = 1; roots.length < count; n++) if (startOf(`${base}-${n}`) === first) roots.push(`${base}-${n}`);
  return roots;
}

const roots = collidingRoots(4);

/** Listens in the namespace on its server address and says which stack it is; returns what a host client heard. */
async function answerFrom(namespace: string, host: string): Promise<string> {
  const id = namespace.split("-")[1]!;
  const listen = `require("net").createServer((s) => s.end(${JSON.stringify(id)})).listen(5432, ${JSON.stringify(host)}, () => console.log("up"))`;
  const server = spawn("ip", ["netns", "exec", namespace, process.execPath, "-e", listen], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    await new Promise((up) => server.stdout.once("data", up));
    return await new Promise<string>((heard, failed) => {
      let said = "";
      const client = connect({ host, port: 5432 });
      client.on("data", (chunk) => (said += chunk.toString()));
      client.on("end", () => heard(said));
      client.on("error", failed);
    });
  } finally {
    server.kill();
  }
}

afterAll(async () => {
  for (const root of roots) await removeNetwork(root);
});

describe("address blocks taken side by side", () => {
  it("gives stacks starting from the same block distinct blocks, each routed to its own namespaces", async () => {
    const plans = await Promise.all(
      roots.map((root) =>
        withNetworkLock(async (): Promise<NamespacePlan> => {
          const plan = await planNamespaces(root, ["east", "west"]);
          const [east, west] = plan.regions;
          await createNetwork(plan, { east: [serverEndpoint(east!, 0).host], west: [serverEndpoint(west!, 0).host] });
          return plan;
        }),
      ),
    );
    expect(new Set(plans.map((plan) => plan.block)).size).toBe(roots.length);
    for (const plan of plans) {
      // The host reaches each stack's region through that stack's own link and hub, never another's.
      const server = serverEndpoint(plan.regions[0]!, 0).host;
      const route = execFileSync("ip", ["-4", "route", "get", server]).toString();
      expect(route).toContain(`via ${plan.hubAddress} dev pgrr${plan.id}c`);
      expect(await answerFrom(plan.regions[0]!.namespace, server)).toBe(plan.id);
    }
  });
});
