/**
 * POST /integrations/{id}/test and POST /integrations?validate=true against local stand-ins
 * of GitHub, Jira, GitLab and Azure DevOps (tests/support/token-services.ts): the answer says
 * whether the service accepted the credential and who it took the caller for, never a
 * secret; each test is audited; a member cannot make the server call anything; a credential
 * the service rejects is not stored; the outbound rules hold (a redirect, a private address,
 * a timeout).
 */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { expectError } from "../../support/http.ts";
import { useTestStack } from "../../support/test-stack.ts";
import { startTokenServices, type TokenServices } from "../../support/token-services.ts";

const stack = useTestStack();

const appKeys = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const APP = { app_id: 5151, installation_id: 6262, private_key: appKeys.privateKey };
const GOOD = {
  github: "ghp_madeUpGoodConnection000000000000000",
  jira: { username: "sfp@acme.example", api_token: "ATATT-madeUp-good-connection" },
  gitlab: "glpat-madeUpGoodConnection00",
  azure: "madeUpAzureDevOpsPat0000000000000000000000000000000",
};

let services: TokenServices;

beforeAll(async () => {
  services = await startTokenServices({ appId: String(APP.app_id), appPublicKey: appKeys.publicKey, clients: {}, refreshTokens: {} });
  await stack.restartFunctions({ SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK: "true", SFP_OUTBOUND_TIMEOUT_MS: "1500" });
});
afterAll(() => services.stop());
beforeEach(() => {
  services.reset();
  services.validTokens.add(GOOD.github).add(`${GOOD.jira.username}:${GOOD.jira.api_token}`).add(GOOD.gitlab).add(GOOD.azure);
});

async function create(provider: string, authType: string, credentials: Record<string, unknown>, config: Record<string, unknown> = {}) {
  const created = await stack.api("POST", "/integrations", { token: stack.owner.token, body: { provider, authType, credentials, config, isGlobal: true } });
  expect(created.status).toBe(201);
  return (created.body as { id: string }).id;
}

const test = (id: string, token = stack.owner.token) => stack.api("POST", `/integrations/${id}/test`, { token });

const testRows = () =>
  stack.sql<{ outcome: string; message: string; details: unknown }[]>`
    select outcome, message, details from sfp.audit_log where action = 'integration.test' order by id`;

describe("POST /integrations/{id}/test", () => {
  it("GitHub: a working token answers who it is, and the test is audited", async () => {
    const id = await create("github", "pat", { token: GOOD.github }, { apiUrl: services.url });
    const response = await test(id);
    expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: { ok: true, status: 200, message: "Authenticated as octocat-madeup" } });
    expect(services.received.map((r) => `${r.method} ${r.path} ${r.headers.authorization}`)).toEqual([`GET /user Bearer ${GOOD.github}`]);
    expect(await testRows()).toEqual([{ outcome: "succeeded", message: "Authenticated as octocat-madeup", details: { ok: true, status: 200 } }]);
  });

  it("GitHub: a revoked token answers GitHub's refusal, audited as an error", async () => {
    const id = await create("github", "pat", { token: "ghp_madeUpRevoked0000000000000000000000" }, { apiUrl: services.url });
    const response = await test(id);
    expect(response.body).toEqual({ ok: false, status: 401, message: "The service refused the credentials (401: Bad credentials)" });
    expect(await testRows()).toEqual([{ outcome: "error", message: "The service refused the credentials (401: Bad credentials)", details: { ok: false, status: 401 } }]);
    expect(JSON.stringify(await stack.sql`select * from sfp.audit_log`)).not.toContain("ghp_madeUpRevoked");
  });

  it("a GitHub App: an installation token is issued and accepted", async () => {
    const id = await create("github", "app", APP, { apiUrl: services.url });
    const response = await test(id);
    expect(response.body).toEqual({ ok: true, status: 200, message: "Authenticated as the installation 6262" });
    expect(services.received.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /app/installations/6262/access_tokens",
      "GET /installation/repositories",
    ]);
  });

  it("Jira basic auth: GET /rest/api/3/myself with the username and API token", async () => {
    const good = await create("jira", "basic_auth", { base_url: services.url, ...GOOD.jira });
    expect((await test(good)).body).toEqual({ ok: true, status: 200, message: "Authenticated as Sfp Service" });
    expect(services.received[0].headers.authorization).toBe(`Basic ${Buffer.from(`${GOOD.jira.username}:${GOOD.jira.api_token}`).toString("base64")}`);
    const bad = await create("jira", "basic_auth", { base_url: services.url, username: GOOD.jira.username, api_token: "ATATT-madeUp-wrong" });
    expect((await test(bad)).body).toEqual({ ok: false, status: 401, message: "The service refused the credentials (401)" });
  });

  it("GitLab and Azure DevOps personal access tokens", async () => {
    const gitlab = await create("gitlab", "pat", { token: GOOD.gitlab }, { baseUrl: services.url });
    expect((await test(gitlab)).body).toEqual({ ok: true, status: 200, message: "Authenticated as sfp-bot" });
    expect(services.received[0].headers["private-token"]).toBe(GOOD.gitlab);
    const azure = await create("azure-devops", "pat", { token: GOOD.azure }, { baseUrl: `${services.url}/acme` });
    expect((await test(azure)).body).toEqual({ ok: true, status: 200, message: "Authenticated as Sfp Bot" });
    const noOrganization = await create("azure-devops", "pat", { token: GOOD.azure });
    expect((await test(noOrganization)).body).toEqual({
      ok: false,
      status: null,
      message: "Set config.baseUrl (https://dev.azure.com/<organization>) to test an Azure DevOps connection",
    });
  });

  it("OAuth credentials are tested with their access token as stored: no refresh token is spent", async () => {
    services.validTokens.add("dc-madeUpAccess");
    const jiraDc = await create("jira", "oauth", {
      access_token: "dc-madeUpAccess", refresh_token: "dc-madeUpRefresh", expires_at: "2020-01-01T00:00:00Z", client_id: "dc-client", client_secret: "dc-madeUpSecret",
    }, { baseUrl: services.url, tokenUrl: `${services.url}/oauth/token` });
    expect((await test(jiraDc)).body).toEqual({ ok: true, status: 200, message: "Authenticated as Sfp Data Center" });
    const azure = await create("azure-devops", "oauth", {
      access_token: GOOD.azure, refresh_token: "az-madeUpRefresh", expires_at: "2020-01-01T00:00:00Z", client_id: "az-client", client_secret: "az-madeUpSecret",
    }, { baseUrl: `${services.url}/acme`, tokenUrl: `${services.url}/oauth/token` });
    expect((await test(azure)).body).toEqual({ ok: true, status: 200, message: "Authenticated as Sfp Bot" });
    expect(services.received.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /rest/api/2/myself", "GET /acme/_apis/connectionData"]);
  });

  it("a provider without a connection test says so", async () => {
    const id = await create("npm", "pat", { token: "npm_madeUpNotTestable000000000000000000" });
    expect((await test(id)).body).toEqual({ ok: false, status: null, message: "Connection tests are not supported for npm pat" });
    expect(services.received).toEqual([]);
  });

  it("is for owners: a member is refused and nothing is called; an unknown id is 404", async () => {
    const id = await create("github", "pat", { token: GOOD.github }, { apiUrl: services.url });
    expectError(await test(id, stack.member.token), 403, "Forbidden - Requires role: owner");
    expect(services.received).toEqual([]);
    const unknown = "00000000-0000-4000-8000-000000000000";
    expectError(await test(unknown), 404, `Integration '${unknown}' not found`);
  });
});

