import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import postgres from "postgres";
import { HIDDEN_PARAMETERS, HIDDEN_PGAUDIT_PARAMETERS, sessionOptions } from "../functions/_shared/database.ts";
import { parseKeyRing } from "../functions/_shared/keyring.ts";
import { authenticatorUrl, PROJECT_ROOT } from "../stack/database-setup.ts";
import { readSecretsFile } from "../stack/secrets.ts";

/**
 * Where the commands (npm run keys:rotate, audit:verify) reach the database, and the key
 * ring: SUPABASE_DB_URL and SFP_ENCRYPTION_KEYS from the environment, as the functions take
 * them; else the running local stack of $SFP_DATA_DIR (default ./.data), as `authenticator`.
 */
export function connectAsService(): postgres.Sql {
  let url = process.env.SUPABASE_DB_URL;
  if (!url) {
    const secrets = localSecrets();
    url = authenticatorUrl(`postgresql://postgres@127.0.0.1:${process.env.SFP_DB_PORT ?? 54322}/postgres`,
      secrets.authenticatorPassword);
  }
  const connection: Record<string, string> = {
    application_name: "sfp-command",
    // As the functions do: this session never writes a bind parameter (a key) to the log.
    options: sessionOptions([...HIDDEN_PARAMETERS, ...HIDDEN_PGAUDIT_PARAMETERS]),
  };
  const role = process.env.SFP_DB_ROLE ?? "service_role";
  if (role) connection.role = role;
  return postgres(url, { max: 1, connection, onnotice: () => {} });
}

export function keyRing() {
  return parseKeyRing(process.env.SFP_ENCRYPTION_KEYS ?? localSecrets().encryptionKeys, process.env.SFP_ENCRYPTION_KEY_CURRENT);
}

function localSecrets(): { authenticatorPassword: string; encryptionKeys: string } {
  const file = join(resolve(PROJECT_ROOT, process.env.SFP_DATA_DIR ?? ".data"), "secrets.json");
  if (!existsSync(file)) {
    throw new Error(`No local stack at ${file}: run npm start first, or set SUPABASE_DB_URL and SFP_ENCRYPTION_KEYS`);
  }
  // The same reader as npm start: a broken file is reported by line, never quoted (it holds keys).
  return readSecretsFile(file) as unknown as { authenticatorPassword: string; encryptionKeys: string };
}

/** The message of a failure, for a command's last line: ours are written for people. */
export function reason(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return code === "ECONNREFUSED"
    ? "cannot reach the database: is the stack running (npm start)?"
    : `${message ?? String(error)}${code ? ` (${code})` : ""}`;
}
