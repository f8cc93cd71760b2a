/**
 * The daemons' code as one CommonJS file, built with esbuild from daemonEntry.ts and kept per code digest
 * (daemonCode.ts) under node_modules/.cache. Run by plain Node: no TypeScript hook (tsx) and nothing of the CLI is
 * loaded, which keeps each daemon's resident memory near Node's own (issue 27: 77-88 MB each under tsx, 58 MB bundled,
 * Node 20). Lives in the checkout, which the user running the CLI owns: never in a state directory, which the servers'
 * user can write and root would then run code from.
 */
import { buildSync } from "esbuild";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../ground/paths";
import { LocalError } from "./errors";

export const DAEMON_BUNDLE_DIR = join(PROJECT_ROOT, "node_modules", ".cache", "pg-read-replicas");
const PREFIX = "daemon-";
const BUNDLE = /^daemon-[0-9a-f]+\.cjs$/;

export function daemonBundlePath(digest: string, dir: string = DAEMON_BUNDLE_DIR): string {
  return join(dir, `${PREFIX}${digest}.cjs`);
}

/**
 * The bundle of the code with this digest, built when missing (about half a second), written whole by rename (a
 * daemon starting meanwhile never reads half a file); bundles of other digests are removed (a running daemon has its
 * code in memory already). Two `up`s building at once each write a file of their own and rename it into place.
 */
export function ensureDaemonBundle(digest: string, dir: string = DAEMON_BUNDLE_DIR): string {
  const path = daemonBundlePath(digest, dir);
  if (existsSync(path)) return path;
  const built = buildSync({
    entryPoints: [join(PROJECT_ROOT, "components", "local", "daemonEntry.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    // The oldest Node package.json's engines accept: one bundle serves every Node the CLI may run on.
    target: "node20.19",
    // pg's optional native binding, never installed here: pg falls back to its JavaScript client.
    external: ["pg-native"],
    write: false,
    logLevel: "silent",
  });
  const next = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileSync(next, built.outputFiles[0]!.contents, { mode: 0o644 });
    renameSync(next, path);
  } catch (error) {
    throw new LocalError(
      `cannot write the daemons' bundle in ${dir}: ${(error as Error).message}. Run pg-read-replicas as the user who owns the checkout's node_modules (or run npm ci as this user).`,
    );
  }
  // Whole bundles only: another `up` may be writing its own temporary file here right now.
  for (const entry of readdirSync(dir))
    if (BUNDLE.test(entry) && join(dir, entry) !== path) rmSync(join(dir, entry), { force: true });
  return path;
}
