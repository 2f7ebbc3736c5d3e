/**
 * Every request to a credentials route (GET and POST /sfp/api/integrations/credentials) leaves
 * exactly one audit row, action 'credentials.read', whatever its answer
 * (functions/integrations/credentials-audit.ts, sfp_api.audit_credentials_request and
 * sfp_api.get_credentials in supabase/migrations/20261201001100_credential_reads.sql).
 * Each test sends its own X-Request-Id and finds the request's rows by it. Proves, answer by
 * answer:
 *   - 200 'granted', 404 'not_found', 403 'denied' (a member, a non-member): rows of the read itself;
 *   - 400 (bad query values, an unknown or repeated parameter, malformed or invalid JSON), 413
 *     (a body over SFP_MAX_BODY_BYTES), 415 (POST without a JSON content type): 'invalid', with
 *     the verified caller (anonymous for 413: the body cap runs before authentication), the
 *     filters as given (cut to 64 / 255 characters, even when invalid) and the answer's message;
 *     a body refused for its size is not read past the cap to find filters;
 *   - 401 (no token, a malformed one, an expired JWT, an unknown or revoked application token):
 *     'denied', anonymous (a revoked token is named), the refusal as message;
 *   - 500: a key that differs from its key check (SFK04, 'error' with the code) and a read that
 *     fails in the database (a cancelled statement: 'error' with the generic answer);
 *   - application tokens on the failure path: the row names the token (actor_token_id) from the
 *     fingerprint the functions send instead of the token's hash;
 *   - 503 (the log guard refuses): 'error' with its message; with log_statement = all and
 *     unhidden parameters, the token's hash never reaches the server's log, yet the row names it;
 *   - no audit row ever holds a secret (the stored credential, a token, a token's hash, a key);
 *   - the refusal limit (its own stack: SFP_REFUSED_READS_LIMIT=3, SFP_REFUSAL_WINDOW_SECONDS=2):
 *     after 3 requests refused with 401 in a window, every credentials request from the address
 *     gets the exact 429 with Retry-After (seconds to the window's end), X-Forwarded-For does not
 *     escape it, other routes are neither counted nor limited, and the 429s are audited as ONE
 *     row per window, {"count": n, "aggregated": true}, when the window closes or on shutdown;
 *     a parallel burst of guessed application tokens is held to the limit too (at most limit + 1
 *     rows per window, as refusal-limiter.ts says).
 */
