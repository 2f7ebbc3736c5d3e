/**
 * The typed client (client/index.ts) against the real server: the documented workflow through
 * its helpers (a project, a Jira and a GitHub integration scoped to it, listings, the exact
 * credentials, an application token reading with its scope), refusals surfaced as SfpApiError
 * with the API's body and no secret in the message, the /functions/v1 prefix, client/api.d.ts
 * generated from docs/openapi.json, and wrong argument shapes refused by the compiler (the
 * @ts-expect-error lines below, checked by `npx tsc --noEmit -p .`). Also an internal service
 * calling the functions with supabase-js's `functions.invoke`, as docs/http-api.md shows.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { createClient, FunctionsHttpError } from "@supabase/supabase-js";
import { describe, expect, it } from "vitest";
import { createSfpClient, type SfpClient, SfpApiError } from "../../client/index.ts";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import { notScopedToProvider, OWNER_OR_APPLICATION, OWNERS_CREATE_PROJECTS } from "../support/messages.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const PROJECT = "acme-corp/salesforce-main";
const JIRA = { base_url: "https://acme.atlassian.net", username: "sfp-service@acme.com", api_token: "made-up-jira-token" };
const GITHUB = { token: "ghp_made_up_github_token" };

/** A client of this file's stack as `token`, recording each request's method and path. */
function clientAs(token: string, options: { prefix?: "/sfp/api" | "/functions/v1" } = {}) {
  const requests: string[] = [];
  const client = createSfpClient({
    baseUrl: stack.url,
    token,
    ...options,
    fetch: (request) => {
      requests.push(`${request.method} ${new URL(request.url).pathname}`);
      return fetch(request);
    },
  });
  return { client, requests };
}

/** The owner registers the project and a Jira and a GitHub integration scoped to it; their ids. */
async function documentedSetup(owner: SfpClient) {
  await owner.createProject({ identifier: PROJECT, remoteUrl: `https://github.com/${PROJECT}` });
  const jira = await owner.createIntegration({ provider: "jira", authType: "basic_auth", credentials: JIRA, projects: [PROJECT] });
  const github = await owner.createIntegration({ provider: "github", authType: "pat", credentials: GITHUB, projects: [PROJECT] });
  return { jira: jira.id, github: github.id };
}

/** The rejection of `promise`, which must be an SfpApiError. */
async function refusal(promise: Promise<unknown>): Promise<SfpApiError> {
  const error = await promise.then(() => undefined, (error: unknown) => error);
  expect(error).toBeInstanceOf(SfpApiError);
  return error as SfpApiError;
}

