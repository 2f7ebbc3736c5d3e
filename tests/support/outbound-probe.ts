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
 *    "routes": {"<public address>": "<local address>"}, "noPinning": true, "listen": "refuse" | "fake"}
 * Deno.resolveDns answers from `dns` (one answer per query, the last repeated; a name or type
 * not listed is not found), Deno.connect reaches a routed address at its local address (same
 * port), noPinning takes Deno.createHttpClient away, and `listen` makes Deno.listen throw
 * ("refuse") or answer a listener that binds nothing, as Supabase's Edge Runtime does ("fake"):
 * runtimes that cannot pin. Two more requests then: {"log": true} (the DNS queries and
 * connections so far) and {"tunnel": {url, addresses, attempts: [{method?, authority?, auth:
 * "none" | "wrong" | "valid"}]}}, which pins a call (functions/_shared/pinned-proxy.ts), sends
 * each attempt to its proxy as a raw request, then opens one more tunnel with the call's ticket,
 * releases the call, and sends the last attempt again, answering the status lines (the held
 * tunnel's as "closed" or "open": whether the release closed it). With "flood": n, it first
 * opens n connections to the proxy that send nothing, sends the attempts while they are held,
 * and answers how many of them the proxy closed within 300 ms and within 1,500 ms ("flood":
 * [early, late]).
 * {"connects": true} answers how long each connection attempt through the stand-in took to
 * settle ("connects": [{to, ms}]), {"wait": ms} waits. {"timed": true} on a request adds the
 * milliseconds its call took ("ms").
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
  listen(options: unknown): unknown;
  errors: { NotFound: new (message: string) => Error; PermissionDenied: new (message: string) => Error };
}
interface PinnedProxy {
  pinCall(target: URL, port: number, addresses: string[], options: { connectTimeoutMs: number; signal: AbortSignal }): {
    release(): void;
    proxy: { port: number; authorization: string };
  } | null;
}

const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

// The stand-in internet (see above), in place before the module under test runs.
interface Network {
  dns?: Record<string, Record<string, string[][]>>;
  routes?: Record<string, string>;
  noPinning?: boolean;
  listen?: "refuse" | "fake";
}
const network = JSON.parse(deno.env.toObject().OUTBOUND_PROBE_NETWORK ?? "null") as Network | null;
const log: string[] = [];
/** How long each connection attempt through the stand-in took to succeed or fail. */
const connects: { to: string; ms: number }[] = [];
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
    const started = performance.now();
    const attempt = connect({ ...options, hostname: network.routes?.[options.hostname] ?? options.hostname });
    const settled = () => connects.push({ to: `${options.hostname}:${options.port}`, ms: Math.round(performance.now() - started) });
    attempt.then(settled, settled);
    return attempt;
  };
  if (network.noPinning) deno.createHttpClient = undefined;
  if (network.listen === "refuse") {
    deno.listen = () => {
      throw new deno.errors.PermissionDenied("listening is not allowed here");
    };
  }
  if (network.listen === "fake") {
    deno.listen = () => ({
      addr: { transport: "tcp", hostname: "0.0.0.0", port: 9999 },
      close() {},
      unref() {},
      async *[Symbol.asyncIterator]() {
        throw new Error("a listener that binds nothing was iterated");
      },
    });
  }
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
  connects?: boolean;
  wait?: number;
  timed?: boolean;
  tunnel?: { url: string; addresses: string[]; attempts: TunnelAttempt[]; flood?: number };
}

interface TunnelAttempt {
  method?: string;
  /** host:port of the request line; the pinned call's own by default. */
  authority?: string;
  auth: "none" | "wrong" | "valid";
}

/** Sends a raw request head on `connection` and answers the proxy's status line. */
async function sendHead(connection: DenoConn, head: string): Promise<string> {
  await connection.write(new TextEncoder().encode(head));
  const buffer = new Uint8Array(1024);
  const read = await connection.read(buffer);
  return read === null ? "(closed)" : new TextDecoder().decode(buffer.subarray(0, read)).split("\r\n")[0];
}

/** Sends one raw request head to the proxy on a connection of its own and answers its status line. */
async function rawRequest(port: number, head: string): Promise<string> {
  const connection = await deno.connect({ hostname: "127.0.0.1", port });
  try {
    return await sendHead(connection, head);
  } finally {
    connection.close();
  }
}