import { createHash, randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { userToken } from "../../stack/tokens.ts";
import { createIntegration, createProject, expectError } from "../support/http.ts";
import {
  APPLICATION_TOKEN_REVOKED,
  INVALID_APPLICATION_TOKEN,
  LOG_GUARD_REFUSED,
  MISSING_TOKEN,
  NOT_A_JWT,
  OWNER_OR_APPLICATION,
  TOKEN_EXPIRED,
} from "../support/messages.ts";
import { ServerLog } from "../support/server-log.ts";
import { type ApiOptions, newKey, type TestStack, useTestStack } from "../support/test-stack.ts";

const stack = useTestStack({ reset: false });

const CREDENTIALS = "/integrations/credentials";
const USER_AGENT = "sfp-request-audit-tests/1.0";
const RATE_LIMITED = "Too many refused requests from this address: retry later";
const RATE_LIMITED_BODY = `{"statusCode":429,"message":"${RATE_LIMITED}","error":"Too Many Requests"}`;

/** The stored secret: it must never reach an audit row. */
const GITHUB_SECRET = "ghp_requestAuditSecret00000000000000000";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** What is secret in this file's current test: no audit row may contain any of it. */
const secrets = new Set<string>();

interface AuditRow {
  actor_type: string;
  actor_id: string | null;
  actor_email: string | null;
  actor_role: string | null;
  actor_token_id: string | null;
  actor_token_name: string | null;
  action: string;
  outcome: string;
  integration_ids: string[];
  provider: string | null;
  project: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  message: string | null;
  details: Record<string, unknown>;
}

async function auditRows(on: TestStack, where: postgres.PendingQuery<postgres.Row[]> | null = null): Promise<AuditRow[]> {
  const rows = await on.sql<AuditRow[]>`
    select actor_type, actor_id, actor_email, actor_role, actor_token_id, actor_token_name, action, outcome,
           integration_ids, provider, project, ip, user_agent, request_id, message, details
    from sfp.audit_log where action = 'credentials.read' ${where ?? on.sql``} order by id`;
  return rows.map((row) => ({ ...row }));
}

interface Sent {
  status: number;
  body: any;
  text: string;
  headers: Headers;
  requestId: string;
  /** The audit rows carrying this request's id, read as soon as the answer arrived. */
  rows: AuditRow[];
}

/** One request with a fresh X-Request-Id, and the audit rows that carry it. */
async function send(method: string, path: string, options: ApiOptions = {}, on: TestStack = stack): Promise<Sent> {
  const requestId = `cra-${randomUUID()}`;
  const response = await on.api(method, path, {
    ...options,
    headers: { "user-agent": USER_AGENT, ...options.headers, "x-request-id": requestId },
  });
  const rows = await auditRows(on, on.sql`and request_id = ${requestId}`);
  return { ...response, requestId, rows };
}

/** The row one request must leave: the fields every row of these tests shares, then `fields`. */
function auditRow(sent: Sent, fields: Partial<AuditRow>): AuditRow {
  return {
    actor_type: "anonymous",
    actor_id: null,
    actor_email: null,
    actor_role: null,
    actor_token_id: null,
    actor_token_name: null,
    action: "credentials.read",
    outcome: "invalid",
    integration_ids: [],
    provider: null,
    project: null,
    ip: "127.0.0.1",
    user_agent: USER_AGENT,
    request_id: sent.requestId,
    // The answer's message, as audit_credentials_request keeps it (its first 200 characters).
    message: typeof sent.body?.message === "string" ? sent.body.message.slice(0, 200) : null,
    details: {},
    ...fields,
  };
}

const byOwner = () => ({
  actor_type: "user",
  actor_id: stack.owner.id,
  actor_email: stack.owner.email,
  actor_role: "owner",
});

/** Exactly one row for the request, equal to `expected`. */
function expectOneRow(sent: Sent, expected: Partial<AuditRow>) {
  expect(sent.rows, `audit rows of ${sent.requestId} (answer ${sent.status}: ${sent.text})`).toEqual([
    auditRow(sent, expected),
  ]);
}

/** acme/core with a GitHub PAT scoped to it. Returns the integration id. */
async function seed(on: TestStack = stack): Promise<string> {
  await createProject(on, "acme/core");
  return createIntegration(on, { provider: "github", authType: "pat", credentials: { token: GITHUB_SECRET }, projects: ["acme/core"] });
}

/** An owner's new application token. */
async function applicationToken(name: string, on: TestStack = stack): Promise<{ id: string; name: string; token: string }> {
  const created = await on.api("POST", "/application-tokens", { token: on.owner.token, body: { name } });
  expect(created.status, created.text).toBe(201);
  secrets.add(created.body.token);
  secrets.add(sha256Hex(created.body.token));
  return created.body;
}

/** Before each test: an empty store, and the secrets no audit row may hold (the stored credential, the key). */
async function resetWithSecrets() {
  await stack.reset();
  secrets.clear();
  secrets.add(GITHUB_SECRET);
  secrets.add(stack.keyring.keys["1"]);
}

/** No audit row (any action) contains any secret of the test. */
async function expectNoSecretInAudit(on: TestStack) {
  const [{ text }] = await on.sql<{ text: string | null }[]>`
    select string_agg(to_jsonb(a)::text, E'\n') as text from sfp.audit_log a`;
  for (const secret of secrets) expect(text ?? "", "an audit row holds a secret").not.toContain(secret);
}

describe("one audit row per credentials request, whatever its answer", () => {
  beforeEach(resetWithSecrets);
  afterEach(() => expectNoSecretInAudit(stack));

  it("200: a granted read (GET and POST), one 'granted' row naming the integration", async () => {
    const id = await seed();
    const get = await send("GET", `${CREDENTIALS}?provider=github&project=acme/core`, { token: stack.owner.token });
    expect(get.status, get.text).toBe(200);
    expect(get.body[0].credentials.token).toBe(GITHUB_SECRET);
    expectOneRow(get, { ...byOwner(), outcome: "granted", integration_ids: [id], provider: "github", project: "acme/core" });

    const post = await send("POST", CREDENTIALS, { token: stack.owner.token, body: { provider: "github", project: "acme/core" } });
    expect(post.status, post.text).toBe(200);
    expectOneRow(post, { ...byOwner(), outcome: "granted", integration_ids: [id], provider: "github", project: "acme/core" });

    // The same route under /functions/v1.
    const prefixed = await send("GET", `${CREDENTIALS}?provider=github`, { token: stack.owner.token, prefix: "/functions/v1" });
    expect(prefixed.status, prefixed.text).toBe(404);
    expectOneRow(prefixed, { ...byOwner(), outcome: "not_found", provider: "github" });
  });

  it("404: an unknown project, and nothing matching, are 'not_found' rows with the answer's message", async () => {
    await seed();
    const unknown = await send("GET", `${CREDENTIALS}?provider=github&project=acme/unknown`, { token: stack.owner.token });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe("Project 'acme/unknown' not found");
    expectOneRow(unknown, { ...byOwner(), outcome: "not_found", provider: "github", project: "acme/unknown" });

    const none = await send("POST", CREDENTIALS, { token: stack.owner.token, body: { provider: "jira", project: "acme/core" } });
    expect(none.status).toBe(404);
    expect(none.body.message).toBe("No integration found for provider=jira, project=acme/core");
    expectOneRow(none, { ...byOwner(), outcome: "not_found", provider: "jira", project: "acme/core" });
  });

  it("403: a member and a signed-in non-member are 'denied' rows naming the user", async () => {
    await seed();
    const member = await send("GET", `${CREDENTIALS}?provider=github&project=acme/core`, { token: stack.member.token });
    expect(member.status).toBe(403);
    expect(member.body.message).toBe(OWNER_OR_APPLICATION);
    expectOneRow(member, {
      actor_type: "user",
      actor_id: stack.member.id,
      actor_email: stack.member.email,
      actor_role: "member",
      outcome: "denied",
      provider: "github",
      project: "acme/core",
    });

    const outsider = await send("POST", CREDENTIALS, { token: stack.outsider.token, body: { provider: "github" } });
    expect(outsider.status).toBe(403);
    expectOneRow(outsider, {
      actor_type: "user",
      actor_id: stack.outsider.id,
      actor_email: stack.outsider.email,
      outcome: "denied",
      provider: "github",
    });
  });

  it("400: invalid query values are 'invalid' rows with the filters as given, cut to 64 / 255 characters", async () => {
    const provider = "p".repeat(100);
    const project = "a".repeat(300);
    const long = await send("GET", `${CREDENTIALS}?provider=${provider}&project=${project}`, { token: stack.owner.token });
    expect(long.status).toBe(400);
    expectOneRow(long, { ...byOwner(), provider: "p".repeat(64), project: "a".repeat(255) });

    const bad = await send("GET", `${CREDENTIALS}?provider=nope&project=${encodeURIComponent("acme/../core")}`, {
      token: stack.owner.token,
    });
    expect(bad.status).toBe(400);
    expectOneRow(bad, { ...byOwner(), provider: "nope", project: "acme/../core" });

    // A project exactly 255 characters long is kept whole; the row's message is the answer's.
    const exact = await send("GET", `${CREDENTIALS}?provider=jira!&project=${"b".repeat(255)}`, { token: stack.owner.token });
    expect(exact.status).toBe(400);
    expectOneRow(exact, { ...byOwner(), provider: "jira!", project: "b".repeat(255) });
  });

  it("400: an unknown or a repeated query parameter leaves one 'invalid' row", async () => {
    const unknown = await send("GET", `${CREDENTIALS}?provider=github&token=${encodeURIComponent("made-up")}`, {
      token: stack.owner.token,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.rows).toHaveLength(1);
    expect(unknown.rows[0]).toMatchObject({ ...byOwner(), outcome: "invalid", provider: "github", message: unknown.body.message });

    const repeated = await send("GET", `${CREDENTIALS}?provider=github&provider=jira`, { token: stack.owner.token });
    expect(repeated.status).toBe(400);
    expect(repeated.body.message).toBe("Query parameter 'provider' is given more than once");
    expect(repeated.rows).toHaveLength(1);
    expect(repeated.rows[0]).toMatchObject({ ...byOwner(), outcome: "invalid", message: repeated.body.message });
  });

  it("400: a POST with malformed JSON, a non-object, or fields of the wrong type leaves one 'invalid' row", async () => {
    const malformed = await send("POST", CREDENTIALS, {
      token: stack.owner.token,
      rawBody: '{"provider": "github", ',
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toBe("Malformed JSON body");
    expectOneRow(malformed, { ...byOwner() });

    const array = await send("POST", CREDENTIALS, { token: stack.owner.token, body: ["github"] });
    expect(array.status).toBe(400);
    expectOneRow(array, { ...byOwner() });

    // Only string filters are recorded; an invalid string one is recorded as given.
    const typed = await send("POST", CREDENTIALS, { token: stack.owner.token, body: { provider: 42, project: "x y" } });
    expect(typed.status).toBe(400);
    expectOneRow(typed, { ...byOwner(), project: "x y" });

    const extra = await send("POST", CREDENTIALS, {
      token: stack.owner.token,
      body: { provider: "q".repeat(70), project: "acme/core", keyring: "nope" },
    });
    expect(extra.status).toBe(400);
    expectOneRow(extra, { ...byOwner(), provider: "q".repeat(64), project: "acme/core" });
  });

  it("413: a body over SFP_MAX_BODY_BYTES leaves one 'invalid' row (anonymous: the cap runs before authentication)", async () => {
    const body = { provider: "github", project: "acme/core", padding: "x".repeat(70_000) };
    const large = await send("POST", CREDENTIALS, { token: stack.owner.token, body });
    expectError(large, 413, "Request body too large: the limit is 65536 bytes");
    expect(large.rows).toHaveLength(1);
    expect(large.rows[0]).toMatchObject({
      action: "credentials.read",
      outcome: "invalid",
      actor_type: "anonymous",
      actor_id: null,
      actor_token_id: null,
      message: "Request body too large: the limit is 65536 bytes",
      request_id: large.requestId,
    });
  });

  it("413: a refused body is not read past SFP_MAX_BODY_BYTES to find its filters (the row records none)", async () => {
    // 4 MB, 64 times the cap: the filters stand at its start, a reader that honours the cap
    // never parses them (JSON needs the whole text).
    const body = { provider: "github", project: "acme/core", padding: "x".repeat(4 * 1024 * 1024) };
    const large = await send("POST", CREDENTIALS, { body });
    expect(large.status).toBe(413);
    expect(large.rows).toHaveLength(1);
    expect(
      { provider: large.rows[0].provider, project: large.rows[0].project },
      "the audit parsed the whole refused body: the cap does not bound what the server reads",
    ).toEqual({ provider: null, project: null });
  });

  it("415: a POST without a JSON content type leaves one 'invalid' row with the caller and the filters as given", async () => {
    const plain = await send("POST", CREDENTIALS, {
      token: stack.owner.token,
      rawBody: JSON.stringify({ provider: "github", project: "acme/core" }),
      headers: { "content-type": "text/plain" },
    });
    expect(plain.status).toBe(415);
    expect(plain.body.message).toBe("Content-Type must be application/json");
    expectOneRow(plain, { ...byOwner(), provider: "github", project: "acme/core" });

    const none = await send("POST", CREDENTIALS, { token: stack.owner.token, rawBody: "provider=github" });
    expect(none.status).toBe(415);
    expectOneRow(none, { ...byOwner() });
  });

  it("401: no token, a malformed one, an expired JWT, an unknown application token are 'denied' anonymous rows", async () => {
    const cases: Array<[string, string | null, string]> = [
      ["no token", null, MISSING_TOKEN],
      ["not a JWT", "not-a-jwt", NOT_A_JWT],
      ["expired", await userToken(stack.jwtSecret, stack.owner, Math.floor(Date.now() / 1000) - 60), TOKEN_EXPIRED],
      ["malformed application token", "sfp_app_short", INVALID_APPLICATION_TOKEN],
      ["unknown application token", `sfp_app_${"A".repeat(64)}`, INVALID_APPLICATION_TOKEN],
    ];
    for (const [name, token, message] of cases) {
      const sent = await send("GET", `${CREDENTIALS}?provider=github&project=acme/core`, { token });
      expect(sent.status, name).toBe(401);
      expect(sent.body.message, name).toBe(message);
      expect(sent.rows, name).toHaveLength(1);
      expect(sent.rows[0], name).toMatchObject({
        actor_type: "anonymous",
        actor_id: null,
        actor_token_id: null,
        action: "credentials.read",
        outcome: "denied",
        provider: "github",
        project: "acme/core",
        message,
        ip: "127.0.0.1",
        user_agent: USER_AGENT,
      });
    }
    // A POST without a token, its filters as given.
    const post = await send("POST", CREDENTIALS, { body: { provider: "jira", project: "x".repeat(260) } });
    expect(post.status).toBe(401);
    expect(post.rows).toHaveLength(1);
    expect(post.rows[0]).toMatchObject({ outcome: "denied", actor_type: "anonymous", provider: "jira", project: "x".repeat(255) });
  });

  it("HEAD runs the read too: without a token, 401 and one 'denied' row, like GET", async () => {
    // HEAD is not a documented operation: the contract check has nothing to hold it to.
    const sent = await send("HEAD", `${CREDENTIALS}?provider=github&project=acme/core`, { token: null, contract: false });
    expect(sent.status).toBe(401);
    expect(sent.rows).toHaveLength(1);
    expect(sent.rows[0]).toMatchObject({
      actor_type: "anonymous",
      action: "credentials.read",
      outcome: "denied",
      provider: "github",
      project: "acme/core",
      message: MISSING_TOKEN,
    });
  });

  it("401: a revoked application token is a 'denied' row that names the token", async () => {
    await seed();
    const token = await applicationToken("ci-revoked");
    const revoked = await stack.api("DELETE", `/application-tokens/${token.id}`, { token: stack.owner.token });
    expect(revoked.status, revoked.text).toBe(200);
    const sent = await send("GET", `${CREDENTIALS}?provider=github&project=acme/core`, { token: token.token });
    expect(sent.status).toBe(401);
    expect(sent.body.message).toBe(APPLICATION_TOKEN_REVOKED);
    expect(sent.rows).toHaveLength(1);
    expect(sent.rows[0]).toMatchObject({
      actor_token_id: token.id,
      actor_token_name: "ci-revoked",
      outcome: "denied",
      message: APPLICATION_TOKEN_REVOKED,
      provider: "github",
      project: "acme/core",
    });
  });

  it("application token on the failure path (400, 415): the row names the token from its fingerprint", async () => {
    const token = await applicationToken("ci-main");
    const application = {
      actor_type: "application",
      actor_role: "application",
      actor_token_id: token.id,
      actor_token_name: "ci-main",
    };
    const bad = await send("GET", `${CREDENTIALS}?provider=nope&project=acme/core`, { token: token.token });
    expect(bad.status).toBe(400);
    expectOneRow(bad, { ...application, provider: "nope", project: "acme/core" });

    const plain = await send("POST", CREDENTIALS, {
      token: token.token,
      rawBody: JSON.stringify({ provider: "github" }),
      headers: { "content-type": "text/plain" },
    });
    expect(plain.status).toBe(415);
    expectOneRow(plain, { ...application, provider: "github" });

    // A well-formed token that is no token's: nobody is named.
    const unknown = await send("GET", `${CREDENTIALS}?provider=nope`, { token: `sfp_app_${"B".repeat(64)}` });
    expect(unknown.status).toBe(400);
    expect(unknown.rows).toHaveLength(1);
    expect(unknown.rows[0]).toMatchObject({ actor_type: "anonymous", actor_token_id: null, outcome: "invalid", provider: "nope" });
  });

  /** The stored integration_ids of a request's row, as SQL sees them (postgres.js reads {NULL} as "NULL"). */
  async function storedIntegrationIds(requestId: string) {
    const [row] = await stack.sql<{ ids: string | null; has_null: boolean }[]>`
      select array_to_string(integration_ids, ',', '<null>') as ids, array_position(integration_ids, null) is not null as has_null
      from sfp.audit_log where request_id = ${requestId}`;
    return { ...row };
  }

  it("500: a key that differs from its key check (SFK04) is an 'error' row naming the integration and the code", async () => {
    const id = await seed();
    const wrongKey = newKey();
    secrets.add(wrongKey);
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: `1:${wrongKey}` });
    try {
      const sent = await send("GET", `${CREDENTIALS}?provider=github&project=acme/core`, { token: stack.owner.token });
      expect(sent.status, sent.text).toBe(500);
      expect(sent.text).not.toContain(GITHUB_SECRET);
      expect(sent.rows).toHaveLength(1);
      // The integrations the failed read was about; not an array holding one NULL.
      expect(await storedIntegrationIds(sent.requestId)).toEqual({ ids: id, has_null: false });
      expectOneRow(sent, {
        ...byOwner(),
        outcome: "error",
        integration_ids: [id],
        provider: "github",
        project: "acme/core",
        details: { code: "SFK04" },
      });
    } finally {
      await stack.restartFunctions();
    }
  });

  it("500: a key version missing from the key ring is an 'error' row with the answer's message and code", async () => {
    await seed();
    const otherKey = newKey();
    secrets.add(otherKey);
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: `2:${otherKey}` });
    try {
      const sent = await send("POST", CREDENTIALS, { token: stack.owner.token, body: { provider: "github", project: "acme/core" } });
      expect(sent.status, sent.text).toBe(500);
      expect(sent.rows).toHaveLength(1);
      expect(sent.rows[0]).toMatchObject({
        ...byOwner(),
        outcome: "error",
        provider: "github",
        project: "acme/core",
        message: sent.body.message,
      });
      expect(sent.rows[0].details).toHaveProperty("code");
      expect(["SFK01", "SFK03"]).toContain(sent.rows[0].details.code);
    } finally {
      await stack.restartFunctions();
    }
  });

  it("500: a read that fails in the database (its statement cancelled) is an 'error' row with the generic answer", async () => {
    await seed();
    const locker = await stack.sql.reserve();
    try {
      await locker`begin`;
      await locker`lock table sfp.projects in access exclusive mode`;
      const pending = send("GET", `${CREDENTIALS}?provider=github&project=acme/core`, { token: stack.owner.token });
      let pid: number | undefined;
      for (let attempt = 0; attempt < 100 && pid === undefined; attempt++) {
        await sleep(50);
        const waiting = await stack.sql<{ pid: number }[]>`
          select pid from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query like '%get_credentials%'`;
        pid = waiting[0]?.pid;
      }
      expect(pid, "the read waits on the lock").toBeDefined();
      await stack.sql`select pg_cancel_backend(${pid!})`;
      const sent = await pending;
      await locker`rollback`;
      expect(sent.status, sent.text).toBe(500);
      expect(sent.body.message).toBe(`Internal Server Error (request ${sent.requestId})`);
      expectOneRow(sent, { ...byOwner(), outcome: "error", provider: "github", project: "acme/core" });
    } finally {
      await locker`rollback`.catch(() => {});
      locker.release();
    }
  });
});

