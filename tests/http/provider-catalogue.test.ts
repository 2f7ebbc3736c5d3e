/**
 * The provider catalogue (functions/_shared/providers.ts) through the API (issue 13): every
 * provider sfp server publishes, each of its auth types accepted with made-up credentials of
 * that pair's shape and read back exactly as sent; a wrong credential key refused naming it; a
 * pair that does not exist refused with the provider's auth types; `azuredevops` accepted
 * wherever a provider is, and stored and answered as `azure-devops`; the known config keys
 * checked by type and by pair, any other config key kept as sent. And README.md shows the
 * table rendered from the catalogue.
 *
 * The expectations are written out here, not taken from the catalogue: the pairs, their keys
 * and the messages are what the API must answer.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROVIDERS_DOCUMENT, renderProviders } from "../../functions/docs/providers.ts";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import { countStored, expectError } from "../support/http.ts";
import { integrationCalls, readView } from "../support/integrations.ts";
import { UNKNOWN_PROVIDER } from "../support/messages.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const owner = () => ({ token: stack.owner.token });
const nothingStored = { integrations: 0, credential_versions: 0, integration_projects: 0 };
const storedCounts = () => countStored(stack, ["integrations", "credential_versions", "integration_projects"]);

function createGlobal(provider: string, authType: string, credentials: unknown, config?: unknown) {
  return stack.api("POST", "/integrations", {
    ...owner(),
    body: { provider, authType, credentials, isGlobal: true, ...(config === undefined ? {} : { config }) },
  });
}

async function expectRefused(response: Awaited<ReturnType<typeof createGlobal>>, message: string) {
  expectError(response, 400, message);
  expect(await storedCounts()).toEqual(nothingStored);
}

// A throwaway PEM-shaped string: the schema checks the armour, never the key.
const fakePem = "-----BEGIN PRIVATE KEY-----\nbWFkZS11cCBrZXkgZm9yIHRlc3RzIG9ubHk=\n-----END PRIVATE KEY-----\n";
const oauthTokens = {
  access_token: "made-up-access-token",
  refresh_token: "made-up-refresh-token",
  expires_at: "2030-01-02T03:04:05Z",
  client_id: "made-up-client-id",
  client_secret: "made-up-client-secret",
};

/** Every pair: its credentials (every key, optional ones included) and a config of the keys it uses. */
const PAIRS: Array<[provider: string, authType: string, credentials: Record<string, unknown>, config: Record<string, unknown>]> = [
  ["github", "pat", { token: "ghp_madeUpCatalogue00000000000000000000" }, { apiUrl: "https://ghe.acme.example/api/v3" }],
  ["github", "oauth", oauthTokens, {
    apiUrl: "https://ghe.acme.example/api/v3",
    tokenUrl: "https://ghe.acme.example/login/oauth/access_token",
  }],
  ["github", "app", { app_id: 123456, installation_id: "7890123", private_key: fakePem }, {
    apiUrl: "https://ghe.acme.example/api/v3",
  }],
  ["gitlab", "pat", { token: "glpat-madeUpCatalogue000" }, { baseUrl: "https://gitlab.acme.example" }],
  ["gitlab", "oauth", oauthTokens, { baseUrl: "https://gitlab.acme.example", tokenUrl: "https://gitlab.acme.example/oauth/token" }],
  ["azure-devops", "pat", { token: "made-up-azure-devops-pat" }, { baseUrl: "https://dev.azure.com/acme" }],
  ["azure-devops", "oauth", oauthTokens, {
    baseUrl: "https://dev.azure.com/acme",
    tokenUrl: "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token",
  }],
  ["azure-devops", "service_principal", {
    client_id: "11111111-aaaa-bbbb-cccc-222222222222",
    client_secret: "made-up-entra-client-secret",
    tenant_id: "33333333-dddd-eeee-ffff-444444444444",
  }, { baseUrl: "https://dev.azure.com/acme", tokenUrl: "https://login.microsoftonline.us/33333333/oauth2/v2.0/token" }],
  ["jira", "basic_auth", { base_url: "https://acme.atlassian.net", username: "ci@acme.example", api_token: "made-up-api-token" }, {}],
  ["jira", "oauth", { ...oauthTokens, cloud_id: "11111111-2222-3333-4444-555555555555" }, {
    baseUrl: "https://acme.atlassian.net",
    tokenUrl: "https://auth.atlassian.com/oauth/token",
  }],
  ["jira", "oauth_client_credentials", {
    client_id: "made-up-service-account-client",
    client_secret: "made-up-service-account-secret",
    cloud_id: "11111111-2222-3333-4444-555555555555",
  }, { baseUrl: "https://jira.acme.example", tokenUrl: "https://jira.acme.example/rest/oauth2/latest/token" }],
  ["jira", "pat", { base_url: "https://jira.acme.example", token: "made-up-jira-pat" }, {}],
  ["jfrog", "pat", { token: "made-up-jfrog-access-token" }, { baseUrl: "https://acme.jfrog.io" }],
  ["jfrog", "basic_auth", { username: "ci", password: "made-up-identity-token" }, { baseUrl: "https://acme.jfrog.io" }],
  ["npm", "pat", { token: "npm_madeUpCatalogue000000000000000000000" }, {}],
  ["github_packages", "pat", { token: "ghp_madeUpPackages000000000000000000000" }, {}],
  ["datadog", "api_key", { api_key: "made-up-datadog-api-key", app_key: "made-up-datadog-application-key" }, {
    apiUrl: "https://api.datadoghq.eu",
  }],
  ["newrelic", "api_key", { api_key: "NRAK-MADEUPCATALOGUE0000000000", account_id: 1234567 }, { apiUrl: "https://api.eu.newrelic.com" }],
  ["splunk", "api_key", { hec_token: "11111111-2222-3333-4444-555555555555" }, { baseUrl: "https://http-inputs-acme.splunkcloud.com" }],
  ["splunk", "pat", { token: "made-up-splunk-authentication-token" }, { baseUrl: "https://acme.splunkcloud.com:8089" }],
  ["ai_anthropic", "api_key", { api_key: "sk-ant-made-up-catalogue" }, {}],
  ["ai_openai", "api_key", { api_key: "sk-proj-made-up-catalogue" }, {}],
  ["ai_google", "api_key", { api_key: "made-up-gemini-api-key" }, {}],
  ["ai_github_copilot", "pat", { token: "github_pat_madeUpCopilot000000000000" }, {}],
  ["ai_amazon_bedrock", "api_key", { api_key: "made-up-bedrock-api-key", region: "eu-central-1" }, {}],
];

