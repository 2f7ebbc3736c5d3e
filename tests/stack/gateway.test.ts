/**
 * The local stack's gateway (stack/gateway.ts) in front of the real Deno server, tried the way
 * a slow or hostile client would: trickled headers and bodies, a thousand idle connections,
 * oversized headers, garbage, a dead upstream, a spoofed X-Forwarded-For. Limits are short here
 * so the suite stays fast; their defaults are checked apart.
 */
import http from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../stack/addresses.ts";
import { type Gateway, gatewayLimits, type GatewayLimits, startGateway } from "../../stack/gateway.ts";
import { expectError } from "../support/http.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const LIMITS: GatewayLimits = {
  headersTimeoutMs: 1000,
  requestTimeoutMs: 2000,
  idleTimeoutMs: 1000,
  maxHeaderBytes: 8192,
  maxConnections: 1500,
};
// Node checks the timeouts every tenth of the header timeout; the answer itself takes a moment.
const SLACK_MS = 600;

let gateway: Gateway;
let port: number;

beforeAll(async () => {
  // The functions trust one proxy's X-Forwarded-For entry, as npm start runs them.
  await stack.restartFunctions({ SFP_TRUSTED_PROXY_HOPS: "1" });
  gateway = await startGateway({ host: "127.0.0.1", port: 0, upstream: stack.url, limits: LIMITS });
  port = Number(new URL(gateway.url).port);
});
afterAll(() => gateway.stop());

interface RawAnswer {
  status: number | undefined;
  headers: string;
  body: string;
  /** From the first byte written to the connection's close. */
  elapsedMs: number;
}

/**
 * Opens a connection, writes `head` and then each of `trickle` every `everyMs`, and resolves
 * once the gateway closes it, with what it answered.
 */
function exchange(head: string, trickle: string[] = [], everyMs = 200, onSocket?: (socket: Socket) => void): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    onSocket?.(socket);
    let received = "";
    let started = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on("connect", () => {
      started = performance.now();
      if (head) socket.write(head);
      let next = 0;
      timer = setInterval(() => {
        if (next < trickle.length && socket.writable) socket.write(trickle[next++]);
      }, everyMs);
    });
    socket.on("data", (chunk) => (received += chunk.toString()));
    socket.on("error", () => {}); // a reset counts as closed; what arrived is judged below
    socket.on("close", () => {
      clearInterval(timer);
      const [headers, body = ""] = received.split("\r\n\r\n", 2);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1];
      resolve({ status: status ? Number(status) : undefined, headers, body, elapsedMs: performance.now() - started });
    });
    setTimeout(() => reject(new Error("the gateway kept the connection open for 20 s")), 20_000).unref();
  });
}

function expectJsonError(answer: RawAnswer, status: number, message: string) {
  expect(answer.headers).toMatch(/\r\ncontent-type: application\/json\r\n/i);
  expectError({ status: answer.status ?? 0, body: JSON.parse(answer.body) }, status, message);
}

describe("passing requests on", () => {
  it("answers what the functions answer, bodies included, both ways", async () => {
    const created = await fetch(`${gateway.url}/sfp/api/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.owner.token}`, "content-type": "application/json" },
      body: JSON.stringify({ identifier: "acme/gateway", remoteUrl: "https://github.com/acme/gateway" }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ identifier: "acme/gateway" });
    const direct = await fetch(`${stack.url}/sfp/api/projects/acme%2Fgateway`, { headers: { authorization: `Bearer ${stack.owner.token}` } });
    const through = await fetch(`${gateway.url}/sfp/api/projects/acme%2Fgateway`, { headers: { authorization: `Bearer ${stack.owner.token}` } });
    expect(through.status).toBe(200);
    expect(await through.json()).toEqual(await direct.json());
  });

  it("records the client's own address in the audit, not the gateway's and not one the client made up", async () => {
    // The client connects from 127.0.0.2 (the gateway and Deno talk over 127.0.0.1) and claims 203.0.113.9.
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request({
        host: "127.0.0.1",
        port,
        localAddress: "127.0.0.2",
        path: "/sfp/api/integrations/credentials?provider=github",
        headers: { authorization: "Bearer sfp_app_madeUpAndUnknown", "x-forwarded-for": "203.0.113.9", "x-request-id": "gateway-address-test" },
      }, (response) => (response.resume(), resolve(response.statusCode ?? 0)));
      request.on("error", reject);
      request.end();
    });
    expect(status).toBe(401);
    const rows = await stack.sql<{ ip: string; outcome: string }[]>`
      select ip, outcome from sfp.audit_log where request_id = 'gateway-address-test'`;
    expect(rows).toEqual([{ ip: "127.0.0.2", outcome: "denied" }]);
  });
});

