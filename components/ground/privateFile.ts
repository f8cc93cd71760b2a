/**
 * Files that hold secrets (outputs with passwords and URLs): readable by their owner only, whatever was there before.
 * `writeFileSync(path, text, { mode })` applies the mode only when it creates the file, so an existing 0644 file
 * would keep its mode; a symbolic link in its place would be followed to wherever it points.
 */
import { closeSync, constants, fchmodSync, fstatSync, openSync, writeSync } from "node:fs";
import { UserError } from "./errors";

export function writePrivateFile(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP")
      throw new UserError(`${path} is a symbolic link: refusing to write secrets through it; remove it or name a file`);
    throw error;
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UserError(`${path} is not a regular file: name a file for the outputs`);
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