describe("503: the log guard refuses (log_statement = all, parameters not hidden)", () => {
  let admin: postgres.Sql;
  let log: ServerLog;
  beforeAll(async () => {
    admin = postgres(stack.server.superuserUrl, { max: 1, onnotice: () => {} });
    log = new ServerLog(stack.server.logFile);
    await stack.restartFunctions({ SFP_DB_HIDE_PARAMETERS: "false" });
  });
  afterAll(async () => {
    if (admin) {
      await admin.unsafe("alter system reset log_statement").catch(() => {});
      await admin`select pg_reload_conf()`.catch(() => {});
      await admin.end();
    }
    await stack.restartFunctions();
  });
  beforeEach(resetWithSecrets);
  afterEach(async () => {
    await admin.unsafe("alter system reset log_statement");
    await admin`select pg_reload_conf()`;
    await sleep(300);
    await expectNoSecretInAudit(stack);
  });

  async function logEverything() {
    await admin.unsafe("alter system set log_statement = 'all'");
    await admin`select pg_reload_conf()`;
    // Backends re-read the configuration when the signal reaches them.
    await sleep(300);
  }

  it("an application token: 503 with the generic message, an 'error' row naming the token, its hash never in the log", async () => {
    await seed();
    const token = await applicationToken("ci-logged");
    const hash = sha256Hex(token.token);
    const fingerprint = sha256Hex(Buffer.from(hash, "hex"));
    await logEverything();
    const mark = log.mark();

    const get = await send("GET", `${CREDENTIALS}?provider=github&project=acme/core`, { token: token.token });
    const post = await send("POST", CREDENTIALS, { token: token.token, body: { provider: "github", project: "acme/core" } });

    for (const sent of [get, post]) {
      expectError(sent, 503, LOG_GUARD_REFUSED);
      expectOneRow(sent, {
        actor_type: "application",
        actor_role: "application",
        actor_token_id: token.id,
        actor_token_name: "ci-logged",
        outcome: "error",
        message: LOG_GUARD_REFUSED,
        provider: "github",
        project: "acme/core",
      });
    }
    if (log.readable) {
      const written = await log.since(mark);
      expect(written).toContain("guard_log_safety"); // statements were really logged
      expect(written).toContain(fingerprint); // what was sent instead of the hash, with its parameters logged
      expect(written).not.toContain(hash);
      expect(written).not.toContain(token.token);
      expect(written).not.toContain(GITHUB_SECRET);
      expect(written).not.toContain(stack.keyring.keys["1"]);
    }
  });

  it("the owner, and a request without a token: 503 / 401, one row each with the caller", async () => {
    await seed();
    await logEverything();
    const owner = await send("GET", `${CREDENTIALS}?provider=github`, { token: stack.owner.token });
    expect(owner.status, owner.text).toBe(503);
    expect(owner.body.message).toBe(LOG_GUARD_REFUSED);
    expectOneRow(owner, { ...byOwner(), outcome: "error", message: LOG_GUARD_REFUSED, provider: "github" });

    const anonymous = await send("GET", `${CREDENTIALS}?provider=github`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.rows).toHaveLength(1);
    expect(anonymous.rows[0]).toMatchObject({ actor_type: "anonymous", outcome: "denied", message: MISSING_TOKEN });
  });
});

