/**
 * Credentials that are issued, not stored: a GitHub App's installation token, OAuth tokens
 * refreshed with their single-use refresh token, client-credentials grants (Atlassian service
 * accounts, Azure DevOps through the Microsoft identity platform). Against local stand-ins of
 * those services (tests/support/token-services.ts) that check what they receive: the reads
 * return tokens and never the grant, tokens are cached until 5 minutes before they expire,
 * concurrent reads from two server processes issue once, a refused refresh asks for
 * re-authorization until an owner updates the credentials, and no private key, refresh token
 * or client secret reaches a response, an audit row or the server's output.
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FunctionsServer } from "../../../stack/functions-server.ts";
import { expectError } from "../../support/http.ts";
import { integrationCalls } from "../../support/integrations.ts";
import { useTestStack } from "../../support/test-stack.ts";
import { AZURE_DEVOPS_SCOPE, startTokenServices, type TokenServices } from "../../support/token-services.ts";

const stack = useTestStack();
const LOOPBACK = { SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK: "true" };

// A made-up GitHub App: a fresh key pair, PKCS#1 as GitHub hands it out.
const appKeys = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const APP = { app_id: 424242, installation_id: 98765, private_key: appKeys.privateKey };
const GITHUB_CLIENT = { client_id: "Iv1.madeUpClient0001", client_secret: "madeUpGithubClientSecret0000000000000001" };
const JIRA_CLIENT = { client_id: "madeUpJiraClient0001", client_secret: "madeUpJiraClientSecret00000000000000001" };
const AZURE_CLIENT = { client_id: randomUUID(), client_secret: "madeUp~AzureClientSecret0000000000000001", tenant_id: randomUUID() };
const FIRST_REFRESH = { github: "ghr_madeUpRefresh0", jira: "jira-madeUpRefresh0" };

/** Every grant secret of this file: none may appear in a response, an audit row or the server's output. */
const SECRETS = [APP.private_key.split("\n")[1], GITHUB_CLIENT.client_secret, JIRA_CLIENT.client_secret, AZURE_CLIENT.client_secret];

let services: TokenServices;

beforeAll(async () => {
  services = await startTokenServices({
    appId: String(APP.app_id),
    appPublicKey: appKeys.publicKey,
    clients: {
      [GITHUB_CLIENT.client_id]: GITHUB_CLIENT.client_secret,
      [JIRA_CLIENT.client_id]: JIRA_CLIENT.client_secret,
      [AZURE_CLIENT.client_id]: AZURE_CLIENT.client_secret,
    },
    refreshTokens: { [GITHUB_CLIENT.client_id]: FIRST_REFRESH.github, [JIRA_CLIENT.client_id]: FIRST_REFRESH.jira },
  });
  await stack.restartFunctions({ ...LOOPBACK, SFP_OUTBOUND_TIMEOUT_MS: "2000" });
});
afterAll(() => { if (process.env.DEBUG_OUTPUT) console.log(stack.output().slice(-3000)); return services.stop(); });
beforeEach(() => services.reset());

