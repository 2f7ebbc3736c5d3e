/**
 * Pins an outbound https call to the addresses that outbound.ts checked.
 *
 * Deno's fetch resolves a host name again when it opens its connection (getaddrinfo), and
 * cannot be given an address (Deno.createHttpClient has no resolver option). Between the check
 * and that second resolution, whoever answers DNS for the name could point it at a private
 * address (DNS rebinding). Through an HTTP proxy fetch resolves nothing: it asks the proxy to
 * CONNECT to host:port and keeps TLS end to end, verifying the certificate against the host
 * name as usual. This module is that proxy, in this process, on 127.0.0.1. Each call gets a
 * ticket of 256 random bits (sent as the proxy's basic-auth password) that opens tunnels only to
 * the call's host and port, connecting only to the call's checked addresses, in order, within
 * its connect timeout. The proxy reads nothing of the tunnel: the bytes it forwards are TLS.
 * Rules and what they leave open: docs/security.md#outbound-calls.
 */

/** Why a tunnel could not be opened, for outbound.ts to word. */
export type TunnelFailure = "connect_timeout" | "refused" | "unreachable";

interface Pin {
  /** host:port as fetch writes them in its CONNECT line (an IPv6 literal in brackets), lowercased. */
  authority: string;
  addresses: string[];
  port: number;
  connectTimeoutMs: number;
  /** The call's deadline: a tunnel is not opened once it has passed. */
  signal: AbortSignal;
  failure?: TunnelFailure;
  /** Set when the call ends: the ticket no longer opens a tunnel. */
  released: boolean;
  /** Both ends of every tunnel of this call, closed when the call ends. */
  open: Set<Deno.Conn>;
}

/** The basic-auth user name fetch sends with a ticket (any would do: the ticket decides). */
const USER = "sfp-pin";
/** How long a client has to send its CONNECT request: fetch sends it at once. */
const HEAD_TIMEOUT_MS = 5000;
const MAX_HEAD_BYTES = 8192;

const pins = new Map<string, Pin>();
let proxy: { port: number } | undefined;

/** Starts the proxy once per process; it never keeps the process alive on its own. */
function proxyPort(): number {
  if (!proxy) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    listener.unref();
    proxy = { port: listener.addr.port };
    (async () => {
      for await (const connection of listener) serve(connection).catch(() => closeQuietly(connection));
    })().catch(() => {});
  }
  return proxy.port;
}

/** Whether this runtime can pin a call: it can create an HTTP client with a proxy, and listen. */
export function canPin(): boolean {
  if (typeof Deno.createHttpClient !== "function") return false;
  try {
    proxyPort();
    return true;
  } catch {
    return false;
  }
}

export interface PinnedCall {
  /** The fetch client that goes through this call's tunnel. */
  client: Deno.HttpClient;
  /** Why the tunnel failed, once it has. */
  failure(): TunnelFailure | undefined;
  /** Ends the call: the ticket stops working, the client and any tunnel still open are closed. */
  release(): void;
  /** Where the proxy listens, and the Proxy-Authorization value fetch sends for this call (for tests). */
  proxy: { port: number; authorization: string };
}

/**
 * A fetch client whose connections to `target`'s host and port go only to `addresses`.
 * Certificates are verified against the system's roots, as fetch's own (and DENO_CERT's).
 */
export function pinCall(
  target: URL,
  addresses: string[],
  options: { connectTimeoutMs: number; signal: AbortSignal },
): PinnedCall {
  const targetPort = Number(target.port || 443);
  const ticket = crypto.getRandomValues(new Uint8Array(32)).reduce((hex, byte) => hex + byte.toString(16).padStart(2, "0"), "");
  const pin: Pin = {
    authority: `${target.hostname}:${targetPort}`.toLowerCase(),
    addresses,
    port: targetPort,
    connectTimeoutMs: options.connectTimeoutMs,
    signal: options.signal,
    released: false,
    open: new Set(),
  };
  pins.set(ticket, pin);
  const port = proxyPort();
  const client = Deno.createHttpClient({
    proxy: { url: `http://127.0.0.1:${port}`, basicAuth: { username: USER, password: ticket } },
  });
  return {
    client,
    proxy: { port, authorization: `Basic ${btoa(`${USER}:${ticket}`)}` },
    failure: () => pin.failure,
    release() {
      pins.delete(ticket);
      pin.released = true;
      client.close();
      for (const connection of pin.open) closeQuietly(connection);
      pin.open.clear();
    },
  };
}

