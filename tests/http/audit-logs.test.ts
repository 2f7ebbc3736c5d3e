/**
 * The audit log over HTTP: GET /sfp/api/audit-logs (filters, cursor pagination), its NDJSON
 * export (GET /sfp/api/audit-logs/export), and who may read them. Proves:
 *   - owners (and the service) read the log, newest first; members, applications and
 *     non-members get 403, no token 401, on the listing, the export and the verification;
 *   - each filter narrows as documented: actor (a user id, an email in any case, an
 *     application token id), action, integration_id, project, outcome, from (inclusive),
 *     to (exclusive), and they combine;
 *   - an unknown query parameter, a repeated one, a limit outside 1..1000, a malformed
 *     value or cursor: 400 with a message naming it, never 500;
 *   - the cursor pages through everything with no duplicate and no gap, also while new rows
 *     arrive, and next_cursor is null on the last page;
 *   - the export holds exactly the filtered rows, one JSON object per line, as
 *     application/x-ndjson, across its internal pages;
 *   - no row holds a credential value; each carries its row hash as hex.
 * The log is arranged through the API once (a known sequence of changes and reads), and
 * inspected over the superuser connection.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../support/http.ts";
import { MISSING_TOKEN, OWNER_ONLY } from "../support/messages.ts";
import { type ApiResponse, type TestStack, useTestStack } from "../support/test-stack.ts";

const stack = useTestStack({ reset: false });

const githubCanary = `ghp_AUDITLOGcanary_${crypto.randomUUID().replaceAll("-", "")}`;
const jiraCanary = `ATATT-AUDITLOGcanary-${crypto.randomUUID()}`;
const LIMIT = "limit: limit must be from 1 to 1000";

/** What the arrangement made: ids to filter by. */
let github: string;
let jira: string;
let appToken: { id: string; token: string };
/** Audit row ids of the arranged reads, in order. */
let appGranted: number;
let appNotFound: number;
let memberDenied: number;
let ownerGranted: number;
let anonymousDenied: number;
let ownerProjectNotFound: number;

/** The id of the newest audit row. */
async function lastAuditId(): Promise<number> {
  const [{ id }] = await stack.sql<{ id: string }[]>`select max(id) as id from sfp.audit_log`;
  return Number(id);
}

async function call(method: string, path: string, token: string | null, body?: unknown): Promise<ApiResponse> {
  const response = await stack.api(method, path, { token, body });
  return response;
}

beforeAll(async () => {
  const owner = stack.owner.token;
  for (const identifier of ["acme/core", "acme/web"]) {
    expect((await call("POST", "/projects", owner, { identifier, remoteUrl: `https://github.com/${identifier}` })).status).toBe(201);
  }
  const g = await call("POST", "/integrations", owner,
    { provider: "github", authType: "pat", credentials: { token: githubCanary }, projects: ["acme/core"] });
  expect(g.status).toBe(201);
  github = g.body.id;
  const j = await call("POST", "/integrations", owner, {
    provider: "jira", authType: "basic_auth", isGlobal: true,
    credentials: { base_url: "https://acme.atlassian.net", username: "svc@acme.test", api_token: jiraCanary },
  });
  expect(j.status).toBe(201);
  jira = j.body.id;
  const t = await call("POST", "/application-tokens", owner, { name: "ci-main" });
  expect(t.status).toBe(201);
  appToken = { id: t.body.id, token: t.body.token };

  const read = async (token: string | null, query: string, status: number) => {
    const response = await call("GET", `/integrations/credentials?${query}`, token);
    expect(response.status, response.text).toBe(status);
    return lastAuditId();
  };
  appGranted = await read(appToken.token, "provider=github&project=acme/core", 200);
  appNotFound = await read(appToken.token, "provider=github&project=acme/web", 404);
  memberDenied = await read(stack.member.token, "provider=jira", 403);
  ownerGranted = await read(owner, "provider=jira", 200);
  anonymousDenied = await read(null, "provider=jira", 401);
  ownerProjectNotFound = await read(owner, "project=acme/unknown", 404);
});

