/**
 * Files and directories the servers read or write, owned by the RunAs identity. Root reaches them without following a
 * link the servers' user could have planted (safePaths.ts), and sets mode and owner through the open descriptor.
 */
import { closeSync, fchmodSync, fchownSync, renameSync } from "node:fs";
import type { RunAs } from "./identity";
import { openDirectory, openFileForWriting, untrustedFor, writeThrough } from "./safePaths";

export function ensureDir(path: string, runAs: RunAs, mode = 0o700): void {
  const fd = openDirectory(path, untrustedFor(runAs), mode);
  try {
    fchmodSync(fd, mode);
    if (runAs.switchUser) fchownSync(fd, runAs.uid, runAs.gid);
  } finally {
    closeSync(fd);
  }
}

export function writeOwnedFile(path: string, content: string, runAs: RunAs, mode = 0o600): void {
  const fd = openFileForWriting(path, untrustedFor(runAs), { mode });
  try {
    writeThrough(fd, content, mode, runAs.switchUser ? runAs : undefined);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a file whole or not at all, by rename: a process reading it at any moment (PgBouncer on RELOAD, which the read
 * pool controller sends whenever the ready replicas change) reads the old content or the new, never a truncated file.
 */
export function replaceOwnedFile(path: string, content: string, runAs: RunAs, mode = 0o600): void {
  const next = `${path}.new`;
  writeOwnedFile(next, content, runAs, mode);
  renameSync(next, path);
}

/** Opens a log file for appending (a daemon's stdout and stderr), under the same rules; the caller closes it. */
export function openLogForAppend(path: string, runAs: RunAs): number {
  return openFileForWriting(path, untrustedFor(runAs), { append: true, mode: 0o644 });
}
