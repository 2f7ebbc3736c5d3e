/**
 * A private PostgreSQL 15 cluster with pgaudit and auto_explain preloaded, for the test file
 * that proves neither can leak a key or a secret (the global test server is the embedded
 * PostgreSQL 17, which ships neither). Built from Debian's binaries in a temporary folder,
 * listening on 127.0.0.1 on a free port, its log in a file the tests read; a template database
 * made the way the global setup makes its own (bootstrap, then `supabase db push`).
 *
 * PostgreSQL refuses to run as root: as root, every PostgreSQL program runs as the `postgres`
 * system user, which owns the folder.
 */
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { databaseUrl, freePort } from "../../stack/addresses.ts";
import { applyMigrations, bootstrapDatabase } from "../../stack/database-setup.ts";
import type { ServerInfo } from "./server-info.ts";

const run = promisify(execFile);

export const PG_VERSION = 15;
const BIN = `/usr/lib/postgresql/${PG_VERSION}/bin`;
const LIB = `/usr/lib/postgresql/${PG_VERSION}/lib`;
const NEEDED = [
  { file: `${BIN}/initdb`, pkg: `postgresql-${PG_VERSION}` },
  { file: `${BIN}/pg_ctl`, pkg: `postgresql-${PG_VERSION}` },
  { file: `${LIB}/auto_explain.so`, pkg: `postgresql-${PG_VERSION}` },
  { file: `${LIB}/pgaudit.so`, pkg: `postgresql-${PG_VERSION}-pgaudit` },
];

export type Availability = { ok: true } | { ok: false; reason: string };

/**
 * Makes sure PostgreSQL 15 with pgaudit and auto_explain is installed: as root, installs what
 * is missing with apt-get (running `apt-get update` first when the install fails). Says why
 * not when it cannot be had.
 */
export async function ensurePgaudit(): Promise<Availability> {
  const missing = () => [...new Set(NEEDED.filter(({ file }) => !existsSync(file)).map(({ pkg }) => pkg))];
  if (missing().length === 0) return { ok: true };
  if (process.platform !== "linux" || userInfo().uid !== 0) {
    return { ok: false, reason: `${missing().join(", ")} not installed, and installing needs root (apt-get)` };
  }
  const install = () =>
    run("apt-get", ["install", "-y", "--no-install-recommends", ...missing()], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      maxBuffer: 64 * 1024 * 1024,
    });
  try {
    await install();
  } catch {
    try {
      await run("apt-get", ["update"], { maxBuffer: 64 * 1024 * 1024 });
      await install();
    } catch (error) {
      const text = String((error as { stderr?: string }).stderr ?? error).trim().split("\n").slice(-3).join(" ");
      return { ok: false, reason: `apt-get could not install ${missing().join(", ")}: ${text}` };
    }
  }
  const still = missing();
  return still.length === 0 ? { ok: true } : { ok: false, reason: `${still.join(", ")} still missing after apt-get` };
}

export interface PgauditCluster {
  /** What createTestStack({ server }) takes: superuser URL, migrated template, log file. */
  server: ServerInfo;
  /** The cluster's folder (data/, postgres.log). */
  dir: string;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** Runs a PostgreSQL program, as `postgres` when this process is root. */
function pgCommand(program: string, args: string[]): [string, string[]] {
  const path = join(BIN, program);
  return userInfo().uid === 0 ? ["runuser", ["-u", "postgres", "--", path, ...args]] : [path, args];
}

function systemUserIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
  return { uid, gid };
}

/**
 * Creates and starts the cluster (shared_preload_libraries = 'pgaudit,auto_explain', password
 * authentication on 127.0.0.1), and a migrated template database in it.
 */
export async function startPgauditCluster(): Promise<PgauditCluster> {
  const dir = mkdtempSync(join(tmpdir(), "sfp-pgaudit-"));
  const dataDir = join(dir, "data");
  const logFile = join(dir, "postgres.log");
  const passwordFile = join(dir, "superuser-password");
  const password = randomBytes(18).toString("base64url");
  const owner = userInfo().uid === 0 ? systemUserIds("postgres") : undefined;
  writeFileSync(passwordFile, password + "\n", { mode: 0o600 });
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(passwordFile, owner.uid, owner.gid);
  }

  let started = false;
  // From a folder `postgres` may enter (not the caller's, which it may not).
  const pgRun = (program: string, args: string[]) => run(...pgCommand(program, args), { cwd: dir });
  const pgCtl = (args: string[]) => pgRun("pg_ctl", ["-D", dataDir, ...args]);
  const stopNow = () => {
    // At process exit (a crashed run): nothing asynchronous runs any more.
    if (!started) return;
    try {
      execFileSync(...pgCommand("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]), { stdio: "ignore", cwd: dir });
    } catch { /* already stopped */ }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stopNow);

  try {
    await pgRun("initdb", [
      "-D", dataDir, "-U", "postgres", `--pwfile=${passwordFile}`,
      "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync",
    ]);
    rmSync(passwordFile);
    const port = await freePort();
    // In postgresql.conf, not on the command line: command-line settings would outrank ALTER SYSTEM.
    appendFileSync(join(dataDir, "postgresql.conf"), [
      "",
      "# sfp test cluster (tests/support/pgaudit-cluster.ts)",
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      `unix_socket_directories = '${dir}'`,
      "shared_preload_libraries = 'pgaudit,auto_explain'",
      "logging_collector = off",
      "lc_messages = 'C'",
      "fsync = off",
      "synchronous_commit = off",
      "full_page_writes = off",
      "max_connections = 50",
      "",
    ].join("\n"));
    await pgCtl(["-l", logFile, "-w", "-t", "60", "start"]);
    started = true;

    const superuserUrl = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    const server: ServerInfo = {
      superuserUrl,
      template: "sfp_test_template",
      authenticatorPassword: randomBytes(18).toString("base64url"),
      logFile,
      dataDir,
      embedded: false,
    };
    const admin = postgres(superuserUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`create database ${server.template}`);
    } finally {
      await admin.end();
    }
    const templateUrl = databaseUrl(superuserUrl, server.template);
    await bootstrapDatabase(templateUrl, server.authenticatorPassword);
    await applyMigrations(templateUrl);

    return {
      server,
      dir,
      async stop() {
        process.removeListener("exit", stopNow);
        if (started) {
          started = false;
          await pgCtl(["-m", "fast", "-w", "-t", "60", "stop"]).catch(() =>
            pgCtl(["-m", "immediate", "-w", "stop"]).catch(() => {})
          );
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    process.removeListener("exit", stopNow);
    stopNow();
    rmSync(dir, { recursive: true, force: true });
    const { stderr } = error as { stderr?: string };
    throw stderr ? new Error(`${(error as Error).message}\n${stderr}`) : error;
  }
}
