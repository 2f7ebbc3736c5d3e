/**
 * Application token scopes in the database: least privilege for CI tokens. Proves:
 *   - sfp_api.create_application_token takes `projects` (identifiers of registered projects)
 *     and `providers` (provider names), both optional and independent; the answer, the
 *     listing and the audit row show them sorted (projects as identifiers), null when
 *     unscoped; projects are stored by id, so a renamed identifier keeps working;
 *   - an empty array, a null element, a malformed identifier, an unknown project or a bad
 *     provider name is 22023 with its exact message, and nothing is stored or audited;
 *   - the resolved caller (sfp._authenticate) carries the scope: token_project_ids and
 *     token_providers, null for users, the service and unscoped tokens;
 *   - sfp._token_scope_refusal refuses a project or a provider outside the scope, with the
 *     exact message, and nothing else;
 *   - sfp._token_allows lets a scoped token receive only integrations of its providers, and
 *     (project-scoped) the global ones and those scoped to one of its projects;
 *   - a deleted project leaves every token's scope with it; a token whose project scope is
 *     left empty reads nothing (an empty scope, never "unscoped"), through get_credentials too.
 */
import { describe, expect, it } from "vitest";
import {
  APPLICATION_TOKEN_REVOKED,
  EMPTY_PROJECTS,
  EMPTY_PROVIDERS,
  INVALID_IDENTIFIER,
  notScopedToProject,
  notScopedToProvider,
  OWNER_ONLY,
} from "../support/messages.ts";
import { asPostgrest, useAuthenticator } from "../support/postgrest.ts";
import { useTestStack } from "../support/test-stack.ts";
import {
  applicationContextFor,
  contextFor,
  countRows,
  createIntegration,
  createProject,
  credentialReadAudit,
  getCredentials,
  type JsonObject,
  refusal,
} from "./rpc.ts";

const stack = useTestStack();
const api = useAuthenticator(stack);

const BAD_PROVIDER = "provider must be a lowercase name such as github or azure-devops";

const githubCore = { token: "ghp_databaseScopesCore000000000000000000" };
const githubOther = { token: "ghp_databaseScopesOther00000000000000000" };
const jiraGlobal = { base_url: "https://acme.atlassian.net", username: "ci@acme.test", api_token: "made-up-scopes" };

interface CreatedToken {
  id: string;
  name: string;
  token: string;
  projects: string[] | null;
  providers: string[] | null;
  [field: string]: unknown;
}

interface Scope {
  projects?: string[] | null;
  providers?: string[] | null;
}

/** sfp_api.create_application_token as service_role through a PostgREST-style transaction. */
async function createToken(name: string, scope: Scope = {}, context: JsonObject = contextFor()): Promise<CreatedToken> {
  return asPostgrest(api, { role: "service_role" }, async (tx) => {
    const [row] = await tx`select sfp_api.create_application_token(name => ${name}, expires_in_days => 30,
        context => ${tx.json(context)}::jsonb,
        projects => ${scope.projects === undefined || scope.projects === null ? null : tx.array(scope.projects)}::text[],
        providers => ${scope.providers === undefined || scope.providers === null ? null : tx.array(scope.providers)}::text[])
        as result`;
    return row.result as CreatedToken;
  });
}

/** A scope with SQL nulls inside an array, which postgres.js arrays cannot carry. */
async function createTokenRaw(projects: string, providers: string): Promise<CreatedToken> {
  return asPostgrest(api, { role: "service_role" }, async (tx) => {
    const [row] = await tx.unsafe(`select sfp_api.create_application_token(name => 'ci', projects => ${projects},
        providers => ${providers}) as result`);
    return row.result as CreatedToken;
  });
}

async function listTokens(): Promise<CreatedToken[]> {
  return asPostgrest(api, { role: "service_role" }, async (tx) => {
    const [row] = await tx`select sfp_api.list_application_tokens(context => ${tx.json(contextFor())}::jsonb) as result`;
    return row.result as CreatedToken[];
  });
}

/** The caller as sfp._authenticate resolves this context: its scope attributes. */
async function actorScope(context: JsonObject) {
  const [row] = await stack.sql`
    select a.kind, a.token_project_ids, a.token_providers
    from sfp._authenticate(${stack.sql.json(context)}::jsonb) a`;
  return { ...row };
}

