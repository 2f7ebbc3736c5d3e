/**
 * Application tokens over HTTP (/sfp/api/application-tokens), and what a pipeline does with
 * one. Proves:
 *   - an owner creates a token, shown once ("sfp_app_" + 64 URL-safe characters), unscoped
 *     unless asked (projects and providers null; scopes: application-token-scopes.test.ts); the list
 *     never shows it, and the database holds only its SHA-256 and its lookup id (the 16
 *     characters after the prefix): neither the token nor its secret part is in any row of
 *     schema sfp, the audit log included;
 *   - expiresIn is a whole number of days from 1 to 365 (default 30); a name is required;
 *   - a pipeline reads credentials with it (plain fetch), every read audited with the
 *     token's id and name; once revoked, or expired, it is refused with 401 and that refusal
 *     is audited too; so is a token whose creating owner is no longer an owner;
 *   - a tampered token (right lookup id, wrong secret; wrong length; unknown lookup id) is
 *     401 "Invalid application token";
 *   - an application reads projects and /users/me, and nothing else: every other route is
 *     403 and changes nothing;
 *   - the last use is recorded, to the minute.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { userToken } from "../../stack/tokens.ts";
import { createIntegration, createProject, expectError, readAsPipeline, TIMESTAMP } from "../support/http.ts";
import {
  APPLICATION_TOKEN_EXPIRED,
  APPLICATION_TOKEN_REVOKED,
  CREATOR_NOT_OWNER,
  INVALID_APPLICATION_TOKEN,
  OWNER_ONLY,
  OWNERS_CREATE_PROJECTS,
} from "../support/messages.ts";
import { type Actor, useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const EXPIRES_IN = "expiresIn: expiresIn must be a whole number of days from 1 to 365";
const TOKEN_FORMAT = /^sfp_app_[A-Za-z0-9_-]{64}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

const githubPat = { token: "ghp_madeUpApplicationTokens0000000000000" };

const sha256Hex = (value: string) => createHash("sha256").update(value).digest("hex");
/** 64 URL-safe characters, like the random part of a token. */
const randomPart = () => randomBytes(48).toString("base64url");

async function createToken(body: Record<string, unknown> = { name: "ci-main" }, token = stack.owner.token) {
  return stack.api("POST", "/application-tokens", { token, body });
}

/** An owner's new token: its creation answer (id, name, token, ...). */
async function newToken(name = "ci-main", expiresIn?: number) {
  const response = await createToken(expiresIn === undefined ? { name } : { name, expiresIn });
  expect(response.status).toBe(201);
  return response.body as { id: string; name: string; token: string; created_at: string; expires_at: string };
}

/** acme/core with a GitHub PAT scoped to it, made by the owner. Returns the integration id. */
async function seed(): Promise<string> {
  await createProject(stack, "acme/core");
  return createIntegration(stack, { provider: "github", authType: "pat", credentials: githubPat, projects: ["acme/core"] });
}

/** What a CI pipeline does: a plain fetch of the credentials with its token. */
function pipelineRead(token: string, query = "provider=github&project=acme/core") {
  return readAsPipeline(stack, token, query, "pipeline-run-42");
}

/** The credential-read audit rows, oldest first, with the columns that say who, what and why. */
async function credentialReadAudit() {
  const rows = await stack.sql`
    select actor_type, actor_id, actor_email, actor_role, actor_token_id, actor_token_name, outcome,
           integration_ids, provider, project, message, user_agent, request_id
    from sfp.audit_log where action = 'credentials.read' order by id`;
  return rows.map((row) => ({ ...row }));
}

/** The audit row of a pipeline read by an application token. */
const pipelineRow = (token: { id: string; name: string }, fields: Record<string, unknown>) => ({
  actor_type: "application",
  actor_id: null,
  actor_email: null,
  actor_role: "application",
  actor_token_id: token.id,
  actor_token_name: token.name,
  integration_ids: [],
  provider: "github",
  project: "acme/core",
  message: null,
  user_agent: "sfp-pipeline/2.0",
  request_id: "pipeline-run-42",
  ...fields,
});

