/**
 * Runs functions/_shared/outbound.ts for real, on Deno, for tests/http/outbound.test.ts:
 *
 *   deno run --allow-net --allow-env --config deno.json tests/support/outbound-probe.ts '<json>'
 *
 * The argument is one request or an array of them, run one after the other: {"policy": true}
 * (outboundPolicy), {"check": url} (checkOutboundUrl), {"address": ip} (addressProblem), or
 * {"url", "method"?, "headers"?, "body"?, "json"?} (outboundRequest). The policy comes from
 * the SFP_OUTBOUND_* environment. Prints one line of JSON, a result or an array of them:
 * {"ok": true, ...} or {"error": {"name", "reason", "host", "message"}}.
 *
 * OUTBOUND_PROBE_NETWORK (JSON) stands in for the internet, which tests cannot reach:
 *   {"dns": {"<name>": {"A": [[...first answer], [...next], ...], "AAAA": [...]}},
 *    "routes": {"<public address>": "127.0.0.1"}, "noPinning": true}
 * Deno.resolveDns answers from `dns` (one answer per query, the last repeated; a name or type
 * not listed is not found), Deno.connect reaches a routed address at 127.0.0.1 (same port),
 * and noPinning takes Deno.createHttpClient away (a runtime that cannot pin). Two more requests
 * then: {"log": true} (the DNS queries and connections so far) and {"tunnel": {url, addresses,
 * attempts: [{method?, authority?, auth: "none" | "wrong" | "valid"}]}}, which pins a call
 * (functions/_shared/pinned-proxy.ts) and sends each attempt to its proxy as a raw request,
 * the last one again after the call is released, answering the status lines.
 * It is Deno code that tsc (Node settings) also checks, hence the module imported by a
 * computed specifier and Deno reached through globalThis.
 */
interface Outbound {
  outboundPolicy(env: Record<string, string | undefined>): unknown;
  addressProblem(address: string): string | null;
  checkOutboundUrl(url: string, policy: unknown): URL;
  outboundRequest(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string },
    policy: unknown,
  ): Promise<{ status: number; text: string; json(): unknown }>;
}

interface DenoConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  close(): void;
}
interface DenoApi {
  args: string[];
  env: { toObject(): Record<string, string> };
  resolveDns(name: string, type: string, options?: unknown): Promise<string[]>;
  connect(options: { hostname: string; port: number; signal?: AbortSignal }): Promise<DenoConn>;
  createHttpClient?: unknown;
  errors: { NotFound: new (message: string) => Error };
}
interface PinnedProxy {
  pinCall(target: URL, addresses: string[], options: { connectTimeoutMs: number; signal: AbortSignal }): {
    release(): void;
    proxy: { port: number; authorization: string };
  };
}

const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

// The stand-in internet (see above), in place before the module under test runs.
interface Network {
  dns?: Record<string, Record<string, string[][]>>;
  routes?: Record<string, string>;
  noPinning?: boolean;
}
const network = JSON.parse(deno.env.toObject().OUTBOUND_PROBE_NETWORK ?? "null") as Network | null;
const log: string[] = [];
if (network) {
  const asked = new Map<string, number>();
  deno.resolveDns = (name, type) => {
    log.push(`${type} ${name}`);
    const answers = network.dns?.[name.toLowerCase()]?.[type];
    if (!answers?.length) return Promise.reject(new deno.errors.NotFound(`no ${type} record for ${name}`));
    const key = `${type} ${name}`;
    const index = asked.get(key) ?? 0;
    asked.set(key, index + 1);
    return Promise.resolve(answers[Math.min(index, answers.length - 1)]);
  };
  const connect = deno.connect.bind(deno);
  deno.connect = (options) => {
    log.push(`connect ${options.hostname}:${options.port}`);
    return connect({ ...options, hostname: network.routes?.[options.hostname] ?? options.hostname });
  };
  if (network.noPinning) deno.createHttpClient = undefined;
}

const outbound = await import(new URL("../../functions/_shared/outbound.ts", import.meta.url).href) as Outbound;
const pinnedProxy = await import(new URL("../../functions/_shared/pinned-proxy.ts", import.meta.url).href) as PinnedProxy;

interface ProbeRequest {
  policy?: boolean;
  check?: string;
  address?: string;
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  json?: boolean;
  log?: boolean;
  tunnel?: { url: string; addresses: string[]; attempts: TunnelAttempt[] };
}

interface TunnelAttempt {
  method?: string;
  /** host:port of the request line; the pinned call's own by default. */
  authority?: string;
  auth: "none" | "wrong" | "valid";
}

/** Sends one raw request head to the proxy and answers its status line. */
async function rawRequest(port: number, head: string): Promise<string> {
  const connection = await deno.connect({ hostname: "127.0.0.1", port });
  try {
    await connection.write(new TextEncoder().encode(head));
    const buffer = new Uint8Array(1024);
    const read = await connection.read(buffer);
    return read === null ? "(closed)" : new TextDecoder().decode(buffer.subarray(0, read)).split("\r\n")[0];
  } finally {
    connection.close();
  }
}

async function tryTunnel(tunnel: NonNullable<ProbeRequest["tunnel"]>): Promise<string[]> {
  const target = new URL(tunnel.url);
  const call = pinnedProxy.pinCall(target, tunnel.addresses, { connectTimeoutMs: 1000, signal: new AbortController().signal });
  const headOf = (attempt: TunnelAttempt) => {
    const authority = attempt.authority ?? `${target.hostname}:${target.port || 443}`;
    const authorization = attempt.auth === "valid"
      ? call.proxy.authorization
      : attempt.auth === "wrong" ? `Basic ${btoa(`sfp-pin:${"0".repeat(64)}`)}` : undefined;
    return `${attempt.method ?? "CONNECT"} ${authority} HTTP/1.1\r\nHost: ${authority}\r\n` +
      (authorization ? `Proxy-Authorization: ${authorization}\r\n` : "") + "\r\n";
  };
  const statuses: string[] = [];
  try {
    for (const attempt of tunnel.attempts) statuses.push(await rawRequest(call.proxy.port, headOf(attempt)));
  } finally {
    call.release();
  }
  const last = tunnel.attempts.at(-1);
  if (last) statuses.push(await rawRequest(call.proxy.port, headOf(last)));
  return statuses;
}

async function run(request: ProbeRequest): Promise<unknown> {
  try {
    const policy = outbound.outboundPolicy(deno.env.toObject());
    if (request.policy) return { ok: true, policy };
    if (request.check !== undefined) return { ok: true, url: outbound.checkOutboundUrl(request.check, policy).href };
    if (request.address !== undefined) return { ok: true, problem: outbound.addressProblem(request.address) };
    if (request.log) return { ok: true, log };
    if (request.tunnel) return { ok: true, statuses: await tryTunnel(request.tunnel) };
    const { method, headers, body } = request;
    const response = await outbound.outboundRequest(request.url!, { method, headers, body }, policy);
    return { ok: true, status: response.status, text: response.text, ...(request.json ? { json: response.json() } : {}) };
  } catch (error) {
    const e = error as Error & { reason?: string; host?: string };
    return { error: { name: e.name, reason: e.reason, host: e.host, message: e.message } };
  }
}

const input = JSON.parse(deno.args[0]) as ProbeRequest | ProbeRequest[];
const results = [];
for (const request of Array.isArray(input) ? input : [input]) results.push(await run(request));
console.log(JSON.stringify(Array.isArray(input) ? results : results[0]));
