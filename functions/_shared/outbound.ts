import { z } from "zod";
import { parseEnvironment } from "./environment.ts";
import { type ConnectFailure, firstConnection } from "./first-connection.ts";
import { pinCall, type PinnedCall } from "./pinned-proxy.ts";

/**
 * Every call the server makes to another service (GitHub, Atlassian, Microsoft identity,
 * GitLab, Azure DevOps, OIDC issuers) goes through `outboundRequest`: only to the
 * integration's configured base URL over https, to public addresses only, no redirects
 * followed, bounded in time and size. Its errors are safe to show and to log: they name the
 * host and what went wrong, never a path, a query, a user name or password, a header or a
 * body (Deno's own fetch errors quote the whole URL, query included, so none is passed on).
 * The rules and what they leave open: docs/security.md#outbound-calls.
 */

export interface OutboundPolicy {
  /** Allow plain http to exactly http://127.0.0.1:<port> (local test servers), and nothing else. */
  allowHttpLoopback: boolean;
  /** How long opening the TCP connection may take. */
  connectTimeoutMs: number;
  /** How long the whole call may take: name resolution, connecting, the request, the whole answer. */
  totalTimeoutMs: number;
  /** The largest answer body read (decoded); a larger one is refused. */
  maxResponseBytes: number;
}

const environment = z.object({
  SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK: z.enum(["true", "false"]).default("false"),
  SFP_OUTBOUND_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3000),
  // At most 30 s: an issuance lease (60 s, the issued tokens migration) must outlast the call.
  SFP_OUTBOUND_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(10_000),
  SFP_OUTBOUND_MAX_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
});

/** The policy from the environment; a malformed setting throws, naming the variable (never its value). */
export function outboundPolicy(env: Record<string, string | undefined>): OutboundPolicy {
  const e = parseEnvironment(environment, env);
  return {
    allowHttpLoopback: e.SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK === "true",
    connectTimeoutMs: e.SFP_OUTBOUND_CONNECT_TIMEOUT_MS,
    totalTimeoutMs: e.SFP_OUTBOUND_TIMEOUT_MS,
    maxResponseBytes: e.SFP_OUTBOUND_MAX_BYTES,
  };
}

export type OutboundRefusal = "url" | "address" | "dns" | "connect_timeout" | "timeout" | "redirect" | "too_large" | "network";

/** Safe message: names the host (never a path's query, a userinfo, a header or a body) and what went wrong. */
export class OutboundError extends Error {
  // No `cause`: the underlying error's text may quote the URL with its query.
  constructor(readonly reason: OutboundRefusal, readonly host: string, message: string) {
    super(message);
    this.name = "OutboundError";
  }
}

function refused(reason: OutboundRefusal, host: string, why: string): OutboundError {
  return new OutboundError(reason, host, `Outbound call${host ? ` to ${host}` : ""} refused: ${why}`);
}

function failed(host: string, why: string): OutboundError {
  return new OutboundError("network", host, `Outbound call to ${host} failed: ${why}`);
}

/**
 * Checks a URL against the policy without calling it (config validation at create time):
 * https without a user name or password (any port), or, only with `allowHttpLoopback`,
 * http to exactly 127.0.0.1 with an explicit port. Addresses are checked by
 * `outboundRequest`, when the call is made.
 */
export function checkOutboundUrl(url: string | URL, policy: OutboundPolicy): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refused("url", "", "the URL is not valid");
  }
  const host = parsed.hostname;
  if (parsed.protocol === "https:" || parsed.protocol === "http:") {
    if (parsed.username !== "" || parsed.password !== "") {
      throw refused("url", host, "the URL carries a user name or password");
    }
    if (host === "") throw refused("url", host, "the URL has no host");
  }
  if (parsed.protocol === "https:") return parsed;
  if (parsed.protocol === "http:" && policy.allowHttpLoopback) {
    // The parser has normalised the host (e.g. 0x7f.1 is 127.0.0.1) and drops port 80.
    if (host === "127.0.0.1" && parsed.port !== "") return parsed;
    throw refused("url", host, "plain http is allowed only to http://127.0.0.1:<port>");
  }
  throw refused("url", host, "only https URLs are allowed");
}

