/**
 * The life of an integration over HTTP, as the tests under tests/http/integrations/ (and the
 * resolution tests) drive and inspect it: made-up credentials, the calls as the owner (or as
 * the token given), what the API shows, and what the database holds.
 */
import { expect } from "vitest";
import { guarded } from "./guarded.ts";
import { createIntegration, createProject, TIMESTAMP } from "./http.ts";
import { waitForLockWaiters } from "./locks.ts";
import type { TestStack } from "./test-stack.ts";

export type Scope = { isGlobal: true } | { projects: string[] };

// Made-up secrets, each distinct so a test can tell which one came back (and find any in the audit log).
export const pat1 = { token: "ghp_madeUpLifecycleOne000000000000000000" };
export const pat2 = { token: "ghp_madeUpLifecycleTwo000000000000000000" };
export const pat3 = { token: "ghp_madeUpLifecycleThree0000000000000000" };
export const patOther = { token: "ghp_madeUpLifecycleOther0000000000000000" };
export const oauth1 = {
  access_token: "gho_madeUpLifecycleOauth00000000000000",
  refresh_token: "ghr_madeUpLifecycleRefresh000000000",
};
export const jira1 = { base_url: "https://acme.atlassian.net", username: "sfp@acme.com", api_token: "ATATT-made-up-lifecycle-1" };
export const SECRETS = [
  pat1.token, pat2.token, pat3.token, patOther.token, oauth1.access_token, oauth1.refresh_token, jira1.api_token,
];

/** The request body that creates a global Jira (basic auth) integration holding `apiToken`. */
export function jiraIntegration(apiToken: string) {
  return {
    provider: "jira",
    authType: "basic_auth",
    credentials: { base_url: "https://acme.atlassian.net", username: "ci@acme.test", api_token: apiToken },
    isGlobal: true,
  };
}

/**
 * What a credential read returns of stored credentials: as stored, but an OAuth credential
 * without its refresh token and client secret; undefined for the kinds whose read returns a
 * token issued from the grant (a GitHub App, client-credentials grants: issued-tokens.test.ts).
 */
export function readView(authType: string, credentials: Record<string, unknown>): Record<string, unknown> | undefined {
  if (["app", "oauth_client_credentials", "service_principal"].includes(authType)) return undefined;
  if (authType !== "oauth") return credentials;
  const { refresh_token: _refresh, client_secret: _secret, ...rest } = credentials;
  return rest;
}

export const notFound = (id: string) => `Integration '${id}' not found`;
export const notCurrent = (expected: number, current: number) =>
  `Version ${expected} is not current: the integration is at version ${current}`;

/** One credential as a read returns it. */
export function githubRead(id: string, credentials: unknown, authType = "pat") {
  return { integration_id: id, provider: "github", auth_type: authType, credentials };
}

export function jiraRead(id: string, credentials: unknown) {
  return { integration_id: id, provider: "jira", auth_type: "basic_auth", credentials };
}

/** Metadata of a global GitHub PAT integration at version 1 as the API shows it, with `fields` changed (GET adds `versions`). */
export function metadata(id: string, fields: Record<string, unknown> = {}) {
  return {
    id,
    provider: "github",
    auth_type: "pat",
    is_global: true,
    projects: [],
    config: {},
    version: 1,
    created_at: expect.stringMatching(TIMESTAMP),
    updated_at: expect.stringMatching(TIMESTAMP),
    ...fields,
  };
}

interface CallOptions {
  token?: string | null;
  headers?: Record<string, string>;
}

