import { z } from "zod";

/**
 * The OIDC exchange's configuration, read once from the environment:
 *   SFP_OIDC_ISSUERS               the trusted issuers, a JSON list of {"issuer": "<url>"} with an
 *                                  optional "jwksUrl" (else the issuer's discovery document names
 *                                  it); default: GitHub Actions only. [] turns the exchange off.
 *   SFP_OIDC_KEY_REFRESH_SECONDS   how soon the keys of an issuer may be fetched again for a token
 *                                  whose kid they lack (default 60, at least 10): a stream of
 *                                  made-up kids cannot make the server hammer an issuer.
 *   SFP_OIDC_KEY_MAX_AGE_SECONDS   how long an issuer's keys are used before they are fetched
 *                                  again even when every kid is known (default 3600); when that
 *                                  fetch fails they keep serving, up to 24 hours old.
 * A malformed setting throws, naming the variable (never its value).
 */
export interface OidcIssuer {
  issuer: string;
  jwksUrl?: string;
}

export interface OidcConfig {
  issuers: OidcIssuer[];
  keyRefreshSeconds: number;
  keyMaxAgeSeconds: number;
}

export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";

const issuers = z.array(
  z.strictObject({
    issuer: z.url({ protocol: /^https?$/ }).max(255),
    jwksUrl: z.url({ protocol: /^https?$/ }).max(1000).optional(),
  }),
).max(20);

const environment = z.object({
  SFP_OIDC_ISSUERS: z.string().optional(),
  SFP_OIDC_KEY_REFRESH_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),
  SFP_OIDC_KEY_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(86400).default(3600),
});

export function oidcConfig(env: Record<string, string | undefined>): OidcConfig {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid configuration: ${parsed.error.issues.map((issue) => issue.path.join(".")).join("; ")} is malformed`);
  }
  let list: OidcIssuer[] = [{ issuer: GITHUB_ACTIONS_ISSUER }];
  if (parsed.data.SFP_OIDC_ISSUERS !== undefined && parsed.data.SFP_OIDC_ISSUERS.trim() !== "") {
    let value: unknown;
    try {
      value = JSON.parse(parsed.data.SFP_OIDC_ISSUERS);
    } catch {
      throw new Error("Invalid configuration: SFP_OIDC_ISSUERS must be a JSON list of {\"issuer\": \"<url>\"}");
    }
    const checked = issuers.safeParse(value);
    if (!checked.success) {
      throw new Error("Invalid configuration: SFP_OIDC_ISSUERS must be a JSON list of {\"issuer\": \"<url>\", \"jwksUrl\"?: \"<url>\"}");
    }
    list = checked.data;
  }
  return {
    issuers: list,
    keyRefreshSeconds: parsed.data.SFP_OIDC_KEY_REFRESH_SECONDS,
    keyMaxAgeSeconds: parsed.data.SFP_OIDC_KEY_MAX_AGE_SECONDS,
  };
}
