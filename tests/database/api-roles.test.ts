/**
 * The API roles against the database, each transaction opened as PostgREST opens it
 * (logged in as `authenticator`, role and claims set transaction-locally). Proves:
 *   - no API role (anon, authenticated, service_role) reaches any table of schema sfp;
 *   - anon and authenticated execute no sfp_api function;
 *   - service_role acting for a verified user (context.claims) gets exactly that user's
 *     rights: owners read credentials, members and non-members are denied, and every read
 *     (granted, denied, not found) leaves its audit row;
 *   - a credential read whose claims name no user is denied as unauthenticated (returned, so
 *     its audit row commits); other calls with such claims raise SF401; a context that is not
 *     an object is refused;
 *   - a member changes nothing through the RPCs.
 */
import type postgres from "postgres";
import { describe, expect, it } from "vitest";
import { OWNER_ONLY, OWNER_OR_APPLICATION, OWNERS_CREATE_PROJECTS, SERVICE_ROLE_ONLY } from "../support/messages.ts";
import { type ApiRole, asPostgrest, useAuthenticator } from "../support/postgrest.ts";
import { useTestStack } from "../support/test-stack.ts";
import {
  claimsOf,
  contextFor,
  countRows,
  createIntegration,
  createProject,
  credentialReadAudit,
  getCredentials,
  refusal,
  requestFacts,
} from "./rpc.ts";

const stack = useTestStack();
const api = useAuthenticator(stack);

const API_ROLES: ApiRole[] = ["anon", "authenticated", "service_role"];
const jiraCredentials = {
  base_url: "https://acme.atlassian.net",
  username: "sfp-service@acme.com",
  api_token: "ATATT3x-api-roles-made-up-token",
};

/** The statement's error as { code, message }, run as `role` in its own transaction. */
async function refusedAs(role: ApiRole, statement: string) {
  const error = await refusal(asPostgrest(api, { role }, (tx) => tx.unsafe(statement)));
  return { code: error.code, message: error.message };
}

describe("tables of schema sfp", () => {
  it("no API role can select, insert, update or delete any table of schema sfp", async () => {
    const tables = await stack.sql<{ name: string; first_column: string }[]>`
      select t.tablename as name,
             (select a.attname from pg_attribute a
               where a.attrelid = format('%I.%I', t.schemaname, t.tablename)::regclass and a.attnum = 1) as first_column
      from pg_tables t where t.schemaname = 'sfp' order by t.tablename`;
    expect(tables.length).toBeGreaterThan(0);
    const countsBefore = await Promise.all(tables.map((t) => countRows(stack, `sfp.${t.name}`)));

    const outcomes: unknown[] = [];
    const expected: unknown[] = [];
    for (const role of API_ROLES) {
      for (const { name, first_column } of tables) {
        const statements = {
          select: `select * from sfp.${name}`,
          insert: `insert into sfp.${name} default values`,
          update: `update sfp.${name} set ${first_column} = ${first_column}`,
          delete: `delete from sfp.${name}`,
        };
        for (const [operation, statement] of Object.entries(statements)) {
          outcomes.push({ role, table: name, operation, ...(await refusedAs(role, statement)) });
          expected.push({ role, table: name, operation, code: "42501", message: "permission denied for schema sfp" });
        }
      }
    }
    expect(outcomes).toEqual(expected);
    expect(await Promise.all(tables.map((t) => countRows(stack, `sfp.${t.name}`)))).toEqual(countsBefore);
  });
});