describe("slow clients", () => {
  it("answers 408 to headers trickled past the header timeout, and closes", async () => {
    const answer = await exchange("GET /sfp/api/health HTTP/1.1\r\nHost: x\r\n", Array(100).fill("X-Slow: 1\r\n"));
    expectJsonError(answer, 408, "The request did not arrive in time");
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs - 50);
    expect(answer.elapsedMs).toBeLessThan(LIMITS.headersTimeoutMs + SLACK_MS);
  });

  it("answers 408 to a body trickled past the request timeout, and the functions never see it", async () => {
    const answer = await exchange(
      `POST /sfp/api/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${stack.owner.token}\r\n` +
        "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{",
      Array(100).fill(" "),
    );
    expectJsonError(answer, 408, "The request did not arrive in time");
    expect(answer.elapsedMs).toBeLessThan(LIMITS.requestTimeoutMs + SLACK_MS);
    expect(await stack.sql`select 1 from sfp.projects`).toHaveLength(0);
  });

  it("closes 1,000 connections that send nothing within the header timeout, serving others meanwhile", async () => {
    const sockets: Socket[] = [];
    const closed = Array.from({ length: 1000 }, () => exchange("", [], 200, (socket) => sockets.push(socket)));
    // While they are open, a real request is answered at once.
    const health = await fetch(`${gateway.url}/sfp/api/health`);
    expect(health.status).toBe(200);
    const answers = await Promise.all(closed);
    expect(answers.every((answer) => answer.elapsedMs < LIMITS.headersTimeoutMs + SLACK_MS)).toBe(true);
    expect(sockets.every((socket) => socket.destroyed)).toBe(true);
  });

  it("closes a keep-alive connection idle past the idle timeout (Node adds up to 1 s)", async () => {
    const answer = await exchange("GET /sfp/api/health HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(LIMITS.idleTimeoutMs - 50);
    expect(answer.elapsedMs).toBeLessThan(LIMITS.idleTimeoutMs + 1000 + SLACK_MS);
  });

  it("closes connections over the cap at once", async () => {
    const capped = await startGateway({ host: "127.0.0.1", port: 0, upstream: stack.url, limits: { ...LIMITS, maxConnections: 20 } });
    const sockets: Socket[] = [];
    try {
      await Promise.all(Array.from({ length: 20 }, () =>
        new Promise<void>((resolve) => {
          const socket = connect(Number(new URL(capped.url).port), "127.0.0.1", () => resolve());
          socket.on("error", () => {});
          sockets.push(socket);
        })));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = performance.now();
      const refused = await fetch(`${capped.url}/sfp/api/health`).then(() => "answered", () => "closed");
      expect(refused).toBe("closed");
      expect(performance.now() - started).toBeLessThan(500);
    } finally {
      for (const socket of sockets) socket.destroy();
      await capped.stop();
    }
  });
});

describe("what the functions never see", () => {
  it("answers 431 with the JSON error body to headers over the cap", async () => {
    const response = await fetch(`${gateway.url}/sfp/api/health`, { headers: { "x-big": "a".repeat(LIMITS.maxHeaderBytes) } });
    expect(response.headers.get("content-type")).toBe("application/json");
    expectError({ status: response.status, body: await response.json() }, 431, "Request headers exceed 8192 bytes");
  });

  it("answers 400 with the JSON error body to a request that is not HTTP", async () => {
    const answer = await exchange("HELLO THERE\r\n\r\n");
    expectJsonError(answer, 400, "Malformed HTTP request");
  });

  it("answers 502 with the JSON error body when the functions server is not there", async () => {
    const orphan = await startGateway({ host: "127.0.0.1", port: 0, upstream: `http://127.0.0.1:${await freePort()}`, limits: LIMITS });
    try {
      const response = await fetch(`${orphan.url}/sfp/api/health`);
      expectError({ status: response.status, body: await response.json() }, 502, "The functions server is unavailable; retry later");
    } finally {
      await orphan.stop();
    }
  });
});

describe("limits from the environment", () => {
  it("defaults to 10 s for headers, 30 s for the request, 15 s idle, 16 KiB of headers, 1,024 connections", () => {
    expect(gatewayLimits({})).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      idleTimeoutMs: 15_000,
      maxHeaderBytes: 16_384,
      maxConnections: 1024,
    });
  });

  it("names a malformed variable, not its value", () => {
    expect(() => gatewayLimits({ SFP_HEADERS_TIMEOUT_MS: "soon" })).toThrow(/^Invalid configuration: SFP_HEADERS_TIMEOUT_MS: /);
    expect(() => gatewayLimits({ SFP_MAX_HEADER_BYTES: "10" })).toThrow(/^Invalid configuration: SFP_MAX_HEADER_BYTES: /);
  });
});
