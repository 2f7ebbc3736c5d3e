/**
 * Application token scopes over HTTP: a CI token made for one repository reads that
 * repository's credentials, and nothing of any other. Proves:
 *   - POST /application-tokens takes `projects` and `providers` (optional, independent; null
 *     or left out = not limited); the answer and the listing show them sorted, null when
 *     unscoped;
 *   - a bad scope (empty, not an array, a malformed identifier, an unknown provider, a project
 *     that is not registered) is 400 with its exact message, and nothing is stored;
 *   - with GET /integrations/credentials (these need sfp_api.get_credentials to apply the scope):
 *     a project-scoped token reads its project (and, without a project, the global
 *     integrations), and is refused any other project, registered or not, with 403 and a
 *     'denied' audit row; a provider-scoped token without a provider filter gets only its
 *     providers, and is refused another provider; a token whose only project was deleted
 *     reads nothing.
 */
import { describe, expect, it } from "vitest";
import { createIntegration, createProject, expectError, readAsPipeline, TIMESTAMP } from "../support/http.ts";
import {
  EMPTY_PROJECTS,
  EMPTY_PROVIDERS,
  INVALID_IDENTIFIER,
  notScopedToProject,
  notScopedToProvider,
  UNKNOWN_PROVIDER,
} from "../support/messages.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const githubCore = { token: "ghp_madeUpScopesCore00000000000000000000" };
const githubOther = { token: "ghp_madeUpScopesOther0000000000000000000" };
const jiraGlobal = { base_url: "https://acme.atlassian.net", username: "ci@acme.test", api_token: "made-up-scopes-jira" };

interface CreatedToken {
  id: string;
  name: string;
  token: string;
  projects: string[] | null;
  providers: string[] | null;
}

async function createToken(body: Record<string, unknown>) {
  return stack.api("POST", "/application-tokens", { token: stack.owner.token, body });
}

async function newToken(body: Record<string, unknown>): Promise<CreatedToken> {
  const response = await createToken(body);
  expect(response.status, response.text).toBe(201);
  return response.body;
}

/** acme/core and acme/other, each with a GitHub PAT of its own, and a global Jira integration. Returns their ids. */
async function seed() {
  for (const identifier of ["acme/core", "acme/other"]) await createProject(stack, identifier);
  const integration = (body: Record<string, unknown>) => createIntegration(stack, body);
  return {
    jira: await integration({ provider: "jira", authType: "basic_auth", credentials: jiraGlobal, isGlobal: true }),
    githubCore: await integration({ provider: "github", authType: "pat", credentials: githubCore, projects: ["acme/core"] }),
    githubOther: await integration({ provider: "github", authType: "pat", credentials: githubOther, projects: ["acme/other"] }),
  };
}

/** What a CI pipeline does: a plain fetch of the credentials with its token. */
function pipelineRead(token: string, query = "") {
  return readAsPipeline(stack, token, query, "scoped-run-7");
}

async function credentialReadAudit() {
  const rows = await stack.sql`
    select actor_type, actor_role, actor_token_id, actor_token_name, outcome, integration_ids, provider, project, message,
           request_id
    from sfp.audit_log where action = 'credentials.read' order by id`;
  return rows.map((row) => ({ ...row }));
}

const readRow = (token: CreatedToken, fields: Record<string, unknown>) => ({
  actor_type: "application",
  actor_role: "application",
  actor_token_id: token.id,
  actor_token_name: token.name,
  integration_ids: [],
  provider: null,
  project: null,
  message: null,
  request_id: "scoped-run-7",
  ...fields,
});

describe("creating a scoped token", () => {
  it("projects and providers: 201 with the scope, sorted and without duplicates", async () => {
    await seed();
    const response = await createToken({
      name: "ci-core", expiresIn: 7, projects: ["acme/other", "acme/core", "acme/other"], providers: ["jira", "github", "github"],
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: "ci-core",
      token: expect.stringMatching(/^sfp_app_[A-Za-z0-9_-]{64}$/),
      status: "active",
      created_by: stack.owner.id,
      created_at: expect.stringMatching(TIMESTAMP),
      expires_at: expect.stringMatching(TIMESTAMP),
      revoked_at: null,
      last_used_at: null,
      projects: ["acme/core", "acme/other"],
      providers: ["github", "jira"],
    });
  });

  it("either dimension alone; null is the same as leaving it out", async () => {
    await seed();
    const projectsOnly = await newToken({ name: "projects-only", projects: ["acme/core"] });
    const providersOnly = await newToken({ name: "providers-only", providers: ["jira"], projects: null });
    const unscoped = await newToken({ name: "unscoped", projects: null, providers: null });
    expect([projectsOnly, providersOnly, unscoped].map(({ projects, providers }) => ({ projects, providers }))).toEqual([
      { projects: ["acme/core"], providers: null },
      { projects: null, providers: ["jira"] },
      { projects: null, providers: null },
    ]);
  });

  it("the listing shows each token's scope, null when unscoped", async () => {
    await seed();
    const scoped = await newToken({ name: "scoped", projects: ["acme/core"], providers: ["github"] });
    const unscoped = await newToken({ name: "unscoped" });
    const response = await stack.api("GET", "/application-tokens", { token: stack.owner.token });
    expect(response.status).toBe(200);
    expect(response.body.map((t: CreatedToken) => ({ name: t.name, projects: t.projects, providers: t.providers }))).toEqual([
      { name: "unscoped", projects: null, providers: null },
      { name: "scoped", projects: ["acme/core"], providers: ["github"] },
    ]);
    expect(response.text).not.toContain(scoped.token);
    expect(response.text).not.toContain(unscoped.token);
  });

  it.each([
    ["an empty projects list", { projects: [] }, `projects: ${EMPTY_PROJECTS}`],
    ["an empty providers list", { providers: [] }, `providers: ${EMPTY_PROVIDERS}`],
    ["projects that is not a list", { projects: "acme/core" }, "projects: projects must be an array of project identifiers"],
    ["providers that is not a list", { providers: "github" }, "providers: providers must be an array of provider names"],
    ["a malformed project identifier", { projects: ["acme/core", "not a project"] }, `projects.1: ${INVALID_IDENTIFIER}`],
    ["an unknown provider", { providers: ["bitbucket"] }, `providers.0: ${UNKNOWN_PROVIDER}`],
    ["a null provider", { providers: [null] }, `providers.0: ${UNKNOWN_PROVIDER}`],
    ["a project that is not registered", { projects: ["acme/core", "acme/missing"] }, "Project 'acme/missing' not found"],
  ])("%s: 400 with its message, and nothing is stored", async (_, scope, message) => {
    await seed();
    expectError(await createToken({ name: "ci", ...scope }), 400, message);
    expect(await stack.sql`select * from sfp.application_tokens`).toEqual([]);
    expect(await stack.sql`select * from sfp.audit_log where action like 'application_token.%'`).toEqual([]);
  });
});