/** Each provider's auth types, in the order a refusal names them. */
const AUTH_TYPES: Record<string, string> = {
  github: "pat, oauth, app",
  gitlab: "pat, oauth",
  "azure-devops": "pat, oauth, service_principal",
  jira: "basic_auth, oauth, oauth_client_credentials, pat",
  jfrog: "pat, basic_auth",
  npm: "pat",
  github_packages: "pat",
  datadog: "api_key",
  newrelic: "api_key",
  splunk: "api_key, pat",
  ai_anthropic: "api_key",
  ai_openai: "api_key",
  ai_google: "api_key",
  ai_github_copilot: "pat",
  ai_amazon_bedrock: "api_key",
};

describe("every pair of the catalogue", () => {
  it("covers every provider sfp server publishes, and only pairs whose auth types the refusals name", () => {
    expect(Object.keys(AUTH_TYPES).join(", ")).toBe(UNKNOWN_PROVIDER.replace("provider must be one of: ", ""));
    const pairs = Object.fromEntries(Object.keys(AUTH_TYPES).map((provider) => [
      provider,
      PAIRS.filter(([name]) => name === provider).map(([, authType]) => authType).join(", "),
    ]));
    expect(pairs).toEqual(AUTH_TYPES);
  });

  it.each(PAIRS)("%s %s: created with its config, stored exactly as sent, and read as the read route shows it", async (provider, authType, credentials, config) => {
    const created = await createGlobal(provider, authType, credentials, config);
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ provider, auth_type: authType, is_global: true, projects: [], config });
    expect(await integrationCalls(stack).storedCredentials(created.body.id, 1)).toEqual(credentials);

    const view = readView(authType, credentials);
    if (view === undefined) return; // a token issued from the grant: issued-tokens.test.ts
    const read = await stack.api("GET", `/integrations/credentials?provider=${provider}`, owner());
    expect(read.status).toBe(200);
    expect(read.body).toEqual([{ integration_id: created.body.id, provider, auth_type: authType, credentials: view }]);
  });

  it.each(PAIRS)("%s %s: an unknown credential key is refused naming it", async (provider, authType, credentials) => {
    const response = await createGlobal(provider, authType, { ...credentials, extra_secret: "made-up" });
    await expectRefused(response, 'credentials: Unrecognized key: "extra_secret"');
  });

  it.each(Object.entries(AUTH_TYPES))("%s: an auth type it does not have is refused with the ones it has", async (provider, allowed) => {
    const authType = provider === "github" ? "service_principal" : "app";
    const response = await createGlobal(provider, authType, { token: "made-up" });
    await expectRefused(response, `authType '${authType}' is not supported for provider '${provider}'; allowed: ${allowed}`);
  });
});

