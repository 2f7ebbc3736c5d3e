/**
 * `npm start`: the local stack in one command.
 *   1. PostgreSQL: the embedded server in $SFP_DATA_DIR (default ./.data), or DATABASE_URL.
 *   2. sql/bootstrap.sql (what Supabase already has), then supabase/migrations through the
 *      real Supabase CLI (`supabase db push --db-url ...`; applied migrations are skipped).
 *   3. The local owner (created once), and Deno serving every Edge Function on
 *      127.0.0.1:$PORT (default 54321) at /functions/v1/<fn>/... and /sfp/api/<fn>/....
 * Prints SFP_SERVER_URL=, SFP_SERVER_TOKEN= and SFP_SERVICE_ROLE_KEY= when ready.
 * Ctrl-C stops Deno, then PostgreSQL.
 */
import { resolve } from "node:path";
import postgres from "postgres";
import { applyMigrations, authenticatorUrl, bootstrapDatabase, PROJECT_ROOT } from "./database-setup.ts";
import { startFunctionsServer } from "./functions-server.ts";
import { type RunningPostgres, startEmbeddedPostgres } from "./postgres-server.ts";
import { loadSecrets } from "./secrets.ts";
import { serviceRoleKey, userToken } from "./tokens.ts";

const dataDir = resolve(PROJECT_ROOT, process.env.SFP_DATA_DIR ?? ".data");
const port = Number(process.env.PORT ?? 54321);
const dbPort = Number(process.env.SFP_DB_PORT ?? 54322);

function say(line: string) {
  process.stdout.write(line + "\n");
}

async function main() {
  const { secrets, generated } = loadSecrets(dataDir);
  if (generated.includes("encryptionKeys")) {
    say(`WARNING: generated a new encryption key into ${dataDir}/secrets.json. Back it up: losing it loses every stored credential.`);
  }
  if (generated.includes("jwtSecret")) say(`WARNING: generated a new JWT secret into ${dataDir}/secrets.json.`);

  let database: RunningPostgres;
  if (process.env.DATABASE_URL) {
    database = { url: process.env.DATABASE_URL, stop: async () => {} };
    say("Using the PostgreSQL server named by DATABASE_URL.");
  } else {
    database = await startEmbeddedPostgres(dataDir, dbPort, secrets.databasePassword);
    say(`Embedded PostgreSQL running on 127.0.0.1:${dbPort} (data in ${dataDir}/postgres).`);
  }

  const stops: (() => Promise<void>)[] = [database.stop];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      say("Stopping...");
      stopAll().then(() => process.exit(0));
    });
  }

  try {
    const functionsDbUrl = process.env.SUPABASE_DB_URL ?? authenticatorUrl(database.url, secrets.authenticatorPassword);
    await bootstrapDatabase(database.url, process.env.SUPABASE_DB_URL ? undefined : secrets.authenticatorPassword);
    const pushed = await applyMigrations(database.url);
    say(pushed.includes("up to date") ? "Migrations: already applied." : "Migrations: applied.");

    // The local owner: created once, the same user on every start.
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    await sql`select sfp_api.upsert_member(${secrets.ownerId}::uuid, ${secrets.ownerEmail}, 'owner')`;
    await sql.end();

    const serviceKey = process.env.SUPABASE_SERVICE_ROLE_KEY ?? await serviceRoleKey(secrets.jwtSecret);
    const server = await startFunctionsServer({
      SUPABASE_DB_URL: functionsDbUrl,
      SUPABASE_JWT_SECRET: secrets.jwtSecret,
      SUPABASE_SERVICE_ROLE_KEY: serviceKey,
      SFP_ENCRYPTION_KEYS: secrets.encryptionKeys,
      ...pick(process.env, ["SUPABASE_URL", "SUPABASE_JWKS", "SFP_DB_ROLE", "SFP_DB_POOL_SIZE", "SFP_ENCRYPTION_KEY_CURRENT", "SFP_MAX_BODY_BYTES"]),
    }, port);
    stops.push(server.stop);
    server.process.once("exit", (code) => {
      if (stopping) return;
      say(`The functions server exited (code ${code}); stopping.`);
      stopAll().then(() => process.exit(1));
    });

    say("");
    say(`SFP_SERVER_URL=${server.url}`);
    say(`SFP_SERVER_TOKEN=${await userToken(secrets.jwtSecret, { id: secrets.ownerId, email: secrets.ownerEmail })}`);
    say(`SFP_SERVICE_ROLE_KEY=${serviceKey}`);
    say("");
    say(`Ready: ${server.url}/sfp/api/... (the owner token above lasts 24 hours; restart for a new one). Ctrl-C stops.`);
  } catch (error) {
    console.error((error as Error).message);
    await stopAll();
    process.exit(1);
  }
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((name) => env[name]).map((name) => [name, env[name]!]));
}

main();