describe("functions of schema sfp_api", () => {
  /** Every sfp_api function, and a call of it with a typed null for each argument. */
  async function sfpApiCalls() {
    const functions = await stack.sql<{ name: string; call: string }[]>`
      select p.proname as name,
             format('select sfp_api.%I(%s)', p.proname,
               (select coalesce(string_agg('null::' || format_type(a.type, null), ', ' order by a.n), '')
                from unnest(p.proargtypes::oid[]) with ordinality as a(type, n))) as call
      from pg_proc p where p.pronamespace = 'sfp_api'::regnamespace order by p.proname`;
    expect(functions.length).toBeGreaterThan(0);
    return functions;
  }

  it("anon and authenticated cannot execute any sfp_api function: the schema is closed to them", async () => {
    const functions = await sfpApiCalls();
    const outcomes: unknown[] = [];
    const expected: unknown[] = [];
    for (const role of ["anon", "authenticated"] as const) {
      for (const { name, call } of functions) {
        outcomes.push({ role, name, ...(await refusedAs(role, call)) });
        expected.push({ role, name, code: "42501", message: "permission denied for schema sfp_api" });
      }
    }
    expect(outcomes).toEqual(expected);
    expect(await credentialReadAudit(stack)).toEqual([]);
  });

  it("anon and authenticated cannot execute any sfp_api function even with USAGE on the schema", async () => {
    const functions = await sfpApiCalls();
    // The second lock: with the schema opened to them, EXECUTE is still not granted.
    await stack.sql`grant usage on schema sfp_api to anon, authenticated`;
    try {
      const outcomes: unknown[] = [];
      const expected: unknown[] = [];
      for (const role of ["anon", "authenticated"] as const) {
        for (const { name, call } of functions) {
          outcomes.push({ role, name, ...(await refusedAs(role, call)) });
          expected.push({ role, name, code: "42501", message: `permission denied for function ${name}` });
        }
      }
      expect(outcomes).toEqual(expected);
    } finally {
      await stack.sql`revoke usage on schema sfp_api from anon, authenticated`;
    }
    expect(await credentialReadAudit(stack)).toEqual([]);
  });
});

