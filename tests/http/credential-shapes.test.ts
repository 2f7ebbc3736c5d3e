/**
 * The credential shapes of functions/_shared/providers.ts through the API, GitHub's and Jira's
 * in depth (every pair of the catalogue: provider-catalogue.test.ts): each pair is accepted with
 * valid (made-up) credentials and read back exactly as sent; an unknown credential field, a
 * missing or malformed required one, an unsupported pair and an unknown provider are each
 * refused with a message that names the problem, and nothing is stored.
 */
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { countStored } from "../support/http.ts";
import { integrationCalls, readView } from "../support/integrations.ts";
import { UNKNOWN_PROVIDER } from "../support/messages.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

// A throwaway RSA key made at test time: it signs nothing and is never a real GitHub App key.
const fakePem = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();

const storedCounts = () => countStored(stack, ["integrations", "credential_versions", "integration_projects"]);
const nothingStored = { integrations: 0, credential_versions: 0, integration_projects: 0 };

function createGlobal(provider: string, authType: string, credentials: unknown) {
  return stack.api("POST", "/integrations", {
    token: stack.owner.token,
    body: { provider, authType, credentials, isGlobal: true },
  });
}

async function expectRefused(response: Awaited<ReturnType<typeof createGlobal>>, message: string) {
  expect(response.status).toBe(400);
  expect(response.body).toEqual({ statusCode: 400, message, error: "Bad Request" });
  expect(await storedCounts()).toEqual(nothingStored);
}

const accepted: Array<[string, string, string, Record<string, unknown>]> = [
  ["github", "pat", "a token", { token: "ghp_madeUpShapes000000000000000000000000" }],
  ["github", "oauth", "an access token only", { access_token: "gho_madeUpAccess0000000000000000000000" }],
  ["github", "oauth", "every optional field", {
    access_token: "gho_madeUpAccess0000000000000000000000",
    refresh_token: "ghr_madeUpRefresh000000000000000000000",
    expires_at: "2030-01-02T03:04:05Z",
    client_id: "Iv1.madeupclientid",
    client_secret: "made-up-client-secret-0000000000000000",
  }],
  ["github", "app", "numeric ids and a PEM key", { app_id: 123456, installation_id: 7890123, private_key: fakePem }],
  ["github", "app", "string ids and a PEM key", { app_id: "123456", installation_id: "7890123", private_key: fakePem }],
  ["jira", "basic_auth", "a base URL, a username and an API token", {
    base_url: "https://acme.atlassian.net",
    username: "sfp-service@acme.com",
    api_token: "ATATT3x-made-up-shapes",
  }],
  ["jira", "oauth", "an access token only", { access_token: "jira-made-up-access" }],
  ["jira", "oauth", "every optional field and a cloud id", {
    access_token: "jira-made-up-access",
    refresh_token: "jira-made-up-refresh",
    expires_at: "2030-01-02T03:04:05+02:00",
    client_id: "jira-made-up-client",
    client_secret: "jira-made-up-client-secret",
    cloud_id: "11111111-2222-3333-4444-555555555555",
  }],
  ["jira", "pat", "a base URL and a token", { base_url: "https://jira.acme.example", token: "jira-made-up-pat" }],
];

describe("every provider/authType pair", () => {
  it.each(accepted)("accepts %s %s with %s, stores it exactly as sent, and reads it as the read route shows it", async (provider, authType, _, credentials) => {
    const created = await createGlobal(provider, authType, credentials);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ provider, auth_type: authType, is_global: true, projects: [] });
    expect(created.body).not.toHaveProperty("credentials");
    expect(await integrationCalls(stack).storedCredentials(created.body.id, 1)).toEqual(credentials);

    const view = readView(authType, credentials);
    if (view === undefined) return; // a token issued from the grant: integrations/issued-tokens.test.ts
    const read = await stack.api("GET", `/integrations/credentials?provider=${provider}`, { token: stack.owner.token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual([{ integration_id: created.body.id, provider, auth_type: authType, credentials: view }]);
  });

  it("stores credentials encrypted: the stored row holds no plaintext secret", async () => {
    const token = "ghp_madeUpPlaintextProbe0000000000000000";
    const created = await createGlobal("github", "pat", { token });
    expect(created.status).toBe(201);
    const rows = await stack.sql<{ version: number; key_version: number; ciphertext: Buffer }[]>`
      select version, key_version, ciphertext from sfp.credential_versions where integration_id = ${created.body.id}`;
    expect(rows).toHaveLength(1);
    expect(rows[0].version).toBe(1);
    expect(rows[0].key_version).toBe(1);
    expect(rows[0].ciphertext.includes(Buffer.from(token))).toBe(false);
  });
});

