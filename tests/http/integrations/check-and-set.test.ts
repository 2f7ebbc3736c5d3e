/**
 * Check-and-set on PATCH /integrations/{id}, with `version` in the body or If-Match: 409 with
 * currentVersion, and nothing written, when it is not current; 400 when the two disagree or
 * If-Match is not a version; a GET's ETag works as If-Match, once. Concurrent changes without
 * it queue and none is lost; two with the same expected version at once: exactly one wins.
 */
import { describe, expect, it } from "vitest";
import { expectError } from "../../support/http.ts";
import { githubRead, integrationCalls, notCurrent, pat1, pat2, pat3 } from "../../support/integrations.ts";
import { useTestStack } from "../../support/test-stack.ts";

const stack = useTestStack();
const {
  createProject, createGithubPat, getIntegration, patch, rollback, read, storedVersions, storedState, auditRows,
} = integrationCalls(stack);

describe("check-and-set", () => {
  it("accepts a body version that is current", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const response = await patch(id, { credentials: pat2, version: 1 });
    expect(response.status).toBe(200);
    expect(response.body.version).toBe(2);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, pat2)]);
  });

  it("refuses a body version that is not current with 409 and currentVersion, and writes nothing", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { credentials: pat2 })).status).toBe(200);
    const before = await storedState(id);

    expectError(await patch(id, { credentials: pat3, version: 1 }), 409, notCurrent(1, 2), { currentVersion: 2 });
    expect(await storedState(id)).toEqual(before);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, pat2)]);
  });

  it("refuses a stale version on a config or scope change too", async () => {
    await createProject("acme/core");
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { config: { a: 1 } })).status).toBe(200);
    const before = await storedState(id);

    expectError(await patch(id, { config: { a: 2 }, version: 1 }), 409, notCurrent(1, 2), { currentVersion: 2 });
    expectError(await patch(id, { projects: ["acme/core"], version: 1 }), 409, notCurrent(1, 2), { currentVersion: 2 });
    expectError(await patch(id, { config: { a: 2 }, version: 3 }), 409, notCurrent(3, 2), { currentVersion: 2 });
    expect(await storedState(id)).toEqual(before);
  });

  it.each([['"1"'], ["1"]])("accepts If-Match %s naming the current version", async (ifMatch) => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const response = await patch(id, { credentials: pat2 }, { headers: { "if-match": ifMatch } });
    expect(response.status).toBe(200);
    expect(response.body.version).toBe(2);
    expect(response.headers.get("etag")).toBe('"2"');
  });

  it.each([['"1"'], ["1"]])("refuses If-Match %s once the integration is at version 2, and writes nothing", async (ifMatch) => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { credentials: pat2 })).status).toBe(200);
    const before = await storedState(id);

    expectError(await patch(id, { credentials: pat3 }, { headers: { "if-match": ifMatch } }), 409, notCurrent(1, 2), {
      currentVersion: 2,
    });
    expect(await storedState(id)).toEqual(before);
  });

  it("the ETag of a GET works as If-Match, once", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const etag = (await getIntegration(id)).headers.get("etag")!;

    expect((await patch(id, { config: { a: 1 } }, { headers: { "if-match": etag } })).status).toBe(200);
    expectError(await patch(id, { config: { a: 2 } }, { headers: { "if-match": etag } }), 409, notCurrent(1, 2), {
      currentVersion: 2,
    });
  });

  it("refuses a body version and an If-Match that disagree with 400, and writes nothing", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);

    expectError(await patch(id, { credentials: pat2, version: 1 }, { headers: { "if-match": '"2"' } }), 400,
      "If-Match and version disagree: send one of them");
    expect(await storedState(id)).toEqual(before);
  });

  it("accepts a body version and an If-Match that agree", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const response = await patch(id, { credentials: pat2, version: 1 }, { headers: { "if-match": '"1"' } });
    expect(response.status).toBe(200);
    expect(response.body.version).toBe(2);
  });

  it("refuses an If-Match that is not a version with 400", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);
    expectError(await patch(id, { credentials: pat2 }, { headers: { "if-match": "abc" } }), 400,
      'If-Match must be a version, e.g. "3"');
    expect(await storedState(id)).toEqual(before);
  });

  it("two concurrent changes without check-and-set both succeed as versions 2 and 3, and neither is lost", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });

    const [a, b] = await Promise.all([patch(id, { credentials: pat2 }), patch(id, { credentials: pat3 })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.body.version, b.body.version].sort()).toEqual([2, 3]);
    const last = a.body.version === 3 ? pat2 : pat3;
    const first = last === pat2 ? pat3 : pat2;

    expect((await read("?provider=github")).body).toEqual([githubRead(id, last)]);
    expect(await storedVersions(id)).toEqual([1, 2, 3]);
    // Both versions' credentials are readable through a rollback.
    expect((await rollback(id, { version: 2 })).status).toBe(200);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, first)]);
    expect((await rollback(id, { version: 3 })).status).toBe(200);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, last)]);
  });

  it("two concurrent changes with the same expected version: exactly one 200 and one 409", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });

    const responses = await Promise.all([
      patch(id, { credentials: pat2, version: 1 }),
      patch(id, { credentials: pat3 }, { headers: { "if-match": '"1"' } }),
    ]);
    expect(responses.map((response) => response.status).sort()).toEqual([200, 409]);
    const winner = responses.find((response) => response.status === 200)!;
    const loser = responses.find((response) => response.status === 409)!;
    expect(winner.body.version).toBe(2);
    expectError(loser, 409, notCurrent(1, 2), { currentVersion: 2 });
    const winning = winner === responses[0] ? pat2 : pat3;
    expect((await read("?provider=github")).body).toEqual([githubRead(id, winning)]);
    expect(await storedVersions(id)).toEqual([1, 2]);
    expect(await auditRows("integration.update")).toHaveLength(1);
  });
});
