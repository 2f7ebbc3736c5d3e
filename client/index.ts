/**
 * The typed client of the HTTP API (docs/http-api.md), for internal services and the CLI:
 * `createSfpClient({ baseUrl, token })` is openapi-fetch's client over the types that
 * client/generate.ts makes from docs/openapi.json (client/api.d.ts), with the bearer token set,
 * and named helpers for the documented workflow that answer the response's data or throw an
 * `SfpApiError` carrying the API's error body.
 *
 *   const sfp = createSfpClient({ baseUrl: process.env.SFP_SERVER_URL!, token: process.env.SFP_SERVER_TOKEN! });
 *   await sfp.createProject({ identifier: "acme/core", remoteUrl: "https://github.com/acme/core" });
 *   const credentials = await sfp.readCredentials({ provider: "jira", project: "acme/core" });
 *
 * Every route is also reachable, typed, through `sfp.api` (openapi-fetch: `{data, error, response}`,
 * never throwing for an HTTP error).
 */
import createClient, { type Client } from "openapi-fetch";
import type { components, operations, paths } from "./api.d.ts";

export type { components, operations, paths };

type Schemas = components["schemas"];
/** Every error's body: `{statusCode, message, error}`, sometimes with extra fields (`currentVersion`, ...). */
export type ApiErrorBody = Schemas["Error"];
export type Project = Schemas["Project"];
export type Integration = Schemas["Integration"];
export type IntegrationWithVersions = Schemas["IntegrationWithVersions"];
export type Credentials = Schemas["Credentials"];
export type ApplicationToken = Schemas["ApplicationToken"];
export type CreatedApplicationToken = Schemas["CreatedApplicationToken"];
export type Member = Schemas["Member"];
export type Me = Schemas["Me"];
export type AuditPage = Schemas["AuditPage"];
export type AuditEntry = Schemas["AuditEntry"];
export type AuditVerification = Schemas["AuditVerification"];

/** An operation's JSON request body, as the API takes it. */
type Body<O extends keyof operations> = NonNullable<operations[O]["requestBody"]> extends
  { content: { "application/json": infer B } } ? B : never;
/** An operation's query parameters. */
type Query<O extends keyof operations> = NonNullable<operations[O]["parameters"]["query"]>;

export type CreateProjectInput = Body<"postProjects">;
export type UpdateProjectInput = Body<"patchProjectsByIdentifier">;
export type CreateIntegrationInput = Body<"postIntegrations">;
export type UpdateIntegrationInput = Body<"patchIntegrationsById">;
export type IntegrationsQuery = Query<"getIntegrations">;
export type CredentialsQuery = Query<"getIntegrationsCredentials">;
export type CreateApplicationTokenInput = Body<"postApplicationTokens">;
export type AddMemberInput = Body<"postUsers">;
export type AuditLogQuery = Query<"getAuditLogs">;
export type AuditExportQuery = Query<"getAuditLogsExport">;

/**
 * A refused or failed request: `status` and the API's error body (`body.statusCode`,
 * `body.message`, `body.error`, and any extra field). Its message names the route and the
 * API's message only (API messages never carry a key or a secret); never the token, a request
 * body or a credential.
 */
export class SfpApiError extends Error {
  override readonly name = "SfpApiError";

  constructor(
    /** The route as documented, e.g. "GET /sfp/api/integrations/credentials". */
    readonly route: string,
    readonly status: number,
    readonly body: ApiErrorBody,
    /** The response's X-Request-Id, which the audit log and the server's log record. */
    readonly requestId: string | null,
    /** False when the answer was not the API's error body (a proxy's page, another server: a wrong URL). */
    readonly fromApi = true,
  ) {
    super(`${route}: ${status} ${body.error}: ${body.message}`);
  }

  /** From a response that is not 2xx and what openapi-fetch parsed of it (JSON, or its text). */
  static from(route: string, response: Response, parsed: unknown): SfpApiError {
    const fromApi = isErrorBody(parsed);
    const body = fromApi
      ? parsed
      // Not the API's answer (a proxy's page, an empty body): its text is not repeated, it may be anything.
      : { statusCode: response.status, message: `Unexpected ${response.status} answer, not the API's error body`, error: response.statusText };
    return new SfpApiError(route, response.status, body, response.headers.get("x-request-id"), fromApi);
  }
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const body = value as Record<string, unknown>;
  return typeof body.statusCode === "number" && typeof body.message === "string" && typeof body.error === "string";
}