interface AuditItem {
  id: number;
  action: string;
  outcome: string;
  actor_type: string;
  actor_id: string | null;
  actor_email: string | null;
  actor_token_id: string | null;
  integration_ids: string[];
  project: string | null;
  occurred_at: string;
  row_hash: string;
  [field: string]: unknown;
}

function query(params: Record<string, string | number>): string {
  const search = new URLSearchParams(Object.entries(params).map(([key, value]) => [key, String(value)])).toString();
  return search ? `?${search}` : "";
}

async function list(params: Record<string, string | number> = {}, token = stack.owner.token) {
  return stack.api("GET", `/audit-logs${query(params)}`, { token });
}

/** The items of a listing that must answer 200. */
async function items(params: Record<string, string | number> = {}): Promise<AuditItem[]> {
  const response = await list(params);
  expect(response.status, response.text).toBe(200);
  return response.body.items;
}

/** Ids of the audit rows the database holds where `where` is true, newest first. */
async function idsWhere(where: (sql: TestStack["sql"]) => ReturnType<TestStack["sql"]>): Promise<number[]> {
  const rows = await stack.sql<{ id: string }[]>`select id from sfp.audit_log where ${where(stack.sql)} order by id desc`;
  return rows.map((row) => Number(row.id));
}

/** Walks every page of a listing with `limit`, returning the pages. */
async function allPages(params: Record<string, string | number>, limit: number) {
  const pages: { items: AuditItem[]; next_cursor: number | null }[] = [];
  let cursor: number | null = null;
  do {
    const response = await list({ ...params, limit, ...(cursor === null ? {} : { cursor }) });
    expect(response.status, response.text).toBe(200);
    pages.push(response.body);
    cursor = response.body.next_cursor;
    expect(pages.length).toBeLessThan(1000);
  } while (cursor !== null);
  return pages;
}

async function exportOf(params: Record<string, string | number> = {}, token = stack.owner.token) {
  return stack.api("GET", `/audit-logs/export${query(params)}`, { token });
}

/** The NDJSON body as objects: one per line, every line a JSON object, ending with a newline. */
function ndjson(text: string): AuditItem[] {
  if (text === "") return [];
  expect(text.endsWith("\n")).toBe(true);
  return text.slice(0, -1).split("\n").map((line) => {
    const value = JSON.parse(line);
    expect(typeof value === "object" && value !== null && !Array.isArray(value)).toBe(true);
    return value;
  });
}

describe("who may read the audit log", () => {
  const routes = ["/audit-logs", "/audit-logs/export", "/audit-logs/verify"];

  it("an owner reads the listing, the export and the verification", async () => {
    for (const route of routes) {
      const response = await stack.api("GET", route, { token: stack.owner.token });
      expect(response.status, `${route}: ${response.text}`).toBe(200);
    }
  });

  it("the service-role key reads them too", async () => {
    for (const route of routes) {
      const response = await stack.api("GET", route, { token: stack.serviceKey });
      expect(response.status, `${route}: ${response.text}`).toBe(200);
    }
  });

  it("a member gets 403 naming the owner role, on every route", async () => {
    for (const route of routes) expectError(await stack.api("GET", route, { token: stack.member.token }), 403, OWNER_ONLY);
  });

  it("an application token gets 403 naming the owner role, on every route", async () => {
    for (const route of routes) expectError(await stack.api("GET", route, { token: appToken.token }), 403, OWNER_ONLY);
  });

  it("a signed-in non-member gets 403 naming the owner role, on every route", async () => {
    for (const route of routes) expectError(await stack.api("GET", route, { token: stack.outsider.token }), 403, OWNER_ONLY);
  });

  it("no token gets 401, on every route", async () => {
    for (const route of routes) {
      expectError(await stack.api("GET", route, { token: null }), 401, MISSING_TOKEN);
    }
  });

  it("a refused export is a JSON error, not an NDJSON stream", async () => {
    const response = await exportOf({}, stack.member.token);

    expectError(response, 403, OWNER_ONLY);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  });
});

