/**
 * `npm start` never takes a wrong or lost key for the right one: with credentials in the
 * database and no key ring it refuses (and generates nothing); without secrets.json beside an
 * existing cluster it refuses (and initialises nothing); a key that does not match the
 * database's key check is refused; a secrets.json that does not parse is reported by line,
 * quoting nothing. Each refusal: exit code 1, one line on stderr. Real processes, one data
 * folder for the database cases; the check value matches pgcrypto's.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { keyCheckValue } from "../../functions/_shared/key-check.ts";
import { databaseUrl, freePort } from "../../stack/addresses.ts";
import { startEmbeddedPostgres } from "../../stack/postgres-server.ts";
import { wrongKey } from "../support/messages.ts";
import { refusedStart as startRefused, startReady, stop } from "../support/npm-start.ts";

let dataDir: string;
let port: number;
let dbPort: number;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "sfp-keyring-"));
  port = await freePort();
  dbPort = await freePort();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// npm start on this file's ports: refused (exits by itself), or ready (tests/support/npm-start.ts).
const refusedStart = (dir: string, env: Record<string, string> = {}) => startRefused({ dataDir: dir, port, dbPort, env });
const start = () => startReady({ dataDir, port, dbPort });

async function call(base: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}/sfp/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json() };
}

/** The data folder's cluster, started by the test alone (npm start is not running), as its superuser. */
async function withDatabase<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const { databasePassword } = JSON.parse(readFileSync(join(dataDir, "secrets.json"), "utf8"));
  const server = await startEmbeddedPostgres(dataDir, dbPort, databasePassword);
  const sql = postgres(server.url, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
    await server.stop();
  }
}

/** What a refusal must leave behind: the credential row, the migrations, nothing else changed. */
async function databaseState() {
  return withDatabase(async (sql) => {
    const [{ credentials, migrations }] = await sql<{ credentials: number; migrations: number }[]>`
      select (select count(*)::int from sfp.credential_versions) as credentials,
             (select count(*)::int from supabase_migrations.schema_migrations) as migrations`;
    return { credentials, migrations };
  });
}

const secretsPath = () => join(dataDir, "secrets.json");

