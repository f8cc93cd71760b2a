/**
 * Opening paths as root inside directories the servers' user can write, without following a link that user planted.
 *
 * The CLI runs as root and the servers as `postgres`, who owns most of the state directory. A plain
 * `writeFileSync(<state>/nodes/x/postgresql.conf)` would follow `postgresql.conf -> /etc/passwd` (or `nodes/x -> /etc`)
 * and root would write, chmod and chown the target. So paths are walked one component at a time from `/`, each opened
 * through the directory descriptor before it (`/proc/self/fd/<dir>/<name>`, Linux's openat without a binding): a link
 * is followed only where the servers' user cannot create or replace entries, and never as the last component. What
 * is then written goes through the descriptor (fstat, ftruncate, fchmod, fchown), so nothing is looked up twice.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  writeSync,
} from "node:fs";
import { resolve, sep } from "node:path";
import { LocalError } from "./errors";

/** The identity root must not trust: the servers' user. Undefined when the CLI does not run as root. */
export interface Untrusted {
  uid: number;
  gid: number;
}

interface Owned {
  uid: number;
  gid: number;
  mode: number;
}

/**
 * Whether `who` can create, rename or replace entries of a directory (its owner can chmod it, so owning is enough).
 * A sticky world-writable directory (/tmp) counts: `who` can create a name there before root does.
 */
export function writableBy(dir: Owned, who: Untrusted): boolean {
  if (dir.uid === who.uid) return true;
  if ((dir.mode & 0o020) !== 0 && dir.gid === who.gid) return true;
  return (dir.mode & 0o002) !== 0;
}

/**
 * Whether root may write into an existing file (opened without following links): a regular file, and either the
 * servers' user's own (writing it gives them nothing) or one with no other name — a hard link to /etc/shadow planted
 * under the state directory has two.
 */
export function safeToWrite(file: Owned & { nlink: number; isFile: boolean }, who: Untrusted | undefined): boolean {
  if (!file.isFile) return false;
  return (who !== undefined && file.uid === who.uid) || file.nlink === 1;
}

const DIRECTORY = constants.O_RDONLY | constants.O_DIRECTORY;

function components(path: string): string[] {
  return resolve(path).split(sep).filter(Boolean);
}

const beneath = (dirFd: number, name: string) => `/proc/self/fd/${dirFd}/${name}`;

function refuseLink(path: string, error: unknown): never {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ELOOP" || code === "ENOTDIR")
    throw new LocalError(
      `${path} is a symbolic link or not a directory where the servers' user can write: refusing to follow it as root. ` +
        "Something other than pg-read-replicas put it there; inspect it, then remove it or run local down.",
    );
  throw error;
}

/** A descriptor of the directory holding `path`'s last component, reached without following an untrusted link. */
function openParent(path: string, who: Untrusted | undefined): { fd: number; name: string } {
  const parts = components(path);
  const name = parts.pop();
  if (name === undefined) throw new LocalError(`${path} names the root directory, not a file or directory under it`);
  let fd = openSync("/", DIRECTORY);
  let walked = "";
  try {
    for (const part of parts) {
      walked += `/${part}`;
      const trusted = who === undefined || !writableBy(fstatSync(fd), who);
      let next: number;
      try {
        next = openSync(beneath(fd, part), DIRECTORY | (trusted ? 0 : constants.O_NOFOLLOW));
      } catch (error) {
        refuseLink(walked, error);
      }
      closeSync(fd);
      fd = next;
    }
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return { fd, name };
}

/** Runs `use` with the parent's descriptor open, then closes it. */
function inParent<T>(path: string, who: Untrusted | undefined, use: (dirFd: number, name: string) => T): T {
  const { fd, name } = openParent(path, who);
  try {
    return use(fd, name);
  } finally {
    closeSync(fd);
  }
}

/** Opens (creating if missing) a directory, its last component never a link; returns its descriptor. */
export function openDirectory(path: string, who: Untrusted | undefined, createMode?: number): number {
  return inParent(path, who, (dirFd, name) => {
    if (createMode !== undefined) {
      try {
        mkdirSync(beneath(dirFd, name), { mode: createMode });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
    try {
      return openSync(beneath(dirFd, name), DIRECTORY | constants.O_NOFOLLOW);
    } catch (error) {
      return refuseLink(path, error);
    }
  });
}

/** Opens a file to write (created if missing, not truncated), refusing a link, a non-file or a foreign hard link. */
export function openFileForWriting(
  path: string,
  who: Untrusted | undefined,
  options: { append?: boolean; mode?: number } = {},
): number {
  const flags =
    constants.O_WRONLY |
    constants.O_CREAT |
    constants.O_NOFOLLOW |
    constants.O_NONBLOCK |
    (options.append ? constants.O_APPEND : 0);
  const fd = inParent(path, who, (dirFd, name) => {
    try {
      return openSync(beneath(dirFd, name), flags, options.mode ?? 0o600);
    } catch (error) {
      return refuseLink(path, error);
    }
  });
  const stat = fstatSync(fd);
  if (!safeToWrite({ ...stat, isFile: stat.isFile() }, who)) {
    closeSync(fd);
    throw new LocalError(
      `${path} is not a regular file of its own (a device, a pipe or a second name of another file): refusing to write it as root. ` +
        "Something other than pg-read-replicas put it there; inspect it, then remove it or run local down.",
    );
  }
  return fd;
}

/** Replaces a file's content through its descriptor, then sets its mode and (when given) its owner. */
export function writeThrough(fd: number, content: string, mode: number, owner?: { uid: number; gid: number }): void {
  ftruncateSync(fd, 0);
  const bytes = Buffer.from(content);
  for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset, bytes.length - offset, offset);
  fchmodSync(fd, mode);
  if (owner) fchownSync(fd, owner.uid, owner.gid);
}

/** The identity root must not trust when it acts for `runAs`: none unless this process is root and runAs is not. */
export function untrustedFor(runAs: { uid: number; gid: number }): Untrusted | undefined {
  const me = process.geteuid?.();
  return me === 0 && runAs.uid !== 0 ? { uid: runAs.uid, gid: runAs.gid } : undefined;
}
