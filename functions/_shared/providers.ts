import { z } from "zod";

/**
 * The providers the store accepts, each with the auth types it supports and the exact shape
 * of their credentials. Adding a provider (or an auth type) is one entry here: the SQL side
 * stores any provider/auth-type name and checks only the JSON's shape.
 * Objects are strict: an unknown credential field is refused with its name.
 */
const text = z.string().trim().min(1, "must not be empty").max(8192);
const httpUrl = z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).max(2048);
const numericId = z.union([z.number().int().positive(), z.string().regex(/^[0-9]{1,20}$/, "must be a number")]);
const pemPrivateKey = z.string().max(16384).regex(
  /^\s*-----BEGIN ((RSA|EC) )?PRIVATE KEY-----[\s\S]+-----END ((RSA|EC) )?PRIVATE KEY-----\s*$/,
  "must be a PEM private key (-----BEGIN ... PRIVATE KEY-----)",
);

const oauth = z.strictObject({
  access_token: text,
  refresh_token: text.optional(),
  expires_at: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" }).optional(),
  client_id: text.optional(),
  client_secret: text.optional(),
});

export const PROVIDERS = {
  github: {
    pat: z.strictObject({ token: text }),
    oauth,
    app: z.strictObject({ app_id: numericId, installation_id: numericId, private_key: pemPrivateKey }),
  },
  jira: {
    basic_auth: z.strictObject({ base_url: httpUrl, username: text, api_token: text }),
    oauth: oauth.extend({ cloud_id: text.optional() }),
    pat: z.strictObject({ base_url: httpUrl, token: text }),
  },
} as const satisfies Record<string, Record<string, z.ZodType<Record<string, unknown>>>>;

export type Provider = keyof typeof PROVIDERS;
export const PROVIDER_NAMES = Object.keys(PROVIDERS) as Provider[];
export const providerSchema = z.enum(PROVIDER_NAMES as [Provider, ...Provider[]], {
  message: `provider must be one of: ${PROVIDER_NAMES.join(", ")}`,
});

/** The credentials schema of a provider/auth-type pair, or a message naming the allowed auth types. */
export function credentialsSchemaFor(
  provider: Provider,
  authType: string,
): { schema: z.ZodType<Record<string, unknown>> } | { error: string } {
  const authTypes = PROVIDERS[provider] as Record<string, z.ZodType<Record<string, unknown>>>;
  if (!Object.hasOwn(authTypes, authType)) {
    return {
      error: `authType '${authType}' is not supported for provider '${provider}'; allowed: ${
        Object.keys(authTypes).join(", ")
      }`,
    };
  }
  return { schema: authTypes[authType] };
}