describe("the typed client", () => {
  it("client/api.d.ts is generated from docs/openapi.json (run npm run client:generate after npm run docs:openapi)", async () => {
    const { stdout } = await promisify(execFile)(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["client/generate.ts", "--check"], {
      cwd: PROJECT_ROOT,
    });
    expect(stdout.trim()).toBe("client/api.d.ts is up to date");
  });

  it("drives the documented workflow: a project, two integrations scoped to it, listings, the exact credentials", async () => {
    const { client: owner, requests } = clientAs(stack.owner.token);
    const project = await owner.createProject({ identifier: PROJECT, remoteUrl: `https://github.com/${PROJECT}` });
    expect(project).toMatchObject({ identifier: PROJECT, remote_url: `https://github.com/${PROJECT}`, platform: "github", integrations: [] });

    const jira = await owner.createIntegration({ provider: "jira", authType: "basic_auth", credentials: JIRA, projects: [PROJECT] });
    const github = await owner.createIntegration({ provider: "github", authType: "pat", credentials: GITHUB, projects: [PROJECT] });
    expect(jira).toMatchObject({ provider: "jira", auth_type: "basic_auth", is_global: false, projects: [PROJECT], config: {} });
    expect(github).toMatchObject({ provider: "github", auth_type: "pat", is_global: false, projects: [PROJECT] });
    expect(JSON.stringify([jira, github])).not.toContain("made_up");

    const integrations = await owner.listIntegrations();
    expect(integrations.map(({ id, provider }) => ({ id, provider })).sort((a, b) => a.provider.localeCompare(b.provider)))
      .toEqual([{ id: github.id, provider: "github" }, { id: jira.id, provider: "jira" }]);
    expect(await owner.listIntegrations({ provider: "jira" })).toEqual([jira]);

    const projects = await owner.listProjects();
    expect(projects.map(({ identifier }) => identifier)).toEqual([PROJECT]);
    // The identifier's "/" travels URL-encoded in the path.
    const read = await owner.getProject(PROJECT);
    expect(read.integrations.map(({ id }) => id).sort()).toEqual([jira.id, github.id].sort());

    expect(await owner.readCredentials({ project: PROJECT })).toEqual([
      { integration_id: github.id, provider: "github", auth_type: "pat", credentials: GITHUB },
      { integration_id: jira.id, provider: "jira", auth_type: "basic_auth", credentials: JIRA },
    ]);
    expect(await owner.readCredentials({ provider: "jira", project: PROJECT })).toEqual([
      { integration_id: jira.id, provider: "jira", auth_type: "basic_auth", credentials: JIRA },
    ]);

    expect(requests).toEqual([
      "POST /sfp/api/projects",
      "POST /sfp/api/integrations",
      "POST /sfp/api/integrations",
      "GET /sfp/api/integrations",
      "GET /sfp/api/integrations",
      "GET /sfp/api/projects",
      `GET /sfp/api/projects/${encodeURIComponent(PROJECT)}`,
      "GET /sfp/api/integrations/credentials",
      "GET /sfp/api/integrations/credentials",
    ]);
  });

  it("surfaces a refusal as SfpApiError with the API's body, its request id, and no token or secret in its message", async () => {
    const { client: owner } = clientAs(stack.owner.token);
    await documentedSetup(owner);
    const { client: member } = clientAs(stack.member.token);

    const denied = await refusal(member.readCredentials({ project: PROJECT }));
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ statusCode: 403, message: OWNER_OR_APPLICATION, error: "Forbidden" });
    expect(denied.route).toBe("GET /sfp/api/integrations/credentials");
    expect(denied.message).toBe(`GET /sfp/api/integrations/credentials: 403 Forbidden: ${OWNER_OR_APPLICATION}`);
    expect(denied.requestId).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    expect(denied.message).not.toContain(stack.member.token);

    const notOwner = await refusal(member.createProject({ identifier: "acme-corp/other", remoteUrl: "https://github.com/acme-corp/other" }));
    expect(notOwner.body).toEqual({ statusCode: 403, message: OWNERS_CREATE_PROJECTS, error: "Forbidden" });

    const notFound = await refusal(owner.readCredentials({ project: "acme-corp/unknown" }));
    expect(notFound.body).toEqual({ statusCode: 404, message: "Project 'acme-corp/unknown' not found", error: "Not Found" });

    // Credentials of the wrong shape: refused by field name, the secret sent never repeated.
    const secret = "ghp_this_must_never_be_echoed";
    const badShape = await refusal(
      owner.createIntegration({ provider: "github", authType: "pat", credentials: { token: secret, password: secret }, projects: [PROJECT] }),
    );
    expect(badShape.status).toBe(400);
    expect(badShape.body.message).toContain("password");
    expect(`${badShape.message} ${JSON.stringify(badShape.body)} ${badShape.stack}`).not.toContain(secret);

    // A 409 keeps the body's extra fields.
    const { id } = await owner.createIntegration({ provider: "jira", authType: "basic_auth", credentials: JIRA, isGlobal: true });
    const conflict = await refusal(owner.updateIntegration(id, { config: { note: "x" }, version: 7 }));
    expect(conflict.body).toEqual({
      statusCode: 409,
      message: "Version 7 is not current: the integration is at version 1",
      error: "Conflict",
      currentVersion: 1,
    });
  });

  it("an application token, created through the client, reads its scope and is refused outside it", async () => {
    const { client: owner } = clientAs(stack.owner.token);
    const { github } = await documentedSetup(owner);

    const created = await owner.createApplicationToken({ name: "github-actions", expiresIn: 90, projects: [PROJECT], providers: ["github"] });
    expect(created).toMatchObject({ name: "github-actions", status: "active", projects: [PROJECT], providers: ["github"], revoked_at: null });
    expect(created.token).toMatch(/^sfp_app_[A-Za-z0-9_-]{64}$/);
    expect((await owner.listApplicationTokens()).map(({ id }) => id)).toEqual([created.id]);
    expect(JSON.stringify(await owner.listApplicationTokens())).not.toContain(created.token);

    const { client: pipeline } = clientAs(created.token);
    expect(await pipeline.whoAmI()).toEqual({ type: "application", token_id: created.id, name: "github-actions", role: "application" });
    expect(await pipeline.readCredentials({ provider: "github", project: PROJECT })).toEqual([
      { integration_id: github, provider: "github", auth_type: "pat", credentials: GITHUB },
    ]);
    const outside = await refusal(pipeline.readCredentials({ provider: "jira", project: PROJECT }));
    expect(outside.body).toEqual({ statusCode: 403, message: notScopedToProvider("jira"), error: "Forbidden" });
    expect(outside.message).not.toContain(created.token);

    // The owner finds both reads in the audit log, the refusal under its request id.
    const page = await owner.listAuditLogs({ action: "credentials.read", actor: created.id });
    expect(page.items.map(({ outcome, provider }) => ({ outcome, provider }))).toEqual([
      { outcome: "denied", provider: "jira" },
      { outcome: "granted", provider: "github" },
    ]);
    expect(page.items[0]).toMatchObject({ actor_type: "application", actor_token_id: created.id, request_id: outside.requestId });
    const exported = await owner.exportAuditLog({ action: "credentials.read", actor: created.id });
    expect(exported.map(({ id }) => id).sort()).toEqual(page.items.map(({ id }) => id).sort());

    await owner.revokeApplicationToken(created.id);
    const revoked = await refusal(pipeline.readCredentials({ provider: "github", project: PROJECT }));
    expect(revoked.body).toEqual({ statusCode: 401, message: "Application token revoked", error: "Unauthorized" });
  });

  it("calls the same routes under /functions/v1 with prefix, as hosted Supabase serves them", async () => {
    const { client: owner } = clientAs(stack.owner.token);
    const { jira, github } = await documentedSetup(owner);
    const { client: hosted, requests } = clientAs(stack.owner.token, { prefix: "/functions/v1" });
    expect((await hosted.readCredentials({ project: PROJECT })).map(({ integration_id }) => integration_id)).toEqual([github, jira]);
    expect(await hosted.whoAmI()).toMatchObject({ type: "user", user_id: stack.owner.id, role: "owner" });
    expect(await hosted.createProject({ identifier: "acme-corp/hosted", remoteUrl: "https://github.com/acme-corp/hosted" }))
      .toMatchObject({ identifier: "acme-corp/hosted" });
    expect(requests).toEqual([
      "GET /functions/v1/integrations/credentials",
      "GET /functions/v1/users/me",
      "POST /functions/v1/projects",
    ]);
  });

  it("refuses wrong argument shapes at compile time", () => {
    // Never called: these lines are checked by `npx tsc --noEmit -p .`; each must be a type error.
    const wrong = (sfp: SfpClient) => [
      // @ts-expect-error remoteUrl is required
      sfp.createProject({ identifier: PROJECT }),
      // @ts-expect-error no such provider
      sfp.readCredentials({ provider: "bitbucket", project: PROJECT }),
      // @ts-expect-error expiresIn is a number of days
      sfp.createApplicationToken({ name: "ci", expiresIn: "90" }),
      // @ts-expect-error not a route of the document
      sfp.api.GET("/sfp/api/secrets"),
    ];
    expect(typeof wrong).toBe("function");
  });
});

