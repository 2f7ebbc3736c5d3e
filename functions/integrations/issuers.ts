import { createPrivateKey } from "node:crypto";
import { importPKCS8, SignJWT } from "jose";
import { type OutboundPolicy, outboundRequest, type OutboundResponse } from "../_shared/outbound.ts";

/**
 * How a token is issued from a stored grant, per provider and auth type (the issued tokens
 * migration says when): a GitHub App's installation token, an OAuth refresh, a
 * client-credentials grant. Each call goes out under the outbound rules (outbound.ts) to the
 * integration's configured URL or the service's own, and answers the token with its expiry,
 * or throws an IssueError whose message holds the service's words with every secret it was
 * sent taken out.
 */
export interface Grant {
  provider: string;
  auth_type: string;
  credentials: Record<string, unknown>;
  config: Record<string, unknown>;
}

export interface Issued {
  /** What is stored: the token to cache ({token, expires_at} or {access_token, expires_at}), or the whole refreshed credential. */
  token: Record<string, unknown>;
  expiresAt: string;
}

/** The service did not issue a token. `refused`: it refused the grant for good (re-authorization needed). */
export class IssueError extends Error {
  constructor(message: string, readonly refused = false, /** The service's HTTP status, when it answered. */ readonly status?: number) {
    super(message);
  }
}

/** GitHub's API, where config.apiUrl (GitHub Enterprise Server) does not name another. */
export const GITHUB_API = "https://api.github.com";
// The token endpoints of the services, when config.tokenUrl does not name another.
const TOKEN_URLS: Readonly<Record<string, string>> = {
  github: "https://github.com/login/oauth/access_token",
  jira: "https://auth.atlassian.com/oauth/token",
  gitlab: "https://gitlab.com/oauth/token",
};
// Microsoft identity platform: Azure DevOps' resource id, as the scope of a client-credentials grant.
const AZURE_DEVOPS_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default";
// OAuth errors (RFC 6749, 5.2, and GitHub's) that mean the grant itself is refused: asking again cannot help.
const REFUSED_GRANT = new Set(["invalid_grant", "bad_refresh_token", "invalid_client", "unauthorized_client", "incorrect_client_credentials"]);

export function issueToken(grant: Grant, policy: OutboundPolicy): Promise<Issued> {
  switch (grant.auth_type) {
    case "app":
      return installationToken(grant, policy);
    case "oauth":
      return refreshToken(grant, policy);
    default:
      return clientCredentialsToken(grant, policy);
  }
}

const str = (value: unknown) => (value === undefined || value === null ? "" : String(value));
const configUrl = (grant: Grant, key: string) => (typeof grant.config[key] === "string" ? grant.config[key] as string : undefined);

/**
 * A GitHub App installation token: an RS256 JWT signed with the app's private key (issued 60 s
 * back for clock drift, expiring within 10 minutes, as GitHub requires), exchanged at
 * POST {apiUrl}/app/installations/{installation_id}/access_tokens.
 */