/** The calls and inspections of the integration lifecycle against `stack` (a handle of useTestStack will do). */
export function integrationCalls(stack: TestStack) {
  const ownerToken = () => stack.owner.token;

  return {
    createProject: (identifier: string) => createProject(stack, identifier),

    createGithubPat: (credentials: { token: string }, scope: Scope, config?: Record<string, unknown>) =>
      createIntegration(stack, { provider: "github", authType: "pat", credentials, ...scope, ...(config ? { config } : {}) }),

    createJiraBasic: (credentials: typeof jira1, scope: Scope) =>
      createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials, ...scope }),

    getIntegration: (id: string, token: string | null = ownerToken()) => stack.api("GET", `/integrations/${id}`, { token }),

    patch: (id: string, body: unknown, options: CallOptions = {}) =>
      stack.api("PATCH", `/integrations/${id}`, {
        token: options.token === undefined ? ownerToken() : options.token,
        body,
        headers: options.headers,
      }),

    rollback: (id: string, body: unknown, options: CallOptions = {}) =>
      stack.api("POST", `/integrations/${id}/rollback`, {
        token: options.token === undefined ? ownerToken() : options.token,
        body,
        headers: options.headers,
      }),

    deleteIntegration: (id: string, token: string | null = ownerToken()) =>
      stack.api("DELETE", `/integrations/${id}`, { token }),

    deleteProject: (identifier: string, query = "", token: string | null = ownerToken()) =>
      stack.api("DELETE", `/projects/${encodeURIComponent(identifier)}${query}`, { token }),

    /** A credentials read as the owner; `query` starts with "?" (or is empty). */
    read: (query: string) => stack.api("GET", `/integrations/credentials${query}`, { token: ownerToken() }),

    async applicationToken(): Promise<string> {
      const response = await stack.api("POST", "/application-tokens", { token: ownerToken(), body: { name: "ci-main" } });
      expect(response.status).toBe(201);
      return response.body.token;
    },

    /** The decrypted credentials of one stored version, straight from the database. */
    async storedCredentials(id: string, version: number): Promise<unknown> {
      const [row] = await guarded(stack.sql, (tx) =>
        tx`select (sfp._credentials_of(${id}::uuid, ${version}, ${tx.json(stack.keyring)}::jsonb)).credentials as credentials`
      ) as { credentials: unknown }[];
      return row.credentials;
    },

    /** The kept version numbers of an integration, as stored. */
    async storedVersions(id: string): Promise<number[]> {
      const rows = await stack.sql<{ version: number }[]>`
        select version from sfp.credential_versions where integration_id = ${id} order by version`;
      return rows.map((row) => row.version);
    },

    /** Everything a refused change must leave as it was: the row, scope, every stored ciphertext, the audit log. */
    async storedState(id: string) {
      const [integration] = await stack.sql`
        select provider, auth_type, is_global, config, current_version, updated_at from sfp.integrations where id = ${id}`;
      const projects = await stack.sql`
        select p.identifier from sfp.integration_projects ip join sfp.projects p on p.id = ip.project_id
        where ip.integration_id = ${id} order by p.identifier`;
      const versions = await stack.sql`
        select version, key_version, iv, ciphertext, mac from sfp.credential_versions
        where integration_id = ${id} order by version`;
      const [{ audit }] = await stack.sql`select count(*)::int as audit from sfp.audit_log`;
      return {
        integration: integration ? { ...integration } : undefined,
        projects: projects.map((row) => row.identifier),
        versions: versions.map((row) => ({ ...row })),
        audit,
      };
    },

    async auditRows(action: string) {
      const rows = await stack.sql`
        select actor_type, actor_id, actor_email, actor_role, action, outcome, integration_ids, provider, project, details
        from sfp.audit_log where action = ${action} order by id`;
      return rows.map((row) => ({ ...row }));
    },

    /** The actor fields of an audit row of a change the owner made. */
    byOwner: () => ({
      actor_type: "user",
      actor_id: stack.owner.id,
      actor_email: stack.owner.email,
      actor_role: "owner",
      outcome: "succeeded",
    }),

    /** Waits until `count` sessions of this database wait for a lock (a request queued behind one). */
    waitForLockWaiters: (count: number) => waitForLockWaiters(stack.sql, count),
  };
}