describe("an internal service through supabase-js", () => {
  /**
   * supabase-js's client with the service-role key, as an internal service makes it. Node 20
   * has no WebSocket and createClient builds a Realtime client eagerly: a transport that is never
   * opened (this service uses no Realtime) keeps it from throwing; Node 22 needs none.
   */
  const serviceClient = () =>
    createClient(stack.url, stack.serviceKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: { transport: globalThis.WebSocket ?? NoRealtime },
    });

  it("functions.invoke('integrations/credentials') reads the exact credentials, and a refusal is a FunctionsHttpError with the API's body", async () => {
    const { jira, github } = await documentedSetup(clientAs(stack.owner.token).client);
    const supabase = serviceClient();

    // POST with a JSON body: the older documented form.
    const posted = await supabase.functions.invoke("integrations/credentials", { body: { project: PROJECT } });
    expect(posted.error).toBeNull();
    expect(posted.data).toEqual([
      { integration_id: github, provider: "github", auth_type: "pat", credentials: GITHUB },
      { integration_id: jira, provider: "jira", auth_type: "basic_auth", credentials: JIRA },
    ]);

    // GET with the query in the function's path.
    const query = new URLSearchParams({ provider: "jira", project: PROJECT });
    const got = await supabase.functions.invoke(`integrations/credentials?${query}`, { method: "GET" });
    expect(got.error).toBeNull();
    expect(got.data).toEqual([{ integration_id: jira, provider: "jira", auth_type: "basic_auth", credentials: JIRA }]);

    const missing = await supabase.functions.invoke("integrations/credentials", { body: { project: "acme-corp/unknown" } });
    expect(missing.data).toBeNull();
    expect(missing.error).toBeInstanceOf(FunctionsHttpError);
    const response = (missing.error as FunctionsHttpError).context as Response;
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ statusCode: 404, message: "Project 'acme-corp/unknown' not found", error: "Not Found" });

    // Audited as the service.
    const [row] = await stack.sql`
      select actor_type, outcome from sfp.audit_log where action = 'credentials.read' order by id desc limit 1`;
    expect(row).toEqual({ actor_type: "service", outcome: "not_found" });
  });
});

/** A WebSocket constructor for supabase-js's Realtime client where the runtime has none; never opened here. */
class NoRealtime {
  constructor() {
    throw new Error("Realtime is not used by this service");
  }
}
