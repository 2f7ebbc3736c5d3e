/**
 * pgaudit and auto_explain cannot put a key, a secret or an application token's hash in
 * PostgreSQL's log. Run against a private PostgreSQL 15 cluster with both preloaded
 * (tests/support/pgaudit-cluster.ts): the global embedded PostgreSQL 17 has neither.
 * pgaudit writes a statement's parameters when pgaudit.log_parameter = on and a class it logs
 * covers the statement (or object audit, pgaudit.role, covers a table touched); it ignores
 * log_parameter_max_length. That is the top-level `select sfp_api.x($1, ...)` with its
 * arguments, and the statements nested in our PL/pgSQL functions that touch no table (PERFORM,
 * expressions) with the variables they use (the key ring, a plaintext credential). Proves:
 * - where the functions keep the server's settings (SFP_DB_HIDE_PARAMETERS=false), credential
 *   work is refused (503) under every such setting (read, function, write, all, all minus misc,
 *   object audit), at server level or for the database, and under
 *   auto_explain.log_min_duration = 0; nothing is stored, and the log holds no canary secret,
 *   no key and no application token hash; with a class that does not cover our statements
 *   (ddl), or pgaudit.log_parameter = off, it works, and the log still holds none;
 * - sfp_api.log_settings_check() names the pgaudit settings at fault;
 * - by default (SFP_DB_HIDE_PARAMETERS=true) each session starts with pgaudit.log_parameter =
 *   off, so the same server settings do not stop credential work, pgaudit logs our statements
 *   (where its settings cover them) without their parameters, and the log holds no canary,
 *   no key and no token hash.
 * These tests change server-wide settings of their own cluster; vitest runs files one at a time.
 */
import { createHash, randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createIntegration, createProject, expectError } from "../support/http.ts";
import { jiraIntegration } from "../support/integrations.ts";
import { LOG_GUARD_REFUSED } from "../support/messages.ts";
import { ensurePgaudit, type PgauditCluster, startPgauditCluster } from "../support/pgaudit-cluster.ts";
import { ServerLog } from "../support/server-log.ts";
import { createTestStack, type TestStack } from "../support/test-stack.ts";

const availability = await ensurePgaudit();
if (!availability.ok) console.warn(`tests/guarantees/pgaudit.test.ts skipped: ${availability.reason}`);

/** A role for pgaudit's object audit: what it may read is what pgaudit logs. */
const AUDITOR = "sfp_test_auditor";

type Settings = Record<string, string>;

/**
 * pgaudit settings under which our statements (and their arguments) would be logged.
 * `functionsLogged`: whether pgaudit logs the functions' own statements under it. It does for
 * the classes covering a SELECT (the top-level `select sfp_api.x($1, ...)`, and every statement
 * without a table inside our PL/pgSQL functions, PERFORMs and expressions, with their
 * variables as parameters). It does not log a statement that touches a table inside a
 * SECURITY DEFINER function whose owner the session user (authenticator) is not a member of
 * ("This prevents contents of security definer functions from being logged", pgaudit.c):
 * so `write` alone, and object audit on our tables, log nothing of the functions' here. Those
 * count as risky all the same (another owner, another login role), and `probe` shows the
 * setting was in force: a statement of the superuser's that it does log.
 */
