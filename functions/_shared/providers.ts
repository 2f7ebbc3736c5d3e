import { z } from "zod";

/**
 * The catalogue: the providers the store accepts (the names sfp server publishes), the auth
 * types each one supports, the exact shape of each pair's credentials (snake_case, in the
 * services' own words) and the config keys each pair uses. Adding a provider or an auth type
 * is one entry here, then `npm run docs:providers`: the SQL side stores any provider and
 * auth-type name and checks only the JSON's shape.
 * Credentials are strict: an unknown credential field is refused with its name. Config stays
 * open (any other key is kept as sent), but a known config key is checked wherever it appears.
 */
const text = z.string().trim().min(1, "must not be empty").max(8192);
const httpUrl = z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).max(2048);
const numericId = z.union([z.number().int().positive(), z.string().regex(/^[0-9]{1,20}$/, "must be a number")]);
const pemPrivateKey = z.string().max(16384).regex(
  /^\s*-----BEGIN ((RSA|EC) )?PRIVATE KEY-----[\s\S]+-----END ((RSA|EC) )?PRIVATE KEY-----\s*$/,
  "must be a PEM private key (-----BEGIN ... PRIVATE KEY-----)",
);
const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/, "must be an AWS Region such as us-east-1");

/** The config keys the catalogue knows, each with its type and what it is for. */
export const CONFIG_KEYS = {
  // The format is checked here; that it is https (or the test loopback) by the outbound rules
  // (outbound.ts, which know the deployment's policy) when the integration is stored and called.
  apiUrl: {
    schema: httpUrl,
    type: "https URL",
    about: "the API's base URL where it is not the service's default " +
      "(GitHub Enterprise Server, a Datadog site, New Relic's EU region)",
  },
  baseUrl: {
    schema: httpUrl,
    type: "https URL",
    about: "the instance's or organisation's URL " +
      "(GitLab self-managed, Jira, `https://dev.azure.com/<organisation>`, the JFrog Platform, Splunk)",
  },
  tokenUrl: {
    schema: httpUrl,
    type: "https URL",
    about: "the OAuth 2.0 token endpoint, where it is not the service's default " +
      "(GitHub Enterprise Server, GitLab self-managed, Jira Data Center, a national Microsoft cloud)",
  },
} as const;
export type ConfigKey = keyof typeof CONFIG_KEYS;

export interface AuthTypeEntry {
  credentials: z.ZodObject;
  /** The known config keys this pair uses. */
  config: readonly ConfigKey[];
  /** What the credential is, in a few words (the provider table shows it). */
  about: string;
}

function pair(about: string, credentials: z.ZodObject, config: readonly ConfigKey[] = []): AuthTypeEntry {
  return { credentials, config, about };
}

// OAuth 2.0 tokens of a user-delegated grant. refresh_token, client_id and client_secret are
// what refreshing the access token takes.
const oauth = z.strictObject({
  access_token: text,
  refresh_token: text.optional(),
  expires_at: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" }).optional(),
  client_id: text.optional(),
  client_secret: text.optional(),
});
const token = z.strictObject({ token: text });
const apiKey = z.strictObject({ api_key: text });

