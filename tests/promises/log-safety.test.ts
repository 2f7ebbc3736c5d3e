/**
 * Keys and secrets stay out of PostgreSQL's log: while the server would write statement
 * parameters to its log, credential work is refused before any key or secret is sent, both
 * when the settings change under a running server (ALTER SYSTEM + reload) and when a new
 * connection opens with them (ALTER DATABASE ... SET). Work resumes once logging is safe.
 * These tests change server-wide settings; vitest runs files one at a time.
 */
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { databaseUrl } from "../support/server-info.ts";
import { ServerLog } from "../support/server-log.ts";
import { createTestStack, type TestStack } from "../support/test-stack.ts";

let stack: TestStack;
let admin: postgres.Sql;
let log: ServerLog;
const changed = new Set<string>();

beforeAll(async () => {
  stack = await createTestStack();
  admin = postgres(stack.server.superuserUrl, { max: 1, onnotice: () => {} });
  log = new ServerLog(stack.server.logFile);
});
afterAll(async () => {
  await admin?.end();
  await stack?.stop();
});
beforeEach(() => stack.reset());
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
  // Backends re-read the configuration when they next go idle; give the signal a moment.
  await new Promise((resolve) => setTimeout(resolve, 300));
}

const refusal = (problems: string) =>
  `Credential operations are disabled: the database server would write statement parameters to its log (${problems}). Turn that logging off, or set log_parameter_max_length = 0 and log_parameter_max_length_on_error = 0.`;

function jiraIntegration(apiToken: string) {
  return {
    provider: "jira",
    authType: "basic_auth",
    credentials: { base_url: "https://acme.atlassian.net", username: "ci@acme.test", api_token: apiToken },
    isGlobal: true,
  };
}

async function storedIntegrations(): Promise<number> {
  const [{ count }] = await stack.sql<{ count: number }[]>`select count(*)::int as count from sfp.integrations`;
  return count;
}

function keyOf(stack: TestStack): string {
  return stack.keyring.keys["1"];
}

describe("when the settings change under the running server", () => {
  it("refuses to store a credential and keeps it and the key out of the log (log_statement = all)", async () => {
    await setSystem({ log_statement: "all" });
    const mark = log.mark();
    const canary = `canary-${crypto.randomUUID()}`;

    const response = await stack.api("POST", "/integrations", { token: stack.owner.token, body: jiraIntegration(canary) });

    expect(response.status).toBe(503);
    expect(response.body).toEqual({ statusCode: 503, message: refusal("log_statement = all"), error: "Service Unavailable" });
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

    for (let i = 0; i < 6; i++) {
      // Every lane of the server's pool, each on its first request after the reload.
      const read = await stack.api("GET", "/integrations/credentials?provider=jira", { token: stack.owner.token });
      expect(read.status).toBe(503);
      expect(read.body.message).toBe(refusal("log_min_duration_statement = 0"));
    }
    const [{ count }] = await stack.sql<{ count: number }[]>`
      select count(*)::int as count from sfp.audit_log where action = 'credentials.read'`;
    expect(count).toBe(0);
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
    expect(read.body.message).toBe(refusal("log_statement = all, log_parameter_max_length_on_error = 64B"));
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

describe("when a new connection opens with such settings", () => {
  it("refuses credential work on it (ALTER DATABASE ... SET log_min_duration_statement = 0)", async () => {
    const canary = `canary-${crypto.randomUUID()}`;
    expect((await stack.api("POST", "/integrations", { token: stack.owner.token, body: jiraIntegration(canary) })).status)
      .toBe(201);
    await admin.unsafe(`alter database ${stack.database} set log_min_duration_statement = 0`);
    await stack.restartFunctions(); // new connections pick the setting up
    const mark = log.mark();

    const read = await stack.api("GET", "/integrations/credentials?provider=jira", { token: stack.owner.token });
    expect(read.status).toBe(503);
    expect(read.body.message).toBe(refusal("log_min_duration_statement = 0"));
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

  it("the guard refuses inside the database too, for callers that skip it", async () => {
    const sql = postgres(databaseUrl(stack.server.superuserUrl, stack.database), { max: 1, onnotice: () => {} });
    try {
      await sql`set log_statement = 'all'`;
      await expect(sql`select sfp_api.guard_log_safety()`).rejects.toMatchObject({
        code: "SFL01",
        message: refusal("log_statement = all"),
      });
      await expect(sql`select sfp_api.get_credentials(keyring => ${JSON.stringify(stack.keyring)}::jsonb)`).rejects
        .toMatchObject({ code: "SFL01" });
    } finally {
      await sql.end();
    }
  });
});
