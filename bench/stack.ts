import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { databaseUrl, freePort } from "../stack/addresses.ts";
import { applyMigrations, authenticatorUrl, bootstrapDatabase } from "../stack/database-setup.ts";
import { type FunctionsServer, startFunctionsServer } from "../stack/functions-server.ts";
import { startEmbeddedPostgres } from "../stack/postgres-server.ts";
import { serviceRoleKey, userToken } from "../stack/tokens.ts";
import type { Connection } from "./pgbench.ts";

/**
 * The stack under test, assembled the way `npm start` and the tests assemble it: a
 * PostgreSQL server (a fresh embedded cluster in a temporary folder, or BENCH_DATABASE_URL),
 * sql/bootstrap.sql, the migrations through the real Supabase CLI, and the real Edge
 * Functions served by Deno. Every secret is generated for this run and never printed.
 */
export interface Secrets {
  authenticatorPassword: string;
  jwtSecret: string;
  /** The key ring as the sfp_api functions take it, and as JSON text (a pgbench variable). */
  keyring: { current: number; keys: Record<string, string> };
  keyringJson: string;
  /** SFP_ENCRYPTION_KEYS of the functions. */
  encryptionKeys: string;
  /** The password of the pgp_sym_encrypt comparison. */
  pgpPassword: string;
  owner: { id: string; email: string };
}

export function generateSecrets(): Secrets {
  const key = randomBytes(32).toString("base64");
  const keyring = { current: 1, keys: { "1": key } };
  return {
    authenticatorPassword: randomBytes(18).toString("base64url"),
    jwtSecret: randomBytes(48).toString("base64url"),
    keyring,
    keyringJson: JSON.stringify(keyring),
    encryptionKeys: `1:${key}`,
    pgpPassword: randomBytes(24).toString("base64url"),
    owner: { id: randomUUID(), email: "owner@bench.local" },
  };
}

export interface Server {
  /** Superuser URL (any database: see databaseUrl). */
  superuserUrl: string;
  embedded: boolean;
  /** The embedded cluster's log file. */
  logFile?: string;
  stop(): Promise<void>;
}

/** A fresh embedded cluster in a temporary folder (removed on stop), or the given server. */
export async function startServer(externalUrl: string | undefined): Promise<Server> {
  if (externalUrl) return { superuserUrl: externalUrl, embedded: false, stop: async () => {} };
  const dataDir = mkdtempSync(join(tmpdir(), "sfp-bench-pg-"));
  try {
    const server = await startEmbeddedPostgres(dataDir, await freePort(), randomBytes(18).toString("base64url"));
    return {
      superuserUrl: server.url,
      embedded: true,
      logFile: server.logFile,
      stop: async () => {
        try {
          // After Ctrl-C the server got SIGINT itself and may be gone before stop() listens
          // for its exit, which then never comes: done as soon as the postmaster is gone.
          await Promise.race([server.stop(), postmasterGone(join(dataDir, "postgres"))]);
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Resolves once the cluster's postmaster has exited (or after 30 s, whatever happens). */
async function postmasterGone(clusterDir: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    let pid: number;
    try {
      pid = Number(readFileSync(join(clusterDir, "postmaster.pid"), "utf8").split("\n")[0]);
    } catch {
      return; // no pid file: stopped
    }
    try {
      process.kill(pid, 0);
    } catch {
      return; // no such process
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** pgbench's view of a URL (it takes the parts through PG* variables). */
export function connectionOf(url: string, options?: string): Connection {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: parsed.port || "5432",
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)),
    options,
  };
}

/**
 * The options the Edge Functions start their sessions with, then their role. The log
 * settings come first: once the session is service_role it may no longer set them (only
 * `authenticator` was granted that).
 */
export const SERVER_SESSION_OPTIONS =
  "-c log_parameter_max_length=0 -c log_parameter_max_length_on_error=0 -c role=service_role";

/** Superuser sessions of the bench that send the key ring as a parameter keep it out of the log too. */
export const QUIET_OPTIONS = "-c log_parameter_max_length=0 -c log_parameter_max_length_on_error=0";

export function superuserSql(url: string, max = 1): postgres.Sql {
  return postgres(url, {
    max,
    onnotice: () => {},
    connection: { options: QUIET_OPTIONS, application_name: "sfp-bench" },
  });
}

/**
 * Creates an empty database, gives it sql/bootstrap.sql (setting authenticator's password:
 * on a shared server, as the tests do, this changes it for the whole cluster) and applies
 * the migrations with the Supabase CLI.
 */
export async function createMigratedDatabase(server: Server, name: string, secrets: Secrets): Promise<string> {
  const admin = superuserSql(server.superuserUrl);
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(server.superuserUrl, name);
  await bootstrapDatabase(url, secrets.authenticatorPassword);
  await applyMigrations(url);
  return url;
}

/** Copies a database (file-level, fast): the template must have no open session. */
export async function cloneDatabase(server: Server, from: string, to: string): Promise<string> {
  const admin = superuserSql(server.superuserUrl);
  try {
    await admin.unsafe(`drop database if exists ${to} with (force)`);
    await admin.unsafe(`create database ${to} template ${from}`);
  } finally {
    await admin.end();
  }
  return databaseUrl(server.superuserUrl, to);
}

export async function dropDatabases(server: Server, names: string[]): Promise<void> {
  const admin = superuserSql(server.superuserUrl);
  try {
    for (const name of names) await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

export interface Functions {
  server: FunctionsServer;
  /** Everything it printed (shown only when something fails). */
  output(): string;
}

/** The real Edge Functions on a free port, connected to one database as `authenticator`. */
export async function startFunctions(
  server: Server,
  database: string,
  secrets: Secrets,
  poolSize: number,
): Promise<Functions> {
  let output = "";
  const functions = await startFunctionsServer({
    SUPABASE_DB_URL: authenticatorUrl(databaseUrl(server.superuserUrl, database), secrets.authenticatorPassword),
    SUPABASE_JWT_SECRET: secrets.jwtSecret,
    SUPABASE_SERVICE_ROLE_KEY: await serviceRoleKey(secrets.jwtSecret),
    SFP_ENCRYPTION_KEYS: secrets.encryptionKeys,
    SFP_DB_POOL_SIZE: String(poolSize),
  }, await freePort(), (text) => (output += text));
  return { server: functions, output: () => output };
}

/** A Supabase Auth access token of the owner, as the server verifies it (HS256). */
export function ownerToken(secrets: Secrets): Promise<string> {
  return userToken(secrets.jwtSecret, secrets.owner, "6h");
}

/**
 * What the Edge Functions record of a request in its audit row, with the sizes a real one
 * has: a client's address and user agent, and a request id as long as the server's own (a
 * UUID). The RPC and write scenarios send it in their context and floor (b) inserts the same
 * values, so the floor's row is as large as the RPC's. The request id, fresh for each run,
 * also tells the bench's RPC reads apart in the audit log.
 */
export const REQUEST_META = {
  ip: "203.0.113.24",
  user_agent: "sfp-client/0.1.0 node/20.19.0 linux-x64",
  request_id: randomUUID(),
} as const;

/** The context the Edge Functions pass for a verified owner (claims as they keep them). */
export function ownerContext(secrets: Secrets): string {
  return JSON.stringify({
    claims: { sub: secrets.owner.id, role: "authenticated", email: secrets.owner.email },
    ...REQUEST_META,
  });
}