// ---------------------------------------------------------------------------------------
// Addresses. Anything not publicly routable is refused, whatever the name says: the point is
// that a configured base URL (or a DNS answer for it) cannot aim the server at itself, its
// network, or a cloud metadata endpoint (169.254.169.254).

/** Dotted-quad IPv4 as an unsigned 32-bit number, or null. */
function parseIPv4(text: string): number | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return null;
  const parts = match.slice(1).map(Number);
  if (parts.some((part) => part > 255)) return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** IPv6 (brackets allowed, dotted IPv4 tail allowed) as a 128-bit number, or null. */
function parseIPv6(text: string): bigint | null {
  let rest = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const tail: string[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(rest);
  if (dotted) {
    const v4 = parseIPv4(dotted[2]);
    if (v4 === null) return null;
    rest = dotted[1].endsWith("::") ? dotted[1] : dotted[1].slice(0, -1);
    tail.push((v4 >>> 16).toString(16), (v4 & 0xffff).toString(16));
  }
  const halves = rest.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string) => (half === "" ? [] : half.split(":"));
  const head = groups(halves[0]);
  const back = halves.length === 2 ? [...groups(halves[1]), ...tail] : [];
  const front = halves.length === 2 ? head : [...head, ...tail];
  const missing = 8 - front.length - back.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...front, ...Array(missing).fill("0"), ...back];
  let value = 0n;
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

// Order matters: the first range that holds the address names it.
const IPV4_REFUSED: ReadonlyArray<[string, number, string]> = [
  ["0.0.0.0", 8, "unspecified (0.0.0.0/8, this network)"],
  ["10.0.0.0", 8, "private (10.0.0.0/8)"],
  ["100.64.0.0", 10, "shared (100.64.0.0/10, carrier-grade NAT)"],
  ["127.0.0.0", 8, "loopback (127.0.0.0/8)"],
  ["169.254.0.0", 16, "link-local (169.254.0.0/16)"],
  ["172.16.0.0", 12, "private (172.16.0.0/12)"],
  ["192.0.0.0", 24, "reserved (192.0.0.0/24, IETF protocol assignments)"],
  ["192.0.2.0", 24, "reserved (192.0.2.0/24, documentation)"],
  ["192.88.99.0", 24, "reserved (192.88.99.0/24, 6to4 relay)"],
  ["192.168.0.0", 16, "private (192.168.0.0/16)"],
  ["198.18.0.0", 15, "reserved (198.18.0.0/15, benchmarking)"],
  ["198.51.100.0", 24, "reserved (198.51.100.0/24, documentation)"],
  ["203.0.113.0", 24, "reserved (203.0.113.0/24, documentation)"],
  ["224.0.0.0", 4, "multicast (224.0.0.0/4)"],
  ["255.255.255.255", 32, "broadcast (255.255.255.255)"],
  ["240.0.0.0", 4, "reserved (240.0.0.0/4)"],
];

function ipv4Problem(address: number): string | null {
  for (const [base, bits, label] of IPV4_REFUSED) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if (((address & mask) >>> 0) === ((parseIPv4(base)! & mask) >>> 0)) return label;
  }
  return null;
}

function inRange(address: bigint, base: string, bits: number): boolean {
  const shift = BigInt(128 - bits);
  return address >> shift === parseIPv6(base)! >> shift;
}

/** IPv6 ranges that carry an IPv4 address: they are as good (or bad) as the address they carry. */
const IPV6_EMBEDDING: ReadonlyArray<[string, number, string, (a: bigint) => number]> = [
  ["::ffff:0:0", 96, "IPv4-mapped", (a) => Number(a & 0xffffffffn)],
  ["64:ff9b::", 96, "NAT64", (a) => Number(a & 0xffffffffn)],
  ["2002::", 16, "6to4", (a) => Number((a >> 80n) & 0xffffffffn)],
];

