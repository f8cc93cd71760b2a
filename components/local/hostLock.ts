/**
 * A lock held across processes on this host: flock(1) on a file, held by a child process for as long as the
 * holder needs it. The kernel drops a flock with the last descriptor, so a holder that crashes or is killed
 * releases it with its child (the child's stdin closes, it exits); nothing stale is left to clean up.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { LocalError } from "./errors";

/** Where stacks that pick an address block on this host agree on who is picking (root only: tmpfs, per boot). */
export const NETWORK_LOCK_FILE = "/run/pg-read-replicas/network.lock";

const HELD = "held\n";
/** flock's exit status when the lock stayed taken past --timeout (its default, 1, is also its error status). */
const TIMED_OUT = 75;

/** Runs `work` while holding the lock; waits up to `timeoutMs` for it, then fails naming the file. */
export async function withHostLock<T>(file: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  // `cat` waits on our stdin: closing it ends the child and, with it, the lock.
  const holder = spawn(
    "flock",
    ["--exclusive", "--timeout", String(timeoutMs / 1000), "--conflict-exit-code", String(TIMED_OUT), file].concat([
      "sh",
      "-c",
      "echo held; exec cat",
    ]),
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  try {
    await acquired(holder, file, timeoutMs);
    return await work();
  } finally {
    holder.stdin.end();
    await new Promise<void>((done) => (holder.exitCode !== null ? done() : holder.once("close", () => done())));
  }
}

function acquired(holder: ReturnType<typeof spawn>, file: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    holder.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.startsWith(HELD)) resolve();
    });
    holder.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
    holder.once("error", (error) => reject(new LocalError(`could not run flock for ${file}: ${error.message}`)));
    holder.once("close", (code) =>
      reject(
        new LocalError(
          code === TIMED_OUT
            ? `another process held ${file} for more than ${timeoutMs / 1000} s; if no stack is being brought up on this host, look for a hung pg-read-replicas process (fuser ${file})`
            : `flock on ${file} ended (exit ${code}): ${err.trim()}`,
        ),
      ),
    );
  });
}
