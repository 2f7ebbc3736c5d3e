/**
 * Application tokens in the database, called the way the Edge Functions call (logged in as
 * `authenticator`, a PostgREST-style transaction as service_role, the caller in `context`).
 * Proves:
 *   - sfp_api.create_application_token returns the token once ("sfp_app_" + 64 URL-safe
 *     characters) and stores its lookup id and SHA-256 only; as the service, created_by is
 *     null; as an owner, the owner; a member is refused; bad names and lifetimes are 22023;
 *   - list_application_tokens never shows the token or its hash; revoke_application_token
 *     marks it revoked; create and revoke each leave an audit row, refusals none;
 *   - sfp._authenticate_application, reached through get_credentials with context.application
 *     {lookup_id, token_hash}: the right hash is granted and audited as the application; a wrong
 *     hash of the right length, a malformed hash, an unknown lookup id are denied 'Invalid
 *     application token' (anonymous); revoked and expired tokens are denied with their own
 *     message, audited with the token's id and name;
 *   - an application reads projects and who it is, and changes nothing.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type postgres from "postgres";
import { describe, expect, it } from "vitest";
import {
  APPLICATION_TOKEN_EXPIRED,
  APPLICATION_TOKEN_REVOKED,
  CREATOR_NOT_OWNER,
  INVALID_APPLICATION_TOKEN,
  OWNER_ONLY,
  OWNERS_CREATE_PROJECTS,
  SERVICE_ROLE_ONLY,
} from "../support/messages.ts";
import { asPostgrest, useAuthenticator } from "../support/postgrest.ts";
import { useTestStack } from "../support/test-stack.ts";
import {
  applicationContextFor,
  applicationOf,
  contextFor,
  countRows,
  createIntegration,
  createProject,
  credentialReadAudit,
  getCredentials,
  type JsonObject,
  refusal,
  requestFacts,
} from "./rpc.ts";

const stack = useTestStack();
const api = useAuthenticator(stack);

const TOKEN_FORMAT = /^sfp_app_[A-Za-z0-9_-]{64}$/;
const githubCredentials = { token: "ghp_databaseAppTokens0000000000000000000" };

interface CreatedToken {
  id: string;
  name: string;
  token: string;
  status: string;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  projects: string[] | null;
  providers: string[] | null;
}

/** Runs `statement` as service_role through a PostgREST-style transaction; returns its `result` column. */
function asServiceRole<T = any>(run: (tx: postgres.TransactionSql) => Promise<postgres.Row[]>): Promise<T> {
  return asPostgrest(api, { role: "service_role" }, async (tx) => (await run(tx))[0].result as T);
}

function createToken(name: string | null, expiresInDays: number | null, context: JsonObject = contextFor()) {
  return asServiceRole<CreatedToken>((tx) =>
    tx`select sfp_api.create_application_token(name => ${name}::text, expires_in_days => ${expiresInDays}::integer,
         context => ${tx.json(context)}::jsonb) as result`);
}

function revokeToken(id: string, context: JsonObject = contextFor()) {
  return asServiceRole((tx) =>
    tx`select sfp_api.revoke_application_token(id => ${id}::uuid, context => ${tx.json(context)}::jsonb) as result`);
}

function listTokens(context: JsonObject = contextFor()) {
  return asServiceRole((tx) => tx`select sfp_api.list_application_tokens(context => ${tx.json(context)}::jsonb) as result`);
}

async function tokenAudit() {
  const rows = await stack.sql`
    select actor_type, actor_id, actor_role, actor_token_id, actor_token_name, action, outcome, ip, request_id, details
    from sfp.audit_log where action like 'application_token.%' order by id`;
  return rows.map((row) => ({ ...row }));
}

/** A project with a global GitHub integration, arranged as the service. */
async function arrangeCredentials() {
  await createProject(stack, "acme/core");
  return createIntegration(stack, { provider: "github", authType: "pat", credentials: githubCredentials, isGlobal: true });
}

