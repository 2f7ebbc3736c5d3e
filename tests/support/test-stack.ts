/**
 * A test file's own stack: a database cloned from the migrated template, and the real
 * Edge Functions served by Deno on a free port, with fresh secrets. Helpers for HTTP calls
 * as each actor, and a clean state per test. Most files start with `const stack =
 * useTestStack()`, which registers the hooks that create, reset and stop it.
 */
import { randomBytes, randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, inject } from "vitest";
import { databaseUrl, freePort } from "../../stack/addresses.ts";
import { type FunctionsServer, startFunctionsServer } from "../../stack/functions-server.ts";
import { serviceRoleKey, userToken } from "../../stack/tokens.ts";
import { assertResponse } from "./contract.ts";
import type { ServerInfo } from "./server-info.ts";
import { startedHandle } from "./started-handle.ts";

export interface Actor {
  id: string;
  email: string;
  token: string;
}

export interface TestStack {
  server: ServerInfo;
  database: string;
  /** Base URL of the Deno server, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Superuser connection to this file's database. */
  sql: postgres.Sql;
  jwtSecret: string;
  serviceKey: string;
  /** SFP_ENCRYPTION_KEYS of this stack, and its key ring as the sfp_api functions take it. */
  encryptionKeys: string;
  keyring: { current: number; keys: Record<string, string> };
  owner: Actor;
  member: Actor;
  /** A signed-in Supabase Auth user who is not a team member. */
  outsider: Actor;
  /** Everything the Deno server printed so far. */
  output(): string;
  /**
   * Fetch against /sfp/api (or /functions/v1 with `prefix`). Every answer is checked against
   * docs/openapi.json (tests/support/contract.ts): one the document does not describe throws.
   */
  api(method: string, path: string, options?: ApiOptions): Promise<ApiResponse>;
  /** Empties every table of the credential store (the audit log included) and recreates the actors. */
  reset(): Promise<void>;
  /** Restarts the Deno server (new connections), with extra environment if given. */
  restartFunctions(extraEnv?: Record<string, string>): Promise<void>;
  /** A second Deno server on the same database (another process, as in a scaled deployment); the caller stops it. */
  startAnotherFunctions(extraEnv?: Record<string, string>): Promise<FunctionsServer>;
  stop(): Promise<void>;
}

export interface ApiOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as is, instead of JSON.stringify(body). */
  rawBody?: string;
  headers?: Record<string, string>;
  prefix?: "/sfp/api" | "/functions/v1";
  /**
   * False: the answer is not checked against docs/openapi.json, for a deliberately raw request
   * whose answer the document cannot describe. SFP_CONTRACT=0 turns the check off everywhere.
   */
  contract?: boolean;
}