const RISKY: { name: string; settings: Settings; functionsLogged: boolean; probe?: { sql: string; logged: RegExp } }[] = [
  { name: "pgaudit.log = read", settings: { "pgaudit.log": "read", "pgaudit.log_parameter": "on" }, functionsLogged: true },
  { name: "pgaudit.log = function", settings: { "pgaudit.log": "function", "pgaudit.log_parameter": "on" }, functionsLogged: true },
  {
    name: "pgaudit.log = read, function",
    settings: { "pgaudit.log": "read, function", "pgaudit.log_parameter": "on" },
    functionsLogged: true,
  },
  {
    name: "pgaudit.log = write",
    settings: { "pgaudit.log": "write", "pgaudit.log_parameter": "on" },
    functionsLogged: false,
    probe: {
      sql: "create temporary table pgaudit_probe (n int) on commit drop; insert into pgaudit_probe values (1)",
      logged: /AUDIT: SESSION,[^\n]*WRITE,INSERT,[^\n]*pgaudit_probe/,
    },
  },
  { name: "pgaudit.log = all", settings: { "pgaudit.log": "all", "pgaudit.log_parameter": "on" }, functionsLogged: true },
  { name: "pgaudit.log = all, -misc", settings: { "pgaudit.log": "all, -misc", "pgaudit.log_parameter": "on" }, functionsLogged: true },
  {
    name: `object audit (pgaudit.role = ${AUDITOR})`,
    settings: { "pgaudit.role": AUDITOR, "pgaudit.log_parameter": "on" },
    functionsLogged: false,
    probe: {
      sql: "select count(*) from sfp.integrations",
      logged: /AUDIT: OBJECT,[^\n]*READ,SELECT,TABLE,sfp\.integrations/,
    },
  },
];

