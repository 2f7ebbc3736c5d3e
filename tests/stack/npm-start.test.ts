/**
 * `npm start`, as the README promises it: the embedded PostgreSQL in a data folder, the
 * migrations applied by the Supabase CLI, Deno serving the functions; the URL, an owner's
 * token and the service-role key printed alone on their lines; secrets generated once into
 * the folder with mode 0600 and a warning; Ctrl-C stopping everything; a second start on the
 * same folder reusing it (no migration re-applied, the same key and owner).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../stack/addresses.ts";
import { type Started, startReady, stop } from "../support/npm-start.ts";

let dataDir: string;
let port: number;
let dbPort: number;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "sfp-start-"));
  port = await freePort();
  dbPort = await freePort();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const start = () => startReady({ dataDir, port, dbPort });

function portOpen(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(p, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

async function call(base: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}/sfp/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json() };
}

describe("npm start", () => {
  let first: Started;
  let firstOwner: string;
  let integrationId: string;

  it("starts the stack and prints the URL, an owner token and the service-role key, each alone on a line", async () => {
    first = await start();
    expect(first.values.SFP_SERVER_URL).toBe(`http://127.0.0.1:${port}`);
    expect(first.values.SFP_SERVER_TOKEN).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(first.values.SFP_SERVICE_ROLE_KEY).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(first.output).toContain("Migrations: applied.");
    firstOwner = decodeJwt(first.values.SFP_SERVER_TOKEN).sub!;
  });

  it("generates its secrets once, into a 0600 file, with a warning about the encryption key", () => {
    expect(first.output).toContain("WARNING: generated a new encryption key");
    expect(first.output).toContain("losing it loses every stored credential");
    expect(statSync(join(dataDir, "secrets.json")).mode & 0o777).toBe(0o600);
    // Decided once the database could be asked (it held no credentials): version 1, written down.
    expect(JSON.parse(readFileSync(join(dataDir, "secrets.json"), "utf8")).encryptionKeys).toMatch(/^1:[A-Za-z0-9+/]{43}=$/);
  });

  it("serves the API at /sfp/api with the printed owner token and service-role key", async () => {
    const base = first.values.SFP_SERVER_URL;
    const project = await call(base, first.values.SFP_SERVER_TOKEN, "POST", "/projects", {
      identifier: "acme/core",
      remoteUrl: "https://github.com/acme/core",
    });
    expect(project.status).toBe(201);
    const created = await call(base, first.values.SFP_SERVER_TOKEN, "POST", "/integrations", {
      provider: "github",
      authType: "pat",
      credentials: { token: "ghp_madeUpForTheStartTest" },
      projects: ["acme/core"],
    });
    expect(created.status).toBe(201);
    integrationId = created.body.id;
    const read = await call(base, first.values.SFP_SERVICE_ROLE_KEY, "GET", "/integrations/credentials?project=acme/core");
    expect(read).toEqual({
      status: 200,
      body: [{ integration_id: integrationId, provider: "github", auth_type: "pat", credentials: { token: "ghp_madeUpForTheStartTest" } }],
    });
  });

  it("answers through its gateway: 431 with the JSON error body for headers over 16 KiB", async () => {
    const response = await fetch(`${first.values.SFP_SERVER_URL}/sfp/api/health`, { headers: { "x-big": "a".repeat(16_384) } });
    expect(response.status).toBe(431);
    expect(await response.json()).toEqual({
      statusCode: 431,
      message: "Request headers exceed 16384 bytes",
      error: "Request Header Fields Too Large",
    });
  });

  it("stops everything on Ctrl-C", async () => {
    expect(await stop(first)).toBe(0);
    expect(await portOpen(port)).toBe(false);
    expect(await portOpen(dbPort)).toBe(false);
  });

  it("reuses the data folder on a second start: no migration re-applied, the same owner and key", async () => {
    const second = await start();
    try {
      expect(second.output).toContain("Migrations: already applied.");
      expect(second.output).not.toContain("WARNING");
      expect(decodeJwt(second.values.SFP_SERVER_TOKEN).sub).toBe(firstOwner);
      expect(second.values.SFP_SERVICE_ROLE_KEY).toBe(first.values.SFP_SERVICE_ROLE_KEY);
      const read = await call(second.values.SFP_SERVER_URL, second.values.SFP_SERVER_TOKEN, "GET", "/integrations/credentials?provider=github&project=acme/core");
      expect(read.status).toBe(200);
      expect(read.body[0]).toMatchObject({ integration_id: integrationId, credentials: { token: "ghp_madeUpForTheStartTest" } });
    } finally {
      expect(await stop(second)).toBe(0);
    }
  });
});
