/**
 * Local stand-ins for the token endpoints the server calls to issue tokens, on 127.0.0.1 and
 * following the services' documented APIs, checking what they receive as the services would:
 *   GitHub: POST /app/installations/{id}/access_tokens (an RS256 app JWT, verified against
 *     the test key pair: issuer, iat backdated, exp at most 10 minutes ahead) -> 201
 *     {token, expires_at}; POST /login/oauth/access_token (form, refresh_token grant; refresh
 *     tokens are single use; a refused one answers 200 {error: "bad_refresh_token", ...}).
 *   Atlassian: POST /oauth/token (JSON; refresh_token grant, single use, refused 403
 *     {error: "unauthorized_client", ...}; client_credentials grant).
 *   Microsoft identity platform: POST /{tenant}/oauth2/v2.0/token (form, client_credentials
 *     with Azure DevOps' scope; a wrong secret answers 401 {error: "invalid_client", ...}).
 *   And the calls a connection test makes, each accepting only `validTokens` (and the tokens
 *   issued here): GitHub GET /user and /installation/repositories; Jira GET
 *   /rest/api/3/myself (Basic) and /ex/jira/{cloudId}/rest/api/3/myself (Bearer); GitLab GET
 *   /api/v4/user (PRIVATE-TOKEN); Azure DevOps GET /{organization}/_apis/connectionData (Basic
 *   with an empty user name).
 * Every request is recorded; answers can be delayed, failed or redirected per test.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { importSPKI, jwtVerify } from "jose";

export interface Received {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface TokenServices {
  url: string;
  received: Received[];
  /** Issued so far, per kind. */
  count: { installation: number; refresh: number; clientCredentials: number };
  /** The app JWT claims GitHub last accepted. */
  lastAppClaims?: Record<string, unknown>;
  /** Set per test: */
  options: {
    delayMs: number;
    /** Seconds until an issued token expires. */
    expiresInSeconds: number;
    /** Answer this instead (status and JSON body), once set. */
    fail?: { status: number; body: Record<string, unknown> };
    /** Answer a redirect to this URL. */
    redirectTo?: string;
  };
  /** Tokens the APIs accept (besides those issued here); Basic credentials as "user:password". */
  validTokens: Set<string>;
  /** The refresh tokens currently valid (single use), by client id. */
  refreshTokens: Map<string, string>;
  clients: Map<string, string>;
  reset(): void;
  stop(): Promise<void>;
}

export const AZURE_DEVOPS_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default";

function read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => resolve(body));
  });
}

/**
 * Starts the services. `appPublicKey` (SPKI PEM) verifies GitHub App JWTs for `appId`;
 * `clients` maps client ids to secrets; `refreshTokens` maps client ids to their current refresh token.
 */
