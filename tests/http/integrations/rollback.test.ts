/**
 * Versions and rollback:
 *   - every kind of change is a new version, each stored encrypted with the credentials current then;
 *   - the last N versions are kept (SFP_CREDENTIAL_VERSIONS_KEPT, default 10);
 *   - POST /integrations/{id}/rollback {version}: an old version's credentials (with their auth
 *     type) current again as a new version, config and scope as they are now; 404 for a version
 *     no longer kept or never made; If-Match as on PATCH.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../support/http.ts";
import { githubRead, integrationCalls, metadata, notCurrent, oauth1, pat1, pat2, pat3, patOther } from "../../support/integrations.ts";
import { useTestStack } from "../../support/test-stack.ts";

const stack = useTestStack();
const {
  createProject, createGithubPat, getIntegration, patch, rollback, read, storedCredentials, storedVersions, storedState,
} = integrationCalls(stack);

describe("versions", () => {
  it("every kind of change is a new version, each stored encrypted with the credentials current then", async () => {
    await createProject("acme/core");
    const id = await createGithubPat(pat1, { isGlobal: true });

    expect((await patch(id, { credentials: pat2 })).body.version).toBe(2);
    expect((await patch(id, { config: { a: 1 } })).body.version).toBe(3);
    expect((await patch(id, { projects: ["acme/core"] })).body.version).toBe(4);
    expect((await patch(id, { isGlobal: true })).body.version).toBe(5);

    const response = await getIntegration(id);
    expect(response.body).toMatchObject({ version: 5, versions: [1, 2, 3, 4, 5] });
    expect(response.headers.get("etag")).toBe('"5"');
    const [row] = await stack.sql`select current_version from sfp.integrations where id = ${id}`;
    expect(row.current_version).toBe(5);
    const stored = [];
    for (const version of [1, 2, 3, 4, 5]) stored.push(await storedCredentials(id, version));
    expect(stored).toEqual([pat1, pat2, pat2, pat2, pat2]);
  });

  it("keeps the last 10 versions by default and forgets older ones", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    for (let i = 1; i <= 11; i++) {
      const response = await patch(id, { config: { change: i } });
      expect(response.status).toBe(200);
    }

    expect(await storedVersions(id)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect((await getIntegration(id)).body).toMatchObject({ version: 12, versions: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12] });
    expectError(await rollback(id, { version: 2 }), 404, `Version 2 of integration '${id}' is not kept`);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, pat1)]);
  });

  describe("with SFP_CREDENTIAL_VERSIONS_KEPT=3", () => {
    beforeAll(() => stack.restartFunctions({ SFP_CREDENTIAL_VERSIONS_KEPT: "3" }));
    afterAll(() => stack.restartFunctions());

    it("keeps only the last 3 versions, in the database and in the metadata", async () => {
      const id = await createGithubPat(pat1, { isGlobal: true });
      expect((await patch(id, { credentials: pat2 })).status).toBe(200);
      expect(await storedVersions(id)).toEqual([1, 2]);
      expect((await patch(id, { credentials: pat3 })).status).toBe(200);
      expect(await storedVersions(id)).toEqual([1, 2, 3]);
      expect((await patch(id, { config: { a: 1 } })).status).toBe(200);
      expect(await storedVersions(id)).toEqual([2, 3, 4]);
      expect((await patch(id, { credentials: patOther })).status).toBe(200);

      expect(await storedVersions(id)).toEqual([3, 4, 5]);
      expect((await getIntegration(id)).body).toMatchObject({ version: 5, versions: [3, 4, 5] });
      expect((await read("?provider=github")).body).toEqual([githubRead(id, patOther)]);
    });

    it("refuses a rollback to a version no longer kept with 404, and writes nothing", async () => {
      const id = await createGithubPat(pat1, { isGlobal: true });
      for (const credentials of [pat2, pat3, patOther]) expect((await patch(id, { credentials })).status).toBe(200);
      const before = await storedState(id);

      expectError(await rollback(id, { version: 1 }), 404, `Version 1 of integration '${id}' is not kept`);
      expect(await storedState(id)).toEqual(before);
    });

    it("rolls back to the oldest kept version, and forgets one more", async () => {
      const id = await createGithubPat(pat1, { isGlobal: true });
      for (const credentials of [pat2, pat3, patOther]) expect((await patch(id, { credentials })).status).toBe(200);
      expect(await storedVersions(id)).toEqual([2, 3, 4]);

      const response = await rollback(id, { version: 2 });
      expect(response.status).toBe(200);
      expect(response.body.version).toBe(5);
      expect(await storedVersions(id)).toEqual([3, 4, 5]);
      expect((await read("?provider=github")).body).toEqual([githubRead(id, pat2)]);
    });
  });
});

describe("POST /integrations/{id}/rollback", () => {
  it("makes an old version's credentials current as a new version", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { credentials: pat2 })).status).toBe(200);

    const response = await rollback(id, { version: 1 });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(metadata(id, { version: 3 }));
    expect(response.headers.get("etag")).toBe('"3"');
    expect(response.text).not.toContain(pat1.token);
    expect((await read("?provider=github")).body).toEqual([githubRead(id, pat1)]);
    expect((await getIntegration(id)).body).toMatchObject({ version: 3, versions: [1, 2, 3] });
    expect(await storedCredentials(id, 3)).toEqual(pat1);
    expect(await storedCredentials(id, 2)).toEqual(pat2);
  });

  it("keeps the config and scope as they are now", async () => {
    await createProject("acme/core");
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { credentials: pat2, config: { a: 1 }, projects: ["acme/core"] })).status).toBe(200);

    const response = await rollback(id, { version: 1 });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(metadata(id, { version: 3, config: { a: 1 }, is_global: false, projects: ["acme/core"] }));
    expect((await read("?provider=github&project=acme/core")).body).toEqual([githubRead(id, pat1)]);
  });

  it("refuses a version that never existed with 404", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);
    expectError(await rollback(id, { version: 7 }), 404, `Version 7 of integration '${id}' is not kept`);
    expect(await storedState(id)).toEqual(before);
  });

  it("refuses a body without a version with 400", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    const before = await storedState(id);
    expectError(await rollback(id, {}), 400, "version: version is required");
    expect(await storedState(id)).toEqual(before);
  });

  it("refuses If-Match naming a version that is not current with 409, and writes nothing", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { credentials: pat2 })).status).toBe(200);
    const before = await storedState(id);

    expectError(await rollback(id, { version: 1 }, { headers: { "if-match": '"1"' } }), 409, notCurrent(1, 2), {
      currentVersion: 2,
    });
    expect(await storedState(id)).toEqual(before);
  });

  it("accepts If-Match naming the current version", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { credentials: pat2 })).status).toBe(200);

    const response = await rollback(id, { version: 1 }, { headers: { "if-match": '"2"' } });
    expect(response.status).toBe(200);
    expect(response.body.version).toBe(3);
  });

  // Each stored version keeps its auth type, so a rollback restores credentials and auth type together.
  it("a rollback across an auth type change restores the auth type with the credentials", async () => {
    const id = await createGithubPat(pat1, { isGlobal: true });
    expect((await patch(id, { authType: "oauth", credentials: oauth1 })).status).toBe(200);

    const response = await rollback(id, { version: 1 });
    const [pair] = (await read("?provider=github")).body;
    expect([
      { status: 200, pair: githubRead(id, pat1, "pat") },
      { status: 400, pair: githubRead(id, oauth1, "oauth") },
      { status: 409, pair: githubRead(id, oauth1, "oauth") },
    ]).toContainEqual({ status: response.status, pair });
  });
});
