/**
 * The provider table: every provider/auth-type pair of the catalogue
 * (functions/_shared/providers.ts) with its credential keys and config keys, as Markdown
 * between the providers markers of PROVIDERS_DOCUMENT. Written by `npm run docs:providers`
 * (render-providers.ts); a test fails while the committed table differs from this one.
 */
import { CONFIG_KEYS, type ConfigKey, PROVIDER_ALIASES, PROVIDERS } from "../_shared/providers.ts";
import type { AuthTypeEntry } from "../_shared/providers.ts";

/** The document the table is rendered into, relative to the project's root. */
export const PROVIDERS_DOCUMENT = "README.md";
export const PROVIDERS_BEGIN = "<!-- providers:begin -->";
export const PROVIDERS_END = "<!-- providers:end -->";

const code = (name: string) => `\`${name}\``;

/** `{base_url, username, api_token}`, an optional key followed by `?`. */
function credentialKeys(entry: AuthTypeEntry): string {
  const keys = Object.entries(entry.credentials.shape).map(([key, field]) =>
    field.safeParse(undefined).success ? `${key}?` : key
  );
  return code(`{${keys.join(", ")}}`);
}

/** The table, markers included. */
export function renderProviders(): string {
  const pairs = Object.entries(PROVIDERS).flatMap(([provider, authTypes]) =>
    Object.entries(authTypes as Record<string, AuthTypeEntry>).map(([authType, entry]) =>
      `| ${code(provider)} | ${code(authType)} | ${credentialKeys(entry)} | ${
        entry.config.map(code).join(", ") || "none"
      } | ${entry.about} |`
    )
  );
  const aliases = Object.entries(PROVIDER_ALIASES).map(([alias, provider]) => `${code(alias)} for ${code(provider)}`);
  const configKeys = (Object.keys(CONFIG_KEYS) as ConfigKey[]).map((key) =>
    `| ${code(key)} | ${CONFIG_KEYS[key].type} | ${CONFIG_KEYS[key].about} |`
  );
  return [
    PROVIDERS_BEGIN,
    "<!-- generated from functions/_shared/providers.ts by npm run docs:providers -->",
    "",
    "| provider | authType | credentials (`?`: optional) | config keys | what the credentials are |",
    "| --- | --- | --- | --- | --- |",
    ...pairs,
    "",
    `Accepted as another name of a provider, stored and answered as that provider: ${aliases.join(", ")}.`,
    "Unknown credential keys are refused by name. `config` is any JSON object; the keys below are",
    "checked when present, and refused on a pair that does not use them:",
    "",
    "| config key | type | what it is |",
    "| --- | --- | --- |",
    ...configKeys,
    PROVIDERS_END,
  ].join("\n");
}
