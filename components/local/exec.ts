/** Running PostgreSQL's tools and the servers as the RunAs identity. */
import { UserError } from "../ground/errors";
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { closeSync, readFileSync } from "node:fs";
import { openLogForAppend } from "./files";
import type { RunAs } from "./identity";

export class CommandError extends UserError {
  override name = "CommandError";
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly stdout: string,
  ) {
    const detail = (stderr.trim() || stdout.trim()).split("\n").slice(-12).join("\n");
    super(`${command} failed (exit ${exitCode ?? "signal"})${detail ? `:\n${detail}` : ""}`);
  }
}

export interface RunOptions {
  runAs: RunAs;
  /** Run inside this network namespace (root only): `ip netns exec`, then drop to runAs. */
  netns?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

function environment(runAs: RunAs, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    HOME: runAs.home,
    USER: runAs.user,
    LOGNAME: runAs.user,
  };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) base[key] = value;
  return base;
}

function identityOptions(runAs: RunAs): Pick<SpawnOptions, "uid" | "gid"> {
  return runAs.switchUser ? { uid: runAs.uid, gid: runAs.gid } : {};
}

/**
 * The command line and identity to spawn. Entering a namespace needs root, so inside one
 * the process starts as root and setpriv drops to runAs before exec (same pid throughout).
 */
function invocation(
  command: string,
  args: readonly string[],
  options: RunOptions,
): { file: string; argv: string[]; identity: Pick<SpawnOptions, "uid" | "gid"> } {
  if (!options.netns) return { file: command, argv: [...args], identity: identityOptions(options.runAs) };
  const drop = options.runAs.switchUser
    ? ["setpriv", `--reuid=${options.runAs.uid}`, `--regid=${options.runAs.gid}`, "--clear-groups", "--"]
    : [];
  return { file: "ip", argv: ["netns", "exec", options.netns, ...drop, command, ...args], identity: {} };
}

/** Runs to completion; resolves with its output, rejects with a CommandError carrying stderr. */
export function run(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<{ stdout: string; stderr: string }> {
  const label = [command.split("/").pop(), ...args.slice(0, 3)].join(" ");
  const { file, argv, identity } = invocation(command, args, options);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, argv, {
      ...identity,
      env: environment(options.runAs, options.env),
      cwd: options.cwd ?? "/",
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      timeout: options.timeoutMs,
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.on("error", (error) => reject(new CommandError(label, null, `${error.message}`, "")));
    child.on("close", (code) =>
      code === 0 ? resolvePromise({ stdout, stderr }) : reject(new CommandError(label, code, stderr, stdout)),
    );
    if (child.stdin) {
      // A child may exit before reading its input; that is its exit code's business, not an EPIPE crash.
      child.stdin.on("error", () => undefined);
      child.stdin.end(options.input);
    }
  });
}

/** Starts a long-running process in its own session, output appended to logFile; returns its pid. */
export function spawnDaemon(
  command: string,
  args: readonly string[],
  options: RunOptions & { logFile: string },
): number {
  const log = openLogForAppend(options.logFile, options.runAs);
  const { file, argv, identity } = invocation(command, args, options);
  let child: ChildProcess;
  try {
    child = spawn(file, argv, {
      ...identity,
      env: environment(options.runAs, options.env),
      cwd: options.cwd ?? "/",
      detached: true,
      stdio: ["ignore", log, log],
    });
  } finally {
    closeSync(log);
  }
  if (child.pid === undefined) throw new CommandError(command, null, `could not start ${command}`, "");
  child.unref();
  return child.pid;
}

/**
 * Whether a process runs. A killed daemon whose parent is init stays a zombie until init
 * reaps it, and some inits never do: a zombie answers kill(pid, 0) but is dead.
 */
export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; the state follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/** Signals a process and waits for it to exit (escalating to SIGKILL after graceMs). */
export async function stopProcess(
  pid: number | undefined,
  signal: NodeJS.Signals = "SIGTERM",
  graceMs = 10_000,
): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid!, signal);
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) process.kill(pid!, "SIGKILL");
  while (isAlive(pid)) await sleep(20);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
