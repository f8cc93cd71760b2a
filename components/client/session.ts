/**
 * A session keeps one causality token: every write and every read merges into it, and its
 * reads (read-your-writes by default) require it. So a session reads its own writes and
 * never reads older data than it already saw (monotonic reads), whichever replica serves.
 * Concurrent calls on one session are fine: the token only moves forward, except when a call finds it ahead of the
 * writer itself (Route.tokenClamped): then it becomes the writer's position, which every replica can reach; and when a
 * call dropped it (expired, another cluster's: Route.tokenDropped), the call's new token replaces it.
 */
import type { ReadOptions, ReadResult, ReplicaClient, WriteOptions, WriteResult } from "./replicaClient";
import type { Work } from "./route";
import { type CausalityToken, mergeTokens } from "./token";

export class Session {
  private current: CausalityToken | undefined;

  constructor(
    private readonly client: ReplicaClient,
    token?: string | null,
  ) {
    this.current = client.checkToken(token);
  }

  /** The token to hand to another instance (a header, a cookie) or to resume this session later. */
  get token(): CausalityToken | undefined {
    return this.current;
  }

  async write<T>(work: Work<T>, options: Omit<WriteOptions, "token"> = {}): Promise<WriteResult<T>> {
    const sent = this.current;
    const written = await this.client.write(work, { ...options, token: sent });
    this.current = this.next(sent, written.token, written.tokenClamped === true || written.tokenDropped !== undefined);
    return written;
  }

  async read<T>(work: Work<T>, options: Omit<ReadOptions, "token"> = {}): Promise<ReadResult<T>> {
    const sent = this.current;
    const read = await this.client.read(work, { ...options, token: sent });
    this.current = this.next(
      sent,
      read.token,
      read.route.tokenClamped === true || read.route.tokenDropped !== undefined,
    );
    return read;
  }

  /**
   * The token after a call: merged with what the call returned; replaced by it when the call found the token sent
   * unusable (clamped or dropped), but only if no other call moved the token meanwhile (then merging keeps that call's
   * later position; the unusable token was handled by whichever call replaced it first).
   */
  private next(
    sent: CausalityToken | undefined,
    returned: CausalityToken | undefined,
    replace: boolean,
  ): CausalityToken | undefined {
    if (replace && this.current === sent) return returned;
    return mergeTokens(this.current, returned);
  }
}
