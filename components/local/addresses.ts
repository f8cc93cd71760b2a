/**
 * Where each local server and pool listens. Every node gets an address of its
 * own in 127.0.0.0/8 and they all share one port: PgBouncer balances a database
 * over a host list with a single port, the way the ro Service balances pods.
 * Pools listen on 127.0.0.1, each on its own port.
 */
import { randomInt } from "node:crypto";
import { createServer } from "node:net";
import type { Endpoint } from "../contract/stackOutputs";
import { LocalError } from "./errors";

export const LOOPBACK = "127.0.0.1";

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Asks the kernel for free ports on 127.0.0.1, holding each until all are chosen so none repeats. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import("node:net").Server>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, LOOPBACK, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import("node:net").AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export function endpointIsFree(endpoint: Endpoint): Promise<boolean> {
  return canBind(endpoint.host, endpoint.port);
}

/**
 * One address per node in a random 127.B.C.0/24 (never 127.0.0.x or Debian's 127.0.1.1) and one
 * port free on all of them. Random blocks keep stacks started side by side (tests, rehearsals) apart.
 */
export async function nodeEndpoints(names: readonly string[]): Promise<Record<string, Endpoint>> {
  if (names.length > 250) throw new LocalError(`${names.length} servers do not fit one local address block`);
  for (let attempt = 0; attempt < 40; attempt++) {
    const block = `127.${randomInt(2, 255)}.${randomInt(0, 256)}`;
    const port = randomInt(20_000, 40_000);
    const hosts = names.map((_, index) => `${block}.${index + 1}`);
    const free = await Promise.all(hosts.map((host) => canBind(host, port)));
    if (free.every(Boolean))
      return Object.fromEntries(names.map((name, index) => [name, { host: hosts[index]!, port }]));
  }
  throw new LocalError(
    "found no free port shared by a block of loopback addresses after 40 tries; is something listening on every 127.x address?",
  );
}