export const PROVIDERS = {
  github: {
    pat: pair("a personal access token (classic or fine-grained)", token, ["apiUrl"]),
    oauth: pair("an OAuth app's user access token", oauth, ["apiUrl", "tokenUrl"]),
    app: pair(
      "a GitHub App: its App ID, an installation ID and its PEM private key",
      z.strictObject({ app_id: numericId, installation_id: numericId, private_key: pemPrivateKey }),
      ["apiUrl"],
    ),
  },
  gitlab: {
    pat: pair("a personal, project or group access token", token, ["baseUrl"]),
    oauth: pair("an OAuth application's access token", oauth, ["baseUrl", "tokenUrl"]),
  },
  "azure-devops": {
    pat: pair("a personal access token", token, ["baseUrl"]),
    oauth: pair("a Microsoft Entra ID user access token", oauth, ["baseUrl", "tokenUrl"]),
    service_principal: pair(
      "a Microsoft Entra ID app registration's client secret (client credentials)",
      z.strictObject({ client_id: text, client_secret: text, tenant_id: text }),
      ["baseUrl", "tokenUrl"],
    ),
  },
  // basic_auth and pat carry the site in their credentials (base_url); the OAuth pairs reach
  // Jira Cloud through Atlassian's gateway with cloud_id, or a Data Center site at baseUrl.
  jira: {
    basic_auth: pair(
      "an Atlassian account's email and API token (Jira Cloud)",
      z.strictObject({ base_url: httpUrl, username: text, api_token: text }),
    ),
    oauth: pair("an OAuth 2.0 (3LO) access token; `cloud_id` names the site", oauth.extend({ cloud_id: text.optional() }), [
      "baseUrl",
      "tokenUrl",
    ]),
    oauth_client_credentials: pair(
      "a service account's OAuth 2.0 client credentials; `cloud_id` names the site",
      z.strictObject({ client_id: text, client_secret: text, cloud_id: text.optional() }),
      ["baseUrl", "tokenUrl"],
    ),
    pat: pair("a personal access token (Jira Data Center)", z.strictObject({ base_url: httpUrl, token: text })),
  },
  jfrog: {
    pat: pair("an access token", token, ["baseUrl"]),
    basic_auth: pair(
      "a username with its password or identity token",
      z.strictObject({ username: text, password: text }),
      ["baseUrl"],
    ),
  },
  npm: {
    pat: pair("an npm access token (granular or classic)", token),
  },
  github_packages: {
    pat: pair("a personal access token (classic) with the packages scopes", token),
  },
  datadog: {
    api_key: pair(
      "an API key, and an application key for the APIs that read",
      z.strictObject({ api_key: text, app_key: text.optional() }),
      ["apiUrl"],
    ),
  },
  newrelic: {
    api_key: pair(
      "a User API key (NRAK-...) and its account ID",
      z.strictObject({ api_key: text, account_id: numericId.optional() }),
      ["apiUrl"],
    ),
  },
  splunk: {
    api_key: pair("an HTTP Event Collector token", z.strictObject({ hec_token: text }), ["baseUrl"]),
    pat: pair("an authentication token for the REST API", token, ["baseUrl"]),
  },
  ai_anthropic: {
    api_key: pair("a Claude API key", apiKey),
  },
  ai_openai: {
    api_key: pair("an OpenAI API key", apiKey),
  },
  ai_google: {
    api_key: pair("a Gemini API key", apiKey),
  },
  ai_github_copilot: {
    pat: pair("a fine-grained personal access token with the Copilot Requests permission", token),
  },
  ai_amazon_bedrock: {
    api_key: pair("an Amazon Bedrock API key and its AWS Region", z.strictObject({ api_key: text, region: awsRegion })),
  },
} as const satisfies Record<string, Record<string, AuthTypeEntry>>;

export type Provider = keyof typeof PROVIDERS;
export const PROVIDER_NAMES = Object.keys(PROVIDERS) as Provider[];

/** Other spellings sfp server's documentation uses for a provider: accepted as input, stored as the provider. */
export const PROVIDER_ALIASES: Readonly<Record<string, Provider>> = { azuredevops: "azure-devops" };

/**
 * A provider name as a request sends it (a name of the catalogue or an alias), parsed to the
 * catalogue's name: every route that takes a provider uses it, so an alias never reaches SQL.
 */
export const providerSchema = z.enum([...PROVIDER_NAMES, ...Object.keys(PROVIDER_ALIASES)] as [string, ...string[]], {
  message: `provider must be one of: ${PROVIDER_NAMES.join(", ")}`,
}).meta({
  description: `A provider of the catalogue; ${
    Object.entries(PROVIDER_ALIASES).map(([alias, name]) => `\`${alias}\` is accepted for \`${name}\``).join(", ")
  }`,
}).transform((name) => (PROVIDER_ALIASES[name] ?? name) as Provider);

/** The entry of a provider/auth-type pair, or a message naming the allowed auth types. */
export function authTypeFor(provider: Provider, authType: string): { entry: AuthTypeEntry } | { error: string } {
  // A direct RPC caller may have stored a provider the catalogue does not have.
  if (!Object.hasOwn(PROVIDERS, provider)) return { error: `provider '${provider}' is not in the catalogue` };
  const authTypes: Record<string, AuthTypeEntry> = PROVIDERS[provider];
  if (!Object.hasOwn(authTypes, authType)) {
    return {
      error: `authType '${authType}' is not supported for provider '${provider}'; allowed: ${
        Object.keys(authTypes).join(", ")
      }`,
    };
  }
  return { entry: authTypes[authType] };
}

/**
 * Why `config` does not fit (a 400 message naming the key), or null. Every known key present is
 * checked against its type; with a pair, a known key the pair does not use is refused too.
 * Other keys are not looked at: config is the caller's to extend.
 */
export function configProblem(config: Record<string, unknown>, pair?: { provider: Provider; authType: string }): string | null {
  const found = pair ? authTypeFor(pair.provider, pair.authType) : null;
  const uses = found && "entry" in found ? found.entry.config : null;
  for (const key of Object.keys(CONFIG_KEYS) as ConfigKey[]) {
    if (!Object.hasOwn(config, key)) continue;
    if (pair && uses && !uses.includes(key)) {
      const its = uses.length ? `its config keys: ${uses.join(", ")}` : "it has none";
      return `config: ${key} is not a config key of ${pair.provider} ${pair.authType} (${its})`;
    }
    const parsed = CONFIG_KEYS[key].schema.safeParse(config[key]);
    if (!parsed.success) return `config: ${key}: ${parsed.error.issues[0].message}`;
  }
  return null;
}