export async function startTokenServices(setup: {
  appId: string;
  appPublicKey: string;
  clients: Record<string, string>;
  refreshTokens: Record<string, string>;
}): Promise<TokenServices> {
  const publicKey = await importSPKI(setup.appPublicKey, "RS256");
  let serial = 0;
  const state: TokenServices = {
    url: "",
    received: [],
    count: { installation: 0, refresh: 0, clientCredentials: 0 },
    options: { delayMs: 0, expiresInSeconds: 3600 },
    refreshTokens: new Map(Object.entries(setup.refreshTokens)),
    clients: new Map(Object.entries(setup.clients)),
    validTokens: new Set(),
    reset() {
      state.validTokens.clear();
      serial = 0;
      state.received.length = 0;
      state.count = { installation: 0, refresh: 0, clientCredentials: 0 };
      state.options = { delayMs: 0, expiresInSeconds: 3600 };
      state.refreshTokens = new Map(Object.entries(setup.refreshTokens));
      state.clients = new Map(Object.entries(setup.clients));
      state.lastAppClaims = undefined;
    },
    stop: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };

  const answer = (status: number, body: unknown) => ({ status, body });

  async function github(path: string, headers: IncomingMessage["headers"], body: string) {
    const installation = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (installation) {
      const bearer = /^Bearer (.+)$/.exec(String(headers.authorization ?? ""))?.[1];
      if (!bearer) return answer(401, { message: "A JSON web token could not be decoded" });
      try {
        const { payload } = await jwtVerify(bearer, publicKey, { algorithms: ["RS256"], issuer: setup.appId, clockTolerance: 0 });
        const now = Math.floor(Date.now() / 1000);
        // GitHub: iat may be in the past (60 s is its advice), exp no more than 10 minutes ahead.
        if (typeof payload.iat !== "number" || typeof payload.exp !== "number" || payload.exp > now + 600 || payload.iat > now) {
          return answer(401, { message: "'Expiration time' claim ('exp') is too far in the future" });
        }
        state.lastAppClaims = payload;
      } catch {
        return answer(401, { message: "A JSON web token could not be decoded" });
      }
      state.count.installation++;
      return answer(201, {
        token: `ghs_madeUpInstallation${++serial}`,
        expires_at: new Date(Date.now() + state.options.expiresInSeconds * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
        permissions: { contents: "read" },
        repository_selection: "all",
      });
    }
    if (path === "/login/oauth/access_token") {
      const form = new URLSearchParams(body);
      const client = form.get("client_id") ?? "";
      if (state.clients.get(client) !== form.get("client_secret")) {
        return answer(200, { error: "incorrect_client_credentials", error_description: "The client_id and/or client_secret passed are incorrect." });
      }
      if (form.get("grant_type") !== "refresh_token" || state.refreshTokens.get(client) !== form.get("refresh_token")) {
        return answer(200, { error: "bad_refresh_token", error_description: "The refresh token passed is incorrect or expired." });
      }
      state.count.refresh++;
      const next = ++serial;
      state.refreshTokens.set(client, `ghr_madeUpRefresh${next}`);
      return answer(200, {
        access_token: `gho_madeUpAccess${next}`,
        expires_in: state.options.expiresInSeconds,
        refresh_token: `ghr_madeUpRefresh${next}`,
        refresh_token_expires_in: 15897600,
        scope: "",
        token_type: "bearer",
      });
    }
    return undefined;
  }

  function atlassian(path: string, body: string) {
    if (path !== "/oauth/token") return undefined;
    let fields: Record<string, string>;
    try {
      fields = JSON.parse(body);
    } catch {
      return answer(400, { error: "invalid_request", error_description: "body must be JSON" });
    }
    if (state.clients.get(fields.client_id) !== fields.client_secret) {
      return answer(401, { error: "access_denied", error_description: "Unauthorized" });
    }
    const next = ++serial;
    if (fields.grant_type === "refresh_token") {
      if (state.refreshTokens.get(fields.client_id) !== fields.refresh_token) {
        return answer(403, { error: "unauthorized_client", error_description: "refresh_token is invalid" });
      }
      state.count.refresh++;
      state.refreshTokens.set(fields.client_id, `jira-madeUpRefresh${next}`);
      return answer(200, {
        access_token: `jira-madeUpAccess${next}`,
        refresh_token: `jira-madeUpRefresh${next}`,
        expires_in: state.options.expiresInSeconds,
        scope: "read:jira-work offline_access",
        token_type: "Bearer",
      });
    }
    if (fields.grant_type === "client_credentials") {
      state.count.clientCredentials++;
      return answer(200, { access_token: `jira-madeUpService${next}`, expires_in: state.options.expiresInSeconds, token_type: "Bearer", scope: "read:jira-work" });
    }
    return answer(400, { error: "unsupported_grant_type", error_description: "Unsupported grant type" });
  }

  function microsoft(path: string, body: string) {
    const tenant = /^\/([0-9a-f-]{36})\/oauth2\/v2\.0\/token$/.exec(path);
    if (!tenant) return undefined;
    const form = new URLSearchParams(body);
    if (state.clients.get(form.get("client_id") ?? "") !== form.get("client_secret")) {
      return answer(401, {
        error: "invalid_client",
        error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${form.get("client_id")}'.`,
      });
    }
    if (form.get("grant_type") !== "client_credentials" || form.get("scope") !== AZURE_DEVOPS_SCOPE) {
      return answer(400, { error: "invalid_scope", error_description: "AADSTS70011: The provided value for the input parameter 'scope' is not valid." });
    }
    state.count.clientCredentials++;
    return answer(200, { token_type: "Bearer", expires_in: state.options.expiresInSeconds, ext_expires_in: state.options.expiresInSeconds, access_token: `eyJ0eXAi.madeUpAzure${++serial}` });
  }

  const issued = new Set<string>();
  const accepts = (token: string | undefined) => token !== undefined && (state.validTokens.has(token) || issued.has(token));

  function apis(path: string, headers: IncomingMessage["headers"]) {
    const authorization = String(headers.authorization ?? "");
    const bearer = /^Bearer (.+)$/.exec(authorization)?.[1];
    const basic = /^Basic (.+)$/.exec(authorization)?.[1];
    const basicPair = basic ? Buffer.from(basic, "base64").toString() : undefined;
    if (path === "/user") {
      return accepts(bearer) ? answer(200, { login: "octocat-madeup", id: 1 }) : answer(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
    }
    if (path === "/installation/repositories") {
      return accepts(bearer) ? answer(200, { total_count: 1, repositories: [] }) : answer(401, { message: "Bad credentials" });
    }
    if (path === "/rest/api/2/myself") {
      // Jira Data Center: a personal access token or an OAuth access token, as a bearer.
      return accepts(bearer) ? answer(200, { name: "sfp-dc", displayName: "Sfp Data Center" }) : answer(401, { message: "Unauthorized" });
    }
    if (path === "/rest/api/3/myself") {
      return accepts(basicPair) ? answer(200, { accountId: "5b10a2844c20165700ede21g", displayName: "Sfp Service" })
        : answer(401, { errorMessages: ["Client must be authenticated to access this resource."] });
    }
    if (/^\/ex\/jira\/[0-9a-f-]+\/rest\/api\/3\/myself$/.test(path)) {
      return accepts(bearer) ? answer(200, { accountId: "service-account", displayName: "Sfp Service Account" }) : answer(401, { code: 401, message: "Unauthorized" });
    }
    if (path === "/api/v4/user") {
      return accepts(headers["private-token"] as string | undefined ?? bearer) ? answer(200, { id: 7, username: "sfp-bot" }) : answer(401, { message: "401 Unauthorized" });
    }
    if (/^\/[\w-]+\/_apis\/connectionData$/.test(path)) {
      return accepts(basicPair?.replace(/^:/, "") ?? bearer) ? answer(200, { authenticatedUser: { providerDisplayName: "Sfp Bot" } }) : answer(401, { message: "TF400813: The user is not authorized to access this resource." });
    }
    return undefined;
  }

  const server: Server = createServer(async (request, response) => {
    const body = await read(request);
    const path = new URL(request.url ?? "/", "http://x").pathname;
    state.received.push({ method: request.method ?? "", path, headers: request.headers, body });
    if (state.options.delayMs) await new Promise((resolve) => setTimeout(resolve, state.options.delayMs));
    if (state.options.redirectTo) {
      response.writeHead(302, { location: state.options.redirectTo }).end();
      return;
    }
    const result = state.options.fail ??
      (request.method === "POST" ? (await github(path, request.headers, body)) ?? atlassian(path, body) ?? microsoft(path, body) : apis(path, request.headers)) ??
      answer(404, { message: "Not Found" });
    // What was issued here is accepted by the APIs here.
    const token = (result.body as Record<string, unknown>).token ?? (result.body as Record<string, unknown>).access_token;
    if (result.status < 300 && typeof token === "string") issued.add(token);
    response.writeHead(result.status, { "content-type": "application/json" }).end(JSON.stringify(result.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