describe("the outbound rules, through a connection test", () => {
  it("a redirect is refused, never followed", async () => {
    services.options.redirectTo = `${services.url}/elsewhere`;
    const id = await create("github", "pat", { token: GOOD.github }, { apiUrl: services.url });
    expect((await test(id)).body).toEqual({
      ok: false,
      status: null,
      message: `The service could not be reached: Outbound call to 127.0.0.1 refused: it answered a redirect (302), which is not followed`,
    });
    expect(services.received.map((r) => r.path)).toEqual(["/user"]);
  });

  it("a private address is refused before any connection; plain http to another host is not even stored", async () => {
    const privateAddress = await create("github", "pat", { token: GOOD.github }, { apiUrl: "https://10.1.2.3" });
    expect((await test(privateAddress)).body).toEqual({
      ok: false,
      status: null,
      message: "The service could not be reached: Outbound call to 10.1.2.3 refused: the address is private (10.0.0.0/8)",
    });
    const plainHttp = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: { token: GOOD.github }, config: { apiUrl: "http://example.com" }, isGlobal: true },
    });
    expectError(plainHttp, 400, "config: apiUrl: Outbound call to example.com refused: plain http is allowed only to http://127.0.0.1:<port>");
  });

  it("a service that does not answer in time", async () => {
    services.options.delayMs = 3000;
    const id = await create("github", "pat", { token: GOOD.github }, { apiUrl: services.url });
    const started = performance.now();
    expect((await test(id)).body).toEqual({
      ok: false,
      status: null,
      message: "The service could not be reached: Outbound call to 127.0.0.1 timed out after 1500 ms",
    });
    expect(performance.now() - started).toBeLessThan(2900);
  });
});

describe("POST /integrations?validate=true", () => {
  const integrations = () => stack.sql<{ n: number }[]>`select count(*)::int as n from sfp.integrations`.then(([row]) => row.n);

  it("stores a credential the service accepts", async () => {
    const created = await stack.api("POST", "/integrations?validate=true", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: { token: GOOD.github }, config: { apiUrl: services.url }, isGlobal: true },
    });
    expect(created.status).toBe(201);
    expect(await integrations()).toBe(1);
  });

  it("refuses one the service rejects, storing nothing", async () => {
    const refused = await stack.api("POST", "/integrations?validate=true", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: { token: "ghp_madeUpRejected00000000000000000000" }, config: { apiUrl: services.url }, isGlobal: true },
    });
    expectError(refused, 400, "The service rejected the credentials: The service refused the credentials (401: Bad credentials)");
    expect(await integrations()).toBe(0);
  });

  it("answers 502 and stores nothing when the service cannot be reached", async () => {
    services.options.delayMs = 3000;
    const refused = await stack.api("POST", "/integrations?validate=true", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: { token: GOOD.github }, config: { apiUrl: services.url }, isGlobal: true },
    });
    expectError(refused, 502, "The credentials could not be validated: The service could not be reached: Outbound call to 127.0.0.1 timed out after 1500 ms");
    expect(await integrations()).toBe(0);
  });

  it("refuses a member before calling anything", async () => {
    const refused = await stack.api("POST", "/integrations?validate=true", {
      token: stack.member.token,
      body: { provider: "github", authType: "pat", credentials: { token: GOOD.github }, config: { apiUrl: services.url }, isGlobal: true },
    });
    expectError(refused, 403, "Forbidden - Requires role: owner");
    expect(services.received).toEqual([]);
  });
});
