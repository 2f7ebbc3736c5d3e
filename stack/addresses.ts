/**
 * Where the parts of a stack are reached, shared by the tests (tests/support) and the bench
 * (bench/stack.ts): a free TCP port to start a server on, and the URL of one database of a
 * PostgreSQL server.
 */
import { createServer } from "node:net";

/** A TCP port on 127.0.0.1 that nothing listens on right now (the system picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The URL of `database` on the server of `serverUrl` (a URL of any database there), as that
 * URL's user or as `user`; without the query (TLS and other options) of `serverUrl`.
 */
export function databaseUrl(serverUrl: string, database: string, user?: { name: string; password: string }): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  if (user) {
    url.username = user.name;
    url.password = user.password;
  }
  url.search = "";
  return url.toString();
}
