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
    const written = await this.client.write(work, { ...options, token: this.current });
    this.current =
      written.tokenClamped || written.tokenDropped ? written.token : mergeTokens(this.current, written.token);
    return written;
  }

  async read<T>(work: Work<T>, options: Omit<ReadOptions, "token"> = {}): Promise<ReadResult<T>> {
    const read = await this.client.read(work, { ...options, token: this.current });
    this.current =
      read.route.tokenClamped || read.route.tokenDropped ? read.token : mergeTokens(this.current, read.token);
    return read;
  }
}