/** Whether the proxy closes `connection` within a second (it reads EOF, or an error). */
async function closedSoon(connection: DenoConn): Promise<boolean> {
  const timer = setTimeout(() => connection.close(), 1000);
  try {
    return (await connection.read(new Uint8Array(64))) === null;
  } catch {
    return false; // closed here, by the timer: the proxy had left it open
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens `count` silent connections to the proxy and answers how many it closed within 300 ms;
 * `finish` then answers how many it closed within 1,500 ms of the start, and closes the rest.
 */
async function flood(port: number, count: number): Promise<{ early: number; finish(): Promise<number> }> {
  const started = performance.now();
  const connections: DenoConn[] = [];
  for (let i = 0; i < count; i++) connections.push(await deno.connect({ hostname: "127.0.0.1", port }));
  const closed = connections.map((connection) => {
    const state = { closed: false };
    connection.read(new Uint8Array(16)).then(() => (state.closed = true), () => (state.closed = true));
    return state;
  });
  const closedCount = () => closed.filter((state) => state.closed).length;
  const until = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, started + ms - performance.now())));
  await until(300);
  return {
    early: closedCount(),
    async finish() {
      await until(1500);
      const late = closedCount();
      for (const connection of connections) {
        try {
          connection.close();
        } catch {
          // closed by the proxy
        }
      }
      return late;
    },
  };
}

async function tryTunnel(tunnel: NonNullable<ProbeRequest["tunnel"]>): Promise<{ statuses: string[]; flood?: [number, number] }> {
  const target = new URL(tunnel.url);
  const port = Number(target.port || 443);
  const call = pinnedProxy.pinCall(target, port, tunnel.addresses, { connectTimeoutMs: 1000, signal: new AbortController().signal });
  if (!call) return { statuses: ["not pinned"] };
  const flooding = tunnel.flood ? await flood(call.proxy.port, tunnel.flood) : undefined;
  const headOf = (attempt: TunnelAttempt) => {
    const authority = attempt.authority ?? `${target.hostname}:${port}`;
    const authorization = attempt.auth === "valid"
      ? call.proxy.authorization
      : attempt.auth === "wrong" ? `Basic ${btoa(`sfp-pin:${"0".repeat(64)}`)}` : undefined;
    return `${attempt.method ?? "CONNECT"} ${authority} HTTP/1.1\r\nHost: ${authority}\r\n` +
      (authorization ? `Proxy-Authorization: ${authorization}\r\n` : "") + "\r\n";
  };
  const statuses: string[] = [];
  let held: DenoConn | undefined;
  let flooded: { flood?: [number, number] } = {};
  try {
    // While a flood's silent connections are still held, when there is one.
    for (const attempt of tunnel.attempts) statuses.push(await rawRequest(call.proxy.port, headOf(attempt)));
    if (flooding) flooded = { flood: [flooding.early, await flooding.finish()] };
    held = await deno.connect({ hostname: "127.0.0.1", port: call.proxy.port });
    statuses.push(await sendHead(held, headOf({ auth: "valid" })));
  } finally {
    call.release();
  }
  statuses.push(held && await closedSoon(held) ? "closed" : "open");
  const last = tunnel.attempts.at(-1);
  if (last) statuses.push(await rawRequest(call.proxy.port, headOf(last)));
  return { statuses, ...flooded };
}

async function run(request: ProbeRequest): Promise<unknown> {
  let started: number | undefined;
  const took = () => (request.timed && started !== undefined ? { ms: Math.round(performance.now() - started) } : {});
  try {
    const policy = outbound.outboundPolicy(deno.env.toObject());
    if (request.policy) return { ok: true, policy };
    if (request.check !== undefined) return { ok: true, url: outbound.checkOutboundUrl(request.check, policy).href };
    if (request.address !== undefined) return { ok: true, problem: outbound.addressProblem(request.address) };
    if (request.log) return { ok: true, log };
    if (request.connects) return { ok: true, connects };
    if (request.wait) {
      await new Promise((resolve) => setTimeout(resolve, request.wait));
      return { ok: true };
    }
    if (request.tunnel) return { ok: true, ...await tryTunnel(request.tunnel) };
    const { method, headers, body } = request;
    started = performance.now();
    const response = await outbound.outboundRequest(request.url!, { method, headers, body }, policy);
    return { ok: true, status: response.status, text: response.text, ...(request.json ? { json: response.json() } : {}), ...took() };
  } catch (error) {
    const e = error as Error & { reason?: string; host?: string };
    return { error: { name: e.name, reason: e.reason, host: e.host, message: e.message }, ...took() };
  }
}

const input = JSON.parse(deno.args[0]) as ProbeRequest | ProbeRequest[];
const results = [];
for (const request of Array.isArray(input) ? input : [input]) results.push(await run(request));
console.log(JSON.stringify(Array.isArray(input) ? results : results[0]));
