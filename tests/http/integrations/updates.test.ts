/**
 * Changing an integration with PATCH /integrations/{id}: credentials (validated against the
 * provider and auth type; authType only together with credentials), config and scope (the
 * errors of create). Every change is a new version, the current credentials stored again when
 * they do not change; reads follow a new scope at once; a refused change writes nothing.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../support/http.ts";
import { githubRead, integrationCalls, jira1, metadata, oauth1, pat1, pat2, patOther, readView } from "../../support/integrations.ts";
import { useTestStack } from "../../support/test-stack.ts";

const stack = useTestStack();
const {
  createProject, createGithubPat, getIntegration, patch, read, storedCredentials, storedVersions, storedState,
} = integrationCalls(stack);

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
    // The read leaves out the refresh token (issued-tokens.test.ts); the stored version has it.
    expect((await read("?provider=github")).body).toEqual([githubRead(id, readView("oauth", oauth1)!, "oauth")]);
    expect(await storedCredentials(id, 2)).toEqual(oauth1);
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
