/**
 * A TCP relay in front of a pool that can drop the client's side at one chosen moment: once
 * armed, it forwards the client's next message to the server and, when the server starts to
 * answer, closes the client's connection without passing the answer on. The server has then
 * processed the whole message (PostgreSQL flushes its replies at the end of a message), so
 * whatever it did, it did; the client only sees its connection vanish. Content-blind, so it
 * works under TLS too.
 */
import { type Server, type Socket, createServer, connect } from "node:net";
import type { Endpoint } from "../../components/contract/stackOutputs";

export class CutProxy {
  private armed = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    /** Where clients connect; their TLS checks the certificate against the upstream's name (verifyAs). */
    readonly endpoint: Endpoint & { verifyAs: string },
  ) {}

  static async to(upstream: Endpoint): Promise<CutProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const proxy = new CutProxy(server, { ...upstream, host: "127.0.0.1", port, verifyAs: upstream.host });
    server.on("connection", (client) => proxy.relay(client, upstream));
    return proxy;
  }

  /** The next message a client sends reaches the server; its answer does not reach the client. */
  arm(): void {
    this.armed = true;
  }

  private relay(client: Socket, upstream: Endpoint): void {
    const server = connect(upstream.port, upstream.host);
    let cutting = false;
    for (const s of [client, server]) {
      this.sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => this.sockets.delete(s));
    }
    client.on("data", (chunk) => {
      if (this.armed) {
        this.armed = false;
        cutting = true;
      }
      server.write(chunk);
    });
    server.on("data", (chunk) => {
      if (cutting) {
        client.destroy();
        server.end();
        return;
      }
      client.write(chunk);
    });
    client.on("close", () => {
      if (!cutting) server.destroy();
    });
    server.on("close", () => client.destroy());
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
