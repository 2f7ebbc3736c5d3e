/**
 * A stored credential exists in plaintext nowhere the server keeps things: not in a dump of
 * the database, not in the cluster's files (tables, indexes, WAL), not in PostgreSQL's log,
 * not in what the functions server prints. Neither does the encryption key.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { databaseUrl } from "../../stack/addresses.ts";
import { ServerLog } from "../support/server-log.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack({ reset: false });
let logMark: number;
const canary = `canary-${crypto.randomUUID()}`;
let key: string;

/** The strings that must not be found: the canary, and the key in the forms it travels in. */
function secrets(): string[] {
  return [canary, key, Buffer.from(key, "base64").toString("hex")];
}

beforeAll(async () => {
  key = stack.keyring.keys["1"];
  logMark = new ServerLog(stack.server.logFile).mark();
  await stack.api("POST", "/projects", {
    token: stack.owner.token,
    body: { identifier: "acme/core", remoteUrl: "https://github.com/acme/core" },
  });
  const created = await stack.api("POST", "/integrations", {
    token: stack.owner.token,
    body: { provider: "github", authType: "pat", credentials: { token: canary }, projects: ["acme/core"] },
  });
  expect(created.status).toBe(201);
  const read = await stack.api("GET", "/integrations/credentials?provider=github&project=acme/core", {
    token: stack.owner.token,
  });
  expect(read.body[0].credentials.token).toBe(canary);
  // Push everything to disk: heap and index pages as well as WAL.
  await stack.sql`checkpoint`;
});

function pgDumpMajor(): number | undefined {
  try {
    return Number(/(\d+)/.exec(execFileSync("pg_dump", ["--version"]).toString())?.[1]);
  } catch {
    return undefined;
  }
}

describe("the stored canary token", () => {
  it("is stored encrypted: the credential table holds ciphertext only", async () => {
    const rows = await stack.sql`select * from sfp.credential_versions`;
    expect(rows).toHaveLength(1);
    const asText = JSON.stringify(rows, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v));
    for (const secret of secrets()) expect(asText).not.toContain(secret);
  });

  it("appears in no table of the database, in any schema (the data a dump holds)", async () => {
    const tables = await stack.sql<{ schema: string; name: string }[]>`
      select schemaname as schema, tablename as name from pg_tables
      where schemaname not in ('pg_catalog', 'information_schema')`;
    expect(tables.length).toBeGreaterThan(5);
    let all = "";
    for (const { schema, name } of tables) {
      const rows = await stack.sql.unsafe(`select t::text as row from "${schema}"."${name}" t`);
      const text = rows.map((r) => r.row).join("\n");
      all += text;
      for (const secret of secrets()) expect(text, `${schema}.${name}`).not.toContain(secret);
    }
    expect(all).toContain("acme/core"); // the scan does see stored data
  });

  it("appears nowhere in a pg_dump of the database", async (context) => {
    const [{ server_version_num }] = await stack.sql<{ server_version_num: string }[]>`show server_version_num`;
    const serverMajor = Math.floor(Number(server_version_num) / 10000);
    const dumpMajor = pgDumpMajor();
    // pg_dump refuses a server newer than itself: Debian 12 ships pg_dump 15, the embedded
    // server is 17. This runs with TEST_DATABASE_URL on a PostgreSQL 15 server; the table
    // scan above and the file scan below cover the embedded server.
    if (!dumpMajor || dumpMajor < serverMajor) {
      context.skip(`pg_dump ${dumpMajor ?? "missing"} cannot dump PostgreSQL ${serverMajor}`);
    }
    const dump = execFileSync("pg_dump", ["--no-owner", databaseUrl(stack.server.superuserUrl, stack.database)], {
      maxBuffer: 256 * 1024 * 1024,
    }).toString();
    expect(dump).toContain("credential_versions");
    expect(dump).toContain("acme/core");
    for (const secret of secrets()) expect(dump).not.toContain(secret);
  });

  it("appears in no file of the database cluster (tables, indexes, WAL)", async (context) => {
    if (!stack.server.dataDir) context.skip("the cluster's files are only readable for the embedded server");
    const files = listFiles(stack.server.dataDir!);
    expect(files.some((file) => file.includes("pg_wal"))).toBe(true);
    // The scan does see stored data: the project's identifier is found in the files.
    expect(files.some((file) => readFileSync(file).includes("acme/core"))).toBe(true);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const secret of secrets()) expect(bytes.includes(secret), file).toBe(false);
    }
  });

  it("appears nowhere in PostgreSQL's log", async (context) => {
    const log = new ServerLog(stack.server.logFile);
    if (!log.readable) context.skip("the server log is not readable here (set TEST_DATABASE_LOG)");
    const written = await log.since(logMark);
    expect(written.length).toBeGreaterThan(0);
    for (const secret of secrets()) expect(written).not.toContain(secret);
  });

  it("appears nowhere in what the functions server printed", () => {
    for (const secret of secrets()) expect(stack.output()).not.toContain(secret);
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stat = statSync(path);
    return stat.isDirectory() ? listFiles(path) : stat.isFile() ? [path] : [];
  });
}
