import { readFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";

/**
 * A TCP proxy in front of a server, for tests that need a peer that stops answering without
 * closing anything: what a client sees when the network drops every packet or the peer's host
 * vanished. Once frozen, a connection forwards nothing either way and is never closed by the
 * proxy; the kernel still accepts what the client writes, so the client's writes succeed, and
 * no answer, FIN or reset ever comes back. Connections made after a freeze pass as usual.
 */
export interface TcpProxy {
  port: number;
  /** Freezes every connection open now. */
  freezeOpenConnections(): void;
  /**
   * How many sockets connected to the proxy some process still holds: the clients' ends, from
   * the kernel's table (Linux), not counting those no process owns any more (the kernel ends
   * those on its own).
   */
  clientSocketsHeld(): number;
  /** Closes every connection and stops listening. */
  close(): Promise<void>;
}

export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const pairs: { client: Socket; upstream: Socket }[] = [];
  // Half-open allowed: Node would otherwise answer a FIN with its own, even while frozen.
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ port, host, allowHalfOpen: true });
    pairs.push({ client, upstream });
    // A test's own sockets: their errors end the connection, nothing else.
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    freezeOpenConnections() {
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    clientSocketsHeld() {
      const port = (server.address() as { port: number }).port.toString(16).toUpperCase().padStart(4, "0");
      return ["/proc/net/tcp", "/proc/net/tcp6"]
        .flatMap((file) => readFileSync(file, "utf8").trim().split("\n").slice(1))
        .map((line) => line.trim().split(/\s+/))
        // Fields: sl, local, remote, state, queues, timer, retransmits, uid, timeout, inode.
        .filter((fields) => fields[2].endsWith(`:${port}`) && fields[9] !== "0").length;
    },
    async close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