describe("the services' own key names", () => {
  it.each([
    ["datadog's header name for the application key", "datadog", "api_key", { api_key: "made-up", application_key: "made-up" },
      'credentials: Unrecognized key: "application_key"'],
    ["an Azure CLI service principal's names (appId, password, tenant)", "azure-devops", "service_principal",
      { app_id: "made-up", password: "made-up", tenant: "made-up" },
      "credentials: client_id: Invalid input: expected string, received undefined; " +
      "client_secret: Invalid input: expected string, received undefined; " +
      'tenant_id: Invalid input: expected string, received undefined; Unrecognized keys: "app_id", "password", "tenant"'],
    ["a Splunk HEC token sent as token", "splunk", "api_key", { token: "made-up" },
      'credentials: hec_token: Invalid input: expected string, received undefined; Unrecognized key: "token"'],
    ["a New Relic account ID that is not a number", "newrelic", "api_key", { api_key: "NRAK-MADEUP", account_id: "acme" },
      "credentials: account_id: must be a number"],
    ["a Bedrock API key without its Region", "ai_amazon_bedrock", "api_key", { api_key: "made-up" },
      "credentials: region: Invalid input: expected string, received undefined"],
    ["a Bedrock Region that is not one", "ai_amazon_bedrock", "api_key", { api_key: "made-up", region: "Frankfurt" },
      "credentials: region: must be an AWS Region such as us-east-1"],
    ["a Jira client-credentials pair without its secret", "jira", "oauth_client_credentials", { client_id: "made-up" },
      "credentials: client_secret: Invalid input: expected string, received undefined"],
  ])("%s: refused naming the key", async (_, provider, authType, credentials, message) => {
    await expectRefused(await createGlobal(provider, authType, credentials), message);
  });
});

describe("a provider outside the catalogue", () => {
  it.each(["bitbucket", "azure_devops", "AzureDevOps", "ai-openai"])("%s: refused naming the providers", async (provider) => {
    await expectRefused(await createGlobal(provider, "pat", { token: "made-up" }), `provider: ${UNKNOWN_PROVIDER}`);
  });
});