/** Everything an application might try to change, as stored (last use aside). */
async function storedState() {
  const [row] = await stack.sql`
    select (select count(*) from sfp.projects)::int as projects,
           (select count(*) from sfp.integrations)::int as integrations,
           (select count(*) from sfp.credential_versions)::int as credential_versions,
           (select count(*) from sfp.integration_projects)::int as integration_projects,
           (select coalesce(json_agg(json_build_object('id', t.id, 'name', t.name, 'expires_at', t.expires_at,
                     'revoked_at', t.revoked_at) order by t.id), '[]') from sfp.application_tokens t) as tokens,
           (select json_agg(json_build_object('user_id', m.user_id, 'email', m.email, 'role', m.role) order by m.email)
              from sfp.members m) as members,
           (select count(*) from sfp.audit_log)::int as audit_rows`;
  return { ...row };
}

/** A second owner, made as the service makes owners. */
async function secondOwner(): Promise<Actor> {
  const id = randomUUID();
  const email = "owner2@example.test";
  await stack.sql`select sfp_api.upsert_member(${id}::uuid, ${email}, 'owner')`;
  return { id, email, token: await userToken(stack.jwtSecret, { id, email }) };
}

describe("creating a token", () => {
  it("an owner gets 201 with the token, shown this once, and its metadata", async () => {
    const response = await createToken({ name: "ci-main" });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: "ci-main",
      token: expect.stringMatching(TOKEN_FORMAT),
      status: "active",
      created_by: stack.owner.id,
      created_at: expect.stringMatching(TIMESTAMP),
      expires_at: expect.stringMatching(TIMESTAMP),
      revoked_at: null,
      last_used_at: null,
      projects: null,
      providers: null,
    });
  });

  it("expiresIn defaults to 30 days", async () => {
    const token = await newToken("ci-main");
    expect(Date.parse(token.expires_at) - Date.parse(token.created_at)).toBe(30 * DAY_MS);
    const [row] = await stack.sql`select expires_at = created_at + interval '30 days' as exact from sfp.application_tokens`;
    expect(row.exact).toBe(true);
  });

  it.each([1, 7, 365])("expiresIn %i is accepted", async (days) => {
    const token = await newToken("ci-main", days);
    expect(Date.parse(token.expires_at) - Date.parse(token.created_at)).toBe(days * DAY_MS);
  });

  it.each([
    ["0", 0],
    ["366", 366],
    ["-1", -1],
    ["1.5", 1.5],
    ['the string "7"', "7"],
    ["null", null],
  ])("expiresIn %s: 400, and nothing is stored", async (_, expiresIn) => {
    const response = await createToken({ name: "ci-main", expiresIn });
    expectError(response, 400, EXPIRES_IN);
    expect(await stack.sql`select * from sfp.application_tokens`).toEqual([]);
    expect(await stack.sql`select * from sfp.audit_log where action like 'application_token.%'`).toEqual([]);
  });

  it.each([
    ["no name", {}, "name: name is required"],
    ["an empty name", { name: "" }, "name: name is required"],
    ["a blank name", { name: "   " }, "name: name is required"],
    ["a name of 101 characters", { name: "n".repeat(101) }, "name: name must be at most 100 characters"],
    ["a name with a control character", { name: "ci\u0007main" }, "name must be at most 100 characters, without control characters"],
    ["a name that is not a string", { name: 42 }, "name: name is required"],
    ["an unknown field", { name: "ci", scope: "all" }, 'Unrecognized key: "scope"'],
  ])("%s: 400, and nothing is stored", async (_, body, message) => {
    expectError(await createToken(body), 400, message);
    expect(await stack.sql`select * from sfp.application_tokens`).toEqual([]);
  });

  it("a name is stored trimmed", async () => {
    const token = await newToken("  ci-main  ");
    expect(token.name).toBe("ci-main");
    expect(await stack.sql`select name from sfp.application_tokens`).toEqual([{ name: "ci-main" }]);
  });

  it("two tokens never share a token or a lookup id", async () => {
    const [a, b] = [await newToken("a"), await newToken("b")];
    expect(a.token).not.toBe(b.token);
    expect(a.token.slice(8, 24)).not.toBe(b.token.slice(8, 24));
  });

  it("the token is stored only as its SHA-256, with the 16 characters after the prefix as lookup id", async () => {
    const token = await newToken();
    const rows = await stack.sql`select id, lookup_id, encode(secret_hash, 'hex') as secret_hash from sfp.application_tokens`;
    expect(rows.map((row) => ({ ...row }))).toEqual([
      { id: token.id, lookup_id: token.token.slice("sfp_app_".length, "sfp_app_".length + 16), secret_hash: sha256Hex(token.token) },
    ]);
  });

  it("is audited as application_token.create, without the token", async () => {
    const token = await newToken();
    const rows = await stack.sql`
      select actor_type, actor_id, actor_role, action, outcome, details
      from sfp.audit_log where action like 'application_token.%' order by id`;
    const { token: _secret, ...metadata } = token;
    expect(rows.map((row) => ({ ...row }))).toEqual([{
      actor_type: "user", actor_id: stack.owner.id, actor_role: "owner", action: "application_token.create",
      outcome: "succeeded", details: metadata,
    }]);
  });

  it(`a member cannot create a token: 403 "${OWNER_ONLY}"`, async () => {
    expectError(await createToken({ name: "ci" }, stack.member.token), 403, OWNER_ONLY);
    expect(await stack.sql`select * from sfp.application_tokens`).toEqual([]);
  });

  it("the service may create a token (created_by null)", async () => {
    const response = await createToken({ name: "svc" }, stack.serviceKey);
    expect(response.status).toBe(201);
    expect(response.body.created_by).toBeNull();
  });
});

