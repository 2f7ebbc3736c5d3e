/**
 * PATCH /projects/{identifier}: one property per request (`{property, value}`, as sfp server's
 * API takes it): a key of the configuration (configuration.workItems, with its shape checked),
 * the whole configuration, the remote URL (and with it the platform), a rename (integrations
 * follow it). Every change is a new version with an audit row; check-and-set with `version` or
 * If-Match answers 409 with currentVersion and writes nothing; bad input is a 400 naming the
 * field and changes nothing; owners only.
 */
import { describe, expect, it } from "vitest";
import { createIntegration, createProject, expectError, TIMESTAMP } from "../support/http.ts";
import { OWNER_ONLY } from "../support/messages.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();
const PROPERTY_MESSAGE =
  "property must be remoteUrl, configuration or configuration.<key>[.<key>...] (keys of ASCII letters, digits, '_' and '-', at most 8 levels)";

const PROJECT = "acme-corp/salesforce-main";
const WORK_ITEMS = { provider: "jira", jiraProjects: ["DP"], baseUrl: "https://acme.atlassian.net/browse" };
const path = (identifier = PROJECT) => `/projects/${encodeURIComponent(identifier)}`;
const notCurrent = (expected: number, current: number) =>
  `Version ${expected} is not current: the project is at version ${current}`;

function patch(body: unknown, { token = stack.owner.token, headers = {}, identifier = PROJECT } = {}) {
  return stack.api("PATCH", path(identifier), { token, body, headers });
}

/** The stored row, as the database holds it. */
async function stored(identifier = PROJECT) {
  const [row] = await stack.sql`
    select identifier, remote_url, platform, configuration, version, updated_at from sfp.projects where identifier = ${identifier}`;
  return row ? { ...row } : undefined;
}

async function auditRows() {
  const rows = await stack.sql`
    select actor_type, actor_id, actor_role, outcome, project, details from sfp.audit_log where action = 'project.update' order by id`;
  return rows.map((row) => ({ ...row }));
}

describe("a configuration key", () => {
  it("sets configuration.workItems: 200 with the project at version 2, its ETag, and the same on a read", async () => {
    const created = await createProject(stack, PROJECT);

    const response = await patch({ property: "configuration.workItems", value: WORK_ITEMS });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      id: created.id,
      identifier: PROJECT,
      remote_url: `https://github.com/${PROJECT}`,
      platform: "github",
      configuration: { workItems: WORK_ITEMS },
      version: 2,
      created_at: expect.stringMatching(TIMESTAMP),
      updated_at: expect.stringMatching(TIMESTAMP),
      integrations: [],
    });
    expect(response.headers.get("etag")).toBe('"2"');
    expect(response.body.updated_at > response.body.created_at).toBe(true);

    const read = await stack.api("GET", path(), { token: stack.member.token });
    expect(read.body).toEqual(response.body);
    expect(read.headers.get("etag")).toBe('"2"');
  });

  it("keeps the other keys, creates the objects on the way, and removes a key given null", async () => {
    await createProject(stack, PROJECT);
    expect((await patch({ property: "configuration.workItems", value: WORK_ITEMS })).status).toBe(200);
    expect((await patch({ property: "configuration.ci.github.environment", value: "production" })).status).toBe(200);
    expect((await stored())!.configuration).toEqual({ workItems: WORK_ITEMS, ci: { github: { environment: "production" } } });

    const removed = await patch({ property: "configuration.workItems", value: null });
    expect(removed.body.configuration).toEqual({ ci: { github: { environment: "production" } } });
    expect(removed.body.version).toBe(4);
    // Removing what is not there changes nothing but the version.
    expect((await patch({ property: "configuration.missing.key", value: null })).body.configuration)
      .toEqual({ ci: { github: { environment: "production" } } });
  });

  it("replaces the whole configuration with property configuration", async () => {
    await createProject(stack, PROJECT);
    await patch({ property: "configuration.ci", value: { a: 1 } });
    const response = await patch({ property: "configuration", value: { workItems: WORK_ITEMS } });
    expect(response.body.configuration).toEqual({ workItems: WORK_ITEMS });
    expect((await patch({ property: "configuration", value: {} })).body.configuration).toEqual({});
  });

  it("accepts a work items configuration of another provider as given", async () => {
    await createProject(stack, PROJECT);
    const other = { provider: "azure-devops", organization: "acme", project: "Salesforce" };
    expect((await patch({ property: "configuration.workItems", value: other })).body.configuration).toEqual({ workItems: other });
  });
});