const IPV6_REFUSED: ReadonlyArray<[string, number, string]> = [
  ["::", 128, "unspecified (::)"],
  ["::1", 128, "loopback (::1)"],
  ["::", 96, "reserved (::/96, IPv4-compatible)"],
  ["64:ff9b:1::", 48, "reserved (64:ff9b:1::/48, local NAT64)"],
  ["100::", 64, "reserved (100::/64, discard)"],
  ["2001::", 32, "reserved (2001::/32, Teredo)"],
  ["2001:db8::", 32, "reserved (2001:db8::/32, documentation)"],
  ["fc00::", 7, "private (fc00::/7, unique local)"],
  ["fe80::", 10, "link-local (fe80::/10)"],
  ["fec0::", 10, "private (fec0::/10, site-local)"],
  ["ff00::", 8, "multicast (ff00::/8)"],
];

function ipv6Problem(address: bigint): string | null {
  for (const [base, bits, name, embedded] of IPV6_EMBEDDING) {
    if (!inRange(address, base, bits)) continue;
    const problem = ipv4Problem(embedded(address));
    return problem === null ? null : `${problem}, as ${name} IPv6 (${base}/${bits})`;
  }
  for (const [base, bits, label] of IPV6_REFUSED) {
    if (inRange(address, base, bits)) return label;
  }
  // Only global unicast is assigned for public use.
  return inRange(address, "2000::", 3) ? null : "reserved (outside 2000::/3, global unicast)";
}

/** Why an IP address may not be called, e.g. "private (10.0.0.0/8)"; null when it is public. */
export function addressProblem(address: string): string | null {
  const v4 = parseIPv4(address);
  if (v4 !== null) return ipv4Problem(v4);
  const v6 = parseIPv6(address);
  if (v6 !== null) return ipv6Problem(v6);
  return "not an IP address";
}

// ---------------------------------------------------------------------------------------
// The call.

export interface OutboundResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body as JSON; an OutboundError ("network") when it is not JSON. */
  json(): unknown;
}

/** A deadline shared by every step of one call, telling a timeout from other aborts. */
class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  expired = false;
  constructor(readonly ms: number) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort();
    }, ms);
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  clear(): void {
    clearTimeout(this.timer);
  }
}

/** The addresses a host stands for: the literal itself, or its A and AAAA records. */
async function addressesOf(url: URL, deadline: Deadline): Promise<string[]> {
  const host = url.hostname;
  if (parseIPv4(host) !== null) return [host];
  if (host.startsWith("[")) return [host.slice(1, -1)];
  // async: a runtime without Deno.resolveDns rejects here too, and the call is refused ("dns").
  const answers = await Promise.allSettled(
    (["A", "AAAA"] as const).map(async (type) => await Deno.resolveDns(host, type, { signal: deadline.signal })),
  );
  if (deadline.expired) throw timedOut(host, deadline);
  // IPv4 first: it is what the connect probe tries first.
  return answers.flatMap((answer) => (answer.status === "fulfilled" ? answer.value : []));
}

function timedOut(host: string, deadline: Deadline): OutboundError {
  return new OutboundError("timeout", host, `Outbound call to ${host} timed out after ${deadline.ms} ms`);
}

/** The error of a connection that could not be opened (by the probe or by the pinned tunnel). */
function connectFailure(host: string, failure: ConnectFailure, policy: OutboundPolicy): OutboundError {
  if (failure === "connect_timeout") {
    return new OutboundError(
      "connect_timeout",
      host,
      `Outbound call to ${host} timed out: no connection within ${policy.connectTimeoutMs} ms`,
    );
  }
  return failed(host, failure === "refused" ? "the connection was refused" : "it could not be reached");
}

/**
 * Opens (and closes) a TCP connection to the checked addresses, in order, within the connect
 * timeout, for a call that is not pinned (the http loopback, or a call that cannot be pinned):
 * Deno's fetch has no connect timeout of its own, and without this a host that drops SYNs
 * would only be noticed by the total timeout. It costs one TCP handshake (no TLS). A pinned
 * call needs none: its tunnel connects under the same timeout.
 */
async function probeConnect(host: string, addresses: string[], port: number, policy: OutboundPolicy, deadline: Deadline) {
  const opened = await firstConnection(addresses, port, policy.connectTimeoutMs, deadline.signal);
  if ("connection" in opened) return opened.connection.close();
  if (deadline.expired) throw timedOut(host, deadline);
  throw connectFailure(host, opened.failure, policy);
}

