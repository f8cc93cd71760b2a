/**
 * Errors a user can fix: bad config, a missing binary, an unreadable outputs
 * file. The CLI prints their message alone; anything else is a bug and keeps
 * its stack trace.
 */
export class UserError extends Error {
  override name = "UserError";
}