describe("get_credentials through service_role", () => {
  it("service_role acting for a member is denied, with an audit row and no credentials", async () => {
    await createProject(stack, "acme/core");
    await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });

    const result = await getCredentials(stack, api, { provider: "jira", project: "acme/core", context: contextFor(stack.member) });

    expect(result).toEqual({ outcome: "denied", reason: "forbidden", message: OWNER_OR_APPLICATION });
    expect(JSON.stringify(result)).not.toContain(jiraCredentials.api_token);
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining({
        action: "credentials.read",
        outcome: "denied",
        actor_type: "user",
        actor_id: stack.member.id,
        actor_email: stack.member.email,
        actor_role: "member",
        integration_ids: [],
        provider: "jira",
        project: "acme/core",
        ip: requestFacts.ip,
        user_agent: requestFacts.user_agent,
        request_id: requestFacts.request_id,
        message: OWNER_OR_APPLICATION,
        details: {},
      }),
    ]);
  });

  it("service_role acting for a signed-in user who is not a team member is denied, with an audit row", async () => {
    await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });

    const result = await getCredentials(stack, api, { provider: "jira", context: contextFor(stack.outsider) });

    expect(result).toEqual({ outcome: "denied", reason: "forbidden", message: OWNER_OR_APPLICATION });
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining({
        outcome: "denied",
        actor_type: "user",
        actor_id: stack.outsider.id,
        actor_email: stack.outsider.email,
        actor_role: null,
        actor_token_id: null,
        actor_token_name: null,
        provider: "jira",
        project: null,
        message: OWNER_OR_APPLICATION,
      }),
    ]);
  });

  it("service_role acting for an owner is granted the exact credentials, with an audit row naming the integration", async () => {
    await createProject(stack, "acme/core");
    const jira = await createIntegration(stack, {
      provider: "jira", authType: "basic_auth", credentials: jiraCredentials, projects: ["acme/core"],
    });

    const result = await getCredentials(stack, api, { provider: "jira", project: "acme/core", context: contextFor(stack.owner) });

    expect(result).toEqual({
      outcome: "granted",
      credentials: [{ integration_id: jira.id, provider: "jira", auth_type: "basic_auth", credentials: jiraCredentials }],
    });
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining({
        outcome: "granted",
        actor_type: "user",
        actor_id: stack.owner.id,
        actor_email: stack.owner.email,
        actor_role: "owner",
        integration_ids: [jira.id],
        provider: "jira",
        project: "acme/core",
        ip: requestFacts.ip,
        user_agent: requestFacts.user_agent,
        request_id: requestFacts.request_id,
        message: null,
      }),
    ]);
  });

  it("a read for an unknown project is not found, with an audit row", async () => {
    await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });

    const result = await getCredentials(stack, api, { provider: "jira", project: "acme/missing", context: contextFor(stack.owner) });

    expect(result).toEqual({ outcome: "not_found", message: "Project 'acme/missing' not found" });
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining({
        outcome: "not_found",
        actor_type: "user",
        actor_id: stack.owner.id,
        actor_role: "owner",
        integration_ids: [],
        provider: "jira",
        project: "acme/missing",
        request_id: requestFacts.request_id,
        message: "Project 'acme/missing' not found",
      }),
    ]);
  });

  it("a read for a project without a matching integration is not found, with an audit row", async () => {
    await createProject(stack, "acme/core");
    await createIntegration(stack, { provider: "github", authType: "pat", credentials: { token: "ghp_madeUp" }, isGlobal: true });

    const result = await getCredentials(stack, api, { provider: "jira", project: "acme/core", context: contextFor(stack.owner) });

    expect(result).toEqual({ outcome: "not_found", message: "No integration found for provider=jira, project=acme/core" });
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining({
        outcome: "not_found",
        actor_id: stack.owner.id,
        integration_ids: [],
        provider: "jira",
        project: "acme/core",
        message: "No integration found for provider=jira, project=acme/core",
      }),
    ]);
  });

  it("service_role without claims acts as the service itself", async () => {
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });

    const result = await getCredentials(stack, api, { provider: "jira", context: { ...requestFacts } });

    expect(result).toEqual({
      outcome: "granted",
      credentials: [{ integration_id: jira.id, provider: "jira", auth_type: "basic_auth", credentials: jiraCredentials }],
    });
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining({
        outcome: "granted",
        actor_type: "service",
        actor_id: null,
        actor_email: null,
        actor_role: "service",
        integration_ids: [jira.id],
        provider: "jira",
        project: null,
        ip: requestFacts.ip,
      }),
    ]);
  });

  /** The audit row of a read refused because the claims name no user: an anonymous actor. */
  const unauthenticatedRow = (provider: string | null, project: string | null) => ({
    action: "credentials.read",
    outcome: "denied",
    actor_type: "anonymous",
    actor_id: null,
    actor_email: null,
    actor_role: null,
    actor_token_id: null,
    actor_token_name: null,
    integration_ids: [],
    provider,
    project,
    ip: requestFacts.ip,
    user_agent: requestFacts.user_agent,
    request_id: requestFacts.request_id,
    message: "Unauthorized",
    details: {},
  });

  it("claims with role anon are denied as unauthenticated (returned, not raised), with an audit row", async () => {
    await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });

    const result = await getCredentials(stack, api, {
      provider: "jira", context: { claims: { role: "anon" }, ...requestFacts },
    });

    expect(result).toEqual({ outcome: "denied", reason: "unauthenticated", message: "Unauthorized" });
    expect(JSON.stringify(result)).not.toContain(jiraCredentials.api_token);
    expect(await credentialReadAudit(stack)).toEqual([expect.objectContaining(unauthenticatedRow("jira", null))]);
  });

  it("authenticated claims without a sub are denied as unauthenticated, with an audit row", async () => {
    await createProject(stack, "acme/core");
    await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
    const { sub: _sub, ...claimsWithoutSub } = claimsOf(stack.owner);

    const result = await getCredentials(stack, api, {
      provider: "jira", project: "acme/core", context: { claims: claimsWithoutSub, ...requestFacts },
    });

    expect(result).toEqual({ outcome: "denied", reason: "unauthenticated", message: "Unauthorized" });
    expect(JSON.stringify(result)).not.toContain(jiraCredentials.api_token);
    // Not the owner: the email in claims that name no user is not trusted as an identity.
    expect(await credentialReadAudit(stack)).toEqual([expect.objectContaining(unauthenticatedRow("jira", "acme/core"))]);
  });

  it("claims that name no user are still refused with SF401 outside credential reads, and nothing is audited", async () => {
    const auditBefore = await countRows(stack, "sfp.audit_log");

    const error = await refusal(asPostgrest(api, { role: "service_role" }, (tx) =>
      tx`select sfp_api.list_projects(context => ${tx.json({ claims: { role: "anon" }, ...requestFacts })}::jsonb)`));

    expect({ code: error.code, message: error.message }).toEqual({ code: "SF401", message: "Unauthorized" });
    expect(await countRows(stack, "sfp.audit_log")).toBe(auditBefore);
  });

  it("a context that is a JSON string is refused, not read as the service", async () => {
    await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });

    const error = await refusal(getCredentials(stack, api, {
      provider: "jira", context: JSON.stringify(contextFor(stack.member)),
    }));

    expect({ code: error.code, message: error.message }).toEqual({ code: "22023", message: "context must be a JSON object" });
    expect(await credentialReadAudit(stack)).toEqual([]);
  });
});