describe("npm start with a lost or wrong key ring", () => {
  let key: string;
  let original: string;
  let stateAfterFirstStart: { credentials: number; migrations: number };

  it("on a fresh folder generates the key, and stores a credential with it", async () => {
    const first = await start();
    try {
      expect(first.output).toContain("WARNING: generated a new encryption key");
      const base = first.values.SFP_SERVER_URL;
      const token = first.values.SFP_SERVER_TOKEN;
      expect((await call(base, token, "POST", "/projects", {
        identifier: "acme/core",
        remoteUrl: "https://github.com/acme/core",
      })).status).toBe(201);
      const created = await call(base, token, "POST", "/integrations", {
        provider: "github",
        authType: "pat",
        credentials: { token: "ghp_madeUpForTheKeyRingTest" },
        projects: ["acme/core"],
      });
      expect(created.status).toBe(201);
    } finally {
      expect(await stop(first)).toBe(0);
    }
    original = readFileSync(secretsPath(), "utf8");
    key = JSON.parse(original).encryptionKeys.split(":")[1];
    stateAfterFirstStart = await databaseState();
    expect(stateAfterFirstStart.credentials).toBe(1);
  });

  it("refuses to start when secrets.json has lost its encryptionKeys, generating nothing", async () => {
    const { encryptionKeys: _, ...rest } = JSON.parse(original);
    const withoutKey = JSON.stringify(rest, null, 2) + "\n";
    writeFileSync(secretsPath(), withoutKey, { mode: 0o600 });
    try {
      const run = await refusedStart(dataDir);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `The database holds encrypted credentials but no encryption key ring was found: restore ${dataDir}/secrets.json ` +
          "from your backup (its encryptionKeys entry) or set SFP_ENCRYPTION_KEYS. A new key cannot read them, so none was generated.\n",
      );
      expect(run.stdout).not.toContain("WARNING");
      expect(run.stdout).not.toContain("Migrations");
      expect(readFileSync(secretsPath(), "utf8")).toBe(withoutKey);
      expect(await databaseState()).toEqual(stateAfterFirstStart);
    } finally {
      writeFileSync(secretsPath(), original, { mode: 0o600 });
    }
  });

  it("refuses to start when secrets.json is gone while the cluster is there, initialising nothing", async () => {
    const backup = join(dataDir, "secrets.backup");
    renameSync(secretsPath(), backup);
    const clusterFiles = readdirSync(join(dataDir, "postgres")).sort();
    const logSize = statSync(join(dataDir, "postgres.log")).size;
    try {
      const run = await refusedStart(dataDir);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `${dataDir}/postgres holds a database but ${dataDir}/secrets.json is missing: restore secrets.json from your backup ` +
          "(it holds the database password and the encryption keys).\n",
      );
      expect(run.stdout).toBe("");
      expect(existsSync(secretsPath())).toBe(false);
      expect(readdirSync(join(dataDir, "postgres")).sort()).toEqual(clusterFiles);
      // PostgreSQL was not even started: its log did not grow.
      expect(statSync(join(dataDir, "postgres.log")).size).toBe(logSize);
    } finally {
      renameSync(backup, secretsPath());
    }
  });

  it("refuses to start when secrets.json has lost the database password while the cluster is there", async () => {
    const { databasePassword: _, ...rest } = JSON.parse(original);
    writeFileSync(secretsPath(), JSON.stringify(rest, null, 2) + "\n", { mode: 0o600 });
    try {
      const run = await refusedStart(dataDir);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `${dataDir}/postgres holds a database but ${dataDir}/secrets.json has no databasePassword entry: ` +
          "restore secrets.json from your backup (it holds the database password and the encryption keys).\n",
      );
      expect(JSON.parse(readFileSync(secretsPath(), "utf8"))).toEqual(rest);
    } finally {
      writeFileSync(secretsPath(), original, { mode: 0o600 });
    }
  });

  it("refuses a different key under version 1 once the database holds its key check", async (context) => {
    const recorded = await withDatabase(async (sql) => {
      const [{ present }] = await sql<{ present: boolean }[]>`select to_regclass('sfp.key_checks') is not null as present`;
      if (!present) return false;
      const rows = await sql`select 1 from sfp.key_checks where key_version = 1`;
      return rows.length === 1;
    });
    context.skip(!recorded, "sfp.key_checks does not exist yet or holds no check for version 1 (the key_checks migration has not landed): nothing to compare a key ring with");
    const otherKey = randomBytes(32).toString("base64");
    const run = await refusedStart(dataDir, { SFP_ENCRYPTION_KEYS: `1:${otherKey}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`${wrongKey(1)}.\n`);
    expect(run.stdout + run.stderr).not.toContain(otherKey.slice(0, 12));
    expect(run.stdout + run.stderr).not.toContain(key.slice(0, 12));
    // A version the database never saw, beside the right key, is fine: see the next test.
    expect(await databaseState()).toEqual(stateAfterFirstStart);
  });

  it("starts again with the restored key ring, a version the database never saw added, and reads the credential", async () => {
    // A rotation under way: the restored key as version 1, a new current key as version 2.
    const rotated = JSON.stringify({ ...JSON.parse(original), encryptionKeys: `1:${key},2:${randomBytes(32).toString("base64")}` }, null, 2) + "\n";
    writeFileSync(secretsPath(), rotated, { mode: 0o600 });
    try {
      const again = await start();
      try {
        expect(again.output).not.toContain("WARNING");
        expect(again.output).toContain("Migrations: already applied.");
        const read = await call(again.values.SFP_SERVER_URL, again.values.SFP_SERVICE_ROLE_KEY, "GET", "/integrations/credentials?project=acme/core");
        expect(read.status).toBe(200);
        expect(read.body[0]).toMatchObject({ credentials: { token: "ghp_madeUpForTheKeyRingTest" } });
      } finally {
        expect(await stop(again)).toBe(0);
      }
      expect(readFileSync(secretsPath(), "utf8")).toBe(rotated);
    } finally {
      writeFileSync(secretsPath(), original, { mode: 0o600 });
    }
  });
});

describe("npm start with a secrets.json it cannot use", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sfp-secrets-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const madeUpKey = randomBytes(32).toString("base64");

  async function refusedWith(text: string) {
    writeFileSync(join(dir, "secrets.json"), text, { mode: 0o600 });
    const run = await refusedStart(dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    // Nothing started, nothing written.
    expect(existsSync(join(dir, "postgres"))).toBe(false);
    expect(readFileSync(join(dir, "secrets.json"), "utf8")).toBe(text);
    return run.stderr;
  }

  function expectNoPartOfTheKey(output: string) {
    for (let at = 0; at + 6 <= madeUpKey.length; at++) expect(output).not.toContain(madeUpKey.slice(at, at + 6));
  }

  it("reports a syntax error by its line alone, quoting nothing", async () => {
    const stderr = await refusedWith(`{\n  "encryptionKeys": "1:${madeUpKey}",\n  "jwtSecret": oops\n}\n`);
    expect(stderr).toBe(`${dir}/secrets.json is not valid JSON (line 3)\n`);
    expectNoPartOfTheKey(stderr);
  });

  it("reports an error V8 gives no position for (end of input) by its line too", async () => {
    const stderr = await refusedWith(`{\n  "encryptionKeys": "1:${madeUpKey}"\n`);
    expect(stderr).toBe(`${dir}/secrets.json is not valid JSON (line 3)\n`);
  });

  it("names the entry that is not a string, never its value", async () => {
    const stderr = await refusedWith(`{\n  "jwtSecret": "abc",\n  "encryptionKeys": ["1:${madeUpKey}"]\n}\n`);
    expect(stderr).toBe(`${dir}/secrets.json: the entry "encryptionKeys" is not a string (an array)\n`);
    expectNoPartOfTheKey(stderr);
  });

  it("refuses a file that is not an object", async () => {
    const stderr = await refusedWith(`["1:${madeUpKey}"]\n`);
    expect(stderr).toBe(`${dir}/secrets.json does not hold a JSON object: it must map each secret's name to a string\n`);
    expectNoPartOfTheKey(stderr);
  });
});

describe("keyCheckValue", () => {
  it("equals what PostgreSQL computes with pgcrypto for the same key", async () => {
    const server = inject("server");
    const sql = postgres(databaseUrl(server.superuserUrl, server.template), { max: 1, onnotice: () => {} });
    try {
      for (const madeUp of [randomBytes(32).toString("base64"), Buffer.alloc(32, 0xab).toString("base64")]) {
        const [{ value }] = await sql<{ value: Uint8Array }[]>`
          select extensions.hmac(convert_to('sfp-key-check-v1', 'UTF8'), decode(${madeUp}, 'base64'), 'sha256') as value`;
        expect(Buffer.from(await keyCheckValue(madeUp)).toString("hex")).toBe(Buffer.from(value).toString("hex"));
      }
    } finally {
      await sql.end();
    }
  });

  it("refuses what is not base64 of 32 bytes, without quoting it", async () => {
    await expect(keyCheckValue("c2hvcnQ=")).rejects.toThrow("An encryption key must be base64 of 32 bytes");
  });
});