describe("the remote URL and the identifier", () => {
  it("changes the remote URL, and the platform with it", async () => {
    await createProject(stack, PROJECT);
    const response = await patch({ property: "remoteUrl", value: "https://gitlab.com/acme-corp/salesforce-main.git" });
    expect(response.body).toMatchObject({ remote_url: "https://gitlab.com/acme-corp/salesforce-main.git", platform: "gitlab", version: 2 });
  });

  it("never renames a project: its identifier names the repository that pipelines, token scopes and policies name", async () => {
    await createProject(stack, PROJECT);
    const before = await stored();
    expectError(await patch({ property: "identifier", value: "acme-corp/salesforce-core" }), 400, PROPERTY_MESSAGE);
    expect(await stored()).toEqual(before);
  });
});

describe("check-and-set", () => {
  it("accepts the current version in the body or as If-Match (the ETag of a read)", async () => {
    await createProject(stack, PROJECT);
    expect((await patch({ property: "configuration.a", value: 1, version: 1 })).body.version).toBe(2);
    const etag = (await stack.api("GET", path(), { token: stack.owner.token })).headers.get("etag")!;
    expect((await patch({ property: "configuration.a", value: 2 }, { headers: { "if-match": etag } })).body.version).toBe(3);
  });

  it("refuses a version that is not current with 409 and currentVersion, and writes nothing", async () => {
    await createProject(stack, PROJECT);
    await patch({ property: "configuration.a", value: 1 });
    const before = await stored();

    expectError(await patch({ property: "configuration.a", value: 2, version: 1 }), 409, notCurrent(1, 2), { currentVersion: 2 });
    expectError(await patch({ property: "configuration.a", value: 2 }, { headers: { "if-match": '"1"' } }), 409, notCurrent(1, 2), {
      currentVersion: 2,
    });
    expect(await stored()).toEqual(before);
    expect(await auditRows()).toHaveLength(1);
  });

  it("refuses a malformed If-Match, or one that disagrees with the body, with 400", async () => {
    await createProject(stack, PROJECT);
    expectError(await patch({ property: "configuration.a", value: 1 }, { headers: { "if-match": "abc" } }), 400,
      'If-Match must be a version, e.g. "3"');
    expectError(await patch({ property: "configuration.a", value: 1, version: 2 }, { headers: { "if-match": '"1"' } }), 400,
      "If-Match and version disagree: send one of them");
  });
});

