import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import postgres from "postgres";
import { scramVerifier } from "./scram.ts";

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = promisify(execFile);

/**
 * Gives a plain PostgreSQL what Supabase already has (sql/bootstrap.sql: API roles, auth
 * schema, extensions schema). Idempotent. When `authenticatorPassword` is given, the
 * `authenticator` login role gets it (as a SCRAM verifier, so the password never appears in
 * statement text).
 */
export async function bootstrapDatabase(superuserUrl: string, authenticatorPassword?: string): Promise<void> {
  const sql = postgres(superuserUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(readFileSync(join(PROJECT_ROOT, "sql", "bootstrap.sql"), "utf8"));
    if (authenticatorPassword) {
      await sql.unsafe(`alter role authenticator with login password '${scramVerifier(authenticatorPassword)}'`);
    }
  } finally {
    await sql.end();
  }
}

/** The form `supabase db push --db-url` needs: TLS off, and a password present. */
export function cliDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  // With trust authentication any password is accepted; the CLI insists on one.
  if (!parsed.password) parsed.password = "unused";
  parsed.searchParams.set("sslmode", "disable");
  return parsed.toString();
}

/**
 * Applies supabase/migrations with the real Supabase CLI, which records them in
 * supabase_migrations.schema_migrations and skips those already applied.
 */
export async function applyMigrations(superuserUrl: string): Promise<string> {
  const cli = join(PROJECT_ROOT, "node_modules", ".bin", "supabase");
  try {
    const { stdout, stderr } = await run(
      cli,
      ["db", "push", "--db-url", cliDatabaseUrl(superuserUrl), "--yes", "--workdir", PROJECT_ROOT],
      { env: { ...process.env, DO_NOT_TRACK: "1", SUPABASE_TELEMETRY_DISABLED: "1" }, maxBuffer: 16 * 1024 * 1024 },
    );
    return stdout + stderr;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    // The CLI's output names migrations and SQL errors; the URL (and its password) is ours to hide.
    throw new Error(`supabase db push failed:\n${redactUrl(stdout + stderr, superuserUrl)}`);
  }
}

function redactUrl(text: string, url: string): string {
  const password = new URL(url).password;
  return password ? text.split(password).join("***").split(decodeURIComponent(password)).join("***") : text;
}

/** The URL the functions connect with: `authenticator` on the same server and database. */
export function authenticatorUrl(superuserUrl: string, password: string): string {
  const parsed = new URL(superuserUrl);
  parsed.username = "authenticator";
  parsed.password = password;
  parsed.search = "";
  return parsed.toString();
}