async function create(provider: string, authType: string, credentials: Record<string, unknown>, config: Record<string, unknown>) {
  const created = await stack.api("POST", "/integrations", {
    token: stack.owner.token,
    body: { provider, authType, credentials, config, isGlobal: true },
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; version: number };
}

const read = (provider: string, base = stack.url) =>
  fetch(`${base}/sfp/api/integrations/credentials?provider=${provider}`, { headers: { authorization: `Bearer ${stack.owner.token}` } })
    .then(async (response) => ({ status: response.status, body: await response.json() as any }));

const actions = () =>
  stack.sql<{ action: string; outcome: string }[]>`select action, outcome from sfp.audit_log where action not like 'member.%' order by id`;

async function expectNoSecretAnywhere(extra: string[] = []) {
  const audit = await stack.sql<{ row: string }[]>`select row_to_json(a)::text as row from sfp.audit_log a`;
  const everything = audit.map((row) => row.row).join("\n") + stack.output();
  for (const secret of [...SECRETS, ...extra]) expect(everything).not.toContain(secret);
}

describe("a GitHub App", () => {
  it("reads as an installation token minted with a JWT GitHub accepts, never the private key", async () => {
    const integration = await create("github", "app", APP, { apiUrl: services.url });
    const response = await read("github");
    expect(response.status).toBe(200);
    expect(response.body).toEqual([{
      integration_id: integration.id,
      provider: "github",
      auth_type: "app",
      credentials: { token: "ghs_madeUpInstallation1", expires_at: expect.any(String), app_id: 424242, installation_id: 98765 },
    }]);
    expect(JSON.stringify(response.body)).not.toContain("PRIVATE KEY");
    // What GitHub received: the installation's route, and a JWT issued 60 s back, expiring within 10 minutes.
    expect(services.received.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /app/installations/98765/access_tokens"]);
    expect(services.received[0].headers["x-github-api-version"]).toBe("2022-11-28");
    const claims = services.lastAppClaims!;
    const now = Math.floor(Date.now() / 1000);
    expect(claims.iss).toBe("424242");
    expect(now - (claims.iat as number)).toBeGreaterThanOrEqual(55);
    expect(now - (claims.iat as number)).toBeLessThanOrEqual(70);
    expect((claims.exp as number) - now).toBeLessThanOrEqual(600);
    expect(await actions()).toEqual([
      { action: "integration.create", outcome: "succeeded" },
      { action: "credentials.issue", outcome: "succeeded" },
      { action: "credentials.read", outcome: "granted" },
    ]);
    await expectNoSecretAnywhere(["ghs_madeUpInstallation1"]);
  });

  it("caches the token encrypted, and mints again only within 5 minutes of its expiry", async () => {
    await create("github", "app", APP, { apiUrl: services.url });
    const first = await read("github");
    const second = await read("github");
    expect(second.body[0].credentials.token).toBe(first.body[0].credentials.token);
    expect(services.count.installation).toBe(1);
    const [cached] = await stack.sql<{ ciphertext: Buffer }[]>`select ciphertext from sfp.issued_tokens`;
    expect(cached.ciphertext.includes(Buffer.from(first.body[0].credentials.token))).toBe(false);

    // An hour's token that has 4 minutes left is not handed out: the next read mints a fresh one.
    await stack.sql`update sfp.issued_tokens set issued_at = now() - interval '56 minutes', expires_at = now() + interval '4 minutes'`;
    const third = await read("github");
    expect(third.body[0].credentials.token).toBe("ghs_madeUpInstallation2");
    expect(services.count.installation).toBe(2);
  });

  it("uses a token that lives 5 minutes or less for half its life, not never", async () => {
    services.options.expiresInSeconds = 240;
    await create("github", "app", APP, { apiUrl: services.url });
    const first = await read("github");
    expect((await read("github")).body[0].credentials.token).toBe(first.body[0].credentials.token);
    expect(services.count.installation).toBe(1);
  });

  it("mints once for 20 concurrent reads through two server processes", async () => {
    await create("github", "app", APP, { apiUrl: services.url });
    services.options.delayMs = 300;
    const other: FunctionsServer = await stack.startAnotherFunctions(LOOPBACK);
    try {
      const reads = await Promise.all(Array.from({ length: 20 }, (_, i) => read("github", i % 2 ? other.url : stack.url)));
      expect(reads.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect(new Set(reads.map((r) => r.body[0].credentials.token))).toEqual(new Set(["ghs_madeUpInstallation1"]));
      expect(services.count.installation).toBe(1);
      const [{ granted }] = await stack.sql<{ granted: number }[]>`
        select count(*)::int as granted from sfp.audit_log where action = 'credentials.read' and outcome = 'granted'`;
      expect(granted).toBe(20);
    } finally {
      await other.stop();
    }
  });

  it("answers 502 with GitHub's message when GitHub refuses, and audits it", async () => {
    const integration = await create("github", "app", APP, { apiUrl: services.url });
    services.options.fail = { status: 401, body: { message: "A JSON web token could not be decoded", documentation_url: "https://docs.github.com/rest" } };
    const response = await read("github");
    expectError(response, 502, "GitHub did not issue an installation token (401: A JSON web token could not be decoded)", { integrationId: integration.id });
    expect(await actions()).toEqual([
      { action: "integration.create", outcome: "succeeded" },
      { action: "credentials.issue", outcome: "error" },
      { action: "credentials.read", outcome: "error" },
    ]);
    // Not a refused grant: the next read tries again, and succeeds once GitHub does.
    services.options.fail = undefined;
    expect((await read("github")).status).toBe(200);
    await expectNoSecretAnywhere();
  });
});

describe("an OAuth token with a refresh token", () => {
  const githubOauth = (expiresAt: string) => ({
    access_token: "gho_madeUpAccess0",
    refresh_token: FIRST_REFRESH.github,
    expires_at: expiresAt,
    ...GITHUB_CLIENT,
  });
  const soon = () => new Date(Date.now() + 60_000).toISOString();

  it("is returned as stored, without the refresh token and client secret, while it has over 5 minutes left", async () => {
    const later = new Date(Date.now() + 3600_000).toISOString();
    const integration = await create("github", "oauth", githubOauth(later), { tokenUrl: `${services.url}/login/oauth/access_token` });
    const response = await read("github");
    expect(response.body).toEqual([{
      integration_id: integration.id,
      provider: "github",
      auth_type: "oauth",
      credentials: { access_token: "gho_madeUpAccess0", expires_at: later, client_id: GITHUB_CLIENT.client_id },
    }]);
    expect(services.received).toEqual([]);
  });

  it("is refreshed when it expires within 5 minutes: the new pair is the next version, and used once", async () => {
    const integration = await create("github", "oauth", githubOauth(soon()), { tokenUrl: `${services.url}/login/oauth/access_token` });
    const response = await read("github");
    expect(response.status).toBe(200);
    expect(response.body[0].credentials).toEqual({ access_token: "gho_madeUpAccess1", expires_at: expect.any(String), client_id: GITHUB_CLIENT.client_id });
    expect(new URLSearchParams(services.received[0].body).get("grant_type")).toBe("refresh_token");
    const [stored] = await stack.sql<{ current_version: number }[]>`select current_version from sfp.integrations where id = ${integration.id}`;
    expect(stored.current_version).toBe(2);
    // The stored pair is the new one: the next reads need no refresh, and GitHub holds ghr_..1.
    expect((await read("github")).body[0].credentials.access_token).toBe("gho_madeUpAccess1");
    expect(services.count.refresh).toBe(1);
    expect(services.refreshTokens.get(GITHUB_CLIENT.client_id)).toBe("ghr_madeUpRefresh1");
    expect(await actions()).toEqual([
      { action: "integration.create", outcome: "succeeded" },
      { action: "integration.refresh", outcome: "succeeded" },
      { action: "credentials.read", outcome: "granted" },
      { action: "credentials.read", outcome: "granted" },
    ]);
    await expectNoSecretAnywhere([FIRST_REFRESH.github, "ghr_madeUpRefresh1"]);
  });

  it("is refreshed once for concurrent reads through two server processes (Atlassian rotates refresh tokens)", async () => {
    await create("jira", "oauth", {
      access_token: "jira-madeUpAccess0",
      refresh_token: FIRST_REFRESH.jira,
      expires_at: soon(),
      cloud_id: "11111111-2222-3333-4444-555555555555",
      ...JIRA_CLIENT,
    }, { tokenUrl: `${services.url}/oauth/token` });
    services.options.delayMs = 300;
    const other = await stack.startAnotherFunctions(LOOPBACK);
    try {
      const reads = await Promise.all(Array.from({ length: 12 }, (_, i) => read("jira", i % 2 ? other.url : stack.url)));
      expect(reads.map((r) => r.status)).toEqual(Array(12).fill(200));
      expect(new Set(reads.map((r) => r.body[0].credentials.access_token)).size).toBe(1);
      expect(services.count.refresh).toBe(1);
      expect(JSON.parse(services.received[0].body)).toEqual({ grant_type: "refresh_token", refresh_token: FIRST_REFRESH.jira, ...JIRA_CLIENT });
    } finally {
      await other.stop();
    }
    await expectNoSecretAnywhere([FIRST_REFRESH.jira, "jira-madeUpRefresh1"]);
  });

  it("needs re-authorization once its refresh token is refused: 409 on every read, without asking again, until an owner updates it", async () => {
    const integration = await create("github", "oauth", { ...githubOauth(soon()), refresh_token: "ghr_madeUpRevoked" }, {
      tokenUrl: `${services.url}/login/oauth/access_token`,
    });
    const message = `Integration ${integration.id} (github oauth) needs re-authorization: The OAuth token endpoint refused the refresh ` +
      "(200: bad_refresh_token: The refresh token passed is incorrect or expired.). An owner must update its credentials";
    expectError(await read("github"), 409, message, { integrationId: integration.id });
    expectError(await read("github"), 409, message, { integrationId: integration.id });
    expect(services.count.refresh).toBe(0);
    expect(services.received).toHaveLength(1);
    expect(await actions()).toEqual([
      { action: "integration.create", outcome: "succeeded" },
      { action: "credentials.issue", outcome: "error" },
      { action: "credentials.read", outcome: "error" },
      { action: "credentials.read", outcome: "error" },
    ]);

    const updated = await stack.api("PATCH", `/integrations/${integration.id}`, {
      token: stack.owner.token,
      body: { credentials: githubOauth(soon()) },
    });
    expect(updated.status).toBe(200);
    expect((await read("github")).body[0].credentials.access_token).toBe("gho_madeUpAccess1");
    await expectNoSecretAnywhere(["ghr_madeUpRevoked"]);
  });
});

describe("where grants may go", () => {
  it("a change of a configured URL must carry the credentials: the stored grant would go to the new address", async () => {
    const integration = await create("github", "oauth", {
      access_token: "gho_madeUpAccess0", refresh_token: FIRST_REFRESH.github, expires_at: new Date(Date.now() + 3600_000).toISOString(), ...GITHUB_CLIENT,
    }, { tokenUrl: `${services.url}/login/oauth/access_token` });
    const moved = await stack.api("PATCH", `/integrations/${integration.id}`, {
      token: stack.owner.token,
      body: { config: { tokenUrl: "https://collector.example/token" } },
    });
    expectError(moved, 400, "config.tokenUrl can only change together with credentials: the stored ones would be sent to the new address");
    const kept = await stack.api("PATCH", `/integrations/${integration.id}`, {
      token: stack.owner.token,
      body: { config: { tokenUrl: `${services.url}/login/oauth/access_token`, team: "platform" } },
    });
    expect(kept.status).toBe(200);
  });

  it("a grant of a self-hosted instance never goes to the public service: without config.tokenUrl it is not refreshed", async () => {
    const integration = await create("github", "oauth", {
      access_token: "gho_madeUpAccess0", refresh_token: FIRST_REFRESH.github, expires_at: new Date(Date.now() + 60_000).toISOString(), ...GITHUB_CLIENT,
    }, { apiUrl: "https://ghe.acme.example/api/v3" });
    expectError(await read("github"), 409,
      `Integration ${integration.id} (github oauth) needs re-authorization: config.tokenUrl is needed: this github integration names its own instance (ghe.acme.example). An owner must update its credentials`,
      { integrationId: integration.id });
    expect(services.received).toEqual([]);
  });

  it("a secret a service echoes back, in whatever form and wherever it falls, is taken out of its message", async () => {
    const secret = "madeUp~Echoed+Secret/0000000000000001";
    const integration = await create("azure-devops", "service_principal", { ...AZURE_CLIENT, client_secret: secret }, {
      tokenUrl: `${services.url}/${AZURE_CLIENT.tenant_id}/oauth2/v2.0/token`,
    });
    // Echoed percent-encoded, JSON-escaped and raw, one of them across the 200th character.
    services.options.fail = {
      status: 401,
      body: {
        error: "invalid_client",
        error_description: `${"x".repeat(150)} form ${encodeURIComponent(secret)} json ${JSON.stringify(secret)} raw ${secret}`,
      },
    };
    const response = await read("azure-devops");
    expect(response.status).toBe(502);
    expect(response.body.integrationId).toBe(integration.id);
    const leaks = [secret, encodeURIComponent(secret), secret.slice(0, 12), encodeURIComponent(secret).slice(0, 12)];
    for (const leak of leaks) expect(response.body.message).not.toContain(leak);
    await expectNoSecretAnywhere(leaks);
  });

  it("a refused grant gives back the leases the same read took for its other integrations", async () => {
    const refused = await create("github", "oauth", {
      access_token: "gho_madeUpAccess0", refresh_token: "ghr_madeUpRevoked", expires_at: new Date(Date.now() + 60_000).toISOString(), ...GITHUB_CLIENT,
    }, { tokenUrl: `${services.url}/login/oauth/access_token` });
    expect((await read("github")).status).toBe(409);
    const other = await create("jira", "oauth_client_credentials", { ...JIRA_CLIENT }, { tokenUrl: `${services.url}/oauth/token` });
    // One read of both (no provider filter): the refusal answers; the Jira lease is not left held.
    const both = await fetch(`${stack.url}/sfp/api/integrations/credentials`, { headers: { authorization: `Bearer ${stack.owner.token}` } });
    expect(both.status).toBe(409);
    expect((await both.json()).integrationId).toBe(refused.id);
    const [lease] = await stack.sql<{ lease_id: string | null }[]>`select lease_id from sfp.issued_tokens where integration_id = ${other.id}`;
    expect(lease?.lease_id ?? null).toBeNull();
    expect((await read("jira")).status).toBe(200);
  });

  it("a config change while a refresh is in flight keeps the new pair (the refresh token is single use)", async () => {
    const integration = await create("github", "oauth", {
      access_token: "gho_madeUpAccess0", refresh_token: FIRST_REFRESH.github, expires_at: new Date(Date.now() + 60_000).toISOString(), ...GITHUB_CLIENT,
    }, { tokenUrl: `${services.url}/login/oauth/access_token` });
    services.options.delayMs = 800;
    const reading = read("github");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const changed = await stack.api("PATCH", `/integrations/${integration.id}`, {
      token: stack.owner.token,
      body: { config: { tokenUrl: `${services.url}/login/oauth/access_token`, team: "platform" } },
    });
    expect(changed.status).toBe(200);
    const response = await reading;
    expect(response.status).toBe(200);
    expect(response.body[0].credentials.access_token).toBe("gho_madeUpAccess1");
    services.options.delayMs = 0;
    // Stored: the pair GitHub now holds, so the next refresh is accepted, not refused.
    const { storedCredentials } = integrationCalls(stack);
    const [{ current_version }] = await stack.sql<{ current_version: number }[]>`select current_version from sfp.integrations where id = ${integration.id}`;
    expect(await storedCredentials(integration.id, current_version)).toMatchObject({ access_token: "gho_madeUpAccess1", refresh_token: "ghr_madeUpRefresh1" });
    expect(services.count.refresh).toBe(1);
  });
});

describe("client-credentials grants", () => {
  it("a Jira service account: an access token from Atlassian's token endpoint, cached", async () => {
    const integration = await create("jira", "oauth_client_credentials", { ...JIRA_CLIENT, cloud_id: "11111111-2222-3333-4444-555555555555" }, {
      tokenUrl: `${services.url}/oauth/token`,
    });
    const response = await read("jira");
    expect(response.body).toEqual([{
      integration_id: integration.id,
      provider: "jira",
      auth_type: "oauth_client_credentials",
      credentials: {
        client_id: JIRA_CLIENT.client_id,
        cloud_id: "11111111-2222-3333-4444-555555555555",
        access_token: "jira-madeUpService1",
        expires_at: expect.any(String),
      },
    }]);
    expect(JSON.parse(services.received[0].body)).toEqual({ grant_type: "client_credentials", ...JIRA_CLIENT });
    await read("jira");
    expect(services.count.clientCredentials).toBe(1);
    await expectNoSecretAnywhere(["jira-madeUpService1"]);
  });

  it("an Azure DevOps service principal: a token from the Microsoft identity platform, for Azure DevOps' scope", async () => {
    await create("azure-devops", "service_principal", AZURE_CLIENT, {
      tokenUrl: `${services.url}/${AZURE_CLIENT.tenant_id}/oauth2/v2.0/token`,
    });
    const response = await read("azure-devops");
    expect(response.status).toBe(200);
    expect(response.body[0].credentials).toEqual({
      client_id: AZURE_CLIENT.client_id,
      tenant_id: AZURE_CLIENT.tenant_id,
      access_token: "eyJ0eXAi.madeUpAzure1",
      expires_at: expect.any(String),
    });
    const form = new URLSearchParams(services.received[0].body);
    expect(form.get("scope")).toBe(AZURE_DEVOPS_SCOPE);
    expect(form.get("grant_type")).toBe("client_credentials");
  });

  it("a wrong client secret: 502 with Microsoft's words, the secret taken out of them", async () => {
    const integration = await create("azure-devops", "service_principal", { ...AZURE_CLIENT, client_secret: "madeUp~WrongSecret" }, {
      tokenUrl: `${services.url}/${AZURE_CLIENT.tenant_id}/oauth2/v2.0/token`,
    });
    const response = await read("azure-devops");
    expect(response.status).toBe(502);
    expect(response.body.message).toMatch(/^The token endpoint did not issue a token \(401: invalid_client: AADSTS7000215: Invalid client secret provided/);
    expect(response.body.integrationId).toBe(integration.id);
    await expectNoSecretAnywhere(["madeUp~WrongSecret"]);
  });
});
