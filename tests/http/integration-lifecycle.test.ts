/**
 * The life of an integration after it is created, over HTTP, and deleting a project:
 *   - GET /integrations/{id}: metadata (version, kept versions; ETag "<version>"), never
 *     credentials; 404 for an unknown id, 400 for a non-UUID one; owners (and the service) only;
 *   - PATCH /integrations/{id}: credentials (validated against the provider and auth type;
 *     authType only together with credentials), config and scope (the errors of create); every
 *     change a new version, the current credentials stored again when they do not change;
 *   - the last N versions kept (SFP_CREDENTIAL_VERSIONS_KEPT, default 10);
 *   - POST /integrations/{id}/rollback {version}: an old version's credentials, current again
 *     as a new version; 404 for a version no longer kept;
 *   - check-and-set with `version` or If-Match: 409 with currentVersion and nothing written;
 *     concurrent changes queue, none is lost; the same expected version at once: one wins;
 *   - DELETE /integrations/{id}: gone from every read at once, others untouched;
 *   - DELETE /projects/{identifier}: refused (409, integrationIds) while integrations are
 *     scoped to it alone, unless force=true, which leaves them unscoped and unread;
 *   - every change audited with its actor, ids and details, and never a credential value.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { guarded } from "../support/guarded.ts";
import { type ApiResponse, createTestStack, type TestStack } from "../support/test-stack.ts";

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(() => stack?.stop());
beforeEach(() => stack.reset());

const OWNER_ONLY = "Forbidden - Requires role: owner";
const MISSING_TOKEN = "Missing bearer token: send Authorization: Bearer <token>";
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00$/;
const notFound = (id: string) => `Integration '${id}' not found`;
const notCurrent = (expected: number, current: number) =>
  `Version ${expected} is not current: the integration is at version ${current}`;

// Made-up secrets, each distinct so a test can tell which one came back (and find any in the audit log).
const pat1 = { token: "ghp_madeUpLifecycleOne000000000000000000" };
const pat2 = { token: "ghp_madeUpLifecycleTwo000000000000000000" };
const pat3 = { token: "ghp_madeUpLifecycleThree0000000000000000" };
const patOther = { token: "ghp_madeUpLifecycleOther0000000000000000" };
const oauth1 = { access_token: "gho_madeUpLifecycleOauth00000000000000", refresh_token: "ghr_madeUpLifecycleRefresh000000000" };
const jira1 = { base_url: "https://acme.atlassian.net", username: "sfp@acme.com", api_token: "ATATT-made-up-lifecycle-1" };
const SECRETS = [pat1.token, pat2.token, pat3.token, patOther.token, oauth1.access_token, oauth1.refresh_token, jira1.api_token];

type Scope = { isGlobal: true } | { projects: string[] };

function expectError(response: ApiResponse, status: number, message: string, extra: Record<string, unknown> = {}) {
  const reasons: Record<number, string> = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
  };
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: { statusCode: status, message, error: reasons[status], ...extra },
  });
}

async function createProject(identifier: string) {
  const response = await stack.api("POST", "/projects", {
    token: stack.owner.token,
    body: { identifier, remoteUrl: `https://github.com/${identifier}` },
  });
  expect(response.status).toBe(201);
  return response.body as { id: string; identifier: string };
}

async function createGithubPat(credentials: { token: string }, scope: Scope, config?: Record<string, unknown>) {
  const response = await stack.api("POST", "/integrations", {
    token: stack.owner.token,
    body: { provider: "github", authType: "pat", credentials, ...scope, ...(config ? { config } : {}) },
  });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

function getIntegration(id: string, token: string | null = stack.owner.token) {
  return stack.api("GET", `/integrations/${id}`, { token });
}

function patch(id: string, body: unknown, options: { token?: string | null; headers?: Record<string, string> } = {}) {
  return stack.api("PATCH", `/integrations/${id}`, {
    token: options.token === undefined ? stack.owner.token : options.token,
    body,
    headers: options.headers,
  });
}

function rollback(id: string, body: unknown, options: { token?: string | null; headers?: Record<string, string> } = {}) {
  return stack.api("POST", `/integrations/${id}/rollback`, {
    token: options.token === undefined ? stack.owner.token : options.token,
    body,
    headers: options.headers,
  });
}

function deleteIntegration(id: string, token: string | null = stack.owner.token) {
  return stack.api("DELETE", `/integrations/${id}`, { token });
}

function deleteProject(identifier: string, query = "", token: string | null = stack.owner.token) {
  return stack.api("DELETE", `/projects/${encodeURIComponent(identifier)}${query}`, { token });
}

function read(query: string) {
  return stack.api("GET", `/integrations/credentials${query}`, { token: stack.owner.token });
}

function githubRead(id: string, credentials: unknown, authType = "pat") {
  return { integration_id: id, provider: "github", auth_type: authType, credentials };
}

/** Metadata as the API shows it (GET adds `versions`). */
function metadata(id: string, fields: Record<string, unknown> = {}) {
  return {
    id,
    provider: "github",
    auth_type: "pat",
    is_global: true,
    projects: [],
    config: {},
    version: 1,
    created_at: expect.stringMatching(TIMESTAMP),
    updated_at: expect.stringMatching(TIMESTAMP),
    ...fields,
  };
}

/** The decrypted credentials of one stored version, straight from the database. */
async function storedCredentials(id: string, version: number): Promise<unknown> {
  const [row] = await guarded(stack.sql, (tx) =>
    tx`select (sfp._credentials_of(${id}::uuid, ${version}, ${tx.json(stack.keyring)}::jsonb)).credentials as credentials`
  ) as { credentials: unknown }[];
  return row.credentials;
}

/** The kept version numbers of an integration, as stored. */
async function storedVersions(id: string): Promise<number[]> {
  const rows = await stack.sql<{ version: number }[]>`
    select version from sfp.credential_versions where integration_id = ${id} order by version`;
  return rows.map((row) => row.version);
}