export interface SfpClientOptions {
  /** The server's origin, e.g. http://127.0.0.1:54321 (`SFP_SERVER_URL`), or the Supabase project's URL. */
  baseUrl: string;
  /** The bearer token: a user's JWT, an `sfp_app_` application token or the service-role key. Without it only the public routes answer. */
  token?: string;
  /** Where the routes live: `/sfp/api` (the local stack, the default) or `/functions/v1` (hosted Supabase). */
  prefix?: "/sfp/api" | "/functions/v1";
  /** Another fetch (tests, proxies); it gets a Request. */
  fetch?: (request: Request) => Promise<Response>;
  /** Extra headers on every request (e.g. `User-Agent`); a per-call `X-Request-Id` goes through `api`'s `headers`. */
  headers?: Record<string, string>;
}

/** Check-and-set: the version a change expects to be current (409 when it is not). */
export interface CheckAndSet {
  ifVersion?: number;
}

/** The If-Match header of a check-and-set, as the ETag shows the version ("3"); none without one. */
function ifMatch(version: number | undefined): { "if-match"?: string } {
  return version === undefined ? {} : { "if-match": `"${version}"` };
}

const DOCUMENTED_PREFIX = "/sfp/api/";

/** The client: `api` (every route, typed) and the named helpers. */
export function createSfpClient(options: SfpClientOptions) {
  const { baseUrl, token, prefix = "/sfp/api", fetch, headers = {} } = options;
  const api: Client<paths> = createClient<paths>({
    baseUrl,
    fetch,
    headers: { ...headers, ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }) },
  });
  if (prefix !== "/sfp/api") {
    // The document's paths are the /sfp/api ones; hosted Supabase serves the same routes under /functions/v1.
    api.use({
      onRequest({ request }) {
        const url = new URL(request.url);
        if (!url.pathname.includes(DOCUMENTED_PREFIX)) return undefined;
        url.pathname = url.pathname.replace(DOCUMENTED_PREFIX, `${prefix}/`);
        return new Request(url, request);
      },
    });
  }

  /** The data of a 2xx answer, else an SfpApiError. */
  async function unwrap<T>(
    route: string,
    call: Promise<{ data?: T; error?: unknown; response: Response }>,
  ): Promise<T> {
    const { data, error, response } = await call;
    if (!response.ok) throw SfpApiError.from(route, response, error);
    return data as T;
  }

  return {
    api,

    // Who is calling, and health.
    /** GET /users/me: the caller (a user and their role, an application, or the service). */
    whoAmI: () => unwrap("GET /sfp/api/users/me", api.GET("/sfp/api/users/me")),
    /** GET /health/ready: the server and its database answer. */
    ready: () => unwrap("GET /sfp/api/health/ready", api.GET("/sfp/api/health/ready")),

    // Projects.
    /** POST /projects (owner): registers a repository; 409 when it exists. */
    createProject: (input: CreateProjectInput) =>
      unwrap("POST /sfp/api/projects", api.POST("/sfp/api/projects", { body: input })),
    /** GET /projects: every project, by identifier. */
    listProjects: () => unwrap("GET /sfp/api/projects", api.GET("/sfp/api/projects")),
    /** GET /projects/{identifier}: one project, with the integrations that apply to it. */
    getProject: (identifier: string) =>
      unwrap(
        "GET /sfp/api/projects/{identifier}",
        api.GET("/sfp/api/projects/{identifier}", { params: { path: { identifier } } }),
      ),
    /**
     * PATCH /projects/{identifier} (owner): one property (`configuration.workItems`, `remoteUrl`, ...)
     * and its new value, as a new version; pass `version` in the input or `ifVersion` (sent as
     * If-Match, check-and-set) to be refused with 409 when it is not current.
     */
    updateProject: (identifier: string, input: UpdateProjectInput, { ifVersion }: CheckAndSet = {}) =>
      unwrap(
        "PATCH /sfp/api/projects/{identifier}",
        api.PATCH("/sfp/api/projects/{identifier}", {
          params: { path: { identifier }, header: ifMatch(ifVersion) },
          body: input,
        }),
      ),
    /** DELETE /projects/{identifier} (owner); `force` also when integrations are scoped to it alone. */
    deleteProject: (identifier: string, { force = false }: { force?: boolean } = {}) =>
      unwrap(
        "DELETE /sfp/api/projects/{identifier}",
        api.DELETE("/sfp/api/projects/{identifier}", {
          params: { path: { identifier }, query: force ? { force: "true" } : {} },
        }),
      ),

    // Integrations.
    /** POST /integrations (owner): stores credentials, global or scoped to projects; answers metadata only. */
    createIntegration: (input: CreateIntegrationInput) =>
      unwrap("POST /sfp/api/integrations", api.POST("/sfp/api/integrations", { body: input })),
    /** GET /integrations (owner): every integration's metadata (of one provider). */
    listIntegrations: (query: IntegrationsQuery = {}) =>
      unwrap("GET /sfp/api/integrations", api.GET("/sfp/api/integrations", { params: { query } })),
    /** GET /integrations/{id} (owner): metadata with `version` and the kept `versions`. */
    getIntegration: (id: string) =>
      unwrap("GET /sfp/api/integrations/{id}", api.GET("/sfp/api/integrations/{id}", { params: { path: { id } } })),
    /**
     * PATCH /integrations/{id} (owner): a new version; pass `version` in the input or `ifVersion`
     * (sent as If-Match, check-and-set) to be refused with 409 when it is not current.
     */
    updateIntegration: (id: string, input: UpdateIntegrationInput, { ifVersion }: CheckAndSet = {}) =>
      unwrap(
        "PATCH /sfp/api/integrations/{id}",
        api.PATCH("/sfp/api/integrations/{id}", { params: { path: { id }, header: ifMatch(ifVersion) }, body: input }),
      ),
    /**
     * POST /integrations/{id}/rollback (owner): that kept version's credentials become current, as a
     * new version; `ifVersion` (If-Match) refuses it with 409 when the integration has moved on.
     */
    rollbackIntegration: (id: string, version: number, { ifVersion }: CheckAndSet = {}) =>
      unwrap(
        "POST /sfp/api/integrations/{id}/rollback",
        api.POST("/sfp/api/integrations/{id}/rollback", {
          params: { path: { id }, header: ifMatch(ifVersion) },
          body: { version },
        }),
      ),
    /** DELETE /integrations/{id} (owner). */
    deleteIntegration: (id: string) =>
      unwrap(
        "DELETE /sfp/api/integrations/{id}",
        api.DELETE("/sfp/api/integrations/{id}", { params: { path: { id } } }),
      ),
    /**
     * GET /integrations/credentials (owner, application, service; audited): the credentials that
     * apply, exactly as stored: for a project, its own per provider, else the global ones.
     */
    readCredentials: (query: CredentialsQuery = {}) =>
      unwrap(
        "GET /sfp/api/integrations/credentials",
        api.GET("/sfp/api/integrations/credentials", { params: { query } }),
      ),

    // Application tokens.
    /** POST /application-tokens (owner): the token is in this answer only. */
    createApplicationToken: (input: CreateApplicationTokenInput) =>
      unwrap("POST /sfp/api/application-tokens", api.POST("/sfp/api/application-tokens", { body: input })),
    /** GET /application-tokens (owner): every token's metadata, never the token. */
    listApplicationTokens: () => unwrap("GET /sfp/api/application-tokens", api.GET("/sfp/api/application-tokens")),
    /** DELETE /application-tokens/{id} (owner): revokes it. */
    revokeApplicationToken: (id: string) =>
      unwrap(
        "DELETE /sfp/api/application-tokens/{id}",
        api.DELETE("/sfp/api/application-tokens/{id}", { params: { path: { id } } }),
      ),

    // Team members.
    /** GET /users (owner). */
    listMembers: () => unwrap("GET /sfp/api/users", api.GET("/sfp/api/users")),
    /** POST /users (owner): adds a signed-up, confirmed Supabase Auth user. */
    addMember: (input: AddMemberInput) => unwrap("POST /sfp/api/users", api.POST("/sfp/api/users", { body: input })),
    /** PUT /users/{email} (owner): the team always keeps an owner. */
    changeMemberRole: (email: string, role: AddMemberInput["role"]) =>
      unwrap(
        "PUT /sfp/api/users/{email}",
        api.PUT("/sfp/api/users/{email}", { params: { path: { email } }, body: { role } }),
      ),
    /** DELETE /users/{email} (owner). */
    removeMember: (email: string) =>
      unwrap("DELETE /sfp/api/users/{email}", api.DELETE("/sfp/api/users/{email}", { params: { path: { email } } })),

    // The audit log.
    /** GET /audit-logs (owner): a page, newest first; pass `next_cursor` as `cursor` for the next. */
    listAuditLogs: (query: AuditLogQuery = {}) =>
      unwrap("GET /sfp/api/audit-logs", api.GET("/sfp/api/audit-logs", { params: { query } })),
    /** GET /audit-logs/export (owner): every matching row (sent as NDJSON, one object per line), parsed. */
    exportAuditLog: async (query: AuditExportQuery = {}): Promise<AuditEntry[]> => {
      const text = await unwrap(
        "GET /sfp/api/audit-logs/export",
        api.GET("/sfp/api/audit-logs/export", { params: { query }, parseAs: "text" }),
      );
      return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as AuditEntry);
    },
    /** GET /audit-logs/verify (owner): seals, then verifies the hash chain and the keyed checkpoints. */
    verifyAuditLog: () => unwrap("GET /sfp/api/audit-logs/verify", api.GET("/sfp/api/audit-logs/verify")),
  };
}

export type SfpClient = ReturnType<typeof createSfpClient>;