describe("bad input changes nothing", () => {

  it.each([
    ["no value", { property: "configuration.a" }, "value: value is required"],
    ["no property", { value: 1 }, "property: property is required"],
    ["an unknown field", { property: "configuration.a", value: 1, note: "x" }, 'Unrecognized key: "note"'],
    ["an unknown property", { property: "platform", value: "gitlab" }, PROPERTY_MESSAGE],
    ["a configuration key with a space", { property: "configuration.my key", value: 1 }, PROPERTY_MESSAGE],
    ["a configuration path nine levels deep", { property: "configuration.a.b.c.d.e.f.g.h.i", value: 1 }, PROPERTY_MESSAGE],
    ["a configuration that is not an object", { property: "configuration", value: [] }, "value must be a JSON object for configuration"],
    ["a remote URL that is not a string", { property: "remoteUrl", value: 42 }, "value must be a string for remoteUrl"],
    ["a remote URL that is not one", { property: "remoteUrl", value: "ftp://example.com/x" },
      "Invalid remoteUrl: expected an https://, ssh://, git:// or user@host:path repository URL"],
    ["Jira work items without projects", { property: "configuration.workItems", value: { provider: "jira", jiraProjects: [] } },
      "configuration.workItems.jiraProjects: list at least one Jira project key"],
    ["a Jira project key in lowercase", { property: "configuration.workItems", value: { provider: "jira", jiraProjects: ["dp"] } },
      "configuration.workItems.jiraProjects.0: must be a Jira project key such as DP (an uppercase letter, then uppercase letters, digits or '_')"],
    ["a Jira baseUrl that is not a URL", {
      property: "configuration", value: { workItems: { provider: "jira", jiraProjects: ["DP"], baseUrl: "acme" } },
    }, "configuration.workItems.baseUrl: must be an http(s) URL, e.g. https://acme.atlassian.net/browse"],
    ["an unknown field of Jira work items", {
      property: "configuration.workItems", value: { provider: "jira", jiraProjects: ["DP"], board: 1 },
    }, 'configuration.workItems: Unrecognized key: "board"'],
    ["work items without a provider", { property: "configuration.workItems", value: { jiraProjects: ["DP"] } },
      "configuration.workItems.provider: provider is required"],
    ["one key of the work items", { property: "configuration.workItems.jiraProjects", value: ["DP"] },
      "configuration.workItems is set as a whole: send property configuration.workItems with its complete value"],
  ])("%s: 400 naming it", async (_, body, message) => {
    await createProject(stack, PROJECT);
    const before = await stored();
    expectError(await patch(body), 400, message);
    expect(await stored()).toEqual(before);
    expect(await auditRows()).toEqual([]);
  });

  it("a key below one that is not an object: 400", async () => {
    await createProject(stack, PROJECT);
    await patch({ property: "configuration.a", value: 1 });
    const before = await stored();
    expectError(await patch({ property: "configuration.a.b", value: 2 }), 400, "configuration.a is not an object: set it as a whole");
    expect(await stored()).toEqual(before);
  });

  it("a configuration of more than 65,536 bytes: 400", async () => {
    await createProject(stack, PROJECT);
    await patch({ property: "configuration.a", value: "x".repeat(40_000) });
    const before = await stored();
    expectError(await patch({ property: "configuration.b", value: "y".repeat(40_000) }), 400,
      "configuration must stay under 65,536 bytes (as JSON text)");
    expect(await stored()).toEqual(before);
  });

  it("an unknown project: 404", async () => {
    expectError(await patch({ property: "configuration.a", value: 1 }), 404, `Project '${PROJECT}' not found`);
  });

  it("a member: 403, and nothing changes", async () => {
    await createProject(stack, PROJECT);
    const before = await stored();
    expectError(await patch({ property: "configuration.a", value: 1 }, { token: stack.member.token }), 403, OWNER_ONLY);
    expect(await stored()).toEqual(before);
  });
});

describe("the audit", () => {
  it("writes one project.update row per change, with the property, the value and the version", async () => {
    await createProject(stack, PROJECT);
    await patch({ property: "configuration.workItems", value: WORK_ITEMS });
    await patch({ property: "remoteUrl", value: "https://github.com/acme-corp/salesforce-main-moved" });

    const owner = { actor_type: "user", actor_id: stack.owner.id, actor_role: "owner", outcome: "succeeded" };
    expect(await auditRows()).toEqual([
      { ...owner, project: PROJECT, details: { property: "configuration.workItems", value: WORK_ITEMS, version: 2 } },
      {
        ...owner,
        project: PROJECT,
        details: { property: "remoteUrl", value: "https://github.com/acme-corp/salesforce-main-moved", version: 3 },
      },
    ]);
  });
});