async function installationToken(grant: Grant, policy: OutboundPolicy): Promise<Issued> {
  const { app_id, installation_id, private_key } = grant.credentials;
  let jwt: string;
  try {
    // GitHub hands out PKCS#1 keys ("BEGIN RSA PRIVATE KEY"); jose imports PKCS#8.
    const pkcs8 = createPrivateKey(str(private_key)).export({ format: "pem", type: "pkcs8" }) as string;
    const now = Math.floor(Date.now() / 1000);
    jwt = await new SignJWT({}).setProtectedHeader({ alg: "RS256" }).setIssuer(str(app_id))
      .setIssuedAt(now - 60).setExpirationTime(now + 9 * 60).sign(await importPKCS8(pkcs8, "RS256"));
  } catch {
    throw new IssueError("The GitHub App's private key could not sign a token (not an RSA private key)", true);
  }
  const apiUrl = (configUrl(grant, "apiUrl") ?? GITHUB_API).replace(/\/+$/, "");
  const answer = await call(`${apiUrl}/app/installations/${encodeURIComponent(str(installation_id))}/access_tokens`, {
    method: "POST",
    headers: {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${jwt}`,
      "x-github-api-version": "2022-11-28",
      "user-agent": "sfp-integrations",
    },
  }, policy, [jwt, str(private_key)], "GitHub");
  const body = answer.body;
  if (answer.status !== 201 || typeof body.token !== "string" || typeof body.expires_at !== "string") {
    throw new IssueError(serviceMessage("GitHub did not issue an installation token", answer, [jwt]), false, answer.status);
  }
  return { token: { token: body.token, expires_at: body.expires_at }, expiresAt: body.expires_at };
}

/**
 * An OAuth access token refreshed with the stored refresh token (single use at GitHub and
 * Atlassian: the new pair replaces the old). Atlassian takes JSON; the others the form of RFC 6749.
 */
async function refreshToken(grant: Grant, policy: OutboundPolicy): Promise<Issued> {
  const { refresh_token, client_id, client_secret } = grant.credentials;
  const fields = {
    grant_type: "refresh_token",
    refresh_token: str(refresh_token),
    client_id: str(client_id),
    client_secret: str(client_secret),
  };
  const answer = await tokenEndpoint(grant, fields, policy);
  const body = answer.body;
  if (answer.status !== 200 || typeof body.access_token !== "string" || body.error !== undefined) {
    throw new IssueError(serviceMessage("The OAuth token endpoint refused the refresh", answer, secretsOf(fields)), refusedGrant(answer), answer.status);
  }
  const expiresAt = expiry(body.expires_in);
  // The new pair replaces the old; a service that rotates no refresh token keeps the old one.
  const token = {
    ...grant.credentials,
    access_token: body.access_token,
    refresh_token: typeof body.refresh_token === "string" ? body.refresh_token : refresh_token,
    expires_at: expiresAt,
  };
  return { token, expiresAt };
}

/** An access token from a client-credentials grant (Atlassian service accounts, Microsoft identity platform, others). */
async function clientCredentialsToken(grant: Grant, policy: OutboundPolicy): Promise<Issued> {
  const { client_id, client_secret, tenant_id } = grant.credentials;
  const fields: Record<string, string> = {
    grant_type: "client_credentials",
    client_id: str(client_id),
    client_secret: str(client_secret),
  };
  const scope = typeof grant.config.scope === "string"
    ? grant.config.scope
    : grant.provider === "azure-devops" ? AZURE_DEVOPS_SCOPE : undefined;
  if (scope) fields.scope = scope;
  if (typeof grant.config.audience === "string") fields.audience = grant.config.audience;
  const defaultUrl = grant.auth_type === "service_principal"
    ? `https://login.microsoftonline.com/${encodeURIComponent(str(tenant_id))}/oauth2/v2.0/token`
    : undefined;
  const answer = await tokenEndpoint(grant, fields, policy, defaultUrl);
  const body = answer.body;
  if (answer.status !== 200 || typeof body.access_token !== "string" || body.error !== undefined) {
    throw new IssueError(serviceMessage("The token endpoint did not issue a token", answer, secretsOf(fields)), false, answer.status);
  }
  const expiresAt = expiry(body.expires_in);
  return { token: { access_token: body.access_token, expires_at: expiresAt }, expiresAt };
}

/**
 * Where a grant goes: config.tokenUrl; else the token endpoint of the instance the integration
 * names (GitLab self-managed: {baseUrl}/oauth/token); else the service's own, but never for an
 * instance of its own (GitHub Enterprise Server's apiUrl, a Jira Data Center baseUrl): its
 * grant must not go to the public service, so it needs config.tokenUrl.
 */
function tokenUrlOf(grant: Grant, defaultUrl?: string): string {
  const configured = configUrl(grant, "tokenUrl");
  if (configured) return configured;
  if (defaultUrl) return defaultUrl;
  const baseUrl = configUrl(grant, "baseUrl");
  if (grant.provider === "gitlab" && baseUrl) return `${baseUrl.replace(/\/+$/, "")}/oauth/token`;
  const instance = configUrl(grant, "apiUrl") ?? baseUrl;
  if (instance && grant.provider !== "azure-devops") {
    throw new IssueError(`config.tokenUrl is needed: this ${grant.provider} integration names its own instance (${new URL(instance).host})`, true);
  }
  const known = TOKEN_URLS[grant.provider];
  if (!known) throw new IssueError(`No token endpoint is known for ${grant.provider}: set config.tokenUrl`, true);
  return known;
}

async function tokenEndpoint(grant: Grant, fields: Record<string, string>, policy: OutboundPolicy, defaultUrl?: string) {
  const url = tokenUrlOf(grant, defaultUrl);
  const json = grant.provider === "jira";
  return await call(url, {
    method: "POST",
    headers: {
      accept: "application/json",
      "content-type": json ? "application/json" : "application/x-www-form-urlencoded",
      "user-agent": "sfp-integrations",
    },
    body: json ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
  }, policy, secretsOf(fields), "The token endpoint");
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** One call under the outbound rules; its failure an IssueError with no secret in it. */
export async function call(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  policy: OutboundPolicy,
  secrets: string[],
  service: string,
): Promise<Answer> {
  let response: OutboundResponse;
  try {
    response = await outboundRequest(url, init, policy);
  } catch (error) {
    throw new IssueError(redact(`${service} could not be reached: ${(error as Error).message}`, secrets));
  }
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    body = {};
  }
  return { status: response.status, body: body !== null && typeof body === "object" ? body as Record<string, unknown> : {} };
}

/**
 * The service's own words (GitHub's `message`, OAuth's `error` and `error_description`), with
 * what we sent taken out before they are cut to 200 characters (cut first, a secret echoed
 * across the cut would no longer match whole).
 */
export function serviceMessage(prefix: string, answer: Answer, secrets: string[]): string {
  const { message, error, error_description } = answer.body;
  const words = redact([message, error, error_description].filter((part) => typeof part === "string").join(": "), secrets);
  return `${prefix} (${answer.status}${words ? `: ${words.slice(0, 200)}` : ""})`;
}

function refusedGrant(answer: Answer): boolean {
  return typeof answer.body.error === "string" && REFUSED_GRANT.has(answer.body.error);
}

/** The secrets among a token request's fields (the grant type, client id and scope are not). */
function secretsOf(fields: Record<string, string>): string[] {
  return [fields.client_secret, fields.refresh_token].filter((value): value is string => Boolean(value));
}

/**
 * Every secret we sent, replaced wherever a service echoed it back: as sent, and in the forms
 * a service may echo it in (percent-encoded as in a form body or a URL, JSON-escaped, base64
 * as in a Basic header). The longest first, so a secret inside another leaves no piece.
 */
export function redact(text: string, secrets: string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(btoa(String.fromCharCode(...new TextEncoder().encode(secret))));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join("[redacted]");
  return out;
}

/** When a token given `expires_in` seconds now expires (an hour when the service does not say). */
function expiry(expiresIn: unknown): string {
  const seconds = typeof expiresIn === "number" && expiresIn > 0 ? expiresIn : Number(expiresIn) > 0 ? Number(expiresIn) : 3600;
  return new Date(Date.now() + seconds * 1000).toISOString();
}
