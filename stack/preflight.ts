import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/**
 * What `npm start` checks before it starts anything, so that each start-up fault is one clear
 * line (and exit code 1) instead of a failure deep inside PostgreSQL or Deno: the data folder
 * is writable; no other `npm start` runs on it; what an earlier, killed `npm start` left
 * running (its PostgreSQL and Deno, recorded in <data dir>/launcher.json) is stopped and named;
 * a PostgreSQL that is not ours is named by its PID; the ports are free.
 */
export interface LauncherState {
  launcherPid: number;
  postgresPid?: number;
  denoPid?: number;
}

const stateFile = (dataDir: string) => join(dataDir, "launcher.json");

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The PID in a cluster's postmaster.pid, when the file exists. */
export function postmasterPid(clusterDir: string): number | undefined {
  const file = join(clusterDir, "postmaster.pid");
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function readLauncherState(dataDir: string): LauncherState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(dataDir), "utf8")) as LauncherState;
  } catch {
    return undefined;
  }
}

export function writeLauncherState(dataDir: string, state: LauncherState): void {
  writeFileSync(stateFile(dataDir), JSON.stringify(state) + "\n", { mode: 0o600 });
}

export function clearLauncherState(dataDir: string): void {
  rmSync(stateFile(dataDir), { force: true });
}

/** Throws with the one line to print when the data folder cannot be written. */
export function requireWritableFolder(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.W_OK);
    const probe = join(dataDir, `.write-test-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new Error(`The data folder ${dataDir} is not writable (${code}): choose another with SFP_DATA_DIR, or fix its permissions.`);
  }
}

/**
 * Refuses when another `npm start` runs on this data folder, or a PostgreSQL that is not ours
 * runs on its cluster; stops what a killed `npm start` left running. Returns what it stopped,
 * for the launcher to say.
 */
export async function takeOverDataFolder(dataDir: string, clusterDir: string): Promise<string[]> {
  const state = readLauncherState(dataDir);
  if (state && state.launcherPid !== process.pid && isAlive(state.launcherPid)) {
    throw new Error(`Another npm start is running on the data folder ${dataDir} (PID ${state.launcherPid}): stop it first.`);
  }
  const stopped: string[] = [];
  const postgresPid = postmasterPid(clusterDir);
  const postgresOrphaned = isAlive(postgresPid);
  if (postgresOrphaned && state?.postgresPid !== postgresPid) {
    throw new Error(`Another PostgreSQL server is running on the data folder ${dataDir} (PID ${postgresPid}): stop it first.`);
  }
  // The functions server first, as at a normal stop: once its database is gone it would log,
  // find its launcher's end of the pipe closed, and die on its own, unnamed.
  const denoOrphaned = state?.denoPid !== undefined && isAlive(state.denoPid) &&
    commandLine(state.denoPid).includes("functions/_local/serve.ts");
  if (denoOrphaned) await stopProcess(state!.denoPid!, "SIGTERM");
  if (postgresOrphaned) {
    await stopProcess(postgresPid!, "SIGINT"); // fast shutdown: what was committed stays
    stopped.push(`PostgreSQL (PID ${postgresPid})`);
  }
  if (denoOrphaned) stopped.push(`the functions server (PID ${state!.denoPid})`);
  clearLauncherState(dataDir);
  return stopped;
}

/** Throws "port n is in use" unless 127.0.0.1:port can be listened on. */
export async function requireFreePort(port: number, what: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
  if (!free) throw new Error(`Port ${port} (${what}) is in use: stop what uses it, or choose another port.`);
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\u0000", " ");
  } catch {
    return "";
  }
}

async function stopProcess(pid: number, signal: NodeJS.Signals): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  for (let waited = 0; waited < 15_000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (isAlive(pid)) throw new Error(`PID ${pid} did not stop after ${signal}: stop it by hand.`);
}
