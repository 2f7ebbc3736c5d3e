import { type ConnectFailure, firstConnection } from "./first-connection.ts";

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

interface Pin {
  /** host:port as fetch writes them in its CONNECT line (an IPv6 literal in brackets), lowercased. */
  authority: string;
  addresses: string[];
  port: number;
  connectTimeoutMs: number;
  /** Aborted when the call's deadline passes or the call ends: no tunnel opens after that. */
  ended: AbortSignal;
  failure?: ConnectFailure;
  /** Both ends of every tunnel of this call, closed when the call ends. */
  open: Set<Deno.Conn>;
}

/** The basic-auth user name fetch sends with a ticket (any would do: the ticket decides). */
const USER = "sfp-pin";
/** How long a client has to send its CONNECT request: fetch sends it at once. */
const HEAD_TIMEOUT_MS = 1000;
const MAX_HEAD_BYTES = 8192;
/**
 * How many connections that have not yet sent their request are held: only this process's fetch
 * has a ticket, but any local process can connect, and each connection holds a file descriptor.
 * Past the limit the oldest is closed: fetch sends its request as soon as it connects, so a
 * flood of silent connections pushes out its own, not fetch's.
 */
const MAX_PENDING = 32;

const pins = new Map<string, Pin>();
/** The connections still reading their request, oldest first. */
const pending = new Set<Deno.Conn>();
/** The proxy's port once it listens; null when this runtime cannot give it one (then no call is pinned). */
let proxy: { port: number } | null | undefined;

/**
 * Starts the proxy once per process; it never keeps the process alive on its own. Supabase's
 * Edge Runtime has a Deno.listen of its own that binds nothing (it reports 0.0.0.0:9999 and
 * hands over the function's own incoming requests): a listener not on 127.0.0.1 is closed
 * unused, and calls are not pinned.
 */
function proxyPort(): number | null {
  if (proxy !== undefined) return proxy?.port ?? null;
  proxy = null;
  if (typeof Deno.createHttpClient !== "function") return null;
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  } catch {
    return null;
  }
  if (listener.addr.hostname !== "127.0.0.1" || listener.addr.port === 0) {
    try {
      listener.close();
    } catch {
      // nothing to close
    }
    return null;
  }
  listener.unref();
  proxy = { port: listener.addr.port };
  (async () => {
    for await (const connection of listener) {
      if (pending.size >= MAX_PENDING) {
        const oldest = pending.values().next().value!;
        pending.delete(oldest);
        closeQuietly(oldest);
      }
      serve(connection).catch(() => closeQuietly(connection));
    }
  })().catch(() => {}).finally(() => {
    // Accepting failed (e.g. out of descriptors): the next call starts a proxy anew.
    try {
      listener.close();
    } catch {
      // already closed
    }
    proxy = undefined;
  });
  return proxy.port;
}

/**
 * The NO_PROXY entries that would make fetch bypass the proxy for `host`. Deno's fetch applies
 * NO_PROXY (or no_proxy) even to a client given a proxy, so such a call could not be pinned.
 * Matched broadly (an entry matches the host, any name under it, or, for an IP literal, any
 * address or range entry): a false match only leaves a call unpinned, as where the runtime
 * cannot pin.
 */
