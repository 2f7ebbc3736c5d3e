/**
 * Keys and secrets stay out of PostgreSQL's log.
 * - By default each session of the functions starts with log_parameter_max_length = 0 (and
 *   _on_error = 0): whatever the server's logging, no bind parameter of theirs is logged.
 * - Where the login role may not set those (SFP_DB_HIDE_PARAMETERS=false), credential work
 *   is refused while the server would log parameters, before any key or secret is sent,
 *   both when the settings change under a running server (ALTER SYSTEM + reload) and when a
 *   new connection opens with them (ALTER DATABASE ... SET). Work resumes once logging is safe.
 * - A statement carrying a key that arrives without its guard does nothing (SFL02).
 * These tests change server-wide settings; vitest runs files one at a time.
 */
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { databaseUrl } from "../../stack/addresses.ts";
import { expectError } from "../support/http.ts";
import { jiraIntegration } from "../support/integrations.ts";
import { LOG_GUARD_REFUSED } from "../support/messages.ts";
import { ServerLog } from "../support/server-log.ts";
import { type TestStack, useTestStack } from "../support/test-stack.ts";

const stack = useTestStack({ env: { SFP_DB_HIDE_PARAMETERS: "false" } });
let admin: postgres.Sql;
let log: ServerLog;
const changed = new Set<string>();

beforeAll(() => {
  admin = postgres(stack.server.superuserUrl, { max: 1, onnotice: () => {} });
  log = new ServerLog(stack.server.logFile);
});
afterAll(() => admin?.end());
afterEach(async () => {
  for (const setting of changed) await admin.unsafe(`alter system reset ${setting}`);
  changed.clear();
  await admin`select pg_reload_conf()`;
  await admin.unsafe(`alter database ${stack.database} reset all`);
});

async function setSystem(settings: Record<string, string>) {
  for (const [name, value] of Object.entries(settings)) {
    await admin.unsafe(`alter system set ${name} = '${value}'`);
    changed.add(name);
  }
  await admin`select pg_reload_conf()`;
  // Backends re-read the configuration when the signal reaches them; give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 300));
}

/** What the guard raises (SFL01): the settings at fault, for the service role and the server's log. */
const refusal = (problems: string) =>
  `Credential operations are disabled: the database server would write statement parameters to its log (${problems}). Turn that logging off, or set log_parameter_max_length = 0, log_parameter_max_length_on_error = 0 and pgaudit.log_parameter = off.`;

/** What a client hears instead: no setting named. */
/** The functions' own log names the settings at fault (and nothing else of the refusal). */
function expectLoggedDetail(problems: string) {
  expect(stack.output()).toContain(JSON.stringify(refusal(problems)).slice(1, -1));
}

async function storedIntegrations(): Promise<number> {
  const [{ count }] = await stack.sql<{ count: number }[]>`select count(*)::int as count from sfp.integrations`;
  return count;
}

function keyOf(stack: TestStack): string {
  return stack.keyring.keys["1"];
}