describe("refused requests are limited per address (SFP_REFUSED_READS_LIMIT=3, SFP_REFUSAL_WINDOW_SECONDS=2)", () => {
  const WINDOW_MS = 2000;
  const limitedEnv = { SFP_REFUSED_READS_LIMIT: "3", SFP_REFUSAL_WINDOW_SECONDS: "2" };
  // Reset before each test; each test waits for its own aggregated row, so no window of one
  // test writes into the next.
  const limited = useTestStack({ env: limitedEnv });

  /** Waits for the start of a fresh window (windows are aligned on multiples of their length). */
  async function freshWindow(): Promise<number> {
    await sleep(WINDOW_MS - (Date.now() % WINDOW_MS) + 30);
    return Date.now() - (Date.now() % WINDOW_MS);
  }

  const aggregatedRows = () => auditRows(limited, limited.sql`and details ? 'aggregated'`);

  async function waitForAggregated(count: number): Promise<AuditRow[]> {
    for (let attempt = 0; attempt < 60; attempt++) {
      const rows = await aggregatedRows();
      if (rows.length >= count) return rows;
      await sleep(100);
    }
    return aggregatedRows();
  }

  const unauthenticated = (headers: Record<string, string> = {}) =>
    send("GET", `${CREDENTIALS}?provider=github&project=acme/core`, { headers }, limited);

  it("past 3 refusals, every credentials request gets the exact 429 with Retry-After; ONE row per window when it closes", async () => {
    const windowStart = await freshWindow();
    for (let index = 0; index < 3; index++) {
      const refused = await unauthenticated();
      expect(refused.status).toBe(401);
      expect(refused.rows).toHaveLength(1);
    }
    const answers = [
      await unauthenticated(),
      // A valid owner token, GET and POST: limited all the same.
      await send("GET", `${CREDENTIALS}?provider=github`, { token: limited.owner.token }, limited),
      await send("POST", CREDENTIALS, { token: limited.owner.token, body: { provider: "jira", project: "acme/core" } }, limited),
      await send("GET", `${CREDENTIALS}?provider=github`, { token: limited.owner.token, prefix: "/functions/v1" }, limited),
    ];
    const answeredBy = Date.now();
    expect(answeredBy - windowStart, "the requests fit in one window").toBeLessThan(WINDOW_MS);
    const windowEnd = windowStart + WINDOW_MS;
    for (const answer of answers) {
      expect(answer.status).toBe(429);
      expect(answer.text).toBe(RATE_LIMITED_BODY);
      const retryAfter = Number(answer.headers.get("retry-after"));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(2);
      // Seconds to the window's end, rounded up.
      expect(answeredBy + retryAfter * 1000).toBeGreaterThanOrEqual(windowEnd - 1000);
      expect(retryAfter * 1000).toBeLessThan(windowEnd - windowStart + 1000);
      // Not written one by one.
      expect(answer.rows).toEqual([]);
    }
    expect(await aggregatedRows(), "nothing aggregated before the window closes").toEqual([]);

    const rows = await waitForAggregated(1);
    await sleep(1200); // and nothing more comes
    expect(await aggregatedRows()).toEqual(rows);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: "credentials.read",
      outcome: "denied",
      actor_type: "anonymous",
      actor_id: null,
      actor_token_id: null,
      message: RATE_LIMITED,
      ip: "127.0.0.1",
    });
    expect(rows[0].details).toMatchObject({ count: 4, aggregated: true });
    // 3 refusals, one row each, and the aggregate: 4 rows for 7 requests.
    expect(await auditRows(limited)).toHaveLength(4);

    // The next window serves the address again.
    const served = await send("GET", `${CREDENTIALS}?provider=github`, { token: limited.owner.token }, limited);
    expect(served.status).toBe(404);
    expect(served.rows).toHaveLength(1);
  });

  it("after Retry-After seconds the address is served again, and each window has its own aggregated row", async () => {
    await freshWindow();
    for (let index = 0; index < 3; index++) expect((await unauthenticated()).status).toBe(401);
    const first = await unauthenticated();
    expect(first.status).toBe(429);
    await sleep(Number(first.headers.get("retry-after")) * 1000 + 50);
    const again = await unauthenticated();
    expect(again.status, "a new window").toBe(401);
    for (let index = 0; index < 2; index++) expect((await unauthenticated()).status).toBe(401);
    const second = await unauthenticated();
    const third = await unauthenticated();
    expect([second.status, third.status]).toEqual([429, 429]);

    const rows = await waitForAggregated(2);
    await sleep(1200);
    expect(await aggregatedRows()).toEqual(rows);
    expect(rows.map((row) => row.details)).toEqual([
      expect.objectContaining({ count: 1, aggregated: true }),
      expect.objectContaining({ count: 2, aggregated: true }),
    ]);
  });

  it("X-Forwarded-For does not escape the limit; other routes are neither counted nor limited", async () => {
    await freshWindow();
    // Refusals elsewhere do not count.
    for (let index = 0; index < 5; index++) expect((await limited.api("GET", "/projects")).status).toBe(401);
    for (let index = 0; index < 3; index++) {
      const refused = await unauthenticated({ "x-forwarded-for": `198.51.100.${index + 1}` });
      expect(refused.status).toBe(401);
      expect(refused.rows[0].ip).toBe("127.0.0.1");
    }
    const spoofed = await unauthenticated({ "x-forwarded-for": "203.0.113.99" });
    expect(spoofed.status).toBe(429);
    // Other routes still answer the address.
    expect((await limited.api("GET", "/projects", { token: limited.owner.token })).status).toBe(200);
    expect((await limited.api("GET", "/integrations", { token: limited.owner.token })).status).toBe(200);
    const rows = await waitForAggregated(1);
    expect(rows).toHaveLength(1);
    expect(rows[0].details).toMatchObject({ count: 1, aggregated: true });
    expect(await auditRows(limited)).toHaveLength(4);
  });

  it("a parallel burst of guessed application tokens is held to the limit: at most 3 answered 401, at most limit + 1 rows", async () => {
    await freshWindow();
    // Each guess is refused by the database (no such token), so its 401 takes a round trip.
    const guess = (index: number) =>
      send("GET", `${CREDENTIALS}?provider=github`, { token: `sfp_app_${String(index).padStart(64, "A")}` }, limited);
    const burst = await Promise.all(Array.from({ length: 12 }, (_, index) => guess(index)));
    const statuses = burst.map((sent) => sent.status);
    expect(statuses.every((status) => status === 401 || status === 429), statuses.join(",")).toBe(true);
    await sleep(WINDOW_MS - (Date.now() % WINDOW_MS) + 1200); // the window closes, its aggregate is written
    const rows = await auditRows(limited);
    // refusal-limiter.ts: "an address leaves at most `limit` + 1 rows per window".
    expect(
      { answered401: statuses.filter((status) => status === 401).length, rows: rows.length },
      `requests in flight are not counted (answers: ${statuses.join(",")}): a parallel guesser gets every guess checked and audited`,
    ).toEqual({ answered401: 3, rows: 4 });
  });

  it("guessed tokens on requests refused for their input count too: at most 3 answered, at most limit + 1 rows", async () => {
    await freshWindow();
    // A 400 is answered before the database sees the token; its audit row finds no such token,
    // and that refusal counts towards the limit like a 401 (else guesses fill the audit log).
    const guesses = [
      ...Array.from({ length: 4 }, (_, index) => `sfp_app_${String(index).padStart(64, "B")}`),
      ...Array.from({ length: 4 }, (_, index) => `sfp_oidc_${String(index).padStart(64, "C")}`),
    ];
    const statuses: number[] = [];
    for (const token of guesses) statuses.push((await send("GET", `${CREDENTIALS}?provider=Not-A-Provider`, { token }, limited)).status);
    expect(statuses).toEqual([400, 400, 400, 429, 429, 429, 429, 429]);
    await sleep(WINDOW_MS - (Date.now() % WINDOW_MS) + 1200);
    const rows = await auditRows(limited);
    expect(rows.map((row) => [row.outcome, row.details.refusal ?? null, row.details.count ?? null])).toEqual([
      ["invalid", "Invalid application token", null],
      ["invalid", "Invalid application token", null],
      ["invalid", "Invalid application token", null],
      ["denied", "Too many refused requests from this address: retry later", 5],
    ]);
  });

  it("the count of a window still open is written when the server stops", async () => {
    await freshWindow();
    for (let index = 0; index < 3; index++) expect((await unauthenticated()).status).toBe(401);
    for (let index = 0; index < 2; index++) expect((await unauthenticated()).status).toBe(429);
    expect(await aggregatedRows()).toEqual([]);
    await limited.restartFunctions(limitedEnv); // SIGTERM, before the window ends
    const rows = await aggregatedRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "denied", message: RATE_LIMITED, actor_type: "anonymous" });
    expect(rows[0].details).toMatchObject({ count: 2, aggregated: true });
    // The new process starts with a clean slate.
    expect((await unauthenticated()).status).toBe(401);
  });
});