async function projectId(identifier: string): Promise<string> {
  const [row] = await stack.sql`select id from sfp.projects where identifier = ${identifier}`;
  return row.id;
}

/** sfp._token_scope_refusal for the caller of `context`, with the project's id looked up as get_credentials does. */
async function scopeRefusal(context: JsonObject, project: string | null, provider: string | null): Promise<string | null> {
  const [row] = await stack.sql`
    select sfp._token_scope_refusal(sfp._authenticate(${stack.sql.json(context)}::jsonb),
      (select p.id from sfp.projects p where p.identifier = ${project}::text), ${project}::text, ${provider}::text) as refusal`;
  return row.refusal;
}

/** sfp._token_allows for the caller of `context` on each integration, by name. */
async function allowed(context: JsonObject, integrations: Record<string, { id: string; provider: string }>) {
  const result: Record<string, boolean> = {};
  for (const [name, integration] of Object.entries(integrations)) {
    const [row] = await stack.sql`
      select sfp._token_allows(sfp._authenticate(${stack.sql.json(context)}::jsonb), ${integration.provider},
        ${integration.id}::uuid) as allowed`;
    result[name] = row.allowed;
  }
  return result;
}

/** acme/core and acme/other, a global Jira integration, a GitHub PAT for each project, one for both. */
async function arrange() {
  await createProject(stack, "acme/core");
  await createProject(stack, "acme/other");
  return {
    jiraGlobal: await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraGlobal, isGlobal: true }),
    githubCore: await createIntegration(stack, { provider: "github", authType: "pat", credentials: githubCore, projects: ["acme/core"] }),
    githubOther: await createIntegration(stack, { provider: "github", authType: "pat", credentials: githubOther, projects: ["acme/other"] }),
    githubBoth: await createIntegration(stack, {
      provider: "github", authType: "pat", credentials: githubCore, projects: ["acme/core", "acme/other"],
    }),
  };
}