/** Everything a refused change must leave as it was: the row, scope, every stored ciphertext, the audit log. */
async function storedState(id: string) {
  const [integration] = await stack.sql`
    select provider, auth_type, is_global, config, current_version, updated_at from sfp.integrations where id = ${id}`;
  const projects = await stack.sql`
    select p.identifier from sfp.integration_projects ip join sfp.projects p on p.id = ip.project_id
    where ip.integration_id = ${id} order by p.identifier`;
  const versions = await stack.sql`
    select version, key_version, iv, ciphertext, mac from sfp.credential_versions
    where integration_id = ${id} order by version`;
  const [{ audit }] = await stack.sql`select count(*)::int as audit from sfp.audit_log`;
  return {
    integration: integration ? { ...integration } : undefined,
    projects: projects.map((row) => row.identifier),
    versions: versions.map((row) => ({ ...row })),
    audit,
  };
}

async function auditRows(action: string) {
  const rows = await stack.sql`
    select actor_type, actor_id, actor_email, actor_role, action, outcome, integration_ids, provider, project, details
    from sfp.audit_log where action = ${action} order by id`;
  return rows.map((row) => ({ ...row }));
}

const byOwner = () => ({
  actor_type: "user",
  actor_id: stack.owner.id,
  actor_email: stack.owner.email,
  actor_role: "owner",
  outcome: "succeeded",
});

async function applicationToken(): Promise<string> {
  const response = await stack.api("POST", "/application-tokens", { token: stack.owner.token, body: { name: "ci-main" } });
  expect(response.status).toBe(201);
  return response.body.token;
}