/** A credential-read audit row of the application `token` (or of an anonymous caller). */
const readRow = (token: { id: string; name: string } | null, fields: Record<string, unknown>) => ({
  action: "credentials.read",
  actor_type: token ? "application" : "anonymous",
  actor_id: null,
  actor_email: null,
  actor_role: token ? "application" : null,
  actor_token_id: token?.id ?? null,
  actor_token_name: token?.name ?? null,
  integration_ids: [],
  provider: "github",
  project: "acme/core",
  ip: requestFacts.ip,
  user_agent: requestFacts.user_agent,
  request_id: requestFacts.request_id,
  message: null,
  details: {},
  ...fields,
});

describe("sfp_api.create_application_token", () => {
  it("as the service: returns the token once, created_by null, and stores only its lookup id and SHA-256", async () => {
    const created = await createToken("ci-main", 30);

    expect(created).toEqual({
      id: expect.any(String),
      name: "ci-main",
      token: expect.stringMatching(TOKEN_FORMAT),
      status: "active",
      created_by: null,
      created_at: expect.any(String),
      expires_at: expect.any(String),
      revoked_at: null,
      last_used_at: null,
      projects: null,
      providers: null,
    });
    const rows = await stack.sql`
      select id, name, lookup_id, encode(secret_hash, 'hex') as secret_hash, created_by,
             expires_at = created_at + interval '30 days' as thirty_days, revoked_at, last_used_at
      from sfp.application_tokens`;
    expect(rows.map((row) => ({ ...row }))).toEqual([{
      id: created.id,
      name: "ci-main",
      lookup_id: created.token.slice(8, 24),
      secret_hash: createHash("sha256").update(created.token).digest("hex"),
      created_by: null,
      thirty_days: true,
      revoked_at: null,
      last_used_at: null,
    }]);
  });

  it("as the service: audited as application_token.create by the service, without the token", async () => {
    const created = await createToken("ci-main", 30);

    const { token, ...metadata } = created;
    expect(await tokenAudit()).toEqual([{
      actor_type: "service", actor_id: null, actor_role: "service", actor_token_id: null, actor_token_name: null,
      action: "application_token.create", outcome: "succeeded", ip: requestFacts.ip, request_id: requestFacts.request_id,
      details: metadata,
    }]);
    const audit = await stack.sql<{ row: string }[]>`select row_to_json(a)::text as row from sfp.audit_log a`;
    for (const { row } of audit) expect(row).not.toContain(token.slice(24));
  });

  it("as an owner: created_by is the owner", async () => {
    const created = await createToken("ci-main", 7, contextFor(stack.owner));
    expect(created.created_by).toBe(stack.owner.id);
    expect(await stack.sql`select created_by from sfp.application_tokens`).toEqual([{ created_by: stack.owner.id }]);
  });

  it("as a member: 42501, nothing stored, nothing audited", async () => {
    const error = await refusal(createToken("ci-main", 30, contextFor(stack.member)));
    expect({ code: error.code, message: error.message }).toEqual({ code: "42501", message: OWNER_ONLY });
    expect(await countRows(stack, "sfp.application_tokens")).toBe(0);
    expect(await tokenAudit()).toEqual([]);
  });

  it.each([
    ["a lifetime of 0 days", "ci", 0, "expiresIn must be a whole number of days from 1 to 365"],
    ["a lifetime of 366 days", "ci", 366, "expiresIn must be a whole number of days from 1 to 365"],
    ["no lifetime (null)", "ci", null, "expiresIn must be a whole number of days from 1 to 365"],
    ["no name", null, 30, "name is required"],
    ["a blank name", "  ", 30, "name is required"],
    ["a name of 101 characters", "n".repeat(101), 30, "name must be at most 100 characters, without control characters"],
    ["a name with a newline", "ci\nmain", 30, "name must be at most 100 characters, without control characters"],
  ])("%s: 22023, nothing stored", async (_, name, days, message) => {
    const error = await refusal(createToken(name, days));
    expect({ code: error.code, message: error.message }).toEqual({ code: "22023", message });
    expect(await countRows(stack, "sfp.application_tokens")).toBe(0);
    expect(await tokenAudit()).toEqual([]);
  });

  it("365 days is accepted", async () => {
    await createToken("ci-main", 365);
    const [row] = await stack.sql`select expires_at = created_at + interval '365 days' as exact from sfp.application_tokens`;
    expect(row.exact).toBe(true);
  });
});

