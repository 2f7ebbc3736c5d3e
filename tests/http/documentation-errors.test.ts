/**
 * Every error message the HTTP API's documentation (docs/http-api.md) promises, exactly: its
 * status, its body {statusCode, message, error}, and, for a refused change, that nothing was
 * stored.
 */
import { describe, expect, it } from "vitest";
import { countStored, createProject, expectError } from "../support/http.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const githubPat = { token: "ghp_madeUpForDocumentationErrors000000000" };
const jiraBasic = {
  base_url: "https://acme.atlassian.net",
  username: "sfp-service@acme.com",
  api_token: "ATATT3x-made-up-documentation-errors",
};

describe('"Either isGlobal or projects must be specified"', () => {
  it("answers 400 when a create names neither isGlobal nor projects, and stores nothing", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "jira", authType: "basic_auth", credentials: jiraBasic },
    });
    expectError(response, 400, "Either isGlobal or projects must be specified");
    expect(await countStored(stack)).toEqual({ projects: 0, integrations: 0, credential_versions: 0, integration_projects: 0 });
  });

  it("answers 400 when isGlobal is false and projects is empty, and stores nothing", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, isGlobal: false, projects: [] },
    });
    expectError(response, 400, "Either isGlobal or projects must be specified");
    expect(await countStored(stack)).toEqual({ projects: 0, integrations: 0, credential_versions: 0, integration_projects: 0 });
  });
});

describe('"Specify either isGlobal or projects, not both"', () => {
  it("answers 400 when a create is both global and scoped to projects, and stores nothing", async () => {
    await createProject(stack, "acme/core");
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, isGlobal: true, projects: ["acme/core"] },
    });
    expectError(response, 400, "Specify either isGlobal or projects, not both");
    expect(await countStored(stack)).toEqual({ projects: 1, integrations: 0, credential_versions: 0, integration_projects: 0 });
  });
});

describe(`"Project 'xyz' not found"`, () => {
  it("answers 400 when a create is scoped to an unregistered project, and stores nothing", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, projects: ["xyz"] },
    });
    expectError(response, 400, "Project 'xyz' not found");
    expect(await countStored(stack)).toEqual({ projects: 0, integrations: 0, credential_versions: 0, integration_projects: 0 });
  });

  it("answers 400 naming the first unregistered project when others exist, and stores nothing", async () => {
    await createProject(stack, "acme/core");
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, projects: ["acme/core", "xyz", "acme/other"] },
    });
    expectError(response, 400, "Project 'xyz' not found");
    expect(await countStored(stack)).toEqual({ projects: 1, integrations: 0, credential_versions: 0, integration_projects: 0 });
  });

  it("answers 404 on a credentials read for an unregistered project", async () => {
    const response = await stack.api("GET", "/integrations/credentials?provider=jira&project=xyz", { token: stack.owner.token });
    expectError(response, 404, "Project 'xyz' not found");
  });

  it("answers 404 on a credentials read for an unregistered project even when a global integration exists", async () => {
    const created = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "jira", authType: "basic_auth", credentials: jiraBasic, isGlobal: true },
    });
    expect(created.status).toBe(201);
    const response = await stack.api("GET", "/integrations/credentials?project=xyz", { token: stack.owner.token });
    expectError(response, 404, "Project 'xyz' not found");
    expect(response.text).not.toContain(jiraBasic.api_token);
  });

  it("answers 404 on the POST form of the credentials read for an unregistered project", async () => {
    const response = await stack.api("POST", "/integrations/credentials", {
      token: stack.owner.token,
      body: { provider: "jira", project: "xyz" },
    });
    expectError(response, 404, "Project 'xyz' not found");
  });

  it("answers 404 on GET /projects/{url-encoded identifier} for an unregistered project", async () => {
    const response = await stack.api("GET", `/projects/${encodeURIComponent("acme/missing")}`, { token: stack.owner.token });
    expectError(response, 404, "Project 'acme/missing' not found");
  });
});

describe('"No integration found for ..." names every filter given, provider first', () => {
  it("answers 404 'No integration found for project=xyz' for a registered project with nothing scoped and no global", async () => {
    await createProject(stack, "xyz");
    const response = await stack.api("GET", "/integrations/credentials?project=xyz", { token: stack.owner.token });
    expectError(response, 404, "No integration found for project=xyz");
  });

  it("answers 404 'No integration found for provider=jira, project=xyz' when both filters are given", async () => {
    await createProject(stack, "xyz");
    // A GitHub integration for the project does not satisfy a Jira read.
    const github = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, projects: ["xyz"] },
    });
    expect(github.status).toBe(201);
    const response = await stack.api("GET", "/integrations/credentials?project=xyz&provider=jira", { token: stack.owner.token });
    expectError(response, 404, "No integration found for provider=jira, project=xyz");
  });

  it("answers 404 'No integration found for provider=github' when only a project-scoped one exists and no project is given", async () => {
    await createProject(stack, "xyz");
    const github = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, projects: ["xyz"] },
    });
    expect(github.status).toBe(201);
    const response = await stack.api("GET", "/integrations/credentials?provider=github", { token: stack.owner.token });
    expectError(response, 404, "No integration found for provider=github");
  });

  it("answers 404 'No integration found' when no filter is given and there is no global integration", async () => {
    const response = await stack.api("GET", "/integrations/credentials", { token: stack.owner.token });
    expectError(response, 404, "No integration found");
  });

  it("answers the same 404 message on the POST form of the credentials read", async () => {
    await createProject(stack, "xyz");
    const response = await stack.api("POST", "/integrations/credentials", {
      token: stack.owner.token,
      body: { provider: "jira", project: "xyz" },
    });
    expectError(response, 404, "No integration found for provider=jira, project=xyz");
  });
});

describe('"The project already exists."', () => {
  it("answers 409 to a second registration of the same identifier and keeps the first one unchanged", async () => {
    const first = await createProject(stack, "acme/core");
    const second = await stack.api("POST", "/projects", {
      token: stack.owner.token,
      body: { identifier: "acme/core", remoteUrl: "https://gitlab.com/acme/core-elsewhere" },
    });
    expectError(second, 409, "The project already exists.");
    const rows = await stack.sql`select id, identifier, remote_url from sfp.projects`;
    expect(rows.map((row) => ({ ...row }))).toEqual([
      { id: first.id, identifier: "acme/core", remote_url: "https://github.com/acme/core" },
    ]);
  });
});