/** Waits until `count` backends of this database wait for a lock (a request queued behind one). */
async function waitForLockWaiters(count: number) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [{ waiting }] = await stack.sql<{ waiting: number }[]>`
      select count(*)::int as waiting from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`;
    if (waiting >= count) return;
    if (Date.now() > deadline) throw new Error(`expected ${count} backends waiting for a lock, saw ${waiting}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("GET /integrations/{id}", () => {
  it("returns the metadata with its version and kept versions, the version as ETag, and no credentials", async () => {
    await createProject("acme/core");
    const id = await createGithubPat(pat1, { projects: ["acme/core"] }, { org: "acme" });

    const response = await getIntegration(id);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ...metadata(id, { is_global: false, projects: ["acme/core"], config: { org: "acme" } }),
      versions: [1],
    });
    expect(response.headers.get("etag")).toBe('"1"');
    expect(response.text).not.toContain(pat1.token);
    expect(response.text).not.toContain("credentials");
  });

  it("answers 404 naming the id for an unknown integration", async () => {
    const id = randomUUID();
    expectError(await getIntegration(id), 404, notFound(id));
  });

  it("answers 400 for an id that is not a UUID", async () => {
    expectError(await getIntegration("not-a-uuid"), 400, "integration id must be a UUID");
  });

  it("answers the service-role key", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const response = await getIntegration(id, stack.serviceKey);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ...metadata(id), versions: [1] });
  });
});

describe("who may read, change, roll back and delete an integration", () => {
  const routes: Array<[string, (id: string, token: string | null) => Promise<ApiResponse>]> = [
    ["GET /integrations/{id}", (id, token) => getIntegration(id, token)],
    ["PATCH /integrations/{id} with credentials", (id, token) => patch(id, { credentials: pat2 }, { token })],
    ["PATCH /integrations/{id} with config", (id, token) => patch(id, { config: { a: 1 } }, { token })],
    ["POST /integrations/{id}/rollback", (id, token) => rollback(id, { version: 1 }, { token })],
    ["DELETE /integrations/{id}", (id, token) => deleteIntegration(id, token)],
  ];

  it.each(routes)("%s: a member gets 403 and nothing changes", async (_, call) => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);
    expectError(await call(id, stack.member.token), 403, OWNER_ONLY);
    expect(await storedState(id)).toEqual(before);
  });

  it.each(routes)("%s: an application token gets 403 and nothing changes", async (_, call) => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const token = await applicationToken();
    const before = await storedState(id);
    expectError(await call(id, token), 403, OWNER_ONLY);
    expect(await storedState(id)).toEqual(before);
  });

  it.each(routes)("%s: a signed-in non-member gets 403 and nothing changes", async (_, call) => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);
    expectError(await call(id, stack.outsider.token), 403, OWNER_ONLY);
    expect(await storedState(id)).toEqual(before);
  });

  it.each(routes)("%s: no token gets 401 and nothing changes", async (_, call) => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);
    expectError(await call(id, null), 401, MISSING_TOKEN);
    expect(await storedState(id)).toEqual(before);
  });

  it.each(routes)("%s: an unknown id gets 404 naming it", async (_, call) => {
    const id = randomUUID();
    expectError(await call(id, stack.owner.token), 404, notFound(id));
  });

  it.each(routes)("%s: a non-UUID id gets 400", async (_, call) => {
    expectError(await call("12345", stack.owner.token), 400, "integration id must be a UUID");
  });
});

describe("PATCH /integrations/{id}: credentials", () => {
  it("stores the new credentials as version 2: the read returns them exactly, the metadata shows the version", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const created = (await getIntegration(id)).body;

    const response = await patch(id, { credentials: pat2 });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(metadata(id, { version: 2, created_at: created.created_at }));
    expect(response.headers.get("etag")).toBe('"2"');
    expect(Date.parse(response.body.updated_at)).toBeGreaterThan(Date.parse(created.updated_at));
    expect(response.text).not.toContain(pat2.token);

    expect((await read("?provider=github")).body).toEqual([githubRead(id, pat2)]);
    const after = await getIntegration(id);
    expect(after.body).toEqual({ ...response.body, versions: [1, 2] });
    expect(after.headers.get("etag")).toBe('"2"');
    expect(await storedVersions(id)).toEqual([1, 2]);
    expect(await storedCredentials(id, 1)).toEqual(pat1);
    expect(await storedCredentials(id, 2)).toEqual(pat2);
  });

  it("returns the new credentials exactly as sent, unusual characters and spacing included", async () => {
    const created = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "jira", authType: "basic_auth", credentials: jira1, isGlobal: true },
    });
    expect(created.status).toBe(201);
    const next = { base_url: "https://acme.atlassian.net/jira", username: "  sfp@acme.com ", api_token: "ATATT-ü-\"quoted\"-\\-made-up-2 " };

    expect((await patch(created.body.id, { credentials: next })).status).toBe(200);
    expect((await read("?provider=jira")).body).toEqual([
      { integration_id: created.body.id, provider: "jira", auth_type: "basic_auth", credentials: next },
    ]);
  });

  it("changes the auth type together with credentials of the new type", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });

    const response = await patch(id, { authType: "oauth", credentials: oauth1 });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(metadata(id, { auth_type: "oauth", version: 2 }));
    expect((await read("?provider=github")).body).toEqual([githubRead(id, oauth1, "oauth")]);
    const [row] = await stack.sql`select auth_type from sfp.integrations where id = ${id}`;
    expect(row.auth_type).toBe("oauth");
  });

  it("refuses credentials that do not fit the current auth type, and writes nothing", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);

    expectError(await patch(id, { credentials: oauth1 }), 400,
      'credentials: token: Invalid input: expected string, received undefined; Unrecognized keys: "access_token", "refresh_token"');
    expect(await storedState(id)).toEqual(before);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, pat1)]);
  });

  it("refuses credentials that do not fit the new auth type, and writes nothing", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);

    expectError(await patch(id, { authType: "oauth", credentials: pat2 }), 400,
      'credentials: access_token: Invalid input: expected string, received undefined; Unrecognized key: "token"');
    expect(await storedState(id)).toEqual(before);
  });

  it("refuses an auth type the provider does not support, naming the allowed ones", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);

    expectError(await patch(id, { authType: "basic_auth", credentials: jira1 }), 400,
      "authType 'basic_auth' is not supported for provider 'github'; allowed: pat, oauth, app");
    expect(await storedState(id)).toEqual(before);
  });

  it("refuses an auth type without credentials", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);

    expectError(await patch(id, { authType: "oauth" }), 400, "authType can only change together with credentials");
    expect(await storedState(id)).toEqual(before);
  });

  it("refuses a body with nothing to change", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);

    expectError(await patch(id, {}), 400, "Nothing to change: give credentials, config, isGlobal or projects");
    expect(await storedState(id)).toEqual(before);
  });

  it("refuses a change of provider as an unknown field", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);

    expectError(await patch(id, { provider: "jira", credentials: pat2 }), 400, 'Unrecognized key: "provider"');
    expect(await storedState(id)).toEqual(before);
  });
});

describe("PATCH /integrations/{id}: config", () => {
  it("changes the config as a new version that stores the current credentials again", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true }, { org: "acme" });

    const response = await patch(id, { config: { org: "acme", labels: ["ci"] } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(metadata(id, { version: 2, config: { org: "acme", labels: ["ci"] } }));
    expect(response.headers.get("etag")).toBe('"2"');
    expect(await storedVersions(id)).toEqual([1, 2]);
    expect(await storedCredentials(id, 2)).toEqual(pat1);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, pat1)]);
    expect((await getIntegration(id)).body).toEqual({ ...response.body, versions: [1, 2] });
  });

  it("refuses a config that is not a JSON object, and writes nothing", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);

    expectError(await patch(id, { config: ["a"] }), 400, "config: must be a JSON object");
    expect(await storedState(id)).toEqual(before);
  });
});

describe("PATCH /integrations/{id}: scope", () => {
  it("from global to one project: the read follows the new scope at once", async () => {
    await createProject("acme/core");
    await createProject("acme/sales");
    const otherGlobal = await createGithubPat(patOther, { isGlobal: true });
    const id = await createGithubPat(pat1, { isGlobal: true });

    const response = await patch(id, { projects: ["acme/core"] });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(metadata(id, { version: 2, is_global: false, projects: ["acme/core"] }));
    expect(await storedCredentials(id, 2)).toEqual(pat1);

    expect((await read("?provider=github&project=acme/core")).body).toEqual([githubRead(id, pat1)]);
    // No longer global: another project and a read without a project fall back to the other global.
    expect((await read("?provider=github&project=acme/sales")).body).toEqual([githubRead(otherGlobal, patOther)]);
    expect((await read("?provider=github")).body).toEqual([githubRead(otherGlobal, patOther)]);
  });

  it("from one project to global: every project and a read without a project get it", async () => {
    await createProject("acme/core");
    await createProject("acme/sales");
    const id = await createGithubPat(pat1, { projects: ["acme/core"] });
    expect((await read("?provider=github&project=acme/sales")).status).toBe(404);

    const response = await patch(id, { isGlobal: true });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(metadata(id, { version: 2, is_global: true, projects: [] }));
    for (const query of ["?provider=github&project=acme/sales", "?provider=github&project=acme/core", "?provider=github"]) {
      expect((await read(query)).body).toEqual([githubRead(id, pat1)]);
    }
    expect(await stack.sql`select * from sfp.integration_projects where integration_id = ${id}`).toEqual([]);
  });

  it("from one project to another: the old project no longer gets it", async () => {
    await createProject("acme/core");
    await createProject("acme/sales");
    const id = await createGithubPat(pat1, { projects: ["acme/core"] });

    const response = await patch(id, { projects: ["acme/sales"] });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(metadata(id, { version: 2, is_global: false, projects: ["acme/sales"] }));
    expect((await read("?provider=github&project=acme/sales")).body).toEqual([githubRead(id, pat1)]);
    expectError(await read("?provider=github&project=acme/core"), 404,
      "No integration found for provider=github, project=acme/core");
  });

  it("credentials, config and scope in one change: one new version", async () => {
    await createProject("acme/core");
    const id = await createGithubPat(pat1, { isGlobal: true });

    const response = await patch(id, { credentials: pat2, config: { team: "core" }, projects: ["acme/core"] });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(metadata(id, {
      version: 2, is_global: false, projects: ["acme/core"], config: { team: "core" },
    }));
    expect(await storedVersions(id)).toEqual([1, 2]);
    expect((await read("?provider=github&project=acme/core")).body).toEqual([githubRead(id, pat2)]);
  });

  const refusals: Array<[string, Record<string, unknown>, string]> = [
    ["isGlobal false without projects", { isGlobal: false }, "Either isGlobal or projects must be specified"],
    ["an empty projects list", { projects: [] }, "Either isGlobal or projects must be specified"],
    ["both isGlobal and projects", { isGlobal: true, projects: ["acme/core"] }, "Specify either isGlobal or projects, not both"],
    ["an unregistered project", { projects: ["acme/core", "acme/nope"] }, "Project 'acme/nope' not found"],
  ];

  it.each(refusals)("refuses %s with the error of create, and writes nothing", async (_, body, message) => {
    await createProject("acme/core");
    await createProject("acme/sales");
    const id = await createGithubPat(pat1, { projects: ["acme/sales"] });
    const before = await storedState(id);

    expectError(await patch(id, body), 400, message);
    expect(await storedState(id)).toEqual(before);
    expect((await read("?provider=github&project=acme/sales")).body).toEqual([githubRead(id, pat1)]);
  });

  it("refuses a scope change together with new credentials without storing either", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);

    expectError(await patch(id, { credentials: pat2, projects: ["acme/nope"] }), 400, "Project 'acme/nope' not found");
    expect(await storedState(id)).toEqual(before);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, pat1)]);
  });
});

describe("versions", () => {
  it("every kind of change is a new version, each stored encrypted with the credentials current then", async () => {
    await createProject("acme/core");
    const id = await createGithubPat(pat1, { isGlobal: true });

    expect((await patch(id, { credentials: pat2 })).body.version).toBe(2);
    expect((await patch(id, { config: { a: 1 } })).body.version).toBe(3);
    expect((await patch(id, { projects: ["acme/core"] })).body.version).toBe(4);
    expect((await patch(id, { isGlobal: true })).body.version).toBe(5);

    const response = await getIntegration(id);
    expect(response.body).toMatchObject({ version: 5, versions: [1, 2, 3, 4, 5] });
    expect(response.headers.get("etag")).toBe('"5"');
    const [row] = await stack.sql`select current_version from sfp.integrations where id = ${id}`;
    expect(row.current_version).toBe(5);
    const stored = [];
    for (const version of [1, 2, 3, 4, 5]) stored.push(await storedCredentials(id, version));
    expect(stored).toEqual([pat1, pat2, pat2, pat2, pat2]);
  });

  it("keeps the last 10 versions by default and forgets older ones", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    for (let i = 1; i <= 11; i++) {
      const response = await patch(id, { config: { change: i } });
      expect(response.status).toBe(200);
    }

    expect(await storedVersions(id)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect((await getIntegration(id)).body).toMatchObject({ version: 12, versions: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12] });
    expectError(await rollback(id, { version: 2 }), 404, `Version 2 of integration '${id}' is not kept`);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, pat1)]);
  });

  describe("with SFP_CREDENTIAL_VERSIONS_KEPT=3", () => {
    beforeAll(() => stack.restartFunctions({ SFP_CREDENTIAL_VERSIONS_KEPT: "3" }));
    afterAll(() => stack.restartFunctions());

    it("keeps only the last 3 versions, in the database and in the metadata", async () => {
      const id = await createGithubPat(pat1, { isGlobal: true });
      expect((await patch(id, { credentials: pat2 })).status).toBe(200);
      expect(await storedVersions(id)).toEqual([1, 2]);
      expect((await patch(id, { credentials: pat3 })).status).toBe(200);
      expect(await storedVersions(id)).toEqual([1, 2, 3]);
      expect((await patch(id, { config: { a: 1 } })).status).toBe(200);
      expect(await storedVersions(id)).toEqual([2, 3, 4]);
      expect((await patch(id, { credentials: patOther })).status).toBe(200);

      expect(await storedVersions(id)).toEqual([3, 4, 5]);
      expect((await getIntegration(id)).body).toMatchObject({ version: 5, versions: [3, 4, 5] });
      expect((await read("?provider=github")).body).toEqual([githubRead(id, patOther)]);
    });

    it("refuses a rollback to a version no longer kept with 404, and writes nothing", async () => {
      const id = await createGithubPat(pat1, { isGlobal: true });
      for (const credentials of [pat2, pat3, patOther]) expect((await patch(id, { credentials })).status).toBe(200);
      const before = await storedState(id);

      expectError(await rollback(id, { version: 1 }), 404, `Version 1 of integration '${id}' is not kept`);
      expect(await storedState(id)).toEqual(before);
    });

    it("rolls back to the oldest kept version, and forgets one more", async () => {
      const id = await createGithubPat(pat1, { isGlobal: true });
      for (const credentials of [pat2, pat3, patOther]) expect((await patch(id, { credentials })).status).toBe(200);
      expect(await storedVersions(id)).toEqual([2, 3, 4]);

      const response = await rollback(id, { version: 2 });
      expect(response.status).toBe(200);
      expect(response.body.version).toBe(5);
      expect(await storedVersions(id)).toEqual([3, 4, 5]);
      expect((await read("?provider=github")).body).toEqual([githubRead(id, pat2)]);
    });
  });
});

describe("POST /integrations/{id}/rollback", () => {
  it("makes an old version's credentials current as a new version", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { credentials: pat2 })).status).toBe(200);

    const response = await rollback(id, { version: 1 });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(metadata(id, { version: 3 }));
    expect(response.headers.get("etag")).toBe('"3"');
    expect(response.text).not.toContain(pat1.token);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, pat1)]);
    expect((await getIntegration(id)).body).toMatchObject({ version: 3, versions: [1, 2, 3] });
    expect(await storedCredentials(id, 3)).toEqual(pat1);
    expect(await storedCredentials(id, 2)).toEqual(pat2);
  });

  it("keeps the config and scope as they are now", async () => {
    await createProject("acme/core");
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { credentials: pat2, config: { a: 1 }, projects: ["acme/core"] })).status).toBe(200);

    const response = await rollback(id, { version: 1 });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(metadata(id, { version: 3, config: { a: 1 }, is_global: false, projects: ["acme/core"] }));
    expect((await read("?provider=github&project=acme/core")).body).toEqual([githubRead(id, pat1)]);
  });

  it("refuses a version that never existed with 404", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);
    expectError(await rollback(id, { version: 7 }), 404, `Version 7 of integration '${id}' is not kept`);
    expect(await storedState(id)).toEqual(before);
  });

  it("refuses a body without a version with 400", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);
    expectError(await rollback(id, {}), 400, "version: version is required");
    expect(await storedState(id)).toEqual(before);
  });

  it("refuses If-Match naming a version that is not current with 409, and writes nothing", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { credentials: pat2 })).status).toBe(200);
    const before = await storedState(id);

    expectError(await rollback(id, { version: 1 }, { headers: { "if-match": '"1"' } }), 409, notCurrent(1, 2), {
      currentVersion: 2,
    });
    expect(await storedState(id)).toEqual(before);
  });

  it("accepts If-Match naming the current version", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { credentials: pat2 })).status).toBe(200);

    const response = await rollback(id, { version: 1 }, { headers: { "if-match": '"2"' } });
    expect(response.status).toBe(200);
    expect(response.body.version).toBe(3);
  });

  // Each stored version keeps its auth type, so a rollback restores credentials and auth type together.
  it("a rollback across an auth type change restores the auth type with the credentials", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { authType: "oauth", credentials: oauth1 })).status).toBe(200);

    const response = await rollback(id, { version: 1 });
    const [pair] = (await read("?provider=github")).body;
    expect([
      { status: 200, pair: githubRead(id, pat1, "pat") },
      { status: 400, pair: githubRead(id, oauth1, "oauth") },
      { status: 409, pair: githubRead(id, oauth1, "oauth") },
    ]).toContainEqual({ status: response.status, pair });
  });
});

describe("check-and-set", () => {
  it("accepts a body version that is current", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const response = await patch(id, { credentials: pat2, version: 1 });
    expect(response.status).toBe(200);
    expect(response.body.version).toBe(2);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, pat2)]);
  });

  it("refuses a body version that is not current with 409 and currentVersion, and writes nothing", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { credentials: pat2 })).status).toBe(200);
    const before = await storedState(id);

    expectError(await patch(id, { credentials: pat3, version: 1 }), 409, notCurrent(1, 2), { currentVersion: 2 });
    expect(await storedState(id)).toEqual(before);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, pat2)]);
  });

  it("refuses a stale version on a config or scope change too", async () => {
    await createProject("acme/core");
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { config: { a: 1 } })).status).toBe(200);
    const before = await storedState(id);

    expectError(await patch(id, { config: { a: 2 }, version: 1 }), 409, notCurrent(1, 2), { currentVersion: 2 });
    expectError(await patch(id, { projects: ["acme/core"], version: 1 }), 409, notCurrent(1, 2), { currentVersion: 2 });
    expectError(await patch(id, { config: { a: 2 }, version: 3 }), 409, notCurrent(3, 2), { currentVersion: 2 });
    expect(await storedState(id)).toEqual(before);
  });

  it.each([['"1"'], ["1"]])("accepts If-Match %s naming the current version", async (ifMatch) => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const response = await patch(id, { credentials: pat2 }, { headers: { "if-match": ifMatch } });
    expect(response.status).toBe(200);
    expect(response.body.version).toBe(2);
    expect(response.headers.get("etag")).toBe('"2"');
  });

  it.each([['"1"'], ["1"]])("refuses If-Match %s once the integration is at version 2, and writes nothing", async (ifMatch) => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { credentials: pat2 })).status).toBe(200);
    const before = await storedState(id);

    expectError(await patch(id, { credentials: pat3 }, { headers: { "if-match": ifMatch } }), 409, notCurrent(1, 2), {
      currentVersion: 2,
    });
    expect(await storedState(id)).toEqual(before);
  });

  it("the ETag of a GET works as If-Match, once", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const etag = (await getIntegration(id)).headers.get("etag")!;

    expect((await patch(id, { config: { a: 1 } }, { headers: { "if-match": etag } })).status).toBe(200);
    expectError(await patch(id, { config: { a: 2 } }, { headers: { "if-match": etag } }), 409, notCurrent(1, 2), {
      currentVersion: 2,
    });
  });

  it("refuses a body version and an If-Match that disagree with 400, and writes nothing", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);

    expectError(await patch(id, { credentials: pat2, version: 1 }, { headers: { "if-match": '"2"' } }), 400,
      "If-Match and version disagree: send one of them");
    expect(await storedState(id)).toEqual(before);
  });

  it("accepts a body version and an If-Match that agree", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const response = await patch(id, { credentials: pat2, version: 1 }, { headers: { "if-match": '"1"' } });
    expect(response.status).toBe(200);
    expect(response.body.version).toBe(2);
  });

  it("refuses an If-Match that is not a version with 400", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);
    expectError(await patch(id, { credentials: pat2 }, { headers: { "if-match": "abc" } }), 400,
      'If-Match must be a version, e.g. "3"');
    expect(await storedState(id)).toEqual(before);
  });

  it("two concurrent changes without check-and-set both succeed as versions 2 and 3, and neither is lost", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });

    const [a, b] = await Promise.all([patch(id, { credentials: pat2 }), patch(id, { credentials: pat3 })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.body.version, b.body.version].sort()).toEqual([2, 3]);
    const last = a.body.version === 3 ? pat2 : pat3;
    const first = last === pat2 ? pat3 : pat2;

    expect((await read("?provider=github")).body).toEqual([githubRead(id, last)]);
    expect(await storedVersions(id)).toEqual([1, 2, 3]);
    // Both versions' credentials are readable through a rollback.
    expect((await rollback(id, { version: 2 })).status).toBe(200);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, first)]);
    expect((await rollback(id, { version: 3 })).status).toBe(200);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, last)]);
  });

  it("two concurrent changes with the same expected version: exactly one 200 and one 409", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });

    const responses = await Promise.all([
      patch(id, { credentials: pat2, version: 1 }),
      patch(id, { credentials: pat3 }, { headers: { "if-match": '"1"' } }),
    ]);
    expect(responses.map((response) => response.status).sort()).toEqual([200, 409]);
    const winner = responses.find((response) => response.status === 200)!;
    const loser = responses.find((response) => response.status === 409)!;
    expect(winner.body.version).toBe(2);
    expectError(loser, 409, notCurrent(1, 2), { currentVersion: 2 });
    const winning = winner === responses[0] ? pat2 : pat3;
    expect((await read("?provider=github")).body).toEqual([githubRead(id, winning)]);
    expect(await storedVersions(id)).toEqual([1, 2]);
    expect(await auditRows("integration.update")).toHaveLength(1);
  });
});

describe("DELETE /integrations/{id}", () => {
  it("removes the integration from every read at once; other integrations are still returned", async () => {
    await createProject("acme/core");
    const other = await createGithubPat(patOther, { isGlobal: true });
    const id = await createGithubPat(pat1, { projects: ["acme/core"] });
    expect((await patch(id, { credentials: pat2 })).status).toBe(200);
    const shown = (await getIntegration(id)).body;

    const response = await deleteIntegration(id);
    expect(response.status).toBe(200);
    const { versions: _, ...withoutVersions } = shown;
    expect(response.body).toEqual(withoutVersions);
    expect(response.text).not.toContain(pat2.token);

    expectError(await getIntegration(id), 404, notFound(id));
    const listed = await stack.api("GET", "/integrations", { token: stack.owner.token });
    expect(listed.body.map((item: { id: string }) => item.id)).toEqual([other]);
    // acme/core falls back to the global one; nothing returns the deleted one.
    expect((await read("?provider=github&project=acme/core")).body).toEqual([githubRead(other, patOther)]);
    expect((await read("?provider=github")).body).toEqual([githubRead(other, patOther)]);
    const project = await stack.api("GET", `/projects/${encodeURIComponent("acme/core")}`, { token: stack.owner.token });
    expect(project.body.integrations.map((item: { id: string }) => item.id)).toEqual([other]);

    expect(await stack.sql`select id from sfp.integrations where id = ${id}`).toEqual([]);
    expect(await stack.sql`select version from sfp.credential_versions where integration_id = ${id}`).toEqual([]);
    expect(await stack.sql`select project_id from sfp.integration_projects where integration_id = ${id}`).toEqual([]);
  });

  it("once deleted: a second delete, a change and a rollback get 404", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await deleteIntegration(id)).status).toBe(200);

    expectError(await deleteIntegration(id), 404, notFound(id));
    expectError(await patch(id, { credentials: pat2 }), 404, notFound(id));
    expectError(await patch(id, { config: { a: 1 } }), 404, notFound(id));
    expectError(await rollback(id, { version: 1 }), 404, notFound(id));
    expect(await stack.sql`select id from sfp.integrations`).toEqual([]);
    expect(await auditRows("integration.update")).toEqual([]);
  });
});

describe("audit", () => {
  it("a change is audited as integration.update with the owner, the integration and what changed", async () => {
    await createProject("acme/core");
    const id = await createGithubPat(pat1, { isGlobal: true });

    const credentials = await patch(id, { credentials: pat2 });
    const config = await patch(id, { config: { a: 1 } });
    const scope = await patch(id, { projects: ["acme/core"] });
    const everything = await patch(id, { authType: "oauth", credentials: oauth1, config: { b: 2 }, isGlobal: true });

    const row = (details: unknown) => ({
      ...byOwner(), action: "integration.update", integration_ids: [id], provider: "github", project: null, details,
    });
    expect(await auditRows("integration.update")).toEqual([
      row({ ...credentials.body, changed: ["credentials"] }),
      row({ ...config.body, changed: ["config"] }),
      row({ ...scope.body, changed: ["scope"] }),
      row({ ...everything.body, changed: ["credentials", "auth_type", "config", "scope"] }),
    ]);
  });

  it("a rollback is audited as integration.rollback with the restored version", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { credentials: pat2 })).status).toBe(200);
    const response = await rollback(id, { version: 1 });

    expect(await auditRows("integration.rollback")).toEqual([{
      ...byOwner(), action: "integration.rollback", integration_ids: [id], provider: "github", project: null,
      details: { ...response.body, restored_version: 1 },
    }]);
  });

  it("a deletion is audited as integration.delete with the integration as it was", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const response = await deleteIntegration(id);

    expect(await auditRows("integration.delete")).toEqual([{
      ...byOwner(), action: "integration.delete", integration_ids: [id], provider: "github", project: null,
      details: response.body,
    }]);
  });

  it("a change by the service is audited as the service's", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { config: { a: 1 } }, { token: stack.serviceKey })).status).toBe(200);
    const [row] = await auditRows("integration.update");
    expect(row).toMatchObject({ actor_type: "service", actor_id: null, actor_role: "service", integration_ids: [id] });
  });

  it("refused changes (400, 403, 404, 409) write no audit row", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const [{ count: before }] = await stack.sql`select count(*)::int as count from sfp.audit_log`;

    expect((await patch(id, { config: ["x"] })).status).toBe(400);
    expect((await patch(id, { projects: ["acme/nope"] })).status).toBe(400);
    expect((await patch(id, { credentials: pat2 }, { token: stack.member.token })).status).toBe(403);
    expect((await rollback(id, { version: 5 })).status).toBe(404);
    expect((await patch(id, { credentials: pat2, version: 4 })).status).toBe(409);
    expect((await deleteIntegration(id, stack.member.token)).status).toBe(403);

    const [{ count: after }] = await stack.sql`select count(*)::int as count from sfp.audit_log`;
    expect(after).toBe(before);
  });

  it("no audit row of a whole lifecycle contains a credential value", async () => {
    await createProject("acme/core");
    await createProject("acme/sales");
    const id = await createGithubPat(pat1, { projects: ["acme/core"] });
    expect((await patch(id, { credentials: pat2 })).status).toBe(200);
    expect((await patch(id, { authType: "oauth", credentials: oauth1 }, { headers: { "if-match": '"2"' } })).status).toBe(200);
    expect((await patch(id, { authType: "pat", credentials: pat3, version: 3 })).status).toBe(200);
    expect((await patch(id, { credentials: patOther, version: 1 })).status).toBe(409);
    expect((await patch(id, { config: { a: 1 }, projects: ["acme/core", "acme/sales"] })).status).toBe(200);
    expect((await rollback(id, { version: 2 })).status).toBe(200);
    expect((await read("?provider=github&project=acme/core")).status).toBe(200);
    const jira = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "jira", authType: "basic_auth", credentials: jira1, projects: ["acme/sales"] },
    });
    expect(jira.status).toBe(201);
    expect((await deleteProject("acme/core")).status).toBe(200);
    expect((await deleteProject("acme/sales", "?force=true")).status).toBe(200);
    expect((await deleteIntegration(id)).status).toBe(200);

    const rows = await stack.sql<{ action: string; row: string }[]>`
      select action, to_jsonb(a)::text as row from sfp.audit_log a order by id`;
    expect(rows.map((row) => row.action)).toEqual(expect.arrayContaining([
      "integration.update", "integration.rollback", "integration.delete", "project.delete",
    ]));
    for (const { row } of rows) {
      for (const secret of SECRETS) expect(row).not.toContain(secret);
    }
  });
});

describe("DELETE /projects/{identifier}", () => {
  const REFUSED = (identifier: string, count: number) =>
    `Project '${identifier}' has ${count} integration(s) scoped to it alone; delete them or re-scope them first, or pass force=true to remove that scope`;

  async function storedProjects() {
    const rows = await stack.sql`select identifier from sfp.projects order by identifier`;
    return rows.map((row) => row.identifier);
  }

  async function scopeRows() {
    const rows = await stack.sql`
      select ip.integration_id, p.identifier from sfp.integration_projects ip join sfp.projects p on p.id = ip.project_id
      order by ip.integration_id, p.identifier`;
    return rows.map((row) => ({ ...row }));
  }

  it("deletes a project without integrations: 200 with the project, gone, audited", async () => {
    const project = await createProject("acme/core");

    const response = await deleteProject("acme/core");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: project.id,
      identifier: "acme/core",
      remote_url: "https://github.com/acme/core",
      platform: "github",
      configuration: {},
      version: 1,
      created_at: expect.stringMatching(TIMESTAMP),
      updated_at: expect.stringMatching(TIMESTAMP),
      integrations: [],
    });
    expect(await storedProjects()).toEqual([]);
    expectError(await stack.api("GET", `/projects/${encodeURIComponent("acme/core")}`, { token: stack.owner.token }), 404,
      "Project 'acme/core' not found");
    expect(await auditRows("project.delete")).toEqual([{
      ...byOwner(), action: "project.delete", integration_ids: [], provider: null, project: "acme/core",
      details: { ...response.body, forced: false },
    }]);
  });

  it("is refused with 409 and the ids while an integration is scoped to it alone; nothing is deleted", async () => {
    await createProject("acme/core");
    const id = await createGithubPat(pat1, { projects: ["acme/core"] });
    const scopesBefore = await scopeRows();
    const [{ count: auditBefore }] = await stack.sql`select count(*)::int as count from sfp.audit_log`;

    expectError(await deleteProject("acme/core"), 409, REFUSED("acme/core", 1), { integrationIds: [id] });
    expect(await storedProjects()).toEqual(["acme/core"]);
    expect(await scopeRows()).toEqual(scopesBefore);
    const [{ count: auditAfter }] = await stack.sql`select count(*)::int as count from sfp.audit_log`;
    expect(auditAfter).toBe(auditBefore);
    expect((await read("?provider=github&project=acme/core")).body).toEqual([githubRead(id, pat1)]);
  });

  it("is refused naming every integration scoped to it alone, and only those", async () => {
    await createProject("acme/core");
    await createProject("acme/sales");
    const a = await createGithubPat(pat1, { projects: ["acme/core"] });
    const b = await createGithubPat(pat2, { projects: ["acme/core"] });
    await createGithubPat(pat3, { projects: ["acme/core", "acme/sales"] });
    await createGithubPat(patOther, { isGlobal: true });

    expectError(await deleteProject("acme/core"), 409, REFUSED("acme/core", 2), { integrationIds: [a, b].sort() });
    expect(await storedProjects()).toEqual(["acme/core", "acme/sales"]);
  });

  it("is refused with force=false like without force", async () => {
    await createProject("acme/core");
    const id = await createGithubPat(pat1, { projects: ["acme/core"] });
    expectError(await deleteProject("acme/core", "?force=false"), 409, REFUSED("acme/core", 1), { integrationIds: [id] });
    expect(await storedProjects()).toEqual(["acme/core"]);
  });

  it("is not blocked by an integration also scoped to another project, which keeps that scope", async () => {
    await createProject("acme/core");
    await createProject("acme/sales");
    const shared = await createGithubPat(pat1, { projects: ["acme/core", "acme/sales"] });

    const response = await deleteProject("acme/core");
    expect(response.status).toBe(200);
    expect(await storedProjects()).toEqual(["acme/sales"]);
    expect((await getIntegration(shared)).body).toMatchObject({ is_global: false, projects: ["acme/sales"] });
    expect((await read("?provider=github&project=acme/sales")).body).toEqual([githubRead(shared, pat1)]);
    expect(await auditRows("project.delete")).toEqual([expect.objectContaining({
      integration_ids: [], project: "acme/core", details: { ...response.body, forced: false },
    })]);
  });

  it("is not blocked by a global integration, which stays global", async () => {
    await createProject("acme/core");
    const global = await createGithubPat(pat1, { isGlobal: true });

    expect((await deleteProject("acme/core")).status).toBe(200);
    expect((await getIntegration(global)).body).toMatchObject({ is_global: true, projects: [] });
    expect((await read("?provider=github")).body).toEqual([githubRead(global, pat1)]);
  });

  it("with force=true deletes the project and that scope: the integration remains, unscoped, and no read returns it", async () => {
    await createProject("acme/core");
    await createProject("acme/sales");
    const id = await createGithubPat(pat1, { projects: ["acme/core"] });

    const response = await deleteProject("acme/core", "?force=true");
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ identifier: "acme/core" });
    expect(await storedProjects()).toEqual(["acme/sales"]);

    const integration = await getIntegration(id);
    expect(integration.status).toBe(200);
    expect(integration.body).toMatchObject({ id, is_global: false, projects: [] });
    expect(await stack.sql`select * from sfp.integration_projects where integration_id = ${id}`).toEqual([]);
    expectError(await read("?provider=github"), 404, "No integration found for provider=github");
    expectError(await read(""), 404, "No integration found");
    expectError(await read("?provider=github&project=acme/sales"), 404,
      "No integration found for provider=github, project=acme/sales");
    expectError(await read("?provider=github&project=acme/core"), 404, "Project 'acme/core' not found");

    expect(await auditRows("project.delete")).toEqual([{
      ...byOwner(), action: "project.delete", integration_ids: [id], provider: null, project: "acme/core",
      details: { ...response.body, forced: true },
    }]);
  });

  it("after force=true an owner can give the integration a scope again, and reads return it", async () => {
    await createProject("acme/core");
    await createProject("acme/sales");
    const id = await createGithubPat(pat1, { projects: ["acme/core"] });
    expect((await deleteProject("acme/core", "?force=true")).status).toBe(200);

    const response = await patch(id, { projects: ["acme/sales"] });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ is_global: false, projects: ["acme/sales"], version: 2 });
    expect((await read("?provider=github&project=acme/sales")).body).toEqual([githubRead(id, pat1)]);
  });

  it("a project registered again under the same identifier does not get the old scope back", async () => {
    await createProject("acme/core");
    const id = await createGithubPat(pat1, { projects: ["acme/core"] });
    expect((await deleteProject("acme/core", "?force=true")).status).toBe(200);
    await createProject("acme/core");

    expectError(await read("?provider=github&project=acme/core"), 404,
      "No integration found for provider=github, project=acme/core");
    expect((await getIntegration(id)).body).toMatchObject({ projects: [] });
  });

  it("answers 404 for an unknown project", async () => {
    expectError(await deleteProject("acme/unknown"), 404, "Project 'acme/unknown' not found");
    expectError(await deleteProject("acme/unknown", "?force=true"), 404, "Project 'acme/unknown' not found");
  });

  it("refuses force=maybe with 400, and deletes nothing", async () => {
    await createProject("acme/core");
    expectError(await deleteProject("acme/core", "?force=maybe"), 400, "force: force must be true or false");
    expect(await storedProjects()).toEqual(["acme/core"]);
  });

  it("refuses a member with 403, and deletes nothing", async () => {
    await createProject("acme/core");
    expectError(await deleteProject("acme/core", "", stack.member.token), 403, OWNER_ONLY);
    expectError(await deleteProject("acme/core", "?force=true", stack.member.token), 403, OWNER_ONLY);
    expect(await storedProjects()).toEqual(["acme/core"]);
    expect(await auditRows("project.delete")).toEqual([]);
  });

  it("refuses an application token with 403 and no token with 401, and deletes nothing", async () => {
    await createProject("acme/core");
    const token = await applicationToken();
    expectError(await deleteProject("acme/core", "", token), 403, OWNER_ONLY);
    expectError(await deleteProject("acme/core", "", null), 401, MISSING_TOKEN);
    expect(await storedProjects()).toEqual(["acme/core"]);
  });
});

describe("concurrent changes of auth type, scope and projects", () => {
  // The PATCH checks new credentials against the auth type read before its transaction, then
  // writes that auth type with them: a concurrent auth type change is overwritten, never left
  // paired with credentials of another type.
  it("credentials checked against an auth type that a concurrent change replaces are stored with the auth type they fit", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });

    let toOauth: Promise<ApiResponse> | undefined;
    let newPat: Promise<ApiResponse> | undefined;
    // Hold the integration's row lock so both requests pass their checks before either writes.
    await stack.sql.begin(async (tx) => {
      await tx`select 1 from sfp.integrations where id = ${id} for update`;
      toOauth = patch(id, { authType: "oauth", credentials: oauth1 });
      await waitForLockWaiters(1);
      newPat = patch(id, { credentials: pat2 });
      await waitForLockWaiters(2);
    });
    const [a, b] = await Promise.all([toOauth!, newPat!]);
    expect([a.status, b.status]).toEqual([200, 200]);

    const [pair] = (await read("?provider=github")).body;
    expect([githubRead(id, oauth1, "oauth"), githubRead(id, pat2, "pat")]).toContainEqual(pair);
    expect((await getIntegration(id)).body).toMatchObject({ auth_type: pair.auth_type, version: 3, versions: [1, 2, 3] });
  });

  // Two deletions of projects sharing one integration used to both pass (a snapshot check);
  // the integrations scoped to the project are now locked first, so the second is refused.
  it("deleting two projects at once that share one integration: the second is refused and the integration keeps a scope", async () => {
    await createProject("acme/core");
    await createProject("acme/sales");
    const shared = await createGithubPat(pat1, { projects: ["acme/core", "acme/sales"] });

    let deleteCore: Promise<ApiResponse> | undefined;
    let deleteSales: Promise<ApiResponse> | undefined;
    // Hold the scope rows, so both deletions pass their check before either removes a scope.
    await stack.sql.begin(async (tx) => {
      await tx`select 1 from sfp.integration_projects where integration_id = ${shared} for update`;
      deleteCore = deleteProject("acme/core");
      await waitForLockWaiters(1);
      deleteSales = deleteProject("acme/sales");
      await waitForLockWaiters(2);
    });
    const statuses = (await Promise.all([deleteCore!, deleteSales!])).map((response) => response.status);

    expect(statuses.sort()).toEqual([200, 409]);
    expect((await getIntegration(shared)).body.projects).toHaveLength(1);
  });

  // A PATCH scoping to a project being deleted used to fail on the foreign key (500); the
  // scoping now holds the projects' rows, so it sees the deletion or the deletion waits.
  it("scoping an integration to a project deleted at that moment answers 400, never 500", async () => {
    await createProject("acme/core");
    await createProject("acme/sales");
    const shared = await createGithubPat(pat1, { projects: ["acme/core", "acme/sales"] });
    const id = await createGithubPat(pat2, { isGlobal: true });

    let deletion: Promise<ApiResponse> | undefined;
    let rescope: Promise<ApiResponse> | undefined;
    await stack.sql.begin(async (tx) => {
      // The deletion locks the project, then waits here to remove the shared integration's scope.
      await tx`select 1 from sfp.integration_projects where integration_id = ${shared} for update`;
      deletion = deleteProject("acme/core");
      await waitForLockWaiters(1);
      // The PATCH sees the project (not yet deleted) and waits on its row to insert the scope.
      rescope = patch(id, { projects: ["acme/core"] });
      await waitForLockWaiters(2);
    });
    const [deleted, response] = await Promise.all([deletion!, rescope!]);
    expect(deleted.status).toBe(200);

    expectError(response, 400, "Project 'acme/core' not found");
    expect((await getIntegration(id)).body).toMatchObject({ is_global: true, version: 1 });
  });
});
