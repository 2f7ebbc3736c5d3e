/**
 * Calls to services outside the sfp server (Jira) with a stored credential: only to an https
 * URL (plain http only to http://127.0.0.1:<port> when SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK=true,
 * for local test servers), no redirects (the credential goes to the URL it is stored with, nowhere else), a
 * timeout and a cap on the answer's size. Errors name the service and the URL's origin, never
 * a header or a credential.
 */
import { CliError, networkFailure } from "./errors.ts";

export const OUTBOUND_TIMEOUT_MS = 30_000;
export const OUTBOUND_MAX_BYTES = 10 * 1024 * 1024;

/** The URL, if a credential may be sent there; else a CliError naming `what` (e.g. "the Jira base_url of integration x"). */
export function outboundUrl(text: string, what: string, env: NodeJS.ProcessEnv = process.env): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`${what} is not a URL`);
  }
  if (url.username || url.password) throw new CliError(`${what} must not hold a user name or password`);
  if (url.protocol === "https:") return url;
  // The server's rule too: plain http only to 127.0.0.1 with an explicit port (a local test server).
  if (url.protocol === "http:" && url.hostname === "127.0.0.1" && url.port !== "" && env.SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK === "true") return url;
  throw new CliError(`${what} must be an https:// URL: credentials are never sent over plain http`);
}

export interface OutboundAnswer {
  status: number;
  headers: Headers;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
}

/** A JSON request to `service` at `url`; the answer, whatever its status. */
export async function requestJson(service: string, url: URL, init: { method: string; headers: Record<string, string>; body?: unknown }): Promise<OutboundAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers: { Accept: "application/json", ...(init.body === undefined ? {} : { "Content-Type": "application/json" }), ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      redirect: "manual",
      signal: AbortSignal.timeout(OUTBOUND_TIMEOUT_MS),
    });
  } catch (error) {
    const reason = networkFailure(error) ?? "the request failed";
    throw new CliError(`cannot reach ${service} at ${url.origin}: ${reason}`);
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new CliError(`${service} at ${url.origin} answered ${response.status} (a redirect), which is not followed: check its base URL`);
  }
  const text = await cappedText(service, response);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body };
}

/** The response's text, refusing one larger than OUTBOUND_MAX_BYTES (read no further). */
async function cappedText(service: string, response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > OUTBOUND_MAX_BYTES) {
        await reader.cancel();
        throw new CliError(`${service} answered more than ${OUTBOUND_MAX_BYTES / 1024 / 1024} MiB: refused`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${service} stopped answering: ${networkFailure(error) ?? "the answer was cut"}`);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
