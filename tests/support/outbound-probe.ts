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

const deno = (globalThis as unknown as { Deno: { args: string[]; env: { toObject(): Record<string, string> } } }).Deno;
const outbound = await import(new URL("../../functions/_shared/outbound.ts", import.meta.url).href) as Outbound;

interface ProbeRequest {
  policy?: boolean;
  check?: string;
  address?: string;
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  json?: boolean;
}

async function run(request: ProbeRequest): Promise<unknown> {
  try {
    const policy = outbound.outboundPolicy(deno.env.toObject());
    if (request.policy) return { ok: true, policy };
    if (request.check !== undefined) return { ok: true, url: outbound.checkOutboundUrl(request.check, policy).href };
    if (request.address !== undefined) return { ok: true, problem: outbound.addressProblem(request.address) };
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