/** A pgaudit line of the guard that runs before every statement carrying a key or a secret. */
const GUARD_LOGGED = /AUDIT: SESSION,[^\n]*select sfp_api\.guard_log_safety\(\)/;
/** A pgaudit line of the credential read's call (its text goes on over the next lines). */
const CREDENTIALS_READ_LOGGED = /AUDIT: SESSION,[^\n]*select sfp_api\.get_credentials\(/;

let cluster: PgauditCluster | undefined;
let admin: postgres.Sql;
let log: ServerLog;
/** The functions keep the server's settings: the guard must refuse. */
let keeping: TestStack;
/** The default: each session starts with pgaudit.log_parameter = off. */
let hiding: TestStack;
const changed = new Set<string>();

describe.skipIf(!availability.ok)("pgaudit and auto_explain keep keys, secrets and token hashes out of the log", () => {
  beforeAll(async () => {
    cluster = await startPgauditCluster();
    admin = postgres(cluster.server.superuserUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create role ${AUDITOR} nologin`);
    log = new ServerLog(cluster.server.logFile);
    [keeping, hiding] = await Promise.all([
      createTestStack({ server: cluster.server, env: { SFP_DB_HIDE_PARAMETERS: "false" } }),
      createTestStack({ server: cluster.server }),
    ]);
    // What object audit covers: the tables a credential write and read touch.
    for (const stack of [keeping, hiding]) {
      await stack.sql.unsafe(`grant select on sfp.integrations, sfp.credential_versions to ${AUDITOR}`);
    }
  });
  afterAll(async () => {
    await keeping?.stop();
    await hiding?.stop();
    await admin?.end();
    await cluster?.stop();
  });
  beforeEach(async () => {
    await Promise.all([keeping.reset(), hiding.reset()]);
  });
  afterEach(async () => {
    for (const setting of changed) await admin.unsafe(`alter system reset ${setting}`);
    changed.clear();
    await admin`select pg_reload_conf()`;
    await settle();
  });

  describe("without hidden parameters (SFP_DB_HIDE_PARAMETERS=false)", () => {
    it.each(RISKY)("refuses credential work and logs nothing secret: $name", async ({ settings, functionsLogged, probe }) => {
      const before = await seed(keeping);
      await setSystem(settings);
      const mark = log.mark();
      const canary = `canary-${randomUUID()}`;

      const created = await keeping.api("POST", "/integrations", { token: keeping.owner.token, body: jiraIntegration(canary) });
      expectError(created, 503, LOG_GUARD_REFUSED);
      // Four at once: the lane that served before the reload (the first idle one, which one
      // after another they would all take), and others of the pool (4) when they overlap.
      const reads = await Promise.all(Array.from({ length: 4 }, () =>
        keeping.api("GET", "/integrations/credentials?provider=jira", { token: keeping.owner.token })));
      for (const read of reads) expectError(read, 503, LOG_GUARD_REFUSED);
      const byApplication = await keeping.api("GET", "/integrations/credentials?provider=jira", { token: before.token });
      expectError(byApplication, 503, LOG_GUARD_REFUSED);

      // Read before the superuser's own statements below add to it.
      const written = await log.since(mark);
      expectNoSecrets(written, {
        "the refused canary": canary,
        "the stored canary": before.canary,
        "a key of the key ring": keeping.keyring.keys["1"],
        "the application token's hash": before.tokenHash,
      });
      if (functionsLogged) expect(GUARD_LOGGED.test(written), "pgaudit logged the guard").toBe(true);
      expect(await stored(keeping)).toEqual({ integrations: 1, credentialVersions: 1 });
      if (probe) await expectProbeLogged(keeping, probe);
    });

    it("refuses credential work under auto_explain (log_min_duration = 0) and logs nothing secret", async () => {
      const before = await seed(keeping);
      await setSystem({ "auto_explain.log_min_duration": "0" });
      const mark = log.mark();
      const canary = `canary-${randomUUID()}`;

      const created = await keeping.api("POST", "/integrations", { token: keeping.owner.token, body: jiraIntegration(canary) });
      expectError(created, 503, LOG_GUARD_REFUSED);
      const reads = await Promise.all(Array.from({ length: 4 }, () =>
        keeping.api("GET", "/integrations/credentials?provider=jira", { token: keeping.owner.token })));
      for (const read of reads) expectError(read, 503, LOG_GUARD_REFUSED);
      const byApplication = await keeping.api("GET", "/integrations/credentials?provider=jira", { token: before.token });
      expectError(byApplication, 503, LOG_GUARD_REFUSED);
      // Work that sends no secret goes on, and auto_explain really logs its plans.
      expect((await keeping.api("GET", "/projects", { token: keeping.owner.token })).status).toBe(200);

      const written = await log.since(mark);
      expect(/duration: [\d.]+ ms\s+plan:/.test(written), "auto_explain logged a plan").toBe(true);
      expectNoSecrets(written, {
        "the refused canary": canary,
        "the stored canary": before.canary,
        "a key of the key ring": keeping.keyring.keys["1"],
        "the application token's hash": before.tokenHash,
      });
      expect(await stored(keeping)).toEqual({ integrations: 1, credentialVersions: 1 });
    });

    it("refuses credential work on a new connection that opens with such settings (ALTER DATABASE ... SET)", async () => {
      const before = await seed(keeping);
      await admin.unsafe(`alter database ${keeping.database} set pgaudit.log = 'all'`);
      await admin.unsafe(`alter database ${keeping.database} set pgaudit.log_parameter = on`);
      try {
        await keeping.restartFunctions(); // new connections pick the settings up
        const mark = log.mark();
        const read = await keeping.api("GET", "/integrations/credentials?provider=jira", { token: keeping.owner.token });
        expectError(read, 503, LOG_GUARD_REFUSED);
        expectNoSecrets(await log.since(mark), {
          "the stored canary": before.canary,
          "a key of the key ring": keeping.keyring.keys["1"],
        });
      } finally {
        await admin.unsafe(`alter database ${keeping.database} reset all`);
        await keeping.restartFunctions();
      }
    });

    it.each([
      {
        name: "pgaudit.log = ddl (no class covering our statements)",
        settings: { "pgaudit.log": "ddl", "pgaudit.log_parameter": "on" },
        functionsLogged: false,
      },
      {
        name: "pgaudit.log_parameter = off",
        settings: { "pgaudit.log": "all", "pgaudit.log_parameter": "off" },
        functionsLogged: true,
      },
    ])("allows credential work, and logs nothing secret: $name", async ({ settings, functionsLogged }) => {
      const before = await seed(keeping);
      await setSystem(settings);
      const mark = log.mark();
      const canary = `canary-${randomUUID()}`;

      const created = await keeping.api("POST", "/integrations", {
        token: keeping.owner.token,
        body: { ...jiraIntegration(canary), isGlobal: false, projects: ["acme/core"] },
      });
      expect(created.status).toBe(201);
      const read = await keeping.api("GET", "/integrations/credentials?provider=jira&project=acme/core", {
        token: keeping.owner.token,
      });
      expect(read.status).toBe(200);
      expect(read.body[0].credentials.api_token).toBe(canary);
      const byApplication = await keeping.api("GET", "/integrations/credentials?provider=jira", { token: before.token });
      expect(byApplication.status).toBe(200);
      expect(byApplication.body[0].credentials.api_token).toBe(before.canary);

      const written = await log.since(mark);
      expectNoSecrets(written, {
        "the new canary": canary,
        "the stored canary": before.canary,
        "a key of the key ring": keeping.keyring.keys["1"],
        "the application token's hash": before.tokenHash,
      });
      if (functionsLogged) {
        expect(CREDENTIALS_READ_LOGGED.test(written), "pgaudit logged the credential read").toBe(true);
        expect(written.includes("<not logged>"), "pgaudit left the parameters out").toBe(true);
      } else {
        expect(written.includes("AUDIT:"), "the log holds a pgaudit line").toBe(false);
      }
      expect(await stored(keeping)).toEqual({ integrations: 2, credentialVersions: 2 });
    });
  });

  describe("sfp_api.log_settings_check()", () => {
    it("names pgaudit's parameter logging with the classes that cover our statements", async () => {
      await setSystem({ "pgaudit.log": "read, function", "pgaudit.log_parameter": "on" });
      const check = await logSettingsCheck(keeping);
      expect(check.safe).toBe(false);
      const problems = check.problems.join("; ");
      expect(problems).toContain("pgaudit.log_parameter = on");
      expect(problems).toContain("pgaudit.log = read, function");
      expect(problems).toContain("pgaudit.log_parameter = on with pgaudit.log = read, function");
    });

    it("names pgaudit's object audit role", async () => {
      await setSystem({ "pgaudit.role": AUDITOR, "pgaudit.log_parameter": "on" });
      const check = await logSettingsCheck(keeping);
      expect(check.safe).toBe(false);
      expect(check.problems.join("; ")).toContain(`pgaudit.log_parameter = on with pgaudit.role = ${AUDITOR}`);
    });

    it("finds nothing at fault with a class that does not cover our statements, or without parameter logging", async () => {
      await setSystem({ "pgaudit.log": "ddl", "pgaudit.log_parameter": "on" });
      expect(await logSettingsCheck(keeping)).toMatchObject({ safe: true, problems: [] });
      await setSystem({ "pgaudit.log": "all", "pgaudit.log_parameter": "off" });
      expect(await logSettingsCheck(keeping)).toMatchObject({ safe: true, problems: [] });
    });
  });

  describe("with hidden parameters (the default)", () => {
    it.each(RISKY)("works, and pgaudit logs our statements without their parameters: $name", async ({ settings, functionsLogged, probe }) => {
      const before = await seed(hiding);
      await setSystem(settings);
      const mark = log.mark();
      const canary = `canary-${randomUUID()}`;

      const created = await hiding.api("POST", "/integrations", {
        token: hiding.owner.token,
        body: { ...jiraIntegration(canary), isGlobal: false, projects: ["acme/core"] },
      });
      expect(created.status).toBe(201);
      // Four at once: the first idle lane, and others of the pool when they overlap.
      const reads = await Promise.all(Array.from({ length: 4 }, () =>
        hiding.api("GET", "/integrations/credentials?provider=jira&project=acme/core", { token: hiding.owner.token })));
      for (const read of reads) {
        expect(read.status).toBe(200);
        expect(read.body[0].credentials.api_token).toBe(canary);
      }
      const byApplication = await hiding.api("GET", "/integrations/credentials?provider=jira", { token: before.token });
      expect(byApplication.status).toBe(200);
      expect(byApplication.body[0].credentials.api_token).toBe(before.canary);

      const written = await log.since(mark);
      expectNoSecrets(written, {
        "the new canary": canary,
        "the stored canary": before.canary,
        "a key of the key ring": hiding.keyring.keys["1"],
        "the application token's hash": before.tokenHash,
      });
      if (functionsLogged) {
        // Logging was really on: pgaudit logged the calls, without their parameters.
        expect(GUARD_LOGGED.test(written), "pgaudit logged the guard").toBe(true);
        expect(CREDENTIALS_READ_LOGGED.test(written), "pgaudit logged the credential read").toBe(true);
        expect(written.includes("<not logged>"), "pgaudit left the parameters out").toBe(true);
      }
      expect(await stored(hiding)).toEqual({ integrations: 2, credentialVersions: 2 });
      if (probe) await expectProbeLogged(hiding, probe);
    });
  });
});

async function setSystem(settings: Settings) {
  for (const [name, value] of Object.entries(settings)) {
    await admin.unsafe(`alter system set ${name} = '${value}'`);
    changed.add(name);
  }
  await admin`select pg_reload_conf()`;
  await settle();
}

/** Backends re-read the configuration when the reload signal reaches them; give it a moment. */
function settle() {
  return new Promise((resolve) => setTimeout(resolve, 300));
}

const sha256Hex = (value: string) => createHash("sha256").update(value).digest("hex");

/**
 * Under the server's default (quiet) settings: project acme/core, a global Jira integration
 * holding a canary, and an application token of the owner.
 */
async function seed(stack: TestStack) {
  const canary = `canary-${randomUUID()}`;
  await createProject(stack, "acme/core");
  await createIntegration(stack, jiraIntegration(canary));
  const token = await stack.api("POST", "/application-tokens", { token: stack.owner.token, body: { name: "ci-main" } });
  expect(token.status).toBe(201);
  return { canary, token: token.body.token as string, tokenHash: sha256Hex(token.body.token) };
}

/** The setting was in force: a statement of the superuser's that it covers is logged. */
async function expectProbeLogged(stack: TestStack, probe: { sql: string; logged: RegExp }) {
  const mark = log.mark();
  await stack.sql.unsafe(probe.sql);
  expect(probe.logged.test(await log.since(mark)), `pgaudit logged the probe (${probe.sql})`).toBe(true);
}

async function stored(stack: TestStack) {
  const [row] = await stack.sql<{ integrations: number; credentialVersions: number }[]>`
    select (select count(*) from sfp.integrations)::int as integrations,
           (select count(*) from sfp.credential_versions)::int as "credentialVersions"`;
  return { ...row };
}

async function logSettingsCheck(stack: TestStack): Promise<{ safe: boolean; problems: string[] }> {
  const [{ check }] = await stack.sql<{ check: { safe: boolean; problems: string[] } }[]>`
    select sfp_api.log_settings_check() as check`;
  return check;
}

/** Fails naming what leaked (and where), never printing the whole log. */
function expectNoSecrets(written: string, secrets: Record<string, string>) {
  const leaks = Object.entries(secrets).flatMap(([what, value]) => {
    const at = written.indexOf(value);
    if (at < 0) return [];
    const lineStart = written.lastIndexOf("\n", at) + 1;
    const line = written.slice(lineStart, written.indexOf("\n", at) < 0 ? undefined : written.indexOf("\n", at));
    return [`${what}, in: ${line.replaceAll(value, `<${what}>`).slice(0, 400)}`];
  });
  expect(leaks, "the PostgreSQL log holds").toEqual([]);
}