export interface ApiResponse {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

/** Whether api() checks answers against docs/openapi.json (on unless SFP_CONTRACT=0). */
const CONTRACT_CHECK = process.env.SFP_CONTRACT !== "0";

export function newKey(): string {
  return randomBytes(32).toString("base64");
}

export interface TestStackOptions {
  env?: Record<string, string>;
  /** Another PostgreSQL server prepared like the global one (template migrated); default: the global one. */
  server?: ServerInfo;
}

export async function createTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const server = options.server ?? inject("server");
  const database = `sfp_t_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(server.superuserUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${database} template ${server.template}`);
  await admin.end();

  const sql = postgres(databaseUrl(server.superuserUrl, database), { max: 2, onnotice: () => {} });
  const jwtSecret = randomBytes(40).toString("base64url");
  const serviceKey = await serviceRoleKey(jwtSecret);
  const key = newKey();
  const encryptionKeys = `1:${key}`;
  const actor = async (email: string): Promise<Actor> => {
    const id = randomUUID();
    return { id, email, token: await userToken(jwtSecret, { id, email }) };
  };
  const owner = await actor("owner@example.test");
  const member = await actor("member@example.test");
  const outsider = await actor("outsider@example.test");

  const createActors = async () => {
    await sql`select sfp_api.upsert_member(${owner.id}::uuid, ${owner.email}, 'owner')`;
    await sql`select sfp_api.upsert_member(${member.id}::uuid, ${member.email}, 'member')`;
    await sql`insert into auth.users (id, email, email_confirmed_at) values (${outsider.id}, ${outsider.email}, now())
              on conflict do nothing`;
  };
  await createActors();

  let output = "";
  const env = () => ({
    SUPABASE_DB_URL: databaseUrl(server.superuserUrl, database, {
      name: "authenticator",
      password: server.authenticatorPassword,
    }),
    SUPABASE_JWT_SECRET: jwtSecret,
    SUPABASE_SERVICE_ROLE_KEY: serviceKey,
    SFP_ENCRYPTION_KEYS: encryptionKeys,
    // The periodic sealer would race reset()'s TRUNCATE (a deadlock); tests that need it set it.
    SFP_AUDIT_SEAL_SECONDS: "3600",
    // Files share one server and one client address: only the rate-limit tests set a low limit.
    SFP_REFUSED_READS_LIMIT: "100000",
    ...options.env,
  });
  let functions = await startFunctionsServer(env(), await freePort(), (text) => (output += text));

  const stack: TestStack = {
    server,
    database,
    get url() {
      return functions.url;
    },
    sql,
    jwtSecret,
    serviceKey,
    encryptionKeys,
    keyring: { current: 1, keys: { "1": key } },
    owner,
    member,
    outsider,
    output: () => output,
    async api(method, path, { token, body, rawBody, headers = {}, prefix = "/sfp/api", contract = true } = {}) {
      const requestHeaders: Record<string, string> = { ...headers };
      if (token !== null && token !== undefined) requestHeaders.authorization = `Bearer ${token}`;
      let payload: string | undefined = rawBody;
      if (payload === undefined && body !== undefined) {
        payload = JSON.stringify(body);
        requestHeaders["content-type"] ??= "application/json";
      }
      const response = await fetch(`${functions.url}${prefix}${path}`, { method, headers: requestHeaders, body: payload });
      const text = await response.text();
      let parsed: unknown = undefined;
      try {
        parsed = JSON.parse(text);
      } catch { /* not JSON: tests look at text */ }
      if (contract && CONTRACT_CHECK) assertResponse(method, `${prefix}${path}`, response.status, response.headers.get("content-type"), text);
      return { status: response.status, body: parsed, text, headers: response.headers };
    },
    async reset() {
      // The audit log refuses TRUNCATE through its trigger; replica mode skips triggers.
      await sql.begin(async (tx) => {
        await tx`set local session_replication_role = replica`;
        await tx`truncate sfp.audit_log, sfp.audit_chain_anchor, sfp.audit_checkpoints, sfp.credential_versions,
                 sfp.integration_projects, sfp.integrations, sfp.projects, sfp.members, sfp.application_tokens,
                 sfp.key_checks, auth.users cascade`;
      });
      await createActors();
    },
    async startAnotherFunctions(extraEnv = {}) {
      return await startFunctionsServer({ ...env(), ...extraEnv }, await freePort(), (text) => (output += text));
    },
    async restartFunctions(extraEnv = {}) {
      await functions.stop();
      functions = await startFunctionsServer({ ...env(), ...extraEnv }, await freePort(), (text) => (output += text));
    },
    async stop() {
      await functions.stop();
      await sql.end();
      const admin = postgres(server.superuserUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${database} with (force)`);
      await admin.end();
    },
  };
  return stack;
}

export interface UseTestStackOptions extends TestStackOptions {
  /** reset() before each test (default true); false where the file's tests share what a beforeAll made. */
  reset?: boolean;
}

/**
 * The preamble of a test file (or of a describe block, for a second stack): a stack created
 * before its tests, reset before each of them (unless `reset: false`) and stopped after them.
 * Returns a handle that stands for that stack, to read in tests and hooks (hooks registered
 * after this call run after the stack's own: after it is created, before it is stopped).
 */
export function useTestStack(options: UseTestStackOptions = {}): TestStack {
  const { reset = true, ...stackOptions } = options;
  let stack: TestStack | undefined;
  beforeAll(async () => {
    stack = await createTestStack(stackOptions);
  });
  afterAll(() => stack?.stop());
  if (reset) beforeEach(() => stack!.reset());
  return startedHandle("the test stack", () => stack);
}