describe("sfp_api.create_application_token with a scope", () => {
  it("projects and providers: stored by id and sorted, shown sorted as identifiers and names", async () => {
    await createProject(stack, "acme/core");
    await createProject(stack, "acme/api");

    const created = await createToken("ci-core", {
      projects: ["acme/core", "acme/api", "acme/core"],
      providers: ["jira", "github", "jira", "azure-devops"],
    }, contextFor(stack.owner));

    const providers = ["azure-devops", "github", "jira"];
    expect(created).toMatchObject({ name: "ci-core", status: "active", projects: ["acme/api", "acme/core"], providers });
    expect(await stack.sql`select project_scoped, providers from sfp.application_tokens`).toEqual([
      { project_scoped: true, providers },
    ]);
    const scope = await stack.sql`
      select p.identifier from sfp.application_token_projects tp join sfp.projects p on p.id = tp.project_id
      where tp.token_id = ${created.id} order by p.identifier`;
    expect(scope.map((row) => row.identifier)).toEqual(["acme/api", "acme/core"]);
  });

  it("each dimension is independent: projects only, providers only, neither (null)", async () => {
    await createProject(stack, "acme/core");
    const projectsOnly = await createToken("projects-only", { projects: ["acme/core"] });
    const providersOnly = await createToken("providers-only", { providers: ["github"] });
    const unscoped = await createToken("unscoped", { projects: null, providers: null });

    expect([projectsOnly, providersOnly, unscoped].map(({ projects, providers }) => ({ projects, providers }))).toEqual([
      { projects: ["acme/core"], providers: null },
      { projects: null, providers: ["github"] },
      { projects: null, providers: null },
    ]);
  });

  it("the listing shows every token's scope; the audit row of the creation too", async () => {
    await createProject(stack, "acme/core");
    const scoped = await createToken("scoped", { projects: ["acme/core"], providers: ["github"] });
    const unscoped = await createToken("unscoped");

    const { token: _a, ...scopedMetadata } = scoped;
    const { token: _b, ...unscopedMetadata } = unscoped;
    expect(await listTokens()).toEqual([unscopedMetadata, scopedMetadata]);
    const [audit] = await stack.sql`
      select details from sfp.audit_log where action = 'application_token.create' and details ->> 'id' = ${scoped.id}`;
    expect(audit.details).toEqual(scopedMetadata);
  });

  it("a renamed project keeps the scope: the token is scoped to the project, not to its identifier", async () => {
    await createProject(stack, "acme/core");
    const created = await createToken("ci", { projects: ["acme/core"] });
    const id = await projectId("acme/core");

    await stack.sql`update sfp.projects set identifier = 'acme/renamed' where id = ${id}`;

    expect((await listTokens())[0].projects).toEqual(["acme/renamed"]);
    expect(await actorScope(applicationContextFor(created.token))).toEqual({
      kind: "application", token_project_ids: [id], token_providers: null,
    });
    expect(await scopeRefusal(applicationContextFor(created.token), "acme/renamed", null)).toBeNull();
  });

  it.each([
    ["an empty projects array", "'{}'::text[]", "null", EMPTY_PROJECTS],
    ["an empty providers array", "null", "'{}'::text[]", EMPTY_PROVIDERS],
    ["a null project", "array['acme/core', null]", "null", "projects must not contain null"],
    ["a null provider", "null", "array['github', null]", "providers must not contain null"],
    ["a malformed identifier", "array['acme/core', 'not a project']", "null", INVALID_IDENTIFIER],
    ["an unknown project (the first, in the order given)", "array['acme/core', 'acme/missing', 'acme/gone']", "null",
      "Project 'acme/missing' not found"],
    ["a provider that is not a provider name", "null", "array['GitHub']", BAD_PROVIDER],
    ["a provider name with a space", "null", "array['azure devops']", BAD_PROVIDER],
  ])("%s: 22023 with its message, nothing stored, nothing audited", async (_, projects, providers, message) => {
    await createProject(stack, "acme/core");
    const auditBefore = await countRows(stack, "sfp.audit_log");

    const error = await refusal(createTokenRaw(projects, providers));

    expect({ code: error.code, message: error.message }).toEqual({ code: "22023", message });
    expect(await countRows(stack, "sfp.application_tokens")).toBe(0);
    expect(await countRows(stack, "sfp.application_token_projects")).toBe(0);
    expect(await countRows(stack, "sfp.audit_log")).toBe(auditBefore);
  });

  it("a member cannot create a scoped token either: 42501", async () => {
    await createProject(stack, "acme/core");
    const error = await refusal(createToken("ci", { projects: ["acme/core"] }, contextFor(stack.member)));
    expect({ code: error.code, message: error.message }).toEqual({ code: "42501", message: OWNER_ONLY });
    expect(await countRows(stack, "sfp.application_tokens")).toBe(0);
  });

  it("positional calls of the old three-argument form still work (unscoped)", async () => {
    const [row] = await stack.sql`select sfp_api.create_application_token('ci', 7) as result`;
    expect(row.result).toMatchObject({ name: "ci", projects: null, providers: null });
  });
});

describe("the resolved caller carries the scope (sfp._authenticate)", () => {
  it("a scoped token: its projects' ids and its providers; an unscoped token, a user, the service: null", async () => {
    await createProject(stack, "acme/core");
    await createProject(stack, "acme/api");
    const scoped = await createToken("scoped", { projects: ["acme/core", "acme/api"], providers: ["jira"] });
    const unscoped = await createToken("unscoped");
    const ids = [await projectId("acme/core"), await projectId("acme/api")].sort();

    expect(await actorScope(applicationContextFor(scoped.token))).toEqual({
      kind: "application", token_project_ids: ids, token_providers: ["jira"],
    });
    expect(await actorScope(applicationContextFor(unscoped.token))).toEqual({
      kind: "application", token_project_ids: null, token_providers: null,
    });
    expect(await actorScope(contextFor(stack.owner))).toEqual({ kind: "user", token_project_ids: null, token_providers: null });
    expect(await actorScope(contextFor())).toEqual({ kind: "service", token_project_ids: null, token_providers: null });
  });

  it("a revoked scoped token resolves as refused, without a scope", async () => {
    await createProject(stack, "acme/core");
    const scoped = await createToken("scoped", { projects: ["acme/core"], providers: ["github"] });
    await stack.sql`update sfp.application_tokens set revoked_at = now()`;
    const [row] = await stack.sql`
      select a.refusal, a.token_project_ids, a.token_providers
      from sfp._authenticate(${stack.sql.json(applicationContextFor(scoped.token))}::jsonb) a`;
    expect({ ...row }).toEqual({ refusal: APPLICATION_TOKEN_REVOKED, token_project_ids: null, token_providers: null });
  });
});

