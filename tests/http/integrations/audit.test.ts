/**
 * Every change of an integration is audited (integration.update, integration.rollback,
 * integration.delete) with its actor, ids and details, and never a credential value; a refused
 * change writes no audit row.
 */
import { describe, expect, it } from "vitest";
import { integrationCalls, jira1, oauth1, pat1, pat2, pat3, patOther, SECRETS } from "../../support/integrations.ts";
import { useTestStack } from "../../support/test-stack.ts";

const stack = useTestStack();
const {
  createProject, createGithubPat, patch, rollback, deleteIntegration, deleteProject, read, auditRows, byOwner,
} = integrationCalls(stack);

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