describe("the listing", () => {
  it("without filters lists every row, newest first, with next_cursor null when all fit", async () => {
    const response = await list();

    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(["items", "next_cursor"]);
    expect(response.body.items.map((item: AuditItem) => item.id)).toEqual(await idsWhere((sql) => sql`true`));
    expect(response.body.next_cursor).toBeNull();
  });

  it("each row carries its row hash as 64 hex characters, the one stored", async () => {
    const listed = await items();
    const stored = await stack.sql<{ id: string; row_hash: string }[]>`
      select id, encode(row_hash, 'hex') as row_hash from sfp.audit_log order by id desc`;

    expect(listed.length).toBeGreaterThan(10);
    for (const item of listed) expect(item.row_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(listed.map((item) => [item.id, item.row_hash])).toEqual(stored.map((row) => [Number(row.id), row.row_hash]));
  });

  it("a row shows who, what, from where and the outcome", async () => {
    const [row] = await items({ actor: appToken.id, outcome: "granted" });

    expect(row).toMatchObject({
      id: appGranted,
      actor_type: "application",
      actor_id: null,
      actor_role: "application",
      actor_token_id: appToken.id,
      actor_token_name: "ci-main",
      action: "credentials.read",
      outcome: "granted",
      integration_ids: [github],
      provider: "github",
      project: "acme/core",
    });
    expect(row.occurred_at).toEqual(expect.any(String));
    expect(row.request_id).toEqual(expect.any(String));
  });

  it("no row, listed or exported, holds a credential value", async () => {
    const listed = await list({ limit: 1000 });
    const exported = await exportOf();

    expect(listed.text).toContain(github); // the rows about the integration are there
    for (const canary of [githubCanary, jiraCanary]) {
      expect(listed.text).not.toContain(canary);
      expect(exported.text).not.toContain(canary);
    }
    const rows = await stack.sql<{ row: string }[]>`select row_to_json(a)::text as row from sfp.audit_log a`;
    for (const { row } of rows) {
      expect(row).not.toContain(githubCanary);
      expect(row).not.toContain(jiraCanary);
    }
  });
});

describe("filters", () => {
  it("actor by user id: the owner's own rows only", async () => {
    const listed = await items({ actor: stack.owner.id });

    expect(listed.map((item) => item.id)).toEqual(await idsWhere((sql) => sql`actor_id = ${stack.owner.id}`));
    expect(listed.map((item) => item.action)).toEqual([
      "credentials.read", "credentials.read", "application_token.create",
      "integration.create", "integration.create", "project.create", "project.create",
    ]);
    expect(listed.every((item) => item.actor_id === stack.owner.id)).toBe(true);
  });

  it("actor by email matches in any case, the same rows as by id", async () => {
    const byEmail = await items({ actor: "OWNER@Example.TEST" });

    expect(byEmail.map((item) => item.id)).toEqual((await items({ actor: stack.owner.id })).map((item) => item.id));
    expect(byEmail).toHaveLength(7);
  });

  it("actor by a member's user id: their one denied read", async () => {
    const listed = await items({ actor: stack.member.id });

    expect(listed.map((item) => [item.id, item.action, item.outcome])).toEqual([[memberDenied, "credentials.read", "denied"]]);
  });

  it("actor by application token id: the reads made with that token", async () => {
    const listed = await items({ actor: appToken.id });

    expect(listed.map((item) => [item.id, item.outcome, item.actor_type])).toEqual([
      [appNotFound, "not_found", "application"],
      [appGranted, "granted", "application"],
    ]);
  });

  it("actor that matches no one: an empty page", async () => {
    expect(await list({ actor: crypto.randomUUID() })).toMatchObject({ status: 200, body: { items: [], next_cursor: null } });
    expect(await list({ actor: "nobody@example.test" })).toMatchObject({ status: 200, body: { items: [], next_cursor: null } });
  });

  it("action: only that action", async () => {
    const listed = await items({ action: "credentials.read" });

    expect(listed.map((item) => item.id)).toEqual([ownerProjectNotFound, anonymousDenied, ownerGranted, memberDenied, appNotFound, appGranted]);
    expect(await idsWhere((sql) => sql`action = 'credentials.read'`)).toEqual(listed.map((item) => item.id));
  });

  it("integration_id: the rows naming that integration", async () => {
    const forGithub = await items({ integration_id: github });
    const forJira = await items({ integration_id: jira });

    expect(forGithub.map((item) => [item.action, item.outcome])).toEqual([["credentials.read", "granted"], ["integration.create", "succeeded"]]);
    expect(forGithub[0].id).toBe(appGranted);
    expect(forJira.map((item) => [item.action, item.outcome])).toEqual([["credentials.read", "granted"], ["integration.create", "succeeded"]]);
    expect(forJira[0].id).toBe(ownerGranted);
    for (const item of [...forGithub, ...forJira]) expect(item.integration_ids.length).toBe(1);
  });

  it("project: the rows about that project", async () => {
    const listed = await items({ project: "acme/core" });

    expect(listed.map((item) => [item.action, item.outcome])).toEqual([["credentials.read", "granted"], ["project.create", "succeeded"]]);
    expect(listed.map((item) => item.id)).toEqual(await idsWhere((sql) => sql`project = 'acme/core'`));
    expect((await items({ project: "acme/unknown" })).map((item) => item.id)).toEqual([ownerProjectNotFound]);
  });

  it("outcome: denied, not_found, granted, succeeded (and invalid, error: none here)", async () => {
    expect(await items({ outcome: "invalid" })).toEqual([]);
    expect(await items({ outcome: "error" })).toEqual([]);
    expect((await items({ outcome: "denied" })).map((item) => item.id)).toEqual([anonymousDenied, memberDenied]);
    expect((await items({ outcome: "not_found" })).map((item) => item.id)).toEqual([ownerProjectNotFound, appNotFound]);
    expect((await items({ outcome: "granted" })).map((item) => item.id)).toEqual([ownerGranted, appGranted]);
    expect((await items({ outcome: "succeeded" })).map((item) => item.id)).toEqual(await idsWhere((sql) => sql`outcome = 'succeeded'`));
  });

  it("from is inclusive, to exclusive, and together they make a window", async () => {
    const all = await items({ limit: 1000 });
    const at = (id: number) => all.find((item) => item.id === id)!.occurred_at;
    const allIds = all.map((item) => item.id);

    expect((await items({ from: at(appNotFound), limit: 1000 })).map((item) => item.id)).toEqual(allIds.filter((id) => id >= appNotFound));
    expect((await items({ to: at(appNotFound), limit: 1000 })).map((item) => item.id)).toEqual(allIds.filter((id) => id < appNotFound));
    expect((await items({ from: at(appNotFound), to: at(anonymousDenied) })).map((item) => item.id))
      .toEqual([ownerGranted, memberDenied, appNotFound]);
    expect(await items({ from: at(appNotFound), to: at(appNotFound) })).toEqual([]);
  });

  it("from and to accept other offsets and Z: the same instant, the same rows", async () => {
    const [row] = await stack.sql<{ z: string; plus2: string }[]>`
      select to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as z,
             to_char(occurred_at at time zone 'UTC' + interval '2 hours', 'YYYY-MM-DD"T"HH24:MI:SS.US"+02:00"') as plus2
      from sfp.audit_log where id = ${memberDenied}`;

    const expected = (await items({ limit: 1000 })).map((item) => item.id).filter((id) => id >= memberDenied);
    expect((await items({ from: row.z, limit: 1000 })).map((item) => item.id)).toEqual(expected);
    expect((await items({ from: row.plus2, limit: 1000 })).map((item) => item.id)).toEqual(expected);
  });

  it("filters combine: the application's granted reads of github", async () => {
    const listed = await items({ actor: appToken.id, action: "credentials.read", outcome: "granted", integration_id: github, project: "acme/core" });

    expect(listed.map((item) => item.id)).toEqual([appGranted]);
  });
});

describe("bad query parameters", () => {
  it("an unknown query parameter is 400 naming it", async () => {
    expectError(await list({ foo: "1" }), 400, 'Unrecognized key: "foo"');
    expectError(await list({ user: stack.owner.id }), 400, 'Unrecognized key: "user"');
  });

  it("a limit outside 1..1000, or not a whole number, is 400", async () => {
    for (const limit of ["0", "1001", "-1", "abc", "1.5", ""]) expectError(await list({ limit }), 400, LIMIT);
  });

  it("limits 1 and 1000 are accepted", async () => {
    const one = await list({ limit: 1 });
    const thousand = await list({ limit: 1000 });

    expect(one.status).toBe(200);
    expect(one.body.items).toHaveLength(1);
    expect(thousand.status).toBe(200);
    expect(thousand.body.items.length).toBeGreaterThan(10);
  });

  it("a parameter given twice is 400", async () => {
    expectError(await stack.api("GET", "/audit-logs?action=credentials.read&action=project.create", { token: stack.owner.token }),
      400, "Query parameter 'action' is given more than once");
  });

  it("malformed filter values are 400 naming the filter", async () => {
    expectError(await list({ outcome: "allowed" }), 400, "outcome: outcome must be one of: granted, denied, not_found, invalid, error, succeeded");
    expectError(await list({ integration_id: "not-a-uuid" }), 400, "integration_id: integration_id must be a UUID");
    expectError(await list({ action: "DROP TABLE" }), 400, "action: action must look like credentials.read");
    expectError(await list({ from: "yesterday" }), 400, "from: must be an ISO 8601 date-time");
    expectError(await list({ to: "2026-01-01" }), 400, "to: must be an ISO 8601 date-time");
  });

  it("a malformed cursor is 400; one beyond any id is 400 too, never 500", async () => {
    expectError(await list({ cursor: "abc" }), 400, "cursor: cursor must be the next_cursor of a previous page");
    expectError(await list({ cursor: "-5" }), 400, "cursor: cursor must be the next_cursor of a previous page");
    expectError(await list({ cursor: "99999999999999999999" }), 400, "cursor: cursor must be the next_cursor of a previous page");
    // 19 digits pass the pattern but exceed a bigint: the database refuses it, a 400 still.
    expectError(await list({ cursor: "9999999999999999999" }), 400, "Invalid input: the database refused a value of the request");
  });

  it("the export refuses the same bad parameters", async () => {
    expectError(await exportOf({ foo: "1" }), 400, 'Unrecognized key: "foo"');
    expectError(await exportOf({ outcome: "allowed" }), 400, "outcome: outcome must be one of: granted, denied, not_found, invalid, error, succeeded");
  });
});

describe("cursor pagination", () => {
  it("pages of 3 cover every row once, newest first, next_cursor null on the last page", async () => {
    const everything = await idsWhere((sql) => sql`true`);

    const pages = await allPages({}, 3);

    const ids = pages.flatMap((page) => page.items.map((item) => item.id));
    expect(ids).toEqual(everything);
    expect(new Set(ids).size).toBe(ids.length);
    for (const page of pages.slice(0, -1)) {
      expect(page.items).toHaveLength(3);
      expect(page.next_cursor).toBe(page.items.at(-1)!.id);
    }
    expect(pages.at(-1)!.next_cursor).toBeNull();
  });

  it("with a filter, pages of 4 hold the 6 credential reads: 4 then 2", async () => {
    const pages = await allPages({ action: "credentials.read" }, 4);

    expect(pages.map((page) => page.items.map((item) => item.id))).toEqual([
      [ownerProjectNotFound, anonymousDenied, ownerGranted, memberDenied],
      [appNotFound, appGranted],
    ]);
    expect(pages.map((page) => page.next_cursor)).toEqual([memberDenied, null]);
  });

  // next_cursor used to be set on every full page, the exactly full last page included.
  it("next_cursor is null on the last page when the rows fill it exactly", async () => {
    const exactly = await list({ action: "credentials.read", limit: 6 });
    const secondOfTwo = (await allPages({ action: "credentials.read" }, 3))[1];

    expect(exactly.body.items).toHaveLength(6);
    expect(exactly.body.next_cursor).toBeNull();
    expect(secondOfTwo.items.map((item) => item.id)).toEqual([memberDenied, appNotFound, appGranted]);
    expect(secondOfTwo.next_cursor).toBeNull();
  });
});

describe("the NDJSON export", () => {
  it("is application/x-ndjson, one JSON object per line, exactly the rows of the listing", async () => {
    const exported = await exportOf();
    const listed = await items({ limit: 1000 });

    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-type")).toBe("application/x-ndjson");
    expect(ndjson(exported.text)).toEqual(listed);
  });

  it("holds exactly the filtered rows", async () => {
    const reads = ndjson((await exportOf({ action: "credentials.read" })).text);
    const app = ndjson((await exportOf({ actor: appToken.id })).text);
    const window = ndjson((await exportOf({ outcome: "denied", project: "acme/core" })).text);

    expect(reads.map((item) => item.id)).toEqual([ownerProjectNotFound, anonymousDenied, ownerGranted, memberDenied, appNotFound, appGranted]);
    expect(reads).toEqual(await items({ action: "credentials.read" }));
    expect(app.map((item) => item.id)).toEqual([appNotFound, appGranted]);
    expect(window).toEqual([]);
  });

  it("a filter matching nothing exports an empty body, still NDJSON", async () => {
    const exported = await exportOf({ actor: "nobody@example.test" });

    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-type")).toBe("application/x-ndjson");
    expect(exported.text).toBe("");
  });

  it("across its internal pages of 1000: 2,500 rows exported once each, newest first, nothing else", async () => {
    // Arranged as the service would write them: 2,500 rows of one action (hashed by the trigger).
    await stack.sql`
      insert into sfp.audit_log (actor_type, action, outcome, details)
      select 'service', 'bulk.export', 'succeeded', jsonb_build_object('n', n) from generate_series(1, 2500) n`;
    const expected = await idsWhere((sql) => sql`action = 'bulk.export'`);

    const exported = await exportOf({ action: "bulk.export" });

    expect(exported.status).toBe(200);
    const rows = ndjson(exported.text);
    expect(rows).toHaveLength(2500);
    expect(rows.map((row) => row.id)).toEqual(expected);
    expect(rows.every((row) => row.action === "bulk.export" && /^[0-9a-f]{64}$/.test(row.row_hash))).toBe(true);
    // The listing agrees, page by page.
    const pages = await allPages({ action: "bulk.export" }, 1000);
    expect(pages.map((page) => page.items.length)).toEqual([1000, 1000, 500]);
    expect(pages.flatMap((page) => page.items)).toEqual(rows);
  });
});

// Last: it writes new rows, which the exact counts above do not expect.
describe("paging while the log grows", () => {
  it("rows written while paging appear on no later page: no duplicate, no gap", async () => {
    const before = await idsWhere((sql) => sql`true`);
    const first = await list({ limit: 4 });
    expect(first.status).toBe(200);
    // New rows meanwhile (newer ids).
    for (let index = 0; index < 3; index++) {
      expect((await call("GET", "/integrations/credentials?provider=jira", stack.owner.token)).status).toBe(200);
    }

    const rest = await allPages({ cursor: first.body.next_cursor }, 50);

    const ids = [...first.body.items, ...rest.flatMap((page) => page.items)].map((item: AuditItem) => item.id);
    expect(ids).toEqual(before);
  });
});
