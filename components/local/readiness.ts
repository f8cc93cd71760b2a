/** Waiting for a process to listen, failing early (with its log) if it died. */
import { connect } from "node:net";
import type { Endpoint } from "../contract/stackOutputs";
import { LocalError } from "./errors";
import { isAlive, sleep } from "./exec";

export async function waitForListener(
  endpoint: Endpoint,
  pid: number | undefined,
  what: string,
  log: string,
): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (pid !== undefined && !isAlive(pid)) throw new LocalError(`${what} exited at start; see ${log}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(endpoint.port, endpoint.host);
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new LocalError(`${what} did not listen on ${endpoint.host}:${endpoint.port} within 20s; see ${log}`);
}
