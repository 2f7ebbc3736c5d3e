/**
 * Reading an integration's metadata, and who may act on an integration at all:
 *   - GET /integrations/{id}: metadata (version, kept versions; ETag "<version>"), never
 *     credentials; 404 for an unknown id, 400 for a non-UUID one; owners (and the service) only;
 *   - GET, PATCH, rollback and DELETE of /integrations/{id}: a member, an application token and a
 *     signed-in non-member get 403, no token 401, and nothing changes; an unknown id gets 404
 *     naming it, a non-UUID one 400.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { expectError } from "../../support/http.ts";
import { integrationCalls, metadata, notFound, pat1, pat2 } from "../../support/integrations.ts";
import { MISSING_TOKEN, OWNER_ONLY } from "../../support/messages.ts";
import { type ApiResponse, useTestStack } from "../../support/test-stack.ts";

const stack = useTestStack();
const {
  createProject, createGithubPat, getIntegration, patch, rollback, deleteIntegration, applicationToken, storedState,
} = integrationCalls(stack);

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