describe("reading credentials with a scoped token (needs get_credentials to apply the scope)", () => {
  it("a project-scoped token reads its own project", async () => {
    const ids = await seed();
    const token = await newToken({ name: "ci-core", projects: ["acme/core"] });

    const response = await pipelineRead(token.token, "project=acme/core");

    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      { integration_id: ids.githubCore, provider: "github", auth_type: "pat", credentials: githubCore },
      { integration_id: ids.jira, provider: "jira", auth_type: "basic_auth", credentials: jiraGlobal },
    ]);
    expect(await credentialReadAudit()).toEqual([
      readRow(token, { outcome: "granted", project: "acme/core", integration_ids: [ids.githubCore, ids.jira] }),
    ]);
  });

  it("a project-scoped token reading another project: 403, audited as denied, no credential", async () => {
    await seed();
    const token = await newToken({ name: "ci-core", projects: ["acme/core"] });
    const message = notScopedToProject("acme/other");

    const response = await pipelineRead(token.token, "provider=github&project=acme/other");

    expectError(response, 403, message);
    expect(JSON.stringify(response.body)).not.toContain(githubOther.token);
    expect(await credentialReadAudit()).toEqual([
      readRow(token, { outcome: "denied", provider: "github", project: "acme/other", message }),
    ]);
  });

  it("a project-scoped token reading a project that is not registered: 403, not 404 (it learns nothing)", async () => {
    await seed();
    const token = await newToken({ name: "ci-core", projects: ["acme/core"] });
    expectError(await pipelineRead(token.token, "project=acme/missing"), 403,
      notScopedToProject("acme/missing"));
  });

  it("a project-scoped token without a project reads the global integrations only", async () => {
    const ids = await seed();
    const token = await newToken({ name: "ci-core", projects: ["acme/core"] });
    const response = await pipelineRead(token.token);
    expect(response.status).toBe(200);
    expect(response.body).toEqual([{ integration_id: ids.jira, provider: "jira", auth_type: "basic_auth", credentials: jiraGlobal }]);
  });

  it("a provider-scoped token without a provider filter gets only its providers", async () => {
    const ids = await seed();
    const token = await newToken({ name: "ci-github", providers: ["github"] });

    const response = await pipelineRead(token.token, "project=acme/core");

    expect(response.status).toBe(200);
    expect(response.body).toEqual([{ integration_id: ids.githubCore, provider: "github", auth_type: "pat", credentials: githubCore }]);
    expect(JSON.stringify(response.body)).not.toContain(jiraGlobal.api_token);
    expect(await credentialReadAudit()).toEqual([
      readRow(token, { outcome: "granted", project: "acme/core", integration_ids: [ids.githubCore] }),
    ]);
  });

  it("a provider-scoped token asking for another provider: 403, audited as denied", async () => {
    await seed();
    const token = await newToken({ name: "ci-github", providers: ["github"] });
    const message = notScopedToProvider("jira");

    expectError(await pipelineRead(token.token, "provider=jira"), 403, message);
    expect(await credentialReadAudit()).toEqual([readRow(token, { outcome: "denied", provider: "jira", message })]);
  });

  it("the POST form applies the scope too", async () => {
    await seed();
    const token = await newToken({ name: "ci-core", projects: ["acme/core"], providers: ["github"] });
    const response = await stack.api("POST", "/integrations/credentials", { token: token.token, body: { project: "acme/other" } });
    expectError(response, 403, notScopedToProject("acme/other"));
  });

  it("once its only project is deleted, the token reads nothing (not everything)", async () => {
    await seed();
    const token = await newToken({ name: "ci-core", projects: ["acme/core"] });
    expect((await pipelineRead(token.token, "project=acme/core")).status).toBe(200);

    const deleted = await stack.api("DELETE", `/projects/${encodeURIComponent("acme/core")}?force=true`, { token: stack.owner.token });
    expect(deleted.status).toBe(200);

    const list = await stack.api("GET", "/application-tokens", { token: stack.owner.token });
    expect(list.body).toEqual([expect.objectContaining({ id: token.id, status: "active", projects: [], providers: null })]);
    expectError(await pipelineRead(token.token), 404, "No integration found");
    expectError(await pipelineRead(token.token, "project=acme/other"), 403, notScopedToProject("acme/other"));
  });
});