function bypassesProxy(host: string): boolean {
  const literal = /^[\d.]+$|^\[/.test(host);
  const name = host.toLowerCase().replace(/\.$/, "");
  for (const variable of ["NO_PROXY", "no_proxy"]) {
    let value: string | undefined;
    try {
      value = Deno.env.get(variable);
    } catch {
      return true; // not allowed to read it here: fetch still applies it
    }
    for (const raw of (value ?? "").split(",")) {
      // Trimmed as Rust trims (its whitespace includes U+0085, JavaScript's does not).
      const trimmed = raw.replace(/^[\s\u0085]+|[\s\u0085]+$/g, "");
      const entry = trimmed.toLowerCase().replace(/^\*?\.?/, "").replace(/\.$/, "");
      if (trimmed === "*") return true;
      if (entry === "") continue;
      if (literal ? /^[\d.:[\]/a-f]*[\d:][\d.:[\]/a-f]*$/.test(entry) : name === entry || name.endsWith(`.${entry}`)) return true;
    }
  }
  return false;
}

export interface PinnedCall {
  /** The fetch client that goes through this call's tunnel. */
  client: Deno.HttpClient;
  /** Why the tunnel failed, once it has. */
  failure(): ConnectFailure | undefined;
  /** Ends the call: the ticket stops working, the client and any tunnel still open are closed. */
  release(): void;
  /**
   * Where the proxy listens, and the Proxy-Authorization value of this call's ticket, for tests:
   * it opens tunnels to this call's host, port and addresses only, until release().
   */
  proxy: { port: number; authorization: string };
}

/**
 * A fetch client whose connections to `target`'s host and `port` go only to `addresses`; null
 * when this call cannot be pinned (the runtime cannot, or NO_PROXY names the host): the caller
 * then connects unpinned. Certificates are verified as by fetch itself (the system's roots,
 * and DENO_CERT's).
 */
export function pinCall(
  target: URL,
  port: number,
  addresses: string[],
  options: { connectTimeoutMs: number; signal: AbortSignal },
): PinnedCall | null {
  const proxyAt = proxyPort();
  if (proxyAt === null) {
    warnOnce("runtime", "Outbound https calls are not pinned to their checked addresses: this runtime cannot give fetch a proxy on 127.0.0.1 (docs/security.md#outbound-calls)");
    return null;
  }
  if (bypassesProxy(target.hostname)) {
    warnOnce(`no_proxy ${target.hostname}`, `Outbound https calls to ${target.hostname} are not pinned to their checked addresses: NO_PROXY names it (docs/security.md#outbound-calls)`, { host: target.hostname });
    return null;
  }
  const ticket = Array.from(crypto.getRandomValues(new Uint8Array(32)), (byte) => byte.toString(16).padStart(2, "0")).join("");
  const authorization = `Basic ${btoa(`${USER}:${ticket}`)}`;
  let client: Deno.HttpClient;
  try {
    client = Deno.createHttpClient({
      proxy: { url: `http://127.0.0.1:${proxyAt}`, basicAuth: { username: USER, password: ticket } },
    });
  } catch {
    warnOnce("client", "Outbound https calls are not pinned to their checked addresses: fetch could not be given a proxy (docs/security.md#outbound-calls)");
    return null;
  }
  const end = new AbortController();
  const pin: Pin = {
    authority: `${target.hostname}:${port}`.toLowerCase(),
    addresses,
    port,
    connectTimeoutMs: options.connectTimeoutMs,
    ended: AbortSignal.any([end.signal, options.signal]),
    open: new Set(),
  };
  pins.set(ticket, pin);
  return {
    client,
    failure: () => pin.failure,
    proxy: { port: proxyAt, authorization },
    release() {
      pins.delete(ticket);
      end.abort();
      client.close();
      for (const connection of pin.open) closeQuietly(connection);
      pin.open.clear();
    },
  };
}

const warned = new Set<string>();

/**
 * An operator's one line, once per process and `key`, when calls go unpinned: nothing else in
 * outbound calls is logged, but a window reopened should not go unseen. Names at most a host.
 */
function warnOnce(key: string, message: string, fields: Record<string, string> = {}): void {
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(JSON.stringify({ level: "warn", message, ...fields }));
}

function closeQuietly(connection: Deno.Conn): void {
  try {
    connection.close();
  } catch {
    // already closed
  }
}

const encoder = new TextEncoder();

async function writeAll(connection: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) written += await connection.write(bytes.subarray(written));
}

async function answer(connection: Deno.Conn, status: string): Promise<void> {
  await writeAll(connection, encoder.encode(`HTTP/1.1 ${status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`)).catch(() => {});
  closeQuietly(connection);
}

/** Where the blank line that ends a request head starts, or -1. */
function headEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i;
  }
  return -1;
}

/** The request head (up to the blank line, as text) and whatever the client sent after it. */
async function readHead(connection: Deno.Conn): Promise<{ head: string; rest: Uint8Array } | null> {
  const buffer = new Uint8Array(MAX_HEAD_BYTES);
  let length = 0;
  const timer = setTimeout(() => closeQuietly(connection), HEAD_TIMEOUT_MS);
  try {
    while (length < buffer.length) {
      const read = await connection.read(buffer.subarray(length));
      if (read === null) return null;
      length += read;
      const end = headEnd(buffer.subarray(0, length));
      if (end >= 0) return { head: new TextDecoder().decode(buffer.subarray(0, end)), rest: buffer.slice(end + 4, length) };
    }
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** The live pin a Proxy-Authorization header names, if any. */
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
  pending.add(connection);
  let request: Awaited<ReturnType<typeof readHead>>;
  try {
    request = await readHead(connection).catch(() => null);
  } finally {
    pending.delete(connection);
  }
  if (!request) return closeQuietly(connection);
  const line = /^(\S+) (\S+) HTTP\/1\.[01]$/.exec(request.head.split("\r\n")[0]);
  if (!line) return answer(connection, "400 Bad Request");
  if (line[1] !== "CONNECT") return answer(connection, "405 Method Not Allowed");
  const pin = pinOf(request.head);
  if (!pin) return answer(connection, "407 Proxy Authentication Required");
  if (line[2].toLowerCase() !== pin.authority) return answer(connection, "403 Forbidden");
  pin.open.add(connection);
  const opened = await firstConnection(pin.addresses, pin.port, pin.connectTimeoutMs, pin.ended);
  if ("failure" in opened || pin.ended.aborted) {
    if ("failure" in opened) pin.failure ??= opened.failure;
    else closeQuietly(opened.connection); // the call ended while this tunnel was opening
    pin.open.delete(connection);
    return answer(connection, "502 Bad Gateway");
  }
  const upstream = opened.connection;
  pin.open.add(upstream);
  await writeAll(connection, encoder.encode("HTTP/1.1 200 Connection Established\r\n\r\n"));
  if (request.rest.length) await writeAll(upstream, request.rest);
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