describe("changes through service_role for a member", () => {
  /** Runs an sfp_api call as service_role for the member; returns its error. */
  function asMember(run: (tx: postgres.TransactionSql, context: postgres.Parameter) => Promise<unknown>) {
    return refusal(asPostgrest(api, { role: "service_role" }, (tx) => run(tx, tx.json(contextFor(stack.member)))));
  }

  it("a member cannot create a project", async () => {
    const error = await asMember((tx, context) =>
      tx`select sfp_api.create_project(identifier => 'acme/core',
           remote_url => 'https://github.com/acme/core', context => ${context}::jsonb)`);

    expect({ code: error.code, message: error.message })
      .toEqual({ code: "42501", message: OWNERS_CREATE_PROJECTS });
    expect(await countRows(stack, "sfp.projects")).toBe(0);
    expect(await stack.sql`select * from sfp.audit_log where action = 'project.create'`).toEqual([]);
  });

  it("a member cannot create an integration", async () => {
    await createProject(stack, "acme/core");

    const error = await asMember((tx, context) =>
      tx`select sfp_api.create_integration(provider => 'jira', auth_type => 'basic_auth',
           credentials => ${tx.json(jiraCredentials)}::jsonb, projects => array['acme/core'],
           context => ${context}::jsonb, keyring => ${tx.json(stack.keyring)}::jsonb)`);

    expect({ code: error.code, message: error.message })
      .toEqual({ code: "42501", message: OWNER_ONLY });
    expect(await countRows(stack, "sfp.integrations")).toBe(0);
    expect(await countRows(stack, "sfp.credential_versions")).toBe(0);
    expect(await countRows(stack, "sfp.integration_projects")).toBe(0);
    expect(await stack.sql`select * from sfp.audit_log where action = 'integration.create'`).toEqual([]);
  });

  it("a member cannot list integrations", async () => {
    await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
    const auditBefore = await countRows(stack, "sfp.audit_log");

    const error = await asMember((tx, context) =>
      tx`select sfp_api.list_integrations(provider => null, context => ${context}::jsonb)`);

    expect({ code: error.code, message: error.message })
      .toEqual({ code: "42501", message: OWNER_ONLY });
    expect(await countRows(stack, "sfp.integrations")).toBe(1);
    expect(await countRows(stack, "sfp.audit_log")).toBe(auditBefore);
  });

  it("a signed-in owner cannot change team membership: that is for the service alone", async () => {
    const error = await refusal(asPostgrest(api, { role: "service_role" }, (tx) =>
      tx`select sfp_api.upsert_member(user_id => ${stack.member.id}::uuid, email => ${stack.member.email},
           role => 'owner', context => ${tx.json(contextFor(stack.owner))}::jsonb)`));

    expect({ code: error.code, message: error.message })
      .toEqual({ code: "42501", message: SERVICE_ROLE_ONLY });
    expect(await stack.sql`select role from sfp.members where user_id = ${stack.member.id}`).toEqual([{ role: "member" }]);
  });
});
