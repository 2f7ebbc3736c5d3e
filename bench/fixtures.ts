import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../stack/database-setup.ts";
import { ownerContext, type Secrets, superuserSql } from "./stack.ts";

/**
 * The small data set every scenario starts from, made through the real RPCs (so the rows are
 * exactly what the product writes): the owner, five projects and ten integrations.
 * The read measured everywhere is provider=github, project=bench/read: it resolves two
 * project-scoped integrations and two global ones, and returns one credential.
 * Also the floors' tables and the crypto comparison's rows (sql/bench/).
 */
export const READ = { provider: "github", project: "bench/read" } as const;
/** Where the write scenario puts its integrations, away from the read's project. */
export const WRITES_PROJECT = "bench/writes";

export function sqlFile(name: string): string {
  return readFileSync(join(PROJECT_ROOT, "sql", "bench", name), "utf8");
}

/**
 * The statements of a file of several, in order: each ends with a line ending in ";" outside
 * a $$-quoted body. (A statement with bind parameters must be sent alone.)
 */
export function statements(text: string): string[] {
  const result: string[] = [];
  let current: string[] = [];
  let quoted = false;
  for (const line of text.split("\n")) {
    // Whole-line comments are dropped (they may name the parameters of another statement).
    if (!quoted && line.trimStart().startsWith("--")) continue;
    current.push(line);
    if ((line.split("$$").length - 1) % 2 === 1) quoted = !quoted;
    if (!quoted && line.trimEnd().endsWith(";")) {
      result.push(current.join("\n"));
      current = [];
    }
  }
  if (current.join("").trim()) result.push(current.join("\n"));
  return result;
}

export interface SmallDataSet {
  /** The id of the integration the measured read returns. */
  readIntegrationId: string;
}

export async function createSmallDataSet(url: string, secrets: Secrets): Promise<SmallDataSet> {
  const sql = superuserSql(url);
  const context = JSON.parse(ownerContext(secrets));
  try {
    await sql`select sfp_api.upsert_member(${secrets.owner.id}::uuid, ${secrets.owner.email}, 'owner')`;
    for (const identifier of [READ.project, WRITES_PROJECT, "bench/other-1", "bench/other-2", "bench/other-3"]) {
      await sql`select sfp_api.create_project(${identifier}, ${`https://github.com/${identifier}.git`},
                                              ${sql.json(context)}::jsonb)`;
    }
    const integrations: [string, string, object, boolean, string[]][] = [
      ["github", "pat", { token: "ghp_" + "r".repeat(36) }, false, [READ.project]],
      ["jira", "basic_auth", { base_url: "https://bench.atlassian.net", username: "ci@bench.local", api_token: "a".repeat(24) }, false, [READ.project]],
      ["github", "pat", { token: "ghp_" + "g".repeat(36) }, true, []],
      ["jira", "basic_auth", { base_url: "https://bench.atlassian.net", username: "global@bench.local", api_token: "b".repeat(24) }, true, []],
      ["github", "pat", { token: "ghp_" + "1".repeat(36) }, false, ["bench/other-1"]],
      ["github", "oauth", { access_token: "gho_" + "2".repeat(36) }, false, ["bench/other-2"]],
      ["github", "pat", { token: "ghp_" + "3".repeat(36) }, false, ["bench/other-3"]],
      ["jira", "pat", { base_url: "https://jira.bench.local", token: "4".repeat(32) }, false, ["bench/other-1"]],
      ["jira", "basic_auth", { base_url: "https://bench.atlassian.net", username: "o2@bench.local", api_token: "5".repeat(24) }, false, ["bench/other-2"]],
      ["jira", "pat", { base_url: "https://jira.bench.local", token: "6".repeat(32) }, false, ["bench/other-3"]],
    ];
    let readIntegrationId = "";
    for (const [provider, authType, credentials, isGlobal, projects] of integrations) {
      // As the server writes it: the guard first, in the same transaction.
      const [row] = await sql.begin(async (tx) => {
        await tx`select sfp_api.guard_log_safety()`;
        return tx`select sfp_api.create_integration(
          provider => ${provider}, auth_type => ${authType}, credentials => ${sql.json(credentials as never)}::jsonb,
          is_global => ${isGlobal}, projects => ${isGlobal ? null : projects}::text[], config => '{}'::jsonb,
          context => ${sql.json(context)}::jsonb, keyring => ${sql.json(secrets.keyring)}::jsonb) as integration`;
      });
      if (!readIntegrationId) readIntegrationId = (row.integration as { id: string }).id;
    }
    await sql.unsafe(sqlFile("floors.sql"));
    return { readIntegrationId };
  } finally {
    await sql.end();
  }
}

/** Fills sfp_bench.crypto_rows (sql/bench/crypto-rows.sql) with `rows` credentials. */
export async function createCryptoRows(url: string, secrets: Secrets, rows: number): Promise<void> {
  const sql = superuserSql(url);
  try {
    await sql.begin(async (tx) => {
      // Transaction-local, set through bind parameters: never in statement text.
      await tx`select set_config('sfp.keyring', ${secrets.keyringJson}, true),
                      set_config('sfp_bench.password', ${secrets.pgpPassword}, true)`;
      await tx.unsafe(sqlFile("crypto-rows.sql"), [rows]);
    });
    await sql`analyze sfp_bench.crypto_rows`;
  } finally {
    await sql.end();
  }
}

/** Fresh statistics and a checkpoint, so that no measurement pays for what setup left behind. */
export async function settle(url: string): Promise<void> {
  const sql = superuserSql(url);
  try {
    await sql`vacuum (analyze)`;
    await sql`checkpoint`;
  } finally {
    await sql.end();
  }
}