describe("without hidden parameters, when the settings change under the running server", () => {
  it("refuses to store a credential and keeps it and the key out of the log (log_statement = all)", async () => {
    await setSystem({ log_statement: "all" });
    const mark = log.mark();
    const canary = `canary-${crypto.randomUUID()}`;

    const response = await stack.api("POST", "/integrations", { token: stack.owner.token, body: jiraIntegration(canary) });

    expectError(response, 503, LOG_GUARD_REFUSED);
    expectLoggedDetail("log_statement = all");
    expect(await storedIntegrations()).toBe(0);
    if (log.readable) {
      const written = await log.since(mark);
      expect(written).toContain("guard_log_safety"); // logging was really on
      expect(written).not.toContain(canary);
      expect(written).not.toContain(keyOf(stack));
    }
  });

  it("refuses to read credentials and keeps the key out of the log (log_min_duration_statement = 0)", async () => {
    const canary = `canary-${crypto.randomUUID()}`;
    expect((await stack.api("POST", "/integrations", { token: stack.owner.token, body: jiraIntegration(canary) })).status)
      .toBe(201);
    await setSystem({ log_min_duration_statement: "0" });
    const mark = log.mark();

    // Six at once: the lane that served before the reload (the first idle one, which one after
    // another they would all take), and others of the pool when they overlap.
    const reads = await Promise.all(Array.from({ length: 6 }, () =>
      stack.api("GET", "/integrations/credentials?provider=jira", { token: stack.owner.token })));
    for (const read of reads) {
      expect(read.status).toBe(503);
      expect(read.body.message).toBe(LOG_GUARD_REFUSED);
    }
    expectLoggedDetail("log_min_duration_statement = 0");
    // Each refused read is audited as an error, with the message the client got, and nothing was read.
    const rows = await stack.sql<{ outcome: string; message: string; integration_ids: string[] }[]>`
      select outcome, message, integration_ids from sfp.audit_log where action = 'credentials.read' order by id`;
    expect(rows).toEqual(Array(6).fill({ outcome: "error", message: LOG_GUARD_REFUSED, integration_ids: [] }));
    if (log.readable) {
      const written = await log.since(mark);
      expect(written).toContain("duration:");
      expect(written).not.toContain(canary);
      expect(written).not.toContain(keyOf(stack));
    }
  });

  it("names every setting at fault", async () => {
    await setSystem({ log_statement: "all", log_parameter_max_length_on_error: "64" });
    const read = await stack.api("GET", "/integrations/credentials", { token: stack.owner.token });
    expect(read.status).toBe(503);
    expect(read.body.message).toBe(LOG_GUARD_REFUSED);
    expectLoggedDetail("log_statement = all, log_parameter_max_length_on_error = 64B");
    const [check] = await stack.sql`select sfp_api.log_settings_check() as result`;
    expect(check.result).toMatchObject({
      safe: false,
      problems: ["log_statement = all", "log_parameter_max_length_on_error = 64B"],
    });
  });

  it("resumes credential work once the logging is turned off again", async () => {
    await setSystem({ log_statement: "all" });
    expect((await stack.api("GET", "/integrations/credentials", { token: stack.owner.token })).status).toBe(503);
    for (const setting of changed) await admin.unsafe(`alter system reset ${setting}`);
    await setSystem({});

    const created = await stack.api("POST", "/integrations", { token: stack.owner.token, body: jiraIntegration("t-1") });
    expect(created.status).toBe(201);
    const read = await stack.api("GET", "/integrations/credentials?provider=jira", { token: stack.owner.token });
    expect(read.status).toBe(200);
    expect(read.body[0].credentials.api_token).toBe("t-1");
  });

  it("allows statement logging that leaves parameters out (log_parameter_max_length = 0)", async () => {
    await setSystem({ log_statement: "all", log_parameter_max_length: "0" });
    const mark = log.mark();
    const canary = `canary-${crypto.randomUUID()}`;

    expect((await stack.api("POST", "/integrations", { token: stack.owner.token, body: jiraIntegration(canary) })).status)
      .toBe(201);
    const read = await stack.api("GET", "/integrations/credentials?provider=jira", { token: stack.owner.token });
    expect(read.status).toBe(200);
    if (log.readable) {
      const written = await log.since(mark);
      expect(written).toContain("sfp_api.get_credentials");
      expect(written).not.toContain(canary);
      expect(written).not.toContain(keyOf(stack));
    }
  });

  it("does not refuse work that sends no secret", async () => {
    await setSystem({ log_statement: "all" });
    const projects = await stack.api("GET", "/projects", { token: stack.owner.token });
    expect(projects.status).toBe(200);
  });
});

