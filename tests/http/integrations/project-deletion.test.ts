/**
 * DELETE /projects/{identifier}: refused (409, integrationIds) while integrations are scoped to
 * it alone, unless force=true, which leaves them unscoped and unread; an integration also scoped
 * to another project, or global, does not block it; owners only; audited as project.delete.
 */
import { describe, expect, it } from "vitest";
import { expectError, TIMESTAMP } from "../../support/http.ts";
import { githubRead, integrationCalls, pat1, pat2, pat3, patOther } from "../../support/integrations.ts";
import { MISSING_TOKEN, OWNER_ONLY } from "../../support/messages.ts";
import { useTestStack } from "../../support/test-stack.ts";

const stack = useTestStack();
const {
  createProject, createGithubPat, getIntegration, patch, deleteProject, read, applicationToken, auditRows, byOwner,
} = integrationCalls(stack);

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
