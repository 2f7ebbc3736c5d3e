/**
 * Outbound calls (functions/_shared/outbound.ts), run for real on Deno through
 * tests/support/outbound-probe.ts against small HTTP servers on 127.0.0.1: only https, or
 * http://127.0.0.1:<port> with SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK=true; no private, loopback,
 * link-local or otherwise non-public address, literal or resolved; redirects refused and not
 * followed; connect and total timeouts; the size cap; https pinned to the checked addresses
 * (functions/_shared/pinned-proxy.ts), against https servers on 127.0.0.1 that stand for public
 * hosts (the probe's stand-in DNS and routes); and no secret of the request in any error. Needs
 * no database: no test stack.
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import { DENO, DENO_CONFIG, childEnvironment } from "../../stack/deno.ts";
import { makeTestCertificates } from "../support/test-certificates.ts";

interface ProbeError {
  name: string;
  reason: string;
  host: string;
  message: string;
}

interface ProbeResult {
  ok?: true;
  status?: number;
  text?: string;
  json?: unknown;
  url?: string;
  problem?: string | null;
  policy?: unknown;
  error?: ProbeError;
  log?: string[];
  statuses?: string[];
  flood?: [number, number];
  connects?: { to: string; ms: number }[];
  /** How long the call took inside the probe (with "timed"). */
  ms?: number;
}

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
  tunnel?: {
    url: string;
    addresses: string[];
    attempts: { method?: string; authority?: string; auth: "none" | "wrong" | "valid" }[];
    flood?: number;
  };
}

interface ProbeRun<T> {
  result: T;
  /** Everything the Deno process wrote, stdout and stderr. */
  output: string;
  ms: number;
}

const LOOPBACK = { SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK: "true" };

/** Runs the probe on Deno (asynchronously: the servers below live in this process). */
async function probeRun<T = ProbeResult>(request: ProbeRequest | ProbeRequest[], env: Record<string, string> = {}) {
  const started = Date.now();
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      DENO,
      [
        "run",
        "--quiet",
        "--allow-net",
        "--allow-env",
        `--allow-read=${PROJECT_ROOT}`,
        "--config",
        DENO_CONFIG,
        join(PROJECT_ROOT, "tests", "support", "outbound-probe.ts"),
        JSON.stringify(request),
      ],
      { cwd: PROJECT_ROOT, env: childEnvironment(env) },
      (error, stdout, stderr) => (error ? reject(new Error(`probe failed: ${error.message}\n${stderr}`)) : resolve({ stdout, stderr })),
    );
  });
  return { result: JSON.parse(stdout) as T, output: stdout + stderr, ms: Date.now() - started } satisfies ProbeRun<T>;
}

async function probe(request: ProbeRequest, env: Record<string, string> = {}): Promise<ProbeResult> {
  return (await probeRun(request, env)).result;
}

function refusal(reason: string, host: string, message: string): ProbeResult {
  return { error: { name: "OutboundError", reason, host, message } };
}

// ---------------------------------------------------------------------------------------
// The servers.

const MAX = 2048;
const served: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
let redirectTargetHits = 0;

const app = http.createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => {
    served.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
    // Routed by the first segment: what follows it (a path, a query) is for the secrets test.
    const path = `/${new URL(request.url ?? "/", "http://x").pathname.split("/")[1]}`;
    switch (path) {
      case "/json":
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ hello: "world" }));
        return;
      case "/not-json":
        response.writeHead(200, { "content-type": "text/plain" }).end("hello");
        return;
      case "/redirect-302":
      case "/redirect-307":
        response.writeHead(Number(path.slice(-3)), { location: `http://127.0.0.1:${port(target)}/landing` }).end("moved");
        return;
      case "/exact":
        response.writeHead(200, { "content-type": "text/plain" }).end("x".repeat(MAX));
        return;
      case "/declared-large":
        // Declares more than the cap, then sends little and stalls: refused on the header alone.
        response.writeHead(200, { "content-length": String(10 * MAX) });
        response.write("x".repeat(10));
        return;
      case "/endless": {
        response.writeHead(200, { "content-type": "text/plain" }); // chunked, no length
        const chunk = "x".repeat(512);
        const pump = () => {
          while (!response.destroyed && response.write(chunk));
          if (!response.destroyed) response.once("drain", pump);
        };
        pump();
        return;
      }
      case "/stall-body":
        response.writeHead(200, { "content-type": "text/plain" });
        response.write("partial");
        return; // never ends
      case "/drop":
        request.socket.destroy();
        return;
      default:
        response.writeHead(404).end();
    }
  });
});
app.keepAliveTimeout = 100;

/** Where the redirects point: must never be reached. */
const target = http.createServer((_request, response) => {
  redirectTargetHits++;
  response.writeHead(200).end("landed");
});

