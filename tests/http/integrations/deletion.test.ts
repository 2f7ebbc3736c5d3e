/**
 * DELETE /integrations/{id}: gone from every read, listing and table at once (versions and scope
 * included), other integrations untouched; once deleted, a delete, a change or a rollback of it
 * gets 404.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../support/http.ts";
import { githubRead, integrationCalls, notFound, pat1, pat2, patOther } from "../../support/integrations.ts";
import { useTestStack } from "../../support/test-stack.ts";

const stack = useTestStack();
const {
  createProject, createGithubPat, getIntegration, patch, rollback, deleteIntegration, read, auditRows,
} = integrationCalls(stack);

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