describe("an unknown credential field", () => {
  it("is refused naming it (github pat with a password)", async () => {
    const response = await createGlobal("github", "pat", { token: "ghp_madeUp", password: "hunter2" });
    await expectRefused(response, 'credentials: Unrecognized key: "password"');
  });

  it("is refused naming every one of them (jira basic_auth with two extra fields)", async () => {
    const response = await createGlobal("jira", "basic_auth", {
      base_url: "https://acme.atlassian.net",
      username: "sfp@acme.com",
      api_token: "ATATT-made-up",
      email: "sfp@acme.com",
      password: "hunter2",
    });
    await expectRefused(response, 'credentials: Unrecognized keys: "email", "password"');
  });

  it("is refused when it belongs to another pair (cloud_id on github oauth)", async () => {
    const response = await createGlobal("github", "oauth", { access_token: "gho_madeUp", cloud_id: "abc" });
    await expectRefused(response, 'credentials: Unrecognized key: "cloud_id"');
  });

  it("is refused when it is named constructor", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      headers: { "content-type": "application/json" },
      rawBody: '{"provider":"github","authType":"pat","credentials":{"token":"ghp_madeUp","constructor":"x"},"isGlobal":true}',
    });
    await expectRefused(response, 'credentials: Unrecognized key: "constructor"');
  });

  // JSON.parse keeps "__proto__" as a field, but object schemas drop it silently: it must be
  // refused like every other unknown field, not accepted and lost.
  it('is refused when it is named "__proto__"', async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      headers: { "content-type": "application/json" },
      rawBody: '{"provider":"github","authType":"pat","credentials":{"token":"ghp_madeUp","__proto__":{"admin":true}},"isGlobal":true}',
    });
    await expectRefused(response, 'credentials: the field name "__proto__" is not allowed');
  });
});

describe("a missing or malformed required field", () => {
  it("is refused naming it (github pat without a token)", async () => {
    const response = await createGlobal("github", "pat", {});
    await expectRefused(response, "credentials: token: Invalid input: expected string, received undefined");
  });

  it("is refused naming each missing one (jira basic_auth with only a base URL)", async () => {
    const response = await createGlobal("jira", "basic_auth", { base_url: "https://acme.atlassian.net" });
    await expectRefused(
      response,
      "credentials: username: Invalid input: expected string, received undefined; api_token: Invalid input: expected string, received undefined",
    );
  });

  it("is refused when it is blank (github pat token of spaces)", async () => {
    const response = await createGlobal("github", "pat", { token: "   " });
    await expectRefused(response, "credentials: token: must not be empty");
  });

  it("is refused when a github app key is not a PEM private key", async () => {
    const response = await createGlobal("github", "app", { app_id: 1, installation_id: 2, private_key: "not a key" });
    await expectRefused(response, "credentials: private_key: must be a PEM private key (-----BEGIN ... PRIVATE KEY-----)");
  });

  it("is refused when a github app id is not a number", async () => {
    const response = await createGlobal("github", "app", { app_id: "twelve", installation_id: 2, private_key: fakePem });
    await expectRefused(response, "credentials: app_id: must be a number");
  });

  it("is refused when a jira base URL is not http(s)", async () => {
    const response = await createGlobal("jira", "pat", { base_url: "ftp://jira.acme.example", token: "jira-made-up" });
    await expectRefused(response, "credentials: base_url: must be an http(s) URL");
  });

  it("is refused when an oauth expires_at is not an ISO 8601 date-time", async () => {
    const response = await createGlobal("jira", "oauth", { access_token: "jira-made-up", expires_at: "tomorrow" });
    await expectRefused(response, "credentials: expires_at: must be an ISO 8601 date-time");
  });

  it("is refused when credentials are missing altogether", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", isGlobal: true },
    });
    await expectRefused(response, "credentials: must be a JSON object");
  });
});

describe("an unsupported provider/authType pair", () => {
  it("is refused naming GitHub's allowed auth types (github basic_auth)", async () => {
    const response = await createGlobal("github", "basic_auth", { token: "ghp_madeUp" });
    await expectRefused(response, "authType 'basic_auth' is not supported for provider 'github'; allowed: pat, oauth, app");
  });

  it("is refused naming Jira's allowed auth types (jira app)", async () => {
    const response = await createGlobal("jira", "app", { app_id: 1, installation_id: 2, private_key: fakePem });
    await expectRefused(response, "authType 'app' is not supported for provider 'jira'; allowed: basic_auth, oauth, oauth_client_credentials, pat");
  });

  it("is refused when the auth type is not a lowercase name", async () => {
    const response = await createGlobal("github", "PAT", { token: "ghp_madeUp" });
    await expectRefused(response, "authType: authType must be a lowercase name such as pat or basic_auth");
  });

  it("is refused when the auth type is missing", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", credentials: { token: "ghp_madeUp" }, isGlobal: true },
    });
    await expectRefused(response, "authType is required");
  });
});

describe("an unknown provider", () => {
  it("is refused naming the allowed providers (bitbucket)", async () => {
    const response = await createGlobal("bitbucket", "pat", { token: "made-up" });
    await expectRefused(response, `provider: ${UNKNOWN_PROVIDER}`);
  });

  it("is refused naming the allowed providers (a capitalised GitHub)", async () => {
    const response = await createGlobal("GitHub", "pat", { token: "ghp_madeUp" });
    await expectRefused(response, `provider: ${UNKNOWN_PROVIDER}`);
  });
});