/** Accepts connections and never answers. */
const silent = net.createServer(() => {});

/**
 * A listener whose accept queue is full: its backlog is 1 and its event loop (a worker's) is
 * blocked, so nothing is ever accepted; once two connections fill the queue, the kernel drops
 * further SYNs and a connect hangs, as to a host that does not answer.
 */
let backlogPort = 0;
const backlogWake = new Int32Array(new SharedArrayBuffer(4));
let backlogWorker: Worker | undefined;
const backlogFillers: net.Socket[] = [];

/**
 * A port nothing listens on: 2, which no test binds (a privileged port, and not one that fetch
 * refuses to call, as it does 1). Not a port freed after listening on it: other test files'
 * servers, started meanwhile, may be given that one (the likely cause of a failure in one full
 * run).
 */
const closedPort = 2;

/**
 * https servers standing for public hosts: `github` holds a certificate for api.github.test,
 * `stranger` one for elsewhere.test, each from an authority of its own that the probe trusts
 * (DENO_CERT). The probe's stand-in DNS and routes make them reachable at a public address.
 */
const githubServed: { host: string | undefined; url: string }[] = [];
let github: https.Server;
let stranger: https.Server;
let trusted = "";
const certificateDir = mkdtempSync(join(tmpdir(), "sfp-outbound-certs-"));

function port(server: http.Server | net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

async function listen(server: http.Server | net.Server) {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
}

beforeAll(async () => {
  await Promise.all([listen(app), listen(target), listen(silent)]);

  const [githubCertificates, strangerCertificates] = await Promise.all([
    makeTestCertificates(["api.github.test"]),
    makeTestCertificates(["elsewhere.test"]),
  ]);
  github = https.createServer({ cert: githubCertificates.certificate, key: githubCertificates.key }, (request, response) => {
    githubServed.push({ host: request.headers.host, url: request.url ?? "" });
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ hello: "from github" }));
  });
  stranger = https.createServer({ cert: strangerCertificates.certificate, key: strangerCertificates.key }, (_request, response) => {
    response.writeHead(200).end("should not be reached");
  });
  await Promise.all([listen(github), listen(stranger)]);
  trusted = join(certificateDir, "authorities.pem");
  writeFileSync(trusted, githubCertificates.authority + strangerCertificates.authority);

  backlogWorker = new Worker(
    `const net = require("node:net");
     const { parentPort, workerData } = require("node:worker_threads");
     const server = net.createServer();
     server.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       // Blocks this thread's event loop (so it never accepts) until the test wakes it.
       setTimeout(() => Atomics.wait(workerData, 0, 0, 120000), 20);
     });`,
    { eval: true, workerData: backlogWake },
  );
  [backlogPort] = (await once(backlogWorker, "message")) as [number];
  await new Promise((resolve) => setTimeout(resolve, 100));
  // Fill the accept queue (backlog 1 holds two on Linux); these connections complete.
  for (let i = 0; i < 2; i++) {
    const socket = net.connect({ port: backlogPort, host: "127.0.0.1" });
    backlogFillers.push(socket);
    await once(socket, "connect");
  }
});

