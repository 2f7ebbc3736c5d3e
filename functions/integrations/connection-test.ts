import { Buffer } from "node:buffer";
import type { OutboundPolicy } from "../_shared/outbound.ts";
import { call, GITHUB_API, type Grant, IssueError, issueToken, serviceMessage } from "./issuers.ts";

/**
 * Does a credential work? One call to its service, as a pipeline would make it, that changes
 * nothing there: GitHub GET /user (a GitHub App: an installation token issued), Jira GET
 * /rest/api/3/myself, GitLab GET /api/v4/user, Azure DevOps GET /_apis/connectionData. The
 * answer names who the service took the caller for, or why it refused, never a secret. Other
 * providers are answered as not supported.
 */
export interface ConnectionTest {
  ok: boolean;
  /** The service's HTTP status, or null when no call was made or it did not answer. */
  status: number | null;
  message: string;
}

/** Why a grant cannot be tested (not supported, or a setting missing); the test answers it, not ok. */
class Untestable extends Error {}

const ATLASSIAN_API = "https://api.atlassian.com";
const GITLAB = "https://gitlab.com";

type Check = { url: string; headers: Record<string, string>; who: (body: Record<string, unknown>) => unknown; secrets: string[] };

export async function testConnection(grant: Grant, policy: OutboundPolicy): Promise<ConnectionTest> {
  try {
    return await runTest(grant, policy);
  } catch (error) {
    if (error instanceof Untestable) return { ok: false, status: null, message: error.message };
    throw error;
  }
}

/**
 * For POST /integrations?validate=true: nothing when the service accepts the credentials;
 * else why not, and whether the service refused them (400) or could not tell (502).
 */
export async function validationProblem(grant: Grant, policy: OutboundPolicy): Promise<{ status: 400 | 502; message: string } | undefined> {
  let result: ConnectionTest;
  try {
    result = await runTest(grant, policy);
  } catch (error) {
    if (error instanceof Untestable) return { status: 400, message: `The credentials cannot be validated: ${error.message}` };
    throw error;
  }
  if (result.ok) return undefined;
  return result.status !== null && result.status >= 400 && result.status < 500
    ? { status: 400, message: `The service rejected the credentials: ${result.message}` }
    : { status: 502, message: `The credentials could not be validated: ${result.message}` };
}

async function runTest(grant: Grant, policy: OutboundPolicy): Promise<ConnectionTest> {
  let check: Check | string;
  try {
    check = await checkFor(grant, policy);
  } catch (error) {
    // Issuing the token the check needs failed: that is the test's answer.
    if (!(error instanceof IssueError)) throw error;
    return { ok: false, status: error.status ?? null, message: error.message };
  }
  if (typeof check === "string") throw new Untestable(check);
  let answer;
  try {
    answer = await call(check.url, { method: "GET", headers: { accept: "application/json", "user-agent": "sfp-integrations", ...check.headers } }, policy, check.secrets, "The service");
  } catch (error) {
    return { ok: false, status: null, message: (error as Error).message };
  }
  if (answer.status < 200 || answer.status > 299) {
    return { ok: false, status: answer.status, message: serviceMessage("The service refused the credentials", answer, check.secrets) };
  }
  const who = check.who(answer.body);
  return { ok: true, status: answer.status, message: typeof who === "string" && who ? `Authenticated as ${who}` : "Authenticated" };
}

const text = (value: unknown) => (typeof value === "string" ? value : value === undefined || value === null ? "" : String(value));
const base = (value: unknown, fallback: string) => (typeof value === "string" && value ? value : fallback).replace(/\/+$/, "");
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });

/** The call that tests a grant, or why none can. */
async function checkFor(grant: Grant, policy: OutboundPolicy): Promise<Check | string> {
  const c = grant.credentials;
  const token = text(c.token ?? c.access_token);
  switch (grant.provider) {
    case "github": {
      const api = base(grant.config.apiUrl, GITHUB_API);
      if (grant.auth_type === "app") {
        const issued = await issueToken(grant, policy);
        const installation = text(issued.token.token);
        return {
          url: `${api}/installation/repositories?per_page=1`,
          headers: { ...bearer(installation), accept: "application/vnd.github+json" },
          who: () => `the installation ${text(c.installation_id)}`,
          secrets: [installation],
        };
      }
      return { url: `${api}/user`, headers: { ...bearer(token), accept: "application/vnd.github+json" }, who: (body) => body.login, secrets: [token] };
    }
    case "jira": {
      if (grant.auth_type === "basic_auth") {
        return {
          url: `${base(c.base_url, "")}/rest/api/3/myself`,
          headers: basic(text(c.username), text(c.api_token)),
          who: (body) => body.displayName,
          secrets: [text(c.api_token), `${text(c.username)}:${text(c.api_token)}`],
        };
      }
      if (grant.auth_type === "pat") {
        // A Jira Data Center personal access token: REST API 2, bearer.
        return { url: `${base(c.base_url, "")}/rest/api/2/myself`, headers: bearer(token), who: (body) => body.displayName, secrets: [token] };
      }
      // OAuth: the stored access token as it is (a test never spends a refresh token);
      // client credentials: a token issued for the test.
      const access = grant.auth_type === "oauth" ? token : text((await issueToken(grant, policy)).token.access_token);
      const secrets = [access, text(c.client_secret)];
      if (typeof grant.config.baseUrl === "string") {
        // Jira Data Center: the instance itself, REST API 2.
        return { url: `${base(grant.config.baseUrl, "")}/rest/api/2/myself`, headers: bearer(access), who: (body) => body.displayName, secrets };
      }
      if (!text(c.cloud_id)) return "Set credentials.cloud_id (the Jira Cloud site's id) to test a Jira Cloud OAuth connection";
      return { url: `${ATLASSIAN_API}/ex/jira/${encodeURIComponent(text(c.cloud_id))}/rest/api/3/myself`, headers: bearer(access), who: (body) => body.displayName, secrets };
    }
    case "gitlab": {
      const api = base(grant.config.baseUrl, GITLAB);
      const headers = grant.auth_type === "pat" ? { "private-token": token } : bearer(token);
      return { url: `${api}/api/v4/user`, headers, who: (body) => body.username, secrets: [token] };
    }
    case "azure-devops": {
      if (typeof grant.config.baseUrl !== "string") {
        return "Set config.baseUrl (https://dev.azure.com/<organization>) to test an Azure DevOps connection";
      }
      // A service principal's token is issued for the test; OAuth uses its stored access token.
      const access = grant.auth_type === "service_principal" ? text((await issueToken(grant, policy)).token.access_token) : token;
      const headers = grant.auth_type === "pat" ? basic("", access) : bearer(access);
      return {
        url: `${base(grant.config.baseUrl, "")}/_apis/connectionData`,
        headers,
        who: (body) => (body.authenticatedUser as Record<string, unknown> | undefined)?.providerDisplayName,
        secrets: [access, `:${access}`, text(c.client_secret)],
      };
    }
    default:
      return `Connection tests are not supported for ${grant.provider} ${grant.auth_type}`;
  }
}