function closeQuietly(connection: Deno.Conn): void {
  try {
    connection.close();
  } catch {
    // already closed
  }
}

const encoder = new TextEncoder();

async function answer(connection: Deno.Conn, status: string): Promise<void> {
  await connection.write(encoder.encode(`HTTP/1.1 ${status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`)).catch(() => {});
  closeQuietly(connection);
}

/** The request head (up to the blank line) and whatever the client sent after it. */
async function readHead(connection: Deno.Conn): Promise<{ head: string; rest: Uint8Array } | null> {
  const buffer = new Uint8Array(MAX_HEAD_BYTES);
  let length = 0;
  const timer = setTimeout(() => closeQuietly(connection), HEAD_TIMEOUT_MS);
  try {
    while (length < buffer.length) {
      const read = await connection.read(buffer.subarray(length));
      if (read === null) return null;
      length += read;
      const end = new TextDecoder().decode(buffer.subarray(0, length)).indexOf("\r\n\r\n");
      if (end >= 0) {
        // The head is ASCII, so its characters are its bytes.
        return { head: new TextDecoder().decode(buffer.subarray(0, end)), rest: buffer.slice(end + 4, length) };
      }
    }
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** The pin a Proxy-Authorization header names, if any. */
function pinOf(head: string): Pin | undefined {
  const header = /^proxy-authorization:\s*basic\s+([A-Za-z0-9+/=]+)\s*$/im.exec(head);
  if (!header) return undefined;
  let credentials: string;
  try {
    credentials = atob(header[1]);
  } catch {
    return undefined;
  }
  const separator = credentials.indexOf(":");
  if (separator < 0 || credentials.slice(0, separator) !== USER) return undefined;
  return pins.get(credentials.slice(separator + 1));
}

/** One client connection: a CONNECT for a live ticket's host and port, tunnelled to its addresses. */
async function serve(connection: Deno.Conn): Promise<void> {
  const request = await readHead(connection).catch(() => null);
  if (!request) return closeQuietly(connection);
  const line = /^(\S+) (\S+) HTTP\/1\.[01]$/.exec(request.head.split("\r\n")[0]);
  if (!line) return answer(connection, "400 Bad Request");
  if (line[1] !== "CONNECT") return answer(connection, "405 Method Not Allowed");
  const pin = pinOf(request.head);
  if (!pin) return answer(connection, "407 Proxy Authentication Required");
  if (line[2].toLowerCase() !== pin.authority) return answer(connection, "403 Forbidden");
  pin.open.add(connection);
  const upstream = await connectPinned(pin);
  if (!upstream) {
    pin.open.delete(connection);
    return answer(connection, "502 Bad Gateway");
  }
  if (pin.released) {
    // The call ended while this tunnel was opening.
    closeQuietly(upstream);
    pin.open.delete(connection);
    return closeQuietly(connection);
  }
  pin.open.add(upstream);
  await connection.write(encoder.encode("HTTP/1.1 200 Connection Established\r\n\r\n"));
  if (request.rest.length) await upstream.write(request.rest);
  // Either side ending ends the tunnel.
  await Promise.race([
    connection.readable.pipeTo(upstream.writable, { preventClose: true }).catch(() => {}),
    upstream.readable.pipeTo(connection.writable, { preventClose: true }).catch(() => {}),
  ]);
  for (const end of [connection, upstream]) {
    closeQuietly(end);
    pin.open.delete(end);
  }
}

/** A connection to the first of the pin's addresses that accepts one, within its connect timeout. */
async function connectPinned(pin: Pin): Promise<Deno.Conn | null> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), pin.connectTimeoutMs);
  const signal = AbortSignal.any([timeout.signal, pin.signal]);
  let refused = false;
  try {
    for (const hostname of pin.addresses) {
      try {
        return await Deno.connect({ hostname, port: pin.port, signal });
      } catch (error) {
        refused ||= error instanceof Deno.errors.ConnectionRefused;
        if (signal.aborted) break;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  pin.failure = timeout.signal.aborted ? "connect_timeout" : refused ? "refused" : "unreachable";
  return null;
}
