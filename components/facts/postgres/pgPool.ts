/** What node-postgres's pool (pg-pool), which the routing client opens per target, does with every client out. */
import { cite, fact } from "../fact";

export const PG_POOL = {
  /**
   * A connect() on a pool at its max with no idle client waits in the pool's own queue; when connectionTimeoutMillis
   * passes first, it fails with this message, having sent nothing to any server. A new client's connect that times
   * out fails with another ("Connection terminated due to connection timeout"), so this one means the caller's own
   * pool was exhausted, never that the server was slow.
   */
  queueTimeoutMessage: fact(
    "timeout exceeded when trying to connect",
    cite(
      "pgPool",
      "index.js:199-225 connect",
      "if (this._isFull() || this._idle.length) … pendingQueue … 'timeout exceeded when trying to connect'",
    ),
    cite(
      "pgPool",
      "index.js:250-276 newClient",
      "'Connection terminated due to connection timeout' for a new client's connect",
    ),
  ),
} as const;