describe("sfp_api.list_application_tokens and revoke_application_token", () => {
  it("the list never holds the token or its hash", async () => {
    const created = await createToken("ci-main", 30);
    const list = await listTokens();
    const { token, ...metadata } = created;
    expect(list).toEqual([metadata]);
    const text = JSON.stringify(list);
    expect(text).not.toContain(token.slice(8));
    expect(text).not.toContain(applicationOf(token).token_hash as string);
  });

  it("a member cannot list: 42501", async () => {
    const error = await refusal(listTokens(contextFor(stack.member)));
    expect({ code: error.code, message: error.message }).toEqual({ code: "42501", message: OWNER_ONLY });
  });

  it("the service revokes a token: status revoked, audited as application_token.revoke", async () => {
    const created = await createToken("ci-main", 30);
    const revoked = await revokeToken(created.id);

    expect(revoked).toEqual({ ...created, token: undefined, status: "revoked", revoked_at: expect.any(String) });
    expect(revoked).not.toHaveProperty("token");
    expect(await stack.sql`select revoked_at is not null as revoked from sfp.application_tokens`).toEqual([{ revoked: true }]);
    expect((await tokenAudit()).map((row) => [row.action, row.actor_type, row.details])).toEqual([
      ["application_token.create", "service", expect.objectContaining({ id: created.id, status: "active" })],
      ["application_token.revoke", "service", revoked],
    ]);
  });

  it("an unknown id: SF404", async () => {
    const id = randomUUID();
    const error = await refusal(revokeToken(id));
    expect({ code: error.code, message: error.message }).toEqual({ code: "SF404", message: `Application token '${id}' not found` });
  });

  it("a member cannot revoke: 42501, the token stays active", async () => {
    const created = await createToken("ci-main", 30);
    const error = await refusal(revokeToken(created.id, contextFor(stack.member)));
    expect({ code: error.code, message: error.message }).toEqual({ code: "42501", message: OWNER_ONLY });
    expect(await stack.sql`select revoked_at from sfp.application_tokens`).toEqual([{ revoked_at: null }]);
  });
});

