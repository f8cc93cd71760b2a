/**
 * The local counterpart of the Kubernetes ro Service: a TCP endpoint that
 * spreads new connections round-robin over the OLTP replicas whose readiness
 * check passes, the same check the Kubernetes readiness probe runs. PgBouncer
 * 1.18 cannot balance one database over several ports by itself, and this keeps
 * the read pool's path the same as in a cluster: pool → Service → ready replicas.
 */
import { type Server, type Socket, connect, createServer } from "node:net";

export interface EndpointBackend {
  name: string;
  host: string;
  port: number;
}

export interface ReaderEndpointOptions {
  listen: { host: string; port: number };
  backends: readonly EndpointBackend[];
  isReady: (backend: EndpointBackend) => Promise<boolean>;
  checkIntervalMs?: number;
  log?: (message: string) => void;
}

export class ReaderEndpoint {
  private readonly ready = new Set<string>();
  private server?: Server;
  private timer?: NodeJS.Timeout;
  private cursor = 0;
  private readonly sockets = new Set<Socket>();
  /** Live proxied connections per backend, to cut when it stops being ready. */
  private readonly carried = new Map<string, Set<Socket>>();

  constructor(private readonly options: ReaderEndpointOptions) {}

  readyBackends(): string[] {
    return this.options.backends.filter((b) => this.ready.has(b.name)).map((b) => b.name);
  }

  async start(): Promise<void> {
    await this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), this.options.checkIntervalMs ?? 1000);
    this.server = createServer((client) => this.route(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.options.listen.port, this.options.listen.host, () => resolve());
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async checkAll(): Promise<void> {
    await Promise.all(
      this.options.backends.map(async (backend) => {
        const ready = await this.options.isReady(backend).catch(() => false);
        if (ready !== this.ready.has(backend.name)) this.options.log?.(`${backend.name} ${ready ? "is ready: added" : "is not ready: removed"}`);
        if (ready) this.ready.add(backend.name);
        else if (this.ready.delete(backend.name)) this.cut(backend.name);
      }),
    );
  }

  /**
   * A Service only stops sending new connections to an endpoint that is no longer
   * ready; a pooler's established connection would keep reaching it (a promoted
   * replica, say) for its whole server_lifetime. Closing them makes the pool reconnect.
   */
  private cut(name: string): void {
    const sockets = this.carried.get(name);
    if (!sockets || sockets.size === 0) return;
    this.options.log?.(`closing ${sockets.size / 2} connection(s) to ${name}`);
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  }

  private next(): EndpointBackend | undefined {
    const candidates = this.options.backends.filter((b) => this.ready.has(b.name));
    if (candidates.length === 0) return undefined;
    this.cursor = (this.cursor + 1) % candidates.length;
    return candidates[this.cursor];
  }

  private route(client: Socket): void {
    const backend = this.next();
    if (!backend) {
      // Like a Service with no ready endpoints: the connection is refused.
      client.destroy();
      return;
    }
    const upstream = connect(backend.port, backend.host);
    const carried = this.carried.get(backend.name) ?? new Set<Socket>();
    this.carried.set(backend.name, carried);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      carried.add(socket);
      socket.setNoDelay(true);
      socket.on("close", () => {
        this.sockets.delete(socket);
        carried.delete(socket);
      });
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }
}