describe("without hidden parameters, when a new connection opens with such settings", () => {
  it("refuses credential work on it (ALTER DATABASE ... SET log_min_duration_statement = 0)", async () => {
    const canary = `canary-${crypto.randomUUID()}`;
    expect((await stack.api("POST", "/integrations", { token: stack.owner.token, body: jiraIntegration(canary) })).status)
      .toBe(201);
    await admin.unsafe(`alter database ${stack.database} set log_min_duration_statement = 0`);
    await stack.restartFunctions(); // new connections pick the setting up
    const mark = log.mark();

    const read = await stack.api("GET", "/integrations/credentials?provider=jira", { token: stack.owner.token });
    expect(read.status).toBe(503);
    expect(read.body.message).toBe(LOG_GUARD_REFUSED);
    expectLoggedDetail("log_min_duration_statement = 0");
    if (log.readable) {
      const written = await log.since(mark);
      expect(written).toContain("duration:");
      expect(written).not.toContain(canary);
      expect(written).not.toContain(keyOf(stack));
    }

    await admin.unsafe(`alter database ${stack.database} reset all`);
    await stack.restartFunctions();
    expect((await stack.api("GET", "/integrations/credentials?provider=jira", { token: stack.owner.token })).status)
      .toBe(200);
  });

  it("the guard refuses inside the database too, for callers that run it themselves", async () => {
    const sql = postgres(databaseUrl(stack.server.superuserUrl, stack.database), { max: 1, onnotice: () => {} });
    try {
      await sql`set log_statement = 'all'`;
      await expect(sql`select sfp_api.guard_log_safety()`).rejects.toMatchObject({
        code: "SFL01",
        message: refusal("log_statement = all"),
      });
    } finally {
      await sql.end();
    }
  });
});

describe("a statement carrying a key or a secret without its guard", () => {
  it("reads nothing and audits nothing (SFL02)", async () => {
    expect((await stack.api("POST", "/integrations", { token: stack.owner.token, body: jiraIntegration("t-2") })).status)
      .toBe(201);
    await expect(stack.sql`select sfp_api.get_credentials(keyring => ${stack.sql.json(stack.keyring)}::jsonb)`).rejects
      .toMatchObject({
        code: "SFL02",
        message: "Credential operations must run after select sfp_api.guard_log_safety() in the same transaction",
      });
    const [{ count }] = await stack.sql<{ count: number }[]>`
      select count(*)::int as count from sfp.audit_log where action = 'credentials.read'`;
    expect(count).toBe(0);
  });

  it("stores nothing (SFL02)", async () => {
    await expect(stack.sql`select sfp_api.create_integration('github', 'pat', ${stack.sql.json({ token: "t" })}::jsonb,
      is_global => true, keyring => ${stack.sql.json(stack.keyring)}::jsonb)`).rejects.toMatchObject({ code: "SFL02" });
    expect(await storedIntegrations()).toBe(0);
  });
});

describe("with hidden parameters (the default)", () => {
  const hiding = useTestStack({ reset: false });

  it("logs no key and no secret even with every statement and duration logged", async () => {
    await setSystem({ log_statement: "all", log_min_duration_statement: "0", log_parameter_max_length_on_error: "-1" });
    const mark = log.mark();
    const canary = `canary-${crypto.randomUUID()}`;

    const created = await hiding.api("POST", "/integrations", { token: hiding.owner.token, body: jiraIntegration(canary) });
    expect(created.status).toBe(201);
    const read = await hiding.api("GET", "/integrations/credentials?provider=jira", { token: hiding.owner.token });
    expect(read.status).toBe(200);
    expect(read.body[0].credentials.api_token).toBe(canary);
    // An error in a statement carrying the key: parameters would go with it, were they not hidden.
    const failing = await hiding.api("POST", "/integrations", {
      token: hiding.owner.token,
      body: { ...jiraIntegration(canary), isGlobal: false, projects: ["acme/missing"] },
    });
    expect(failing.status).toBe(400);
    if (log.readable) {
      const written = await log.since(mark);
      expect(written).toContain("sfp_api.get_credentials"); // the statements were logged
      expect(written).toContain("Project 'acme/missing' not found");
      expect(written).not.toContain(canary);
      expect(written).not.toContain(hiding.keyring.keys["1"]);
    }
  });
});
