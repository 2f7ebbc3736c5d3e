/**
 * Helpers for the database tests: calling the sfp_api functions the way the Edge Functions
 * do (logged in as `authenticator`, a PostgREST-style transaction as service_role, the
 * verified claims in `context`), arranging data as the service, and reading what was stored.
 * Not a test file: the test files state their own data and import these.
 */
import { createHash } from "node:crypto";
import type postgres from "postgres";
import { expect } from "vitest";
import { guarded } from "../support/guarded.ts";
import { asPostgrest } from "../support/postgrest.ts";
import type { Actor, TestStack } from "../support/test-stack.ts";

export type KeyRing = { current: number; keys: Record<string, string> };
export type JsonObject = { [key: string]: postgres.JSONValue };

/** The request facts a trusted caller puts next to the claims. */
export const requestFacts = {
  ip: "203.0.113.7",
  user_agent: "sfp-cli/1.0 (database tests)",
  request_id: "req-database-tests-0001",
};

/** Verified Supabase Auth claims of a signed-in user, as the Edge Functions pass them on. */
export function claimsOf(actor: Actor): JsonObject {
  return { role: "authenticated", aud: "authenticated", sub: actor.id, email: actor.email };
}

/** A context acting for `actor` (or, without one, for the service itself). */
export function contextFor(actor?: Actor): JsonObject {
  return actor ? { claims: claimsOf(actor), ...requestFacts } : { ...requestFacts };
}

/**
 * What the Edge Functions send SQL for an sfp_app_ token: its lookup id (the 16 characters
 * after the prefix) and the hex SHA-256 of the whole token; never the token itself.
 */
export function applicationOf(token: string): JsonObject {
  return {
    lookup_id: token.slice("sfp_app_".length, "sfp_app_".length + 16),
    token_hash: createHash("sha256").update(token).digest("hex"),
  };
}

/** A context acting for the application token `token`. */
export function applicationContextFor(token: string): JsonObject {
  return { application: applicationOf(token), ...requestFacts };
}

/** The error a statement fails with; fails the test when the statement succeeds. */
export async function refusal(promise: Promise<unknown>): Promise<postgres.PostgresError> {
  try {
    await promise;
  } catch (error) {
    return error as postgres.PostgresError;
  }
  return expect.fail("expected the database to refuse, but the statement succeeded");
}

interface CredentialsCall {
  provider?: string | null;
  project?: string | null;
  /** Sent with sql.json as is: an object, or a string to send a JSON string. */
  context: postgres.JSONValue;
  /** undefined: the stack's key ring; null: no key ring at all. */
  keyring?: KeyRing | null;
}

/**
 * sfp_api.get_credentials as service_role through a PostgREST-style transaction, behind the
 * log-safety guard as the Edge Functions send it (the function refuses otherwise, SFL02).
 */
export async function getCredentials(stack: TestStack, api: postgres.Sql, call: CredentialsCall): Promise<any> {
  const keyring = call.keyring === undefined ? stack.keyring : call.keyring;
  return asPostgrest(api, { role: "service_role" }, async (tx) => {
    await tx`select sfp_api.guard_log_safety()`;
    const [row] = await tx`select sfp_api.get_credentials(
        provider => ${call.provider ?? null}::text,
        project => ${call.project ?? null}::text,
        context => ${tx.json(call.context)}::jsonb,
        keyring => ${keyring === null ? null : tx.json(keyring)}::jsonb) as result`;
    return row.result;
  });
}

/** Registers a project as the service (superuser connection, no claims). Returns its JSON. */
export async function createProject(stack: TestStack, identifier: string): Promise<any> {
  const [row] = await stack.sql`select sfp_api.create_project(
      identifier => ${identifier}, remote_url => ${`https://github.com/${identifier}`}) as project`;
  return row.project;
}

interface IntegrationData {
  provider: string;
  authType: string;
  credentials: Record<string, string>;
  isGlobal?: boolean;
  projects?: string[];
}

/** Stores an integration as the service with the stack's key ring, behind the guard. Returns its JSON. */
export async function createIntegration(stack: TestStack, data: IntegrationData): Promise<any> {
  return guarded(stack.sql, async (sql) => {
    const [row] = await sql`select sfp_api.create_integration(
        provider => ${data.provider}, auth_type => ${data.authType},
        credentials => ${sql.json(data.credentials)}::jsonb,
        is_global => ${data.isGlobal ?? false},
        projects => ${data.projects ? sql.array(data.projects) : null}::text[],
        keyring => ${sql.json(stack.keyring)}::jsonb) as integration`;
    return row.integration;
  });
}

/** The audit rows of credential reads, oldest first. */
export async function credentialReadAudit(stack: TestStack): Promise<any[]> {
  return stack.sql`select * from sfp.audit_log where action = 'credentials.read' order by id`;
}

export async function countRows(stack: TestStack, table: string): Promise<number> {
  const [{ count }] = await stack.sql.unsafe(`select count(*)::int as count from ${table}`);
  return count;
}