describe("get_credentials with context.application (sfp._authenticate_application)", () => {
  it("the right lookup id and hash: granted, audited as the application, last use recorded", async () => {
    const github = await arrangeCredentials();
    const created = await createToken("pipeline", 30);

    const result = await getCredentials(stack, api, {
      provider: "github", project: "acme/core", context: applicationContextFor(created.token),
    });

    expect(result).toEqual({
      outcome: "granted",
      credentials: [{ integration_id: github.id, provider: "github", auth_type: "pat", credentials: githubCredentials }],
    });
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining(readRow(created, { outcome: "granted", integration_ids: [github.id] })),
    ]);
    const [row] = await stack.sql`select now() - last_used_at < interval '10 seconds' as recent from sfp.application_tokens`;
    expect(row.recent).toBe(true);
  });

  it("a wrong hash of the right length: denied 'Invalid application token', audited as anonymous", async () => {
    await arrangeCredentials();
    const created = await createToken("pipeline", 30);
    const wrongHash = createHash("sha256").update(`${created.token}x`).digest("hex");

    const result = await getCredentials(stack, api, {
      provider: "github", project: "acme/core",
      context: { application: { lookup_id: created.token.slice(8, 24), token_hash: wrongHash }, ...requestFacts },
    });

    expect(result).toEqual({ outcome: "denied", reason: "unauthenticated", message: INVALID_APPLICATION_TOKEN });
    expect(JSON.stringify(result)).not.toContain(githubCredentials.token);
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining(readRow(null, { outcome: "denied", message: INVALID_APPLICATION_TOKEN })),
    ]);
    expect(await stack.sql`select last_used_at from sfp.application_tokens`).toEqual([{ last_used_at: null }]);
  });

  it.each([
    ["a hash of 63 hex digits", (a: JsonObject) => ({ ...a, token_hash: (a.token_hash as string).slice(1) })],
    ["a hash in upper-case hex", (a: JsonObject) => ({ ...a, token_hash: (a.token_hash as string).toUpperCase() })],
    ["the token itself instead of its hash", (_: JsonObject, token: string) => ({ lookup_id: token.slice(8, 24), token_hash: token })],
    ["no hash", (a: JsonObject) => ({ lookup_id: a.lookup_id })],
    ["no lookup id", (a: JsonObject) => ({ token_hash: a.token_hash })],
    ["an unknown lookup id", (a: JsonObject) => ({ ...a, lookup_id: randomBytes(12).toString("base64url") })],
    ["an empty object", () => ({})],
  ])("%s: denied 'Invalid application token'", async (_, tamper) => {
    await arrangeCredentials();
    const created = await createToken("pipeline", 30);
    const application = tamper(applicationOf(created.token), created.token);

    const result = await getCredentials(stack, api, {
      provider: "github", project: "acme/core", context: { application, ...requestFacts },
    });

    expect(result).toEqual({ outcome: "denied", reason: "unauthenticated", message: INVALID_APPLICATION_TOKEN });
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining(readRow(null, { outcome: "denied", message: INVALID_APPLICATION_TOKEN })),
    ]);
  });

  it("a revoked token: denied 'Application token revoked', audited with the token's id and name", async () => {
    await arrangeCredentials();
    const created = await createToken("pipeline", 30);
    await revokeToken(created.id);

    const result = await getCredentials(stack, api, {
      provider: "github", project: "acme/core", context: applicationContextFor(created.token),
    });

    expect(result).toEqual({ outcome: "denied", reason: "unauthenticated", message: APPLICATION_TOKEN_REVOKED });
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining(readRow(created, { outcome: "denied", actor_role: null, message: APPLICATION_TOKEN_REVOKED })),
    ]);
  });

  it("an expired token: denied 'Application token expired', audited with the token's id and name", async () => {
    await arrangeCredentials();
    const created = await createToken("pipeline", 1);
    await stack.sql`update sfp.application_tokens set expires_at = now() where id = ${created.id}`;

    const result = await getCredentials(stack, api, {
      provider: "github", project: "acme/core", context: applicationContextFor(created.token),
    });

    expect(result).toEqual({ outcome: "denied", reason: "unauthenticated", message: APPLICATION_TOKEN_EXPIRED });
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining(readRow(created, { outcome: "denied", actor_role: null, message: APPLICATION_TOKEN_EXPIRED })),
    ]);
  });

  it("a token whose creating owner is now a member: denied, audited with the token's id and name", async () => {
    await arrangeCredentials();
    const created = await createToken("pipeline", 30, contextFor(stack.owner));
    await stack.sql`update sfp.members set role = 'member' where user_id = ${stack.owner.id}`;

    const result = await getCredentials(stack, api, {
      provider: "github", project: "acme/core", context: applicationContextFor(created.token),
    });

    const message = CREATOR_NOT_OWNER;
    expect(result).toEqual({ outcome: "denied", reason: "unauthenticated", message });
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining(readRow(created, { outcome: "denied", actor_role: null, message })),
    ]);
  });
});