afterAll(async () => {
  for (const socket of backlogFillers) socket.destroy();
  Atomics.store(backlogWake, 0, 1);
  Atomics.notify(backlogWake, 0);
  await backlogWorker?.terminate();
  silent.close();
  app.closeAllConnections();
  target.closeAllConnections();
  github.closeAllConnections();
  stranger.closeAllConnections();
  await Promise.all([app, target, github, stranger].map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(certificateDir, { recursive: true, force: true });
});

const local = (path: string) => `http://127.0.0.1:${port(app)}${path}`;

// ---------------------------------------------------------------------------------------

describe("the policy from the environment", () => {
  it("defaults: no http loopback, 3000 ms to connect, 10000 ms in all, 1 MiB", async () => {
    expect(await probe({ policy: true })).toEqual({
      ok: true,
      policy: { allowHttpLoopback: false, connectTimeoutMs: 3000, totalTimeoutMs: 10000, maxResponseBytes: 1048576 },
    });
  });

  it("reads every variable", async () => {
    const env = {
      SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK: "true",
      SFP_OUTBOUND_CONNECT_TIMEOUT_MS: "500",
      SFP_OUTBOUND_TIMEOUT_MS: "2000",
      SFP_OUTBOUND_MAX_BYTES: "4096",
    };
    expect(await probe({ policy: true }, env)).toEqual({
      ok: true,
      policy: { allowHttpLoopback: true, connectTimeoutMs: 500, totalTimeoutMs: 2000, maxResponseBytes: 4096 },
    });
  });

  it.each([
    ["SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK", "yes", 'Invalid option: expected one of "true"|"false"'],
    ["SFP_OUTBOUND_CONNECT_TIMEOUT_MS", "soon", "Invalid input: expected number, received NaN"],
    ["SFP_OUTBOUND_TIMEOUT_MS", "0", "Too small: expected number to be >=100"],
    ["SFP_OUTBOUND_MAX_BYTES", "1.5", "Invalid input: expected int, received number"],
  ])("a malformed %s (%s) stops the caller, naming the variable", async (name, value, problem) => {
    expect(await probe({ policy: true }, { [name]: value })).toEqual({
      error: { name: "Error", message: `Invalid configuration: ${name}: ${problem}` },
    });
  });
});

describe("which URLs may be called", () => {
  it("plain http to 127.0.0.1:<port> is refused without SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK", async () => {
    const refused = refusal("url", "127.0.0.1", "Outbound call to 127.0.0.1 refused: only https URLs are allowed");
    expect(await probe({ check: local("/json") })).toEqual(refused);
    expect(await probe({ url: local("/json") })).toEqual(refused);
    expect(await probe({ url: local("/json") }, { SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK: "false" })).toEqual(refused);
  });

  it("with it, http://127.0.0.1:<port> is called", async () => {
    expect(await probe({ check: local("/json?a=1") }, LOOPBACK)).toEqual({ ok: true, url: local("/json?a=1") });
    expect(await probe({ url: local("/json"), json: true }, LOOPBACK)).toEqual({
      ok: true,
      status: 200,
      text: '{"hello":"world"}',
      json: { hello: "world" },
    });
  });

  it("sends the method, headers and body as given", async () => {
    served.length = 0;
    const result = await probe(
      { url: local("/json?q=1"), method: "POST", headers: { "x-test": "yes", "content-type": "text/plain" }, body: "payload" },
      LOOPBACK,
    );
    expect(result.status).toBe(200);
    expect(served).toHaveLength(1);
    expect(served[0]).toMatchObject({ method: "POST", url: "/json?q=1", body: "payload" });
    expect(served[0].headers).toMatchObject({ "x-test": "yes", "content-type": "text/plain" });
  });

  it.each([
    ["http://localhost:PORT/json", "localhost"],
    ["http://127.0.0.2:PORT/json", "127.0.0.2"],
    ["http://[::1]:PORT/json", "[::1]"],
    ["http://example.com:PORT/json", "example.com"],
    ["http://127.0.0.1/json", "127.0.0.1"], // no explicit port
    ["http://10.0.0.5:PORT/json", "10.0.0.5"],
  ])("even with it, %s is refused", async (template, host) => {
    const url = template.replace("PORT", String(port(app)));
    const refused = refusal("url", host, `Outbound call to ${host} refused: plain http is allowed only to http://127.0.0.1:<port>`);
    expect(await probe({ check: url }, LOOPBACK)).toEqual(refused);
    expect(await probe({ url }, LOOPBACK)).toEqual(refused);
  });

  it("https://127.0.0.1 is a valid URL but a loopback address, refused with or without the exception", async () => {
    const url = `https://127.0.0.1:${port(app)}/json`;
    expect(await probe({ check: url }, LOOPBACK)).toEqual({ ok: true, url });
    const refused = refusal("address", "127.0.0.1", "Outbound call to 127.0.0.1 refused: the address is loopback (127.0.0.0/8)");
    expect(await probe({ url }, LOOPBACK)).toEqual(refused);
    expect(await probe({ url })).toEqual(refused);
  });

  it("another spelling of 127.0.0.1 is normalised first, and refused as loopback over https", async () => {
    expect(await probe({ url: `https://0x7f.1:${port(app)}/` })).toEqual(
      refusal("address", "127.0.0.1", "Outbound call to 127.0.0.1 refused: the address is loopback (127.0.0.0/8)"),
    );
  });

  it.each([
    [`http://user:pw@127.0.0.1:1/json`, "127.0.0.1"],
    [`https://user:pw@api.example.com/`, "api.example.com"],
    [`https://token@api.example.com/`, "api.example.com"],
  ])("a user name or password in the URL (%s) is refused", async (url, host) => {
    const refused = refusal("url", host, `Outbound call to ${host} refused: the URL carries a user name or password`);
    expect(await probe({ check: url }, LOOPBACK)).toEqual(refused);
    expect(await probe({ url }, LOOPBACK)).toEqual(refused);
  });

  it.each([
    ["ftp://127.0.0.1:21/file", "127.0.0.1"],
    ["ws://127.0.0.1:80/socket", "127.0.0.1"],
    ["file:///etc/passwd", ""],
    ["data:text/plain,hello", ""],
    ["javascript:alert(1)", ""],
  ])("another scheme (%s) is refused", async (url, host) => {
    const message = `Outbound call${host ? ` to ${host}` : ""} refused: only https URLs are allowed`;
    expect(await probe({ check: url }, LOOPBACK)).toEqual(refusal("url", host, message));
    expect(await probe({ url }, LOOPBACK)).toEqual(refusal("url", host, message));
  });

  it("a string that is not a URL is refused without being quoted", async () => {
    expect(await probe({ url: "not a url secret-ish" })).toEqual(refusal("url", "", "Outbound call refused: the URL is not valid"));
  });
});

describe("which addresses may be called", () => {
  const literals: [string, string, string][] = [
    ["https://10.0.0.5/", "10.0.0.5", "private (10.0.0.0/8)"],
    ["https://172.16.5.4/", "172.16.5.4", "private (172.16.0.0/12)"],
    ["https://172.31.255.255/", "172.31.255.255", "private (172.16.0.0/12)"],
    ["https://192.168.1.1/", "192.168.1.1", "private (192.168.0.0/16)"],
    ["https://100.64.0.1/", "100.64.0.1", "shared (100.64.0.0/10, carrier-grade NAT)"],
    ["https://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local (169.254.0.0/16)"],
    ["https://127.1.2.3/", "127.1.2.3", "loopback (127.0.0.0/8)"],
    ["https://0.0.0.0/", "0.0.0.0", "unspecified (0.0.0.0/8, this network)"],
    ["https://224.0.0.1/", "224.0.0.1", "multicast (224.0.0.0/4)"],
    ["https://255.255.255.255/", "255.255.255.255", "broadcast (255.255.255.255)"],
    ["https://240.0.0.1/", "240.0.0.1", "reserved (240.0.0.0/4)"],
    ["https://192.0.0.170/", "192.0.0.170", "reserved (192.0.0.0/24, IETF protocol assignments)"],
    ["https://198.18.0.1/", "198.18.0.1", "reserved (198.18.0.0/15, benchmarking)"],
    ["https://[::1]/", "[::1]", "loopback (::1)"],
    ["https://[::]/", "[::]", "unspecified (::)"],
    ["https://[fe80::1]/", "[fe80::1]", "link-local (fe80::/10)"],
    ["https://[fc00::1]/", "[fc00::1]", "private (fc00::/7, unique local)"],
    ["https://[fd12:3456::1]/", "[fd12:3456::1]", "private (fc00::/7, unique local)"],
    ["https://[fec0::1]/", "[fec0::1]", "private (fec0::/10, site-local)"],
    ["https://[ff02::1]/", "[ff02::1]", "multicast (ff00::/8)"],
    ["https://[2001:db8::1]/", "[2001:db8::1]", "reserved (2001:db8::/32, documentation)"],
    ["https://[::ffff:10.0.0.1]/", "[::ffff:a00:1]", "private (10.0.0.0/8), as IPv4-mapped IPv6 (::ffff:0:0/96)"],
    ["https://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]", "loopback (127.0.0.0/8), as IPv4-mapped IPv6 (::ffff:0:0/96)"],
    ["https://[::ffff:169.254.169.254]/", "[::ffff:a9fe:a9fe]", "link-local (169.254.0.0/16), as IPv4-mapped IPv6 (::ffff:0:0/96)"],
    ["https://[::127.0.0.1]/", "[::7f00:1]", "reserved (::/96, IPv4-compatible)"],
    ["https://[64:ff9b::a9fe:a9fe]/", "[64:ff9b::a9fe:a9fe]", "link-local (169.254.0.0/16), as NAT64 IPv6 (64:ff9b::/96)"],
    ["https://[2002:a00:1::1]/", "[2002:a00:1::1]", "private (10.0.0.0/8), as 6to4 IPv6 (2002::/16)"],
    ["https://[2001::1]/", "[2001::1]", "reserved (2001::/32, Teredo)"],
    ["https://[100::1]/", "[100::1]", "reserved (100::/64, discard)"],
    ["https://[4000::1]/", "[4000::1]", "reserved (outside 2000::/3, global unicast)"],
  ];

  it("an IP literal that is not public is refused before any connection, naming its range", async () => {
    const { result } = await probeRun<ProbeResult[]>(literals.map(([url]) => ({ url })));
    expect(result).toEqual(
      literals.map(([, host, problem]) => refusal("address", host, `Outbound call to ${host} refused: the address is ${problem}`)),
    );
  });

  it("public addresses pass the check, also inside IPv4-mapped, NAT64 and 6to4 IPv6", async () => {
    const publicAddresses = ["8.8.8.8", "140.82.112.6", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"];
    const { result } = await probeRun<ProbeResult[]>(publicAddresses.map((address) => ({ address })));
    expect(result).toEqual(publicAddresses.map(() => ({ ok: true, problem: null })));
  });

  it("a name that resolves to a loopback address is refused, naming the address", async () => {
    // Deno.resolveDns answers localhost and *.localhost itself (RFC 6761), without a DNS server.
    for (const host of ["localhost", "sfp-test.localhost"]) {
      expect(await probe({ url: `https://${host}:${port(app)}/json` }, LOOPBACK)).toEqual(
        refusal("address", host, `Outbound call to ${host} refused: it resolves to 127.0.0.1, which is loopback (127.0.0.0/8)`),
      );
    }
  });

  it("a name that does not resolve is refused", async () => {
    expect(await probe({ url: "https://no-such-host.invalid/x" })).toEqual(
      refusal("dns", "no-such-host.invalid", "Outbound call to no-such-host.invalid refused: its name could not be resolved"),
    );
  });
});

describe("what an answer may be", () => {
  it.each(["302", "307"])("a redirect (%s) is refused and not followed", async (status) => {
    redirectTargetHits = 0;
    expect(await probe({ url: local(`/redirect-${status}`) }, LOOPBACK)).toEqual(
      refusal("redirect", "127.0.0.1", `Outbound call to 127.0.0.1 refused: it answered a redirect (${status}), which is not followed`),
    );
    expect(redirectTargetHits).toBe(0);
  });

  const capped = { ...LOOPBACK, SFP_OUTBOUND_MAX_BYTES: String(MAX) };
  const tooLarge = refusal("too_large", "127.0.0.1", `Outbound call to 127.0.0.1 refused: its answer is larger than ${MAX} bytes`);

  it("an answer of exactly the cap is read", async () => {
    const result = await probe({ url: local("/exact") }, capped);
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.text).toHaveLength(MAX);
  });

  it("an endless answer is cut off at the cap", async () => {
    expect(await probe({ url: local("/endless") }, capped)).toEqual(tooLarge);
  });

  it("an answer that declares more than the cap is refused at once", async () => {
    const { result, ms } = await probeRun({ url: local("/declared-large") }, { ...capped, SFP_OUTBOUND_TIMEOUT_MS: "5000" });
    expect(result).toEqual(tooLarge);
    expect(ms).toBeLessThan(4000); // not by the timeout: the body stalls
  });

  it("an answer that is not JSON, read as JSON, is a safe error", async () => {
    expect(await probe({ url: local("/not-json"), json: true }, LOOPBACK)).toEqual(
      refusal("network", "127.0.0.1", "Outbound call to 127.0.0.1 failed: its answer is not JSON"),
    );
  });
});

describe("time limits and failures", () => {
  const timeouts = { ...LOOPBACK, SFP_OUTBOUND_CONNECT_TIMEOUT_MS: "300", SFP_OUTBOUND_TIMEOUT_MS: "1000" };
  const timedOut = refusal("timeout", "127.0.0.1", "Outbound call to 127.0.0.1 timed out after 1000 ms");

  it("a connection that does not open within the connect timeout", async () => {
    const { ms, ...result } = await probe({ url: `http://127.0.0.1:${backlogPort}/`, timed: true }, timeouts);
    expect(result).toEqual(
      refusal("connect_timeout", "127.0.0.1", "Outbound call to 127.0.0.1 timed out: no connection within 300 ms"),
    );
    expect(ms).toBeLessThan(1000); // before the total timeout
  });

  it("a server that accepts but never answers: the total timeout", async () => {
    const { result, ms } = await probeRun({ url: `http://127.0.0.1:${port(silent)}/` }, timeouts);
    expect(result).toEqual(timedOut);
    expect(ms).toBeGreaterThanOrEqual(1000);
  });

  it("an answer whose body stalls: the total timeout", async () => {
    expect(await probe({ url: local("/stall-body") }, timeouts)).toEqual(timedOut);
  });

  it("a port nothing listens on", async () => {
    expect(await probe({ url: `http://127.0.0.1:${closedPort}/` }, LOOPBACK)).toEqual(
      refusal("network", "127.0.0.1", "Outbound call to 127.0.0.1 failed: the connection was refused"),
    );
  });

  it("a server that drops the connection", async () => {
    expect(await probe({ url: local("/drop") }, LOOPBACK)).toEqual(
      refusal("network", "127.0.0.1", "Outbound call to 127.0.0.1 failed: it closed the connection without a complete answer"),
    );
  });
});

describe("https pinned to the checked addresses", () => {
  // A public address (GitHub's) that the stand-in routes to 127.0.0.1; api.github.test resolves
  // to it in the stand-in DNS only: the system's resolver, which fetch would use, knows no such name.
  const PUBLIC = "140.82.112.6";
  const network = (dns: Record<string, Record<string, string[][]>>, extra: object = {}) => ({
    DENO_CERT: trusted,
    OUTBOUND_PROBE_NETWORK: JSON.stringify({ dns, routes: { [PUBLIC]: "127.0.0.1" }, ...extra }),
  });
  const githubDns = { "api.github.test": { A: [[PUBLIC]] } };
  const timeouts = { SFP_OUTBOUND_CONNECT_TIMEOUT_MS: "300", SFP_OUTBOUND_TIMEOUT_MS: "1000" };

  it("an https call to a host name connects to the address checked; fetch resolves nothing itself", async () => {
    githubServed.length = 0;
    const url = `https://api.github.test:${port(github)}/repos/acme/core?page=2`;
    const { result } = await probeRun<ProbeResult[]>([{ url, json: true }, { log: true }], network(githubDns));
    expect(result).toEqual([
      { ok: true, status: 200, text: '{"hello":"from github"}', json: { hello: "from github" } },
      { ok: true, log: ["A api.github.test", "AAAA api.github.test", `connect ${PUBLIC}:${port(github)}`] },
    ]);
    // TLS end to end: the server answered under its own name, to the path as given.
    expect(githubServed).toEqual([{ host: `api.github.test:${port(github)}`, url: "/repos/acme/core?page=2" }]);
  });

  it("a name that rebinds to a private address after the check is still called at the address checked", async () => {
    githubServed.length = 0;
    const url = `https://api.github.test:${port(github)}/json`;
    // The second answer, to any later query, is loopback: the first call never asks again; the
    // second call asks, and is refused.
    const dns = { "api.github.test": { A: [[PUBLIC], ["127.0.0.1"]] } };
    const { result } = await probeRun<ProbeResult[]>([{ url }, { url }, { log: true }], network(dns));
    expect(result).toEqual([
      { ok: true, status: 200, text: '{"hello":"from github"}' },
      refusal("address", "api.github.test", "Outbound call to api.github.test refused: it resolves to 127.0.0.1, which is loopback (127.0.0.0/8)"),
      {
        ok: true,
        log: ["A api.github.test", "AAAA api.github.test", `connect ${PUBLIC}:${port(github)}`, "A api.github.test", "AAAA api.github.test"],
      },
    ]);
    expect(githubServed).toHaveLength(1);
  });

  it("the certificate is still checked against the host name, through the tunnel", async () => {
    const url = `https://api.github.test:${port(stranger)}/json`;
    expect(await probe({ url }, network(githubDns))).toEqual(
      refusal("network", "api.github.test", "Outbound call to api.github.test failed: its TLS certificate was not accepted"),
    );
  });

  it("the tunnel's connection keeps the connect timeout, and a refused port is named", async () => {
    const { ms, ...result } = await probe({ url: `https://api.github.test:${backlogPort}/`, timed: true }, { ...network(githubDns), ...timeouts });
    expect(result).toEqual(
      refusal("connect_timeout", "api.github.test", "Outbound call to api.github.test timed out: no connection within 300 ms"),
    );
    expect(ms).toBeLessThan(1000); // before the total timeout
    expect(await probe({ url: `https://api.github.test:${closedPort}/` }, network(githubDns))).toEqual(
      refusal("network", "api.github.test", "Outbound call to api.github.test failed: the connection was refused"),
    );
  });

  it("a deadline that passes while the tunnel connects ends the call as timed out, and the tunnel's connect with it", async () => {
    const { result } = await probeRun<ProbeResult[]>(
      [{ url: `https://api.github.test:${backlogPort}/` }, { wait: 2500 }, { connects: true }],
      { ...network(githubDns), SFP_OUTBOUND_CONNECT_TIMEOUT_MS: "2000", SFP_OUTBOUND_TIMEOUT_MS: "1000" },
    );
    expect(result[0]).toEqual(refusal("timeout", "api.github.test", "Outbound call to api.github.test timed out after 1000 ms"));
    // The proxy's connection attempt was given up at the deadline, not at its own 2 s timeout.
    expect(result[2].connects).toHaveLength(1);
    expect(result[2].connects![0].to).toBe(`${PUBLIC}:${backlogPort}`);
    expect(result[2].connects![0].ms).toBeGreaterThanOrEqual(900);
    expect(result[2].connects![0].ms).toBeLessThan(1500);
  });

  it("the tunnel tries the checked addresses in order, and reaches one over IPv6", async () => {
    const other = "140.82.112.7"; // routed to 127.0.0.2, where nothing listens: refused
    const { result } = await probeRun<ProbeResult[]>(
      [{ url: `https://api.github.test:${port(github)}/json` }, { log: true }],
      network({ "api.github.test": { A: [[other, PUBLIC]] } }, { routes: { [other]: "127.0.0.2", [PUBLIC]: "127.0.0.1" } }),
    );
    expect(result).toEqual([
      { ok: true, status: 200, text: '{"hello":"from github"}' },
      { ok: true, log: ["A api.github.test", "AAAA api.github.test", `connect ${other}:${port(github)}`, `connect ${PUBLIC}:${port(github)}`] },
    ]);
    const v6 = "2606:4700::1111";
    const ipv6 = await probeRun<ProbeResult[]>(
      [{ url: `https://api.github.test:${port(github)}/json` }, { log: true }],
      network({ "api.github.test": { AAAA: [[v6]] } }, { routes: { [v6]: "127.0.0.1" } }),
    );
    expect(ipv6.result).toEqual([
      { ok: true, status: 200, text: '{"hello":"from github"}' },
      { ok: true, log: ["A api.github.test", "AAAA api.github.test", `connect ${v6}:${port(github)}`] },
    ]);
  });

  it("the proxy opens a tunnel only with the call's ticket, only to its host and port, only while the call lasts", async () => {
    const url = `https://api.github.test:${port(silent)}/`;
    const { result } = await probeRun<ProbeResult>({
      tunnel: {
        url,
        addresses: ["127.0.0.1"],
        attempts: [
          { auth: "none" },
          { auth: "wrong" },
          { auth: "valid", authority: `api.github.test:${port(app)}` },
          { auth: "valid", authority: `elsewhere.test:${port(silent)}` },
          { auth: "valid", method: "GET" },
          { auth: "valid" },
        ],
      },
    }, network(githubDns));
    expect(result).toEqual({
      ok: true,
      statuses: [
        "HTTP/1.1 407 Proxy Authentication Required",
        "HTTP/1.1 407 Proxy Authentication Required",
        "HTTP/1.1 403 Forbidden",
        "HTTP/1.1 403 Forbidden",
        "HTTP/1.1 405 Method Not Allowed",
        "HTTP/1.1 200 Connection Established",
        // A tunnel held open, then the call released: the proxy closes it.
        "HTTP/1.1 200 Connection Established",
        "closed",
        // The same request once the call has ended.
        "HTTP/1.1 407 Proxy Authentication Required",
      ],
    });
  });

  it("the proxy holds at most 32 connections that have not sent their request, the newest, each for 1 s", async () => {
    const { result } = await probeRun<ProbeResult>({
      tunnel: { url: `https://api.github.test:${port(silent)}/`, addresses: ["127.0.0.1"], attempts: [{ auth: "valid" }], flood: 40 },
    }, network(githubDns));
    // Of 40 silent connections the 8 oldest are closed at once, the other 32 at their second; a
    // tunnel asked for while they are held opens all the same.
    expect(result.flood).toEqual([8, 40]);
    expect(result.statuses?.[0]).toBe("HTTP/1.1 200 Connection Established");
  });

  /** The JSON lines the probe's Deno process wrote besides its result (the module's warnings). */
  const warnings = (output: string) =>
    output.split("\n").filter((line) => line.startsWith('{"level"')).map((line) => JSON.parse(line) as unknown);

  // Where a call cannot be pinned it is probed, then fetch resolves the name itself: here the
  // system's resolver, which does not know it (the window docs/security.md describes).
  const unpinned = (log: string[]) => [
    refusal("network", "api.github.test", "Outbound call to api.github.test failed: the request could not be completed"),
    { ok: true, log },
  ];

  it.each([
    ["without Deno.createHttpClient", { noPinning: true }],
    ["where Deno.listen is refused", { listen: "refuse" }],
    ["where Deno.listen binds nothing (Supabase's Edge Runtime)", { listen: "fake" }],
  ])("a runtime that cannot pin probes the address and lets fetch resolve the name, and says so once: %s", async (_label, runtime) => {
    const url = `https://api.github.test:${port(github)}/json`;
    const { result, output } = await probeRun<ProbeResult[]>([{ url }, { url }, { log: true }], network(githubDns, runtime));
    const probed = `connect ${PUBLIC}:${port(github)}`;
    expect(result).toEqual([
      unpinned([])[0],
      ...unpinned(["A api.github.test", "AAAA api.github.test", probed, "A api.github.test", "AAAA api.github.test", probed]),
    ]);
    expect(warnings(output)).toEqual([{
      level: "warn",
      message: "Outbound https calls are not pinned to their checked addresses: this runtime cannot give fetch a proxy on 127.0.0.1 (docs/security.md#outbound-calls)",
    }]);
  });

  // Deno 2.9's fetch bypasses a client's proxy for "*", ".github.test", "github.test" and a list
  // holding one (checked by hand); "*.github.test" and another case it does not match, but they
  // plainly name the host, and the module leaves a call unpinned for them too.
  it.each(["*", ".github.test", "github.test", "localhost, github.test", "*.github.test", "API.GitHub.test"])(
    "NO_PROXY=%s names the host: the call is left unpinned, since fetch may bypass the proxy for it",
    async (noProxy) => {
      const url = `https://api.github.test:${port(github)}/json`;
      const { result, output } = await probeRun<ProbeResult[]>([{ url }, { log: true }], { ...network(githubDns), NO_PROXY: noProxy });
      expect(result).toEqual(unpinned(["A api.github.test", "AAAA api.github.test", `connect ${PUBLIC}:${port(github)}`]));
      expect(warnings(output)).toEqual([{
        level: "warn",
        message: "Outbound https calls to api.github.test are not pinned to their checked addresses: NO_PROXY names it (docs/security.md#outbound-calls)",
        host: "api.github.test",
      }]);
    },
  );

  it("NO_PROXY naming other hosts leaves the call pinned, and nothing is logged", async () => {
    const url = `https://api.github.test:${port(github)}/json`;
    const { result, output } = await probeRun({ url }, { ...network(githubDns), NO_PROXY: "localhost,127.0.0.1,.internal,github.test.example" });
    expect(result).toEqual({ ok: true, status: 200, text: '{"hello":"from github"}' });
    expect(warnings(output)).toEqual([]);
  });

  it("no path, query, header or body of a pinned call appears in its errors", async () => {
    const SECRET = "sekret";
    const rest = `/${SECRET}-path?access_token=${SECRET}-query`;
    const init = { method: "POST", headers: { authorization: `Bearer ${SECRET}-header` }, body: `{"token":"${SECRET}-body"}` };
    const { result, output } = await probeRun<ProbeResult[]>([
      { ...init, url: `https://api.github.test:${port(stranger)}${rest}` },
      { ...init, url: `https://api.github.test:${closedPort}${rest}` },
      { ...init, url: `https://api.github.test:${backlogPort}${rest}` },
      { ...init, url: `https://api.github.test:${port(silent)}${rest}` },
    ], { ...network(githubDns), ...timeouts });
    expect(result.map((r) => r.error?.reason)).toEqual(["network", "network", "connect_timeout", "timeout"]);
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain("access_token");
  });
});

describe("no secret in an error", () => {
  const SECRET = "sekret";
  const query = `?access_token=${SECRET}-query&client_secret=${SECRET}-query2`;
  const init = { method: "POST", headers: { authorization: `Bearer ${SECRET}-header` }, body: `{"token":"${SECRET}-body"}` };

  it("whatever went wrong, the error and the output name the host and never the path, query, userinfo, headers or body", async () => {
    const requests: ProbeRequest[] = [
      { url: `http://${SECRET}-user:${SECRET}-password@127.0.0.1:${port(app)}/json${query}` },
      { url: `https://${SECRET}-user:${SECRET}-password@10.0.0.5/${SECRET}-path${query}` },
      { url: `https://10.0.0.5/${SECRET}-path${query}` },
      { url: `https://localhost/${SECRET}-path${query}` },
      { url: `https://no-such-host.invalid/${SECRET}-path${query}` },
      { url: `ftp://127.0.0.1/${SECRET}-path${query}` },
      { url: `not a url ${SECRET}` },
      { url: local(`/redirect-302/${SECRET}-path${query}`) },
      { url: local(`/endless${query}`) },
      { url: local(`/stall-body${query}`) },
      { url: local(`/drop/${SECRET}-path${query}`) },
      { url: local(`/not-json${query}`), json: true },
      { url: `http://127.0.0.1:${closedPort}/${SECRET}-path${query}` },
      { url: `http://127.0.0.1:${backlogPort}/${SECRET}-path${query}` },
      { url: `http://127.0.0.1:${port(silent)}/${SECRET}-path${query}` },
    ].map((request) => ({ ...init, ...request }));
    const { result, output } = await probeRun<ProbeResult[]>(requests, {
      ...LOOPBACK,
      SFP_OUTBOUND_CONNECT_TIMEOUT_MS: "300",
      SFP_OUTBOUND_TIMEOUT_MS: "1000",
      SFP_OUTBOUND_MAX_BYTES: String(MAX),
    });
    expect(result.map((r) => r.error?.reason)).toEqual([
      "url",
      "url",
      "address",
      "address",
      "dns",
      "url",
      "url",
      "redirect",
      "too_large",
      "timeout",
      "network",
      "network",
      "network",
      "connect_timeout",
      "timeout",
    ]);
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain("access_token");
    expect(output).not.toContain("/json");
  });
});