describe("azuredevops, sfp server's other name of azure-devops", () => {
  const pat = { token: "made-up-azure-devops-pat" };

  it("is accepted on create, the listing's and the reads' filters, and answered as azure-devops", async () => {
    const created = await createGlobal("azuredevops", "pat", pat);
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ provider: "azure-devops", auth_type: "pat" });
    expect((await stack.sql`select provider from sfp.integrations`).map((row) => row.provider)).toEqual(["azure-devops"]);

    const listed = await stack.api("GET", "/integrations?provider=azuredevops", owner());
    expect(listed.status).toBe(200);
    expect(listed.body.map((integration: { id: string; provider: string }) => [integration.id, integration.provider]))
      .toEqual([[created.body.id, "azure-devops"]]);

    const expected = [{ integration_id: created.body.id, provider: "azure-devops", auth_type: "pat", credentials: pat }];
    for (const provider of ["azuredevops", "azure-devops"]) {
      const read = await stack.api("GET", `/integrations/credentials?provider=${provider}`, owner());
      expect({ status: read.status, body: read.body }).toEqual({ status: 200, body: expected });
    }
    const posted = await stack.api("POST", "/integrations/credentials", { ...owner(), body: { provider: "azuredevops" } });
    expect({ status: posted.status, body: posted.body }).toEqual({ status: 200, body: expected });
  });

  it("is accepted in a token's scope, kept once as azure-devops, and the token reads with either name", async () => {
    await createGlobal("azure-devops", "pat", pat);
    const created = await stack.api("POST", "/application-tokens", {
      ...owner(),
      body: { name: "ado-pipeline", providers: ["azuredevops", "azure-devops"] },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.providers).toEqual(["azure-devops"]);

    for (const provider of ["azuredevops", "azure-devops"]) {
      const read = await stack.api("GET", `/integrations/credentials?provider=${provider}`, { token: created.body.token });
      expect(read.status).toBe(200);
      expect(read.body.map((entry: { provider: string }) => entry.provider)).toEqual(["azure-devops"]);
    }
  });
});

describe("config", () => {
  const githubPat = { token: "ghp_madeUpConfig0000000000000000000000" };

  it("keeps other keys as sent, beside the known ones", async () => {
    const config = { apiUrl: "https://ghe.acme.example/api/v3", team: "platform", retries: 3, labels: { tier: "1" } };
    const created = await createGlobal("github", "pat", githubPat, config);
    expect(created.status, created.text).toBe(201);
    expect(created.body.config).toEqual(config);
  });

  it.each([
    ["an apiUrl that is not https", "github", "pat", { apiUrl: "http://ghe.acme.example/api/v3" },
      "config: apiUrl: Outbound call to ghe.acme.example refused: only https URLs are allowed"],
    ["an apiUrl that is not a URL", "datadog", "api_key", { apiUrl: "datadoghq.eu" }, "config: apiUrl: must be an http(s) URL"],
    ["a tokenUrl that is not a string", "gitlab", "oauth", { tokenUrl: 42 }, "config: tokenUrl: must be an http(s) URL"],
    ["a baseUrl that is not http(s)", "jfrog", "pat", { baseUrl: "ftp://acme.jfrog.io" }, "config: baseUrl: must be an http(s) URL"],
    ["a tokenUrl on a pair without OAuth", "github", "pat", { tokenUrl: "https://github.com/login/oauth/access_token" },
      "config: tokenUrl is not a config key of github pat (its config keys: apiUrl)"],
    ["a baseUrl on a pair that has no config keys", "npm", "pat", { baseUrl: "https://registry.npmjs.org" },
      "config: baseUrl is not a config key of npm pat (it has none)"],
  ])("%s: refused naming the key, nothing stored", async (_, provider, authType, config, message) => {
    const [, , credentials] = PAIRS.find(([p, a]) => p === provider && a === authType)!;
    await expectRefused(await createGlobal(provider, authType, credentials, config), message);
  });

  it("PATCH checks a known key's type too, and keeps other keys", async () => {
    const created = await createGlobal("github", "pat", githubPat);
    expect(created.status).toBe(201);
    const path = `/integrations/${created.body.id}`;

    const refused = await stack.api("PATCH", path, { ...owner(), body: { config: { apiUrl: "ftp://ghe.acme.example" } } });
    expectError(refused, 400, "config: apiUrl: must be an http(s) URL");

    // A URL moves only together with the credentials it would carry (issued-tokens.test.ts).
    const config = { apiUrl: "https://ghe.acme.example/api/v3", owner: "platform-team" };
    const changed = await stack.api("PATCH", path, { ...owner(), body: { config, credentials: githubPat } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({ config, version: 2 });
  });
});

describe(PROVIDERS_DOCUMENT, () => {
  it("shows the catalogue's table (regenerate with npm run docs:providers)", () => {
    const text = readFileSync(join(PROJECT_ROOT, PROVIDERS_DOCUMENT), "utf8");
    expect(text).toContain(renderProviders());
  });
});