describe("an application through the other sfp_api functions", () => {
  it("get_me: the token's id and name, role application", async () => {
    const created = await createToken("pipeline", 30);
    const me = await asServiceRole((tx) =>
      tx`select sfp_api.get_me(context => ${tx.json(applicationContextFor(created.token))}::jsonb) as result`);
    expect(me).toEqual({ type: "application", token_id: created.id, name: "pipeline", role: "application" });
  });

  it("list_projects: allowed", async () => {
    await createProject(stack, "acme/core");
    const created = await createToken("pipeline", 30);
    const projects = await asServiceRole((tx) =>
      tx`select sfp_api.list_projects(context => ${tx.json(applicationContextFor(created.token))}::jsonb) as result`);
    expect(projects.map((p: { identifier: string }) => p.identifier)).toEqual(["acme/core"]);
  });

  it("a revoked token on list_projects: SF401 'Application token revoked'", async () => {
    const created = await createToken("pipeline", 30);
    await revokeToken(created.id);
    const error = await refusal(asServiceRole((tx) =>
      tx`select sfp_api.list_projects(context => ${tx.json(applicationContextFor(created.token))}::jsonb) as result`));
    expect({ code: error.code, message: error.message }).toEqual({ code: "SF401", message: APPLICATION_TOKEN_REVOKED });
  });

  it("cannot create tokens, projects or integrations, nor list members or tokens: 42501, nothing changes", async () => {
    const created = await createToken("pipeline", 30);
    const context = applicationContextFor(created.token);
    const auditBefore = await countRows(stack, "sfp.audit_log");
    const calls: Array<[string, (tx: postgres.TransactionSql) => Promise<postgres.Row[]>, string]> = [
      ["create_application_token", (tx) =>
        tx`select sfp_api.create_application_token(name => 'escalated', context => ${tx.json(context)}::jsonb) as result`,
        OWNER_ONLY],
      ["list_application_tokens", (tx) =>
        tx`select sfp_api.list_application_tokens(context => ${tx.json(context)}::jsonb) as result`,
        OWNER_ONLY],
      ["revoke_application_token", (tx) =>
        tx`select sfp_api.revoke_application_token(id => ${created.id}::uuid, context => ${tx.json(context)}::jsonb) as result`,
        OWNER_ONLY],
      ["create_project", (tx) =>
        tx`select sfp_api.create_project(identifier => 'acme/new', remote_url => 'https://github.com/acme/new',
             context => ${tx.json(context)}::jsonb) as result`,
        OWNERS_CREATE_PROJECTS],
      ["create_integration", (tx) =>
        tx`select sfp_api.create_integration(provider => 'github', auth_type => 'pat',
             credentials => ${tx.json(githubCredentials)}::jsonb, is_global => true,
             context => ${tx.json(context)}::jsonb, keyring => ${tx.json(stack.keyring)}::jsonb) as result`,
        OWNER_ONLY],
      ["list_integrations", (tx) =>
        tx`select sfp_api.list_integrations(context => ${tx.json(context)}::jsonb) as result`,
        OWNER_ONLY],
      ["list_members", (tx) => tx`select sfp_api.list_members(context => ${tx.json(context)}::jsonb) as result`,
        OWNER_ONLY],
      ["add_member", (tx) =>
        tx`select sfp_api.add_member(email => ${stack.outsider.email}, role => 'owner', context => ${tx.json(context)}::jsonb) as result`,
        OWNER_ONLY],
      ["update_member_role", (tx) =>
        tx`select sfp_api.update_member_role(email => ${stack.member.email}, role => 'owner',
             context => ${tx.json(context)}::jsonb) as result`,
        OWNER_ONLY],
      ["remove_member", (tx) =>
        tx`select sfp_api.remove_member(email => ${stack.member.email}, context => ${tx.json(context)}::jsonb) as result`,
        OWNER_ONLY],
      ["upsert_member", (tx) =>
        tx`select sfp_api.upsert_member(user_id => ${stack.outsider.id}::uuid, email => ${stack.outsider.email},
             role => 'owner', context => ${tx.json(context)}::jsonb) as result`,
        SERVICE_ROLE_ONLY],
    ];

    const outcomes = [];
    for (const [name, run] of calls) {
      const error = await refusal(asServiceRole(run));
      outcomes.push({ name, code: error.code, message: error.message });
    }
    expect(outcomes).toEqual(calls.map(([name, , message]) => ({ name, code: "42501", message })));
    expect(await countRows(stack, "sfp.application_tokens")).toBe(1);
    expect(await stack.sql`select revoked_at from sfp.application_tokens`).toEqual([{ revoked_at: null }]);
    expect(await countRows(stack, "sfp.projects")).toBe(0);
    expect(await countRows(stack, "sfp.integrations")).toBe(0);
    expect(await stack.sql`select email, role from sfp.members order by email`).toEqual([
      { email: stack.member.email, role: "member" },
      { email: stack.owner.email, role: "owner" },
    ]);
    expect(await countRows(stack, "sfp.audit_log")).toBe(auditBefore);
  });
});