describe("sfp._token_scope_refusal", () => {
  it("a project-scoped token: refused another project, an unknown one; not its own, nor no project", async () => {
    await arrange();
    const { token } = await createToken("core", { projects: ["acme/core"] });
    const context = applicationContextFor(token);

    expect(await scopeRefusal(context, "acme/core", null)).toBeNull();
    expect(await scopeRefusal(context, "acme/core", "jira")).toBeNull();
    expect(await scopeRefusal(context, null, null)).toBeNull();
    expect(await scopeRefusal(context, null, "github")).toBeNull();
    expect(await scopeRefusal(context, "acme/other", null)).toBe(notScopedToProject("acme/other"));
    expect(await scopeRefusal(context, "acme/other", "github")).toBe(notScopedToProject("acme/other"));
    expect(await scopeRefusal(context, "acme/missing", null)).toBe(notScopedToProject("acme/missing"));
  });

  it("a provider-scoped token: refused another provider; not its own, nor no provider", async () => {
    await arrange();
    const { token } = await createToken("github", { providers: ["github"] });
    const context = applicationContextFor(token);

    expect(await scopeRefusal(context, null, "github")).toBeNull();
    expect(await scopeRefusal(context, "acme/other", "github")).toBeNull();
    expect(await scopeRefusal(context, "acme/other", null)).toBeNull();
    expect(await scopeRefusal(context, null, null)).toBeNull();
    expect(await scopeRefusal(context, null, "jira")).toBe(notScopedToProvider("jira"));
    expect(await scopeRefusal(context, "acme/core", "jira")).toBe(notScopedToProvider("jira"));
  });

  it("both dimensions: the project is named first when both are outside", async () => {
    await arrange();
    const { token } = await createToken("both", { projects: ["acme/core"], providers: ["github"] });
    const context = applicationContextFor(token);

    expect(await scopeRefusal(context, "acme/core", "github")).toBeNull();
    expect(await scopeRefusal(context, "acme/core", "jira")).toBe(notScopedToProvider("jira"));
    expect(await scopeRefusal(context, "acme/other", "jira")).toBe(notScopedToProject("acme/other"));
  });

  it("null for an unscoped token, an owner, a member, the service", async () => {
    await arrange();
    const { token } = await createToken("unscoped");
    for (const context of [applicationContextFor(token), contextFor(stack.owner), contextFor(stack.member), contextFor()]) {
      expect(await scopeRefusal(context, "acme/other", "jira")).toBeNull();
      expect(await scopeRefusal(context, "acme/missing", null)).toBeNull();
    }
  });
});

describe("sfp._token_allows", () => {
  it("a provider-scoped token: only integrations of its providers", async () => {
    const integrations = await arrange();
    const { token } = await createToken("github", { providers: ["github"] });
    expect(await allowed(applicationContextFor(token), integrations)).toEqual({
      jiraGlobal: false, githubCore: true, githubOther: true, githubBoth: true,
    });
  });

  it("a project-scoped token: the global integrations, and those scoped to one of its projects", async () => {
    const integrations = await arrange();
    const { token } = await createToken("core", { projects: ["acme/core"] });
    expect(await allowed(applicationContextFor(token), integrations)).toEqual({
      jiraGlobal: true, githubCore: true, githubOther: false, githubBoth: true,
    });
  });

  it("both dimensions: both must allow", async () => {
    const integrations = await arrange();
    const { token } = await createToken("other-github", { projects: ["acme/other"], providers: ["github"] });
    expect(await allowed(applicationContextFor(token), integrations)).toEqual({
      jiraGlobal: false, githubCore: false, githubOther: true, githubBoth: true,
    });
  });

  it("everything for an unscoped token, an owner, the service", async () => {
    const integrations = await arrange();
    const { token } = await createToken("unscoped");
    const all = { jiraGlobal: true, githubCore: true, githubOther: true, githubBoth: true };
    expect(await allowed(applicationContextFor(token), integrations)).toEqual(all);
    expect(await allowed(contextFor(stack.owner), integrations)).toEqual(all);
    expect(await allowed(contextFor(), integrations)).toEqual(all);
  });

  it("nothing for a refused token", async () => {
    const integrations = await arrange();
    const { token } = await createToken("unscoped");
    await stack.sql`update sfp.application_tokens set revoked_at = now()`;
    expect(await allowed(applicationContextFor(token), integrations)).toEqual({
      jiraGlobal: false, githubCore: false, githubOther: false, githubBoth: false,
    });
  });
});