describe("listing tokens", () => {
  it("an owner lists every token, newest first, never with the token", async () => {
    const first = await newToken("first");
    const second = await newToken("second");
    const response = await stack.api("GET", "/application-tokens", { token: stack.owner.token });
    expect(response.status).toBe(200);
    const metadata = ({ token: _t, ...rest }: typeof first) => rest;
    expect(response.body).toEqual([metadata(second), metadata(first)]);
    expect(response.text).not.toContain(first.token);
    expect(response.text).not.toContain(first.token.slice(24));
    expect(response.text).not.toContain(sha256Hex(first.token));
  });

  it(`a member cannot list tokens: 403 "${OWNER_ONLY}"`, async () => {
    await newToken();
    expectError(await stack.api("GET", "/application-tokens", { token: stack.member.token }), 403, OWNER_ONLY);
  });
});

describe("a pipeline with a token", () => {
  it("reads the project's credentials, is revoked, and is refused with 401 on its next use", async () => {
    const integrationId = await seed();
    const token = await newToken("pipeline-acme");

    const granted = await pipelineRead(token.token);
    expect(granted.status).toBe(200);
    expect(granted.body).toEqual([{ integration_id: integrationId, provider: "github", auth_type: "pat", credentials: githubPat }]);

    const revoked = await stack.api("DELETE", `/application-tokens/${token.id}`, { token: stack.owner.token });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({
      id: token.id,
      name: "pipeline-acme",
      status: "revoked",
      created_by: stack.owner.id,
      created_at: token.created_at,
      expires_at: token.expires_at,
      revoked_at: expect.stringMatching(TIMESTAMP),
      last_used_at: expect.stringMatching(TIMESTAMP),
      projects: null,
      providers: null,
    });

    const refused = await pipelineRead(token.token);
    expectError(refused, 401, APPLICATION_TOKEN_REVOKED);
    expect(JSON.stringify(refused.body)).not.toContain(githubPat.token);

    expect(await credentialReadAudit()).toEqual([
      pipelineRow(token, { outcome: "granted", integration_ids: [integrationId] }),
      pipelineRow(token, { outcome: "denied", actor_role: null, message: APPLICATION_TOKEN_REVOKED }),
    ]);
  });

  it("every credential read is audited with actor_type application and the token's id and name", async () => {
    const integrationId = await seed();
    const token = await newToken("pipeline-acme");

    expect((await pipelineRead(token.token)).status).toBe(200);
    expectError(await pipelineRead(token.token, "provider=jira&project=acme/core"), 404,
      "No integration found for provider=jira, project=acme/core");
    expectError(await pipelineRead(token.token, "provider=github&project=acme/missing"), 404, "Project 'acme/missing' not found");

    expect(await credentialReadAudit()).toEqual([
      pipelineRow(token, { outcome: "granted", integration_ids: [integrationId] }),
      pipelineRow(token, { outcome: "not_found", provider: "jira", message: "No integration found for provider=jira, project=acme/core" }),
      pipelineRow(token, { outcome: "not_found", project: "acme/missing", message: "Project 'acme/missing' not found" }),
    ]);
  });

  it("the POST form of the credential read works with the token too", async () => {
    const integrationId = await seed();
    const token = await newToken();
    const response = await stack.api("POST", "/integrations/credentials", {
      token: token.token,
      body: { provider: "github", project: "acme/core" },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual([{ integration_id: integrationId, provider: "github", auth_type: "pat", credentials: githubPat }]);
  });

  it("a revoked token is refused everywhere with 401, not only for credentials", async () => {
    await seed();
    const token = await newToken();
    await stack.api("DELETE", `/application-tokens/${token.id}`, { token: stack.owner.token });
    expectError(await stack.api("GET", "/projects", { token: token.token }), 401, APPLICATION_TOKEN_REVOKED);
    expectError(await stack.api("GET", "/users/me", { token: token.token }), 401, APPLICATION_TOKEN_REVOKED);
  });

  it("revoking a revoked token changes nothing: same revoked_at, 200", async () => {
    const token = await newToken();
    const first = await stack.api("DELETE", `/application-tokens/${token.id}`, { token: stack.owner.token });
    const again = await stack.api("DELETE", `/application-tokens/${token.id}`, { token: stack.owner.token });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  it("a revocation is audited as application_token.revoke", async () => {
    const token = await newToken();
    const revoked = await stack.api("DELETE", `/application-tokens/${token.id}`, { token: stack.owner.token });
    const rows = await stack.sql`
      select actor_type, actor_id, action, outcome, details from sfp.audit_log
      where action = 'application_token.revoke'`;
    expect(rows.map((row) => ({ ...row }))).toEqual([{
      actor_type: "user", actor_id: stack.owner.id, action: "application_token.revoke", outcome: "succeeded", details: revoked.body,
    }]);
  });

  it("revoking an unknown id: 404; an id that is not a UUID: 400", async () => {
    const id = randomUUID();
    expectError(await stack.api("DELETE", `/application-tokens/${id}`, { token: stack.owner.token }), 404,
      `Application token '${id}' not found`);
    expectError(await stack.api("DELETE", "/application-tokens/42", { token: stack.owner.token }), 400, "token id must be a UUID");
  });

  it(`a member cannot revoke a token: 403 "${OWNER_ONLY}", and it keeps working`, async () => {
    await seed();
    const token = await newToken();
    expectError(await stack.api("DELETE", `/application-tokens/${token.id}`, { token: stack.member.token }), 403, OWNER_ONLY);
    expect(await stack.sql`select revoked_at from sfp.application_tokens`).toEqual([{ revoked_at: null }]);
    expect((await pipelineRead(token.token)).status).toBe(200);
  });

  it("an expired token: 401, and the refused read is audited with the token's id and name", async () => {
    await seed();
    const token = await newToken("pipeline-old");
    await stack.sql`update sfp.application_tokens set expires_at = now() - interval '1 minute' where id = ${token.id}`;

    const refused = await pipelineRead(token.token);
    expectError(refused, 401, APPLICATION_TOKEN_EXPIRED);
    expect(JSON.stringify(refused.body)).not.toContain(githubPat.token);
    expect(await credentialReadAudit()).toEqual([
      pipelineRow(token, { outcome: "denied", actor_role: null, message: APPLICATION_TOKEN_EXPIRED }),
    ]);
  });

  it("an expired token is refused on other routes too, and listed as expired", async () => {
    const token = await newToken();
    await stack.sql`update sfp.application_tokens set expires_at = now() - interval '1 second' where id = ${token.id}`;
    expectError(await stack.api("GET", "/projects", { token: token.token }), 401, APPLICATION_TOKEN_EXPIRED);
    const list = await stack.api("GET", "/application-tokens", { token: stack.owner.token });
    expect(list.body.map((t: { status: string }) => t.status)).toEqual(["expired"]);
  });

  it("the last use is recorded, to the minute", async () => {
    const token = await newToken();
    expect(await stack.sql`select last_used_at from sfp.application_tokens`).toEqual([{ last_used_at: null }]);

    expect((await stack.api("GET", "/projects", { token: token.token })).status).toBe(200);
    const [first] = await stack.sql`select last_used_at, now() - last_used_at < interval '10 seconds' as recent from sfp.application_tokens`;
    expect(first.recent).toBe(true);

    // A second use within the minute does not rewrite the row.
    expect((await stack.api("GET", "/users/me", { token: token.token })).status).toBe(200);
    expect(await stack.sql`select last_used_at from sfp.application_tokens`).toEqual([{ last_used_at: first.last_used_at }]);

    // A use more than a minute after the last one does.
    await stack.sql`update sfp.application_tokens set last_used_at = now() - interval '2 minutes'`;
    expect((await stack.api("GET", "/projects", { token: token.token })).status).toBe(200);
    const [later] = await stack.sql`select now() - last_used_at < interval '10 seconds' as recent from sfp.application_tokens`;
    expect(later.recent).toBe(true);

    const list = await stack.api("GET", "/application-tokens", { token: stack.owner.token });
    expect(list.body[0].last_used_at).toEqual(expect.stringMatching(TIMESTAMP));
  });

  it("the token, and its secret part, are in no row of schema sfp after its whole life", async () => {
    await seed();
    const token = await newToken("pipeline-acme");
    await pipelineRead(token.token);
    await pipelineRead(token.token, "provider=jira");
    await stack.api("GET", "/projects", { token: token.token });
    await stack.api("DELETE", `/application-tokens/${token.id}`, { token: stack.owner.token });
    await pipelineRead(token.token);

    const secretPart = token.token.slice("sfp_app_".length + 16);
    const tables = await stack.sql<{ name: string }[]>`select tablename as name from pg_tables where schemaname = 'sfp'`;
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["application_tokens", "audit_log"]));
    for (const { name } of tables) {
      const rows = await stack.sql.unsafe(`select row_to_json(t)::text as row from sfp.${name} t`);
      for (const { row } of rows) {
        expect(row).not.toContain(token.token);
        expect(row).not.toContain(secretPart);
      }
    }
    // Nor is its hash written into the audit log.
    const audit = await stack.sql`select row_to_json(a)::text as row from sfp.audit_log a`;
    for (const { row } of audit) expect(row).not.toContain(sha256Hex(token.token));
    expect(await credentialReadAudit()).toHaveLength(3);
  });
});

describe("tampered tokens answer 401 'Invalid application token'", () => {
  const tampered: Array<[string, (token: string) => string]> = [
    ["the right prefix and lookup id, another secret part", (t) => t.slice(0, 24) + randomPart().slice(0, 48)],
    ["the right token with its last character changed", (t) => t.slice(0, -1) + (t.endsWith("A") ? "B" : "A")],
    ["one character too many", (t) => `${t}A`],
    ["one character too few", (t) => t.slice(0, -1)],
    ["an unknown lookup id with the right secret part", (t) => `sfp_app_${randomPart().slice(0, 16)}${t.slice(24)}`],
    ["a character outside the URL-safe alphabet", (t) => `${t.slice(0, -1)}+`],
    ["the prefix alone", () => "sfp_app_"],
  ];

  it.each(tampered)("%s: 401 on GET /projects", async (_, tamper) => {
    const token = await newToken();
    const forged = tamper(token.token);
    expect(forged).not.toBe(token.token);
    expectError(await stack.api("GET", "/projects", { token: forged }), 401, INVALID_APPLICATION_TOKEN);
  });

  it.each(tampered)("%s: 401 on a credential read, audited as anonymous", async (_, tamper) => {
    await seed();
    const token = await newToken("pipeline-acme");
    const refused = await pipelineRead(tamper(token.token));
    expectError(refused, 401, INVALID_APPLICATION_TOKEN);
    expect(JSON.stringify(refused.body)).not.toContain(githubPat.token);
    expect(await credentialReadAudit()).toEqual([{
      actor_type: "anonymous", actor_id: null, actor_email: null, actor_role: null,
      actor_token_id: null, actor_token_name: null, outcome: "denied", integration_ids: [],
      provider: "github", project: "acme/core", message: INVALID_APPLICATION_TOKEN,
      user_agent: "sfp-pipeline/2.0", request_id: "pipeline-run-42",
    }]);
  });

  it("a tampered copy of a revoked token is 'Invalid', not 'revoked': nothing is told about the real one", async () => {
    const token = await newToken();
    await stack.api("DELETE", `/application-tokens/${token.id}`, { token: stack.owner.token });
    const forged = token.token.slice(0, 24) + randomPart().slice(0, 48);
    expectError(await stack.api("GET", "/projects", { token: forged }), 401, INVALID_APPLICATION_TOKEN);
  });

  it("a tampered token does not touch the real token's last use", async () => {
    const token = await newToken();
    await stack.api("GET", "/projects", { token: token.token.slice(0, 24) + randomPart().slice(0, 48) });
    expect(await stack.sql`select last_used_at from sfp.application_tokens`).toEqual([{ last_used_at: null }]);
  });
});

describe("what an application may do", () => {
  it("GET /projects and GET /projects/{id}: 200", async () => {
    await seed();
    const token = await newToken();
    const list = await stack.api("GET", "/projects", { token: token.token });
    expect(list.status).toBe(200);
    expect(list.body.map((p: { identifier: string }) => p.identifier)).toEqual(["acme/core"]);
    const one = await stack.api("GET", `/projects/${encodeURIComponent("acme/core")}`, { token: token.token });
    expect(one.status).toBe(200);
    expect(one.body.identifier).toBe("acme/core");
  });

  it("GET /users/me: the token's id and name, role application", async () => {
    const token = await newToken("ci-main");
    const response = await stack.api("GET", "/users/me", { token: token.token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ type: "application", token_id: token.id, name: "ci-main", role: "application" });
  });

  it("nothing else: every other route answers 403 with its exact message, and nothing changes", async () => {
    await seed();
    const token = await newToken("ci-main");
    await stack.api("GET", "/projects", { token: token.token }); // records the last use before the snapshot
    const before = await storedState();

    const attempts: Array<[string, string, unknown, string]> = [
      ["POST", "/application-tokens", { name: "escalated", expiresIn: 365 }, OWNER_ONLY],
      ["GET", "/application-tokens", undefined, OWNER_ONLY],
      ["DELETE", `/application-tokens/${token.id}`, undefined, OWNER_ONLY],
      ["POST", "/integrations", { provider: "github", authType: "pat", credentials: githubPat, isGlobal: true }, OWNER_ONLY],
      ["GET", "/integrations", undefined, OWNER_ONLY],
      ["GET", "/integrations?provider=github", undefined, OWNER_ONLY],
      ["POST", "/projects", { identifier: "acme/new", remoteUrl: "https://github.com/acme/new" }, OWNERS_CREATE_PROJECTS],
      ["GET", "/users", undefined, OWNER_ONLY],
      ["POST", "/users", { email: stack.outsider.email, role: "owner" }, OWNER_ONLY],
      ["PUT", `/users/${stack.member.email}`, { role: "owner" }, OWNER_ONLY],
      ["DELETE", `/users/${stack.member.email}`, undefined, OWNER_ONLY],
    ];
    const outcomes = [];
    for (const [method, path, body] of attempts) {
      const response = await stack.api(method, path, { token: token.token, body });
      outcomes.push({ route: `${method} ${path}`, status: response.status, body: response.body });
    }
    expect(outcomes).toEqual(attempts.map(([method, path, , message]) => ({
      route: `${method} ${path}`,
      status: 403,
      body: { statusCode: 403, message, error: "Forbidden" },
    })));
    expect(await storedState()).toEqual(before);
  });
});

describe("a token whose creator is no longer an owner", () => {
  it("is refused with 401 once its creator is demoted to member, and the refused read is audited", async () => {
    await seed();
    const other = await secondOwner();
    const token = await newToken("pipeline-acme");
    expect((await pipelineRead(token.token)).status).toBe(200);

    const demoted = await stack.api("PUT", `/users/${stack.owner.email}`, { token: other.token, body: { role: "member" } });
    expect(demoted.status).toBe(200);

    expectError(await pipelineRead(token.token), 401, CREATOR_NOT_OWNER);
    expectError(await stack.api("GET", "/projects", { token: token.token }), 401, CREATOR_NOT_OWNER);
    expect((await credentialReadAudit()).at(-1)).toEqual(
      pipelineRow(token, { outcome: "denied", actor_role: null, message: CREATOR_NOT_OWNER }),
    );
  });

  it("is refused with 401 once its creator is removed from the team", async () => {
    await seed();
    const other = await secondOwner();
    const token = await newToken("pipeline-acme");
    expect((await stack.api("DELETE", `/users/${stack.owner.email}`, { token: other.token })).status).toBe(200);
    expectError(await pipelineRead(token.token), 401, CREATOR_NOT_OWNER);
  });

  it("is refused with 401 once its creator's Supabase Auth account is deleted", async () => {
    // created_by becomes null with the account; only a token the service created may have none.
    // A second owner first: the team's last owner's account cannot be deleted (members.test.ts).
    await seed();
    await secondOwner();
    const token = await newToken("pipeline-acme");
    expect((await pipelineRead(token.token)).status).toBe(200);

    await stack.sql`delete from auth.users where id = ${stack.owner.id}`;
    expect(await stack.sql`select * from sfp.members where user_id = ${stack.owner.id}`).toEqual([]);

    const response = await pipelineRead(token.token);
    expectError(response, 401, CREATOR_NOT_OWNER);
  });

  it("a token created by the service does not depend on any owner", async () => {
    await seed();
    const created = await createToken({ name: "svc" }, stack.serviceKey);
    const other = await secondOwner();
    await stack.api("PUT", `/users/${stack.owner.email}`, { token: other.token, body: { role: "member" } });
    expect((await pipelineRead(created.body.token)).status).toBe(200);
  });
});
