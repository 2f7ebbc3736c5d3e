/**
 * The local stack's front door: a Node.js HTTP server on `PORT` that passes every request to
 * the Deno functions server on a loopback port of its own, and does what Deno's server cannot
 * (docs/operations.md, "Reliability"): header, request and idle timeouts, a header size cap,
 * a cap on open connections, and JSON error bodies for what it refuses. Deployments put their
 * own gateway in that place (hosted Supabase's edge); this one is for `npm start`.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { z } from "zod";
import { parseEnvironment } from "../functions/_shared/environment.ts";
import { errorBody, reasonPhrase } from "../functions/_shared/errors.ts";

const settings = z.object({
  // A request whose headers have not all arrived by then is answered 408 and closed; a
  // connection that sends nothing at all is closed the same way.
  SFP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  // The whole request (headers and body) must arrive within this, or 408.
  SFP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  // A keep-alive connection with no request in flight is closed after this.
  SFP_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  // The request line and headers together; over it: 431.
  SFP_MAX_HEADER_BYTES: z.coerce.number().int().min(1024).max(262_144).default(16_384),
  // Connections open at once; over it, new ones are closed at once (file descriptors stay free).
  SFP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100_000).default(1024),
});

export interface GatewayLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  maxHeaderBytes: number;
  maxConnections: number;
}

/** The limits from the environment; a malformed value throws an error naming the variable, never its value. */
export function gatewayLimits(env: Record<string, string | undefined>): GatewayLimits {
  const values = parseEnvironment(settings, env);
  return {
    headersTimeoutMs: values.SFP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: Math.max(values.SFP_REQUEST_TIMEOUT_MS, values.SFP_HEADERS_TIMEOUT_MS),
    idleTimeoutMs: values.SFP_IDLE_TIMEOUT_MS,
    maxHeaderBytes: values.SFP_MAX_HEADER_BYTES,
    maxConnections: values.SFP_MAX_CONNECTIONS,
  };
}

export interface Gateway {
  url: string;
  stop(): Promise<void>;
}

// Hop-by-hop headers (RFC 9110, 7.6.1) belong to one connection and are not passed on.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);

function forwardable(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = String(headers.connection ?? "").toLowerCase().split(",").map((name) => name.trim());
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.includes(name)) out[name] = value;
  }
  return out;
}

/** A complete HTTP/1.1 answer with the API's error body, written on a socket the parser gave up on. */
function rawError(status: number, message: string): string {
  const body = JSON.stringify(errorBody(status, message));
  return `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

/** Why the parser refused a connection, as an answer; undefined where no answer is owed. */
function refusal(error: NodeJS.ErrnoException, limits: GatewayLimits): string | undefined {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return rawError(431, `Request headers exceed ${limits.maxHeaderBytes} bytes`);
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return rawError(408, "The request did not arrive in time");
    case "ECONNRESET":
    case "HPE_INVALID_EOF_STATE":
      return undefined; // the client went away mid-request: nobody to answer
    default:
      return rawError(400, "Malformed HTTP request");
  }
}

/**
 * Listens on host:port and passes requests to `upstream` (the Deno server's URL), appending
 * the client's address to X-Forwarded-For (the functions run with SFP_TRUSTED_PROXY_HOPS=1).
 */
export async function startGateway(options: {
  host: string;
  port: number;
  upstream: string;
  limits: GatewayLimits;
}): Promise<Gateway> {
  const { limits } = options;
  const upstream = new URL(options.upstream);
  // Connections to Deno are kept and reused: one per request in flight, never a new one per request.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });

  const server = http.createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    // Node checks the header and request timeouts at this interval: a tenth of the shortest.
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 10))),
  }, (request, response) => {
    const headers = forwardable(request.headers);
    const peer = request.socket.remoteAddress ?? "unknown";
    const earlier = request.headers["x-forwarded-for"];
    headers["x-forwarded-for"] = earlier ? `${earlier}, ${peer}` : peer;

    const proxied = http.request({
      host: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers,
      agent,
    }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
      answer.pipe(response);
      answer.on("error", () => response.destroy());
    });
    proxied.on("error", () => {
      if (!response.headersSent) {
        response.writeHead(502, { "content-type": "application/json" });
        response.end(JSON.stringify(errorBody(502, "The functions server is unavailable; retry later")));
      } else {
        response.destroy();
      }
    });
    // A client that goes away takes its request to Deno with it.
    response.on("close", () => {
      if (!response.writableFinished) proxied.destroy();
    });
    request.pipe(proxied);
  });
  server.maxConnections = limits.maxConnections;
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    const answer = socket.writable ? refusal(error, limits) : undefined;
    if (answer) socket.end(answer);
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