/**
 * What went wrong in a fetch, from Deno's error text, which itself is never passed on (it
 * quotes the URL, whose path is taken out here so that it cannot match).
 */
function fetchFailure(target: URL, error: unknown): OutboundError {
  const host = target.hostname;
  const text = `${error} ${(error as Error)?.cause ?? ""}`.split(target.href).join("");
  if (/certificate/i.test(text)) return failed(host, "its TLS certificate was not accepted");
  if (/connection closed|connection reset|incomplete message/i.test(text)) {
    return failed(host, "it closed the connection without a complete answer");
  }
  if (/refused/i.test(text)) return failed(host, "the connection was refused");
  return failed(host, "the request could not be completed");
}

/**
 * One request under the policy: the URL checked; the host's addresses (the literal, or its A
 * and AAAA records) all public, except the allowed http loopback; a connection to them within
 * the connect timeout, and over https to them only (pinned-proxy.ts: fetch resolves nothing
 * itself); the request sent with redirects not followed (any 3xx is refused); the answer read
 * in full, up to `maxResponseBytes`, everything within the total timeout.
 */
export async function outboundRequest(
  url: string | URL,
  init: { method?: string; headers?: Record<string, string>; body?: string },
  policy: OutboundPolicy,
): Promise<OutboundResponse> {
  const target = checkOutboundUrl(url, policy);
  const host = target.hostname;
  const deadline = new Deadline(policy.totalTimeoutMs);
  let pinned: PinnedCall | null = null;
  try {
    // checkOutboundUrl lets http through only for 127.0.0.1 with the loopback exception.
    const loopbackException = target.protocol === "http:";
    const addresses = loopbackException ? ["127.0.0.1"] : await addressesOf(target, deadline);
    if (addresses.length === 0) throw refused("dns", host, "its name could not be resolved");
    if (!loopbackException) {
      const literal = parseIPv4(host) !== null || host.startsWith("[");
      for (const address of addresses) {
        const problem = addressProblem(address);
        if (problem === null) continue;
        throw refused(
          "address",
          host,
          literal ? `the address is ${problem}` : `it resolves to ${address}, which is ${problem}`,
        );
      }
    }
    const port = Number(target.port || (target.protocol === "https:" ? 443 : 80));
    // A call that cannot be pinned (docs/security.md#outbound-calls) is probed, then left to fetch.
    pinned = loopbackException
      ? null
      : pinCall(target, port, addresses, { connectTimeoutMs: policy.connectTimeoutMs, signal: deadline.signal });
    if (!pinned) await probeConnect(host, addresses, port, policy, deadline);

    let response: Response;
    try {
      response = await fetch(target, {
        method: init.method ?? "GET",
        headers: init.headers,
        body: init.body,
        redirect: "manual",
        signal: deadline.signal,
        ...(pinned ? { client: pinned.client } : {}),
      });
    } catch (error) {
      if (deadline.expired) throw timedOut(host, deadline);
      const failure = pinned?.failure();
      if (failure) throw connectFailure(host, failure, policy);
      throw fetchFailure(target, error);
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => {});
      throw refused("redirect", host, `it answered a redirect (${response.status}), which is not followed`);
    }
    const text = await readCapped(response, target, policy.maxResponseBytes, deadline);
    return {
      status: response.status,
      headers: response.headers,
      text,
      json() {
        try {
          return JSON.parse(text);
        } catch {
          throw failed(host, "its answer is not JSON");
        }
      },
    };
  } finally {
    pinned?.release();
    deadline.clear();
  }
}

/** The body as text, read as a stream and cut off past `max` bytes. */
async function readCapped(response: Response, target: URL, max: number, deadline: Deadline): Promise<string> {
  const host = target.hostname;
  const tooLarge = () => refused("too_large", host, `its answer is larger than ${max} bytes`);
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > max) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof OutboundError) throw error;
    if (deadline.expired) throw timedOut(host, deadline);
    throw fetchFailure(target, error);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(body);
}
