/** Small pieces every command uses: stderr lines, duration options, commands to paste back. */
import { isAbsolute, relative } from "node:path";
import { InvalidArgumentError } from "commander";
import { parseDuration } from "../components/ground/units";
import { shq } from "../components/ground/shell";

export const stderr = (text: string) => process.stderr.write(`${text}\n`);

/**
 * A reader that goes away (`| head`) must not kill a command halfway: an unhandled EPIPE on
 * stdout or stderr would end `preview run` before its teardown, or `local up` with servers
 * half-started. The output is dropped; the work, and the exit code, go on.
 */
export function keepGoingWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
    });
  }
}

export function durationOption(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError("use a duration such as 90s or 5m");
  return ms;
}

/** How the user ran us, so printed commands can be pasted back: ./bin/pg-read-replicas.cjs or an installed bin. */
export function invokedAs(): string {
  const script = process.argv[1] ?? "pg-read-replicas";
  if (!script.endsWith(".cjs")) return "pg-read-replicas";
  const relativePath = relative(process.cwd(), script);
  return relativePath.startsWith(".") || isAbsolute(relativePath) ? relativePath : `./${relativePath}`;
}

/** A word as typed, quoted for the shell only when it needs it. */
export const quote = (text: string) => (/^[\w./@:=-]+$/.test(text) ? text : shq(text));

/**
 * A stack name as Pulumi allows it (letters, digits, -, _ and .), starting with a letter or digit: it names files and
 * the default state directory, so `..` or a path would reach outside them.
 */
export function stackName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(value))
    throw new InvalidArgumentError(
      `${JSON.stringify(value)} is not a stack name: use letters, digits, -, _ and ., starting with a letter or digit (the name of a Pulumi.<name>.yaml)`,
    );
  return value;
}
