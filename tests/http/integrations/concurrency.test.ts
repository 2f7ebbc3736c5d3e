/**
 * Changes made to race by holding a row lock until both have passed their checks: an auth type
 * change against new credentials, two deletions of projects that share one integration, a scope
 * change against the deletion of its project. Each ends consistent, never in a 500.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../support/http.ts";
import { githubRead, integrationCalls, oauth1, pat1, pat2 } from "../../support/integrations.ts";
import { type ApiResponse, useTestStack } from "../../support/test-stack.ts";

const stack = useTestStack();
const {
  createProject, createGithubPat, getIntegration, patch, deleteProject, read, waitForLockWaiters,
} = integrationCalls(stack);

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
