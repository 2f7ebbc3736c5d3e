/**
 * Every error message the Integrations documentation (../shared/reference/
 * sfp-server-integrations.md, "Troubleshooting") and the API notes promise, exactly: its
 * status, its body {statusCode, message, error}, and, for a refused change, that nothing
 * was stored.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestStack, type TestStack } from "../support/test-stack.ts";

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(() => stack?.stop());
beforeEach(() => stack.reset());

const githubPat = { token: "ghp_madeUpForDocumentationErrors000000000" };
const jiraBasic = {
  base_url: "https://acme.atlassian.net",
  username: "sfp-service@acme.com",
  api_token: "ATATT3x-made-up-documentation-errors",
};

async function createProject(identifier: string) {
  const response = await stack.api("POST", "/projects", {
    token: stack.owner.token,
    body: { identifier, remoteUrl: `https://github.com/${identifier}` },
  });
  expect(response.status).toBe(201);
  return response.body;
}

async function storedCounts() {
  const [row] = await stack.sql<{
    projects: number;
    integrations: number;
    credential_versions: number;
    integration_projects: number;
  }[]>`select
      (select count(*) from sfp.projects)::int as projects,
      (select count(*) from sfp.integrations)::int as integrations,
      (select count(*) from sfp.credential_versions)::int as credential_versions,
      (select count(*) from sfp.integration_projects)::int as integration_projects`;
  return { ...row };
}

describe('"Either isGlobal or projects must be specified"', () => {
  it("answers 400 when a create names neither isGlobal nor projects, and stores nothing", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "jira", authType: "basic_auth", credentials: jiraBasic },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      statusCode: 400,
      message: "Either isGlobal or projects must be specified",
      error: "Bad Request",
    });
    expect(await storedCounts()).toEqual({ projects: 0, integrations: 0, credential_versions: 0, integration_projects: 0 });
  });

  it("answers 400 when isGlobal is false and projects is empty, and stores nothing", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, isGlobal: false, projects: [] },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      statusCode: 400,
      message: "Either isGlobal or projects must be specified",
      error: "Bad Request",
    });
    expect(await storedCounts()).toEqual({ projects: 0, integrations: 0, credential_versions: 0, integration_projects: 0 });
  });
});

describe('"Specify either isGlobal or projects, not both"', () => {
  it("answers 400 when a create is both global and scoped to projects, and stores nothing", async () => {
    await createProject("acme/core");
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, isGlobal: true, projects: ["acme/core"] },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      statusCode: 400,
      message: "Specify either isGlobal or projects, not both",
      error: "Bad Request",
    });
    expect(await storedCounts()).toEqual({ projects: 1, integrations: 0, credential_versions: 0, integration_projects: 0 });
  });
});

describe(`"Project 'xyz' not found"`, () => {
  it("answers 400 when a create is scoped to an unregistered project, and stores nothing", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, projects: ["xyz"] },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ statusCode: 400, message: "Project 'xyz' not found", error: "Bad Request" });
    expect(await storedCounts()).toEqual({ projects: 0, integrations: 0, credential_versions: 0, integration_projects: 0 });
  });

  it("answers 400 naming the first unregistered project when others exist, and stores nothing", async () => {
    await createProject("acme/core");
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, projects: ["acme/core", "xyz", "acme/other"] },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ statusCode: 400, message: "Project 'xyz' not found", error: "Bad Request" });
    expect(await storedCounts()).toEqual({ projects: 1, integrations: 0, credential_versions: 0, integration_projects: 0 });
  });

  it("answers 404 on a credentials read for an unregistered project", async () => {
    const response = await stack.api("GET", "/integrations/credentials?provider=jira&project=xyz", { token: stack.owner.token });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ statusCode: 404, message: "Project 'xyz' not found", error: "Not Found" });
  });

  it("answers 404 on a credentials read for an unregistered project even when a global integration exists", async () => {
    const created = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "jira", authType: "basic_auth", credentials: jiraBasic, isGlobal: true },
    });
    expect(created.status).toBe(201);
    const response = await stack.api("GET", "/integrations/credentials?project=xyz", { token: stack.owner.token });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ statusCode: 404, message: "Project 'xyz' not found", error: "Not Found" });
    expect(response.text).not.toContain(jiraBasic.api_token);
  });

  it("answers 404 on the POST form of the credentials read for an unregistered project", async () => {
    const response = await stack.api("POST", "/integrations/credentials", {
      token: stack.owner.token,
      body: { provider: "jira", project: "xyz" },
    });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ statusCode: 404, message: "Project 'xyz' not found", error: "Not Found" });
  });

  it("answers 404 on GET /projects/{url-encoded identifier} for an unregistered project", async () => {
    const response = await stack.api("GET", `/projects/${encodeURIComponent("acme/missing")}`, { token: stack.owner.token });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ statusCode: 404, message: "Project 'acme/missing' not found", error: "Not Found" });
  });
});

describe('"No integration found for ..." names every filter given, provider first', () => {
  it("answers 404 'No integration found for project=xyz' for a registered project with nothing scoped and no global", async () => {
    await createProject("xyz");
    const response = await stack.api("GET", "/integrations/credentials?project=xyz", { token: stack.owner.token });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ statusCode: 404, message: "No integration found for project=xyz", error: "Not Found" });
  });

  it("answers 404 'No integration found for provider=jira, project=xyz' when both filters are given", async () => {
    await createProject("xyz");
    // A GitHub integration for the project does not satisfy a Jira read.
    const github = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, projects: ["xyz"] },
    });
    expect(github.status).toBe(201);
    const response = await stack.api("GET", "/integrations/credentials?project=xyz&provider=jira", { token: stack.owner.token });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      statusCode: 404,
      message: "No integration found for provider=jira, project=xyz",
      error: "Not Found",
    });
  });

  it("answers 404 'No integration found for provider=github' when only a project-scoped one exists and no project is given", async () => {
    await createProject("xyz");
    const github = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, projects: ["xyz"] },
    });
    expect(github.status).toBe(201);
    const response = await stack.api("GET", "/integrations/credentials?provider=github", { token: stack.owner.token });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ statusCode: 404, message: "No integration found for provider=github", error: "Not Found" });
  });

  it("answers 404 'No integration found' when no filter is given and there is no global integration", async () => {
    const response = await stack.api("GET", "/integrations/credentials", { token: stack.owner.token });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ statusCode: 404, message: "No integration found", error: "Not Found" });
  });

  it("answers the same 404 message on the POST form of the credentials read", async () => {
    await createProject("xyz");
    const response = await stack.api("POST", "/integrations/credentials", {
      token: stack.owner.token,
      body: { provider: "jira", project: "xyz" },
    });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      statusCode: 404,
      message: "No integration found for provider=jira, project=xyz",
      error: "Not Found",
    });
  });
});

describe('"The project already exists."', () => {
  it("answers 409 to a second registration of the same identifier and keeps the first one unchanged", async () => {
    const first = await createProject("acme/core");
    const second = await stack.api("POST", "/projects", {
      token: stack.owner.token,
      body: { identifier: "acme/core", remoteUrl: "https://gitlab.com/acme/core-elsewhere" },
    });
    expect(second.status).toBe(409);
    expect(second.body).toEqual({ statusCode: 409, message: "The project already exists.", error: "Conflict" });
    const rows = await stack.sql`select id, identifier, remote_url from sfp.projects`;
    expect(rows.map((row) => ({ ...row }))).toEqual([
      { id: first.id, identifier: "acme/core", remote_url: "https://github.com/acme/core" },
    ]);
  });
});