describe("a deleted project leaves the scopes with it", () => {
  it("a token scoped to two projects keeps the one left", async () => {
    const integrations = await arrange();
    const { id, token } = await createToken("both", { projects: ["acme/core", "acme/other"] });
    const other = await projectId("acme/other");

    await stack.sql`select sfp_api.delete_project('acme/core', force => true)`;

    expect(await stack.sql`select project_id from sfp.application_token_projects where token_id = ${id}`).toEqual([
      { project_id: other },
    ]);
    expect((await listTokens())[0].projects).toEqual(["acme/other"]);
    expect(await actorScope(applicationContextFor(token))).toEqual({
      kind: "application", token_project_ids: [other], token_providers: null,
    });
    const { githubCore: _deletedWithItsProjectScope, ...left } = integrations;
    expect(await allowed(applicationContextFor(token), left)).toEqual({ jiraGlobal: true, githubOther: true, githubBoth: true });
  });

  it("a token whose only project is deleted reads nothing: an empty scope, never an unscoped token", async () => {
    const integrations = await arrange();
    const { id, token } = await createToken("core", { projects: ["acme/core"] });

    await stack.sql`select sfp_api.delete_project('acme/core', force => true)`;

    expect(await stack.sql`select * from sfp.application_token_projects where token_id = ${id}`).toEqual([]);
    expect(await stack.sql`select project_scoped from sfp.application_tokens where id = ${id}`).toEqual([{ project_scoped: true }]);
    expect((await listTokens())[0]).toMatchObject({ id, status: "active", projects: [], providers: null });
    expect(await actorScope(applicationContextFor(token))).toEqual({
      kind: "application", token_project_ids: [], token_providers: null,
    });
    expect(await scopeRefusal(applicationContextFor(token), "acme/other", null)).toBe(
      notScopedToProject("acme/other"),
    );
    expect(await scopeRefusal(applicationContextFor(token), "acme/core", null)).toBe(
      notScopedToProject("acme/core"),
    );
    const { githubCore: _gone, ...left } = integrations;
    expect(await allowed(applicationContextFor(token), left)).toEqual({ jiraGlobal: false, githubOther: false, githubBoth: false });
  });

  it("through get_credentials: the emptied token is refused any project and finds nothing without one", async () => {
    // Needs sfp_api.get_credentials to call sfp._token_scope_refusal and sfp._token_allows.
    await arrange();
    const { id, token } = await createToken("core", { projects: ["acme/core"] });
    const context = applicationContextFor(token);
    expect(await getCredentials(stack, api, { context })).toMatchObject({ outcome: "granted" });

    await stack.sql`select sfp_api.delete_project('acme/core', force => true)`;

    expect(await getCredentials(stack, api, { context })).toEqual({ outcome: "not_found", message: "No integration found" });
    expect(await getCredentials(stack, api, { project: "acme/other", context })).toEqual({
      outcome: "denied", reason: "forbidden", message: notScopedToProject("acme/other"),
    });
    const reads = await credentialReadAudit(stack);
    expect(reads.map((row) => [row.actor_token_id, row.outcome, row.project, row.message])).toEqual([
      [id, "granted", null, null],
      [id, "not_found", null, "No integration found"],
      [id, "denied", "acme/other", notScopedToProject("acme/other")],
    ]);
  });
});
