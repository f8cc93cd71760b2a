/** Loopback ports: free ones chosen at run time, and checks that recorded ones are still free. */
import { connect, createServer } from "node:net";
import { LocalError } from "./errors";
import { isAlive, sleep } from "./exec";

export const LOOPBACK = "127.0.0.1";

/** Asks the kernel for free ports, holding each until all are chosen so none repeats. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<import("node:net").Server>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, LOOPBACK, () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as import("node:net").AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

/** Waits until something listens on the port; fails early if the process died, pointing at its log. */
export async function waitForPort(port: number, pid: number | undefined, what: string, log: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (pid !== undefined && !isAlive(pid)) throw new LocalError(`${what} exited at start; see ${log}`);
    const open = await new Promise<boolean>((resolvePromise) => {
      const socket = connect(port, LOOPBACK);
      socket.once("connect", () => {
        socket.destroy();
        resolvePromise(true);
      });
      socket.once("error", () => resolvePromise(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new LocalError(`${what} did not listen on ${LOOPBACK}:${port} within 20s; see ${log}`);
}
