/**
 * Which credentials a read returns, and in what order: project-scoped integrations take
 * precedence over global ones per provider, globals are the fallback, a read without a
 * project sees globals only, and results are ordered by provider then creation. Also: the
 * older POST form of the read, the /functions/v1 prefix, the snake_case request spellings,
 * and that listings (integrations, projects) show metadata and never a credential.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../support/http.ts";
import { githubRead, integrationCalls, jiraRead } from "../support/integrations.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();
const { createProject, createGithubPat, createJiraBasic, read } = integrationCalls(stack);

// Made-up secrets, each distinct so a test can tell which one came back.
const githubGlobal = { token: "ghp_madeUpGlobal000000000000000000000000" };
const githubCore = { token: "ghp_madeUpCore00000000000000000000000000" };
const githubCore2 = { token: "ghp_madeUpCoreSecond00000000000000000000" };
const githubSales = { token: "ghp_madeUpSales0000000000000000000000000" };
const jiraGlobal = { base_url: "https://acme.atlassian.net", username: "sfp@acme.com", api_token: "ATATT-made-up-global" };
const jiraGlobal2 = { base_url: "https://acme2.atlassian.net", username: "sfp@acme.com", api_token: "ATATT-made-up-global-2" };
const jiraCore = { base_url: "https://core.atlassian.net", username: "core@acme.com", api_token: "ATATT-made-up-core" };

describe("precedence", () => {
  it("returns the project-scoped GitHub integration, not the global one, for that project", async () => {
    await createProject("acme/core");
    await createGithubPat(githubGlobal, { isGlobal: true });
    const scoped = await createGithubPat(githubCore, { projects: ["acme/core"] });

    const response = await read("?provider=github&project=acme/core");
    expect(response.status).toBe(200);
    expect(response.body).toEqual([githubRead(scoped, githubCore)]);
    expect(response.text).not.toContain(githubGlobal.token);
  });

  it("applies precedence per provider when no provider is given: scoped GitHub, global Jira", async () => {
    await createProject("acme/core");
    await createGithubPat(githubGlobal, { isGlobal: true });
    const jira = await createJiraBasic(jiraGlobal, { isGlobal: true });
    const scoped = await createGithubPat(githubCore, { projects: ["acme/core"] });

    const response = await read("?project=acme/core");
    expect(response.status).toBe(200);
    expect(response.body).toEqual([githubRead(scoped, githubCore), jiraRead(jira, jiraGlobal)]);
  });

  it("falls back to the global integration for a project with none of that provider scoped to it", async () => {
    await createProject("acme/core");
    await createProject("acme/sales");
    const global = await createGithubPat(githubGlobal, { isGlobal: true });
    await createGithubPat(githubCore, { projects: ["acme/core"] });

    const response = await read("?provider=github&project=acme/sales");
    expect(response.status).toBe(200);
    expect(response.body).toEqual([githubRead(global, githubGlobal)]);
  });

  it("falls back to a global Jira for a project whose only scoped integration is GitHub", async () => {
    await createProject("acme/core");
    const jira = await createJiraBasic(jiraGlobal, { isGlobal: true });
    await createGithubPat(githubCore, { projects: ["acme/core"] });

    const response = await read("?provider=jira&project=acme/core");
    expect(response.status).toBe(200);
    expect(response.body).toEqual([jiraRead(jira, jiraGlobal)]);
  });

  it("never returns an integration scoped to another project", async () => {
    await createProject("acme/core");
    await createProject("acme/sales");
    await createGithubPat(githubSales, { projects: ["acme/sales"] });

    const response = await read("?provider=github&project=acme/core");
    expectError(response, 404, "No integration found for provider=github, project=acme/core");
    expect(response.text).not.toContain(githubSales.token);
  });

  it("returns an integration scoped to two projects for each of them", async () => {
    await createProject("acme/core");
    await createProject("acme/sales");
    const shared = await createGithubPat(githubCore, { projects: ["acme/core", "acme/sales"] });

    for (const project of ["acme/core", "acme/sales"]) {
      const response = await read(`?provider=github&project=${project}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual([githubRead(shared, githubCore)]);
    }
  });
});

describe("reads without a project", () => {
  it("return the global integrations only, never project-scoped ones", async () => {
    await createProject("acme/core");
    const global = await createGithubPat(githubGlobal, { isGlobal: true });
    await createGithubPat(githubCore, { projects: ["acme/core"] });
    await createJiraBasic(jiraCore, { projects: ["acme/core"] });

    const response = await read("?provider=github");
    expect(response.status).toBe(200);
    expect(response.body).toEqual([githubRead(global, githubGlobal)]);
  });

  it("return every provider's globals when no filter is given at all", async () => {
    await createProject("acme/core");
    const jira = await createJiraBasic(jiraGlobal, { isGlobal: true });
    const github = await createGithubPat(githubGlobal, { isGlobal: true });
    await createGithubPat(githubCore, { projects: ["acme/core"] });

    const response = await read("");
    expect(response.status).toBe(200);
    expect(response.body).toEqual([githubRead(github, githubGlobal), jiraRead(jira, jiraGlobal)]);
    expect(response.text).not.toContain(githubCore.token);
  });
});

describe("order", () => {
  it("is by provider, then creation time, for scoped integrations and global fallbacks alike", async () => {
    await createProject("acme/core");
    // Created interleaved, so that creation order alone would not give the expected result.
    const jira1 = await createJiraBasic(jiraGlobal, { isGlobal: true });
    const github1 = await createGithubPat(githubCore, { projects: ["acme/core"] });
    const jira2 = await createJiraBasic(jiraGlobal2, { isGlobal: true });
    const github2 = await createGithubPat(githubCore2, { projects: ["acme/core"] });

    const response = await read("?project=acme/core");
    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      githubRead(github1, githubCore),
      githubRead(github2, githubCore2),
      jiraRead(jira1, jiraGlobal),
      jiraRead(jira2, jiraGlobal2),
    ]);
  });

  it("is by provider, then creation time, for a read without a project", async () => {
    const jira1 = await createJiraBasic(jiraGlobal, { isGlobal: true });
    const github1 = await createGithubPat(githubGlobal, { isGlobal: true });
    const jira2 = await createJiraBasic(jiraGlobal2, { isGlobal: true });

    const response = await read("");
    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      githubRead(github1, githubGlobal),
      jiraRead(jira1, jiraGlobal),
      jiraRead(jira2, jiraGlobal2),
    ]);
  });
});

describe("the older POST /integrations/credentials form", () => {
  it("returns the same result as GET for provider and project", async () => {
    await createProject("acme/core");
    await createGithubPat(githubGlobal, { isGlobal: true });
    await createGithubPat(githubCore, { projects: ["acme/core"] });
    await createJiraBasic(jiraGlobal, { isGlobal: true });

    const viaGet = await read("?provider=github&project=acme/core");
    const viaPost = await stack.api("POST", "/integrations/credentials", {
      token: stack.owner.token,
      body: { provider: "github", project: "acme/core" },
    });
    expect(viaGet.status).toBe(200);
    expect(viaPost.status).toBe(200);
    expect(viaPost.body).toEqual(viaGet.body);
  });

  it("returns the same result as GET for a project only", async () => {
    await createProject("acme/core");
    await createGithubPat(githubCore, { projects: ["acme/core"] });
    await createJiraBasic(jiraGlobal, { isGlobal: true });

    const viaGet = await read("?project=acme/core");
    const viaPost = await stack.api("POST", "/integrations/credentials", {
      token: stack.owner.token,
      body: { project: "acme/core" },
    });
    expect(viaGet.status).toBe(200);
    expect(viaGet.body).toHaveLength(2);
    expect(viaPost.status).toBe(200);
    expect(viaPost.body).toEqual(viaGet.body);
  });

  it("returns the same result as GET for an empty filter: the globals", async () => {
    await createProject("acme/core");
    const global = await createGithubPat(githubGlobal, { isGlobal: true });
    await createGithubPat(githubCore, { projects: ["acme/core"] });

    const viaPost = await stack.api("POST", "/integrations/credentials", { token: stack.owner.token, body: {} });
    expect(viaPost.status).toBe(200);
    expect(viaPost.body).toEqual([githubRead(global, githubGlobal)]);
    expect((await read("")).body).toEqual(viaPost.body);
  });
});

describe("the /functions/v1 prefix", () => {
  it("serves project creation, integration creation and the credential read the same as /sfp/api", async () => {
    const prefix = "/functions/v1" as const;
    const project = await stack.api("POST", "/projects", {
      token: stack.owner.token,
      prefix,
      body: { identifier: "acme/core", remoteUrl: "https://github.com/acme/core" },
    });
    expect(project.status).toBe(201);
    const created = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      prefix,
      body: { provider: "github", authType: "pat", credentials: githubCore, projects: ["acme/core"] },
    });
    expect(created.status).toBe(201);

    const viaFunctions = await stack.api("GET", "/integrations/credentials?provider=github&project=acme/core", {
      token: stack.owner.token,
      prefix,
    });
    expect(viaFunctions.status).toBe(200);
    expect(viaFunctions.body).toEqual([githubRead(created.body.id, githubCore)]);
    const viaSfp = await read("?provider=github&project=acme/core");
    expect(viaSfp.body).toEqual(viaFunctions.body);
  });

  it("serves GET /projects/{url-encoded identifier} the same as /sfp/api", async () => {
    await createProject("acme/core");
    const path = `/projects/${encodeURIComponent("acme/core")}`;
    const viaFunctions = await stack.api("GET", path, { token: stack.owner.token, prefix: "/functions/v1" });
    const viaSfp = await stack.api("GET", path, { token: stack.owner.token });
    expect(viaFunctions.status).toBe(200);
    expect(viaFunctions.body).toEqual(viaSfp.body);
    expect(viaFunctions.body.identifier).toBe("acme/core");
  });

  it("answers a path no route of a known function takes with the path under the function, under either prefix", async () => {
    for (const prefix of ["/functions/v1", "/sfp/api"] as const) {
      const response = await stack.api("GET", "/health/nowhere/%7Eat-all", { token: stack.owner.token, prefix });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ statusCode: 404, message: "Cannot GET /health/nowhere/~at-all", error: "Not Found" });
    }
  });
});

describe("snake_case request fields", () => {
  it("accepts auth_type and is_global in place of authType and isGlobal", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "jira", auth_type: "basic_auth", credentials: jiraGlobal, is_global: true },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ provider: "jira", auth_type: "basic_auth", is_global: true, projects: [] });
    const rows = await stack.sql`select provider, auth_type, is_global from sfp.integrations`;
    expect(rows.map((row) => ({ ...row }))).toEqual([{ provider: "jira", auth_type: "basic_auth", is_global: true }]);
    expect((await read("?provider=jira")).body).toEqual([jiraRead(response.body.id, jiraGlobal)]);
  });

  it("accepts both spellings when they agree", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", auth_type: "pat", credentials: githubGlobal, isGlobal: true, is_global: true },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ provider: "github", auth_type: "pat", is_global: true });
  });

  it("refuses authType and auth_type that disagree, and stores nothing", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", auth_type: "oauth", credentials: githubGlobal, isGlobal: true },
    });
    expectError(response, 400, "authType and auth_type disagree: send one of them");
    const [{ count }] = await stack.sql<{ count: number }[]>`select count(*)::int as count from sfp.integrations`;
    expect(count).toBe(0);
  });

  it("refuses isGlobal and is_global that disagree, and stores nothing", async () => {
    await createProject("acme/core");
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubGlobal, isGlobal: true, is_global: false },
    });
    expectError(response, 400, "isGlobal and is_global disagree: send one of them");
    const [{ count }] = await stack.sql<{ count: number }[]>`select count(*)::int as count from sfp.integrations`;
    expect(count).toBe(0);
  });
});

describe("listings show metadata, never credentials", () => {
  it("GET /integrations?provider=github lists only GitHub integrations' metadata", async () => {
    await createProject("acme/core");
    const global = await createGithubPat(githubGlobal, { isGlobal: true });
    const scoped = await createGithubPat(githubCore, { projects: ["acme/core"] });
    await createJiraBasic(jiraGlobal, { isGlobal: true });

    const response = await stack.api("GET", "/integrations?provider=github", { token: stack.owner.token });
    expect(response.status).toBe(200);
    const metadata = (id: string, isGlobal: boolean, projects: string[]) => ({
      id,
      provider: "github",
      auth_type: "pat",
      is_global: isGlobal,
      projects,
      config: {},
      version: 1,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(response.body).toEqual([metadata(global, true, []), metadata(scoped, false, ["acme/core"])]);
    expect(response.text).not.toContain(githubGlobal.token);
    expect(response.text).not.toContain(githubCore.token);
    expect(response.text).not.toContain("credentials");
  });

  it("GET /integrations without a provider lists every integration by provider, then creation", async () => {
    const jira = await createJiraBasic(jiraGlobal, { isGlobal: true });
    const github = await createGithubPat(githubGlobal, { isGlobal: true });

    const response = await stack.api("GET", "/integrations", { token: stack.owner.token });
    expect(response.status).toBe(200);
    expect(response.body.map((item: { id: string; provider: string }) => [item.provider, item.id])).toEqual([
      ["github", github],
      ["jira", jira],
    ]);
    expect(response.text).not.toContain(githubGlobal.token);
    expect(response.text).not.toContain(jiraGlobal.api_token);
  });

  it("GET /projects lists each project with the integrations that apply to it, without credentials", async () => {
    await createProject("acme/core");
    await createProject("acme/sales");
    const jira = await createJiraBasic(jiraGlobal, { isGlobal: true });
    const github = await createGithubPat(githubCore, { projects: ["acme/core"] });

    const response = await stack.api("GET", "/projects", { token: stack.owner.token });
    expect(response.status).toBe(200);
    const item = (id: string, provider: string, authType: string, isGlobal: boolean) => ({
      id,
      provider,
      auth_type: authType,
      is_global: isGlobal,
      created_at: expect.any(String),
    });
    expect(response.body).toEqual([
      expect.objectContaining({
        identifier: "acme/core",
        integrations: [item(github, "github", "pat", false), item(jira, "jira", "basic_auth", true)],
      }),
      expect.objectContaining({ identifier: "acme/sales", integrations: [item(jira, "jira", "basic_auth", true)] }),
    ]);
    expect(response.text).not.toContain(githubCore.token);
    expect(response.text).not.toContain(jiraGlobal.api_token);
    expect(response.text).not.toContain("credentials");
  });

  it("GET /projects/{url-encoded identifier} shows the project's integrations without credentials", async () => {
    const project = await createProject("acme/core");
    const jira = await createJiraBasic(jiraGlobal, { isGlobal: true });
    const github = await createGithubPat(githubCore, { projects: ["acme/core"] });

    const response = await stack.api("GET", `/projects/${encodeURIComponent("acme/core")}`, { token: stack.owner.token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: project.id,
      identifier: "acme/core",
      remote_url: "https://github.com/acme/core",
      platform: "github",
      configuration: {},
      version: 1,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      integrations: [
        { id: github, provider: "github", auth_type: "pat", is_global: false, created_at: expect.any(String) },
        { id: jira, provider: "jira", auth_type: "basic_auth", is_global: true, created_at: expect.any(String) },
      ],
    });
    expect(response.text).not.toContain(githubCore.token);
    expect(response.text).not.toContain(jiraGlobal.api_token);
  });
});
