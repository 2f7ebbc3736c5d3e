/**
 * `npm start` as a real process (tsx stack/start.ts) on a data folder and ports of the test's,
 * with only PATH and HOME of this process's environment: started until it is ready, or until
 * it refuses and exits by itself.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";

export interface StartOptions {
  dataDir: string;
  port: number;
  dbPort: number;
  env?: Record<string, string>;
}

export interface Started {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  readonly output: string;
  /** The SFP_...=value lines it printed. */
  values: Record<string, string>;
}

export function spawnStart({ dataDir, port, dbPort, env = {} }: StartOptions): ChildProcess {
  return spawn(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), ["stack/start.ts"], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH!,
      HOME: process.env.HOME!,
      SFP_DATA_DIR: dataDir,
      PORT: String(port),
      SFP_DB_PORT: String(dbPort),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Starts it and resolves once it printed "Ready:"; rejects with its output if it exits first. */
export async function startReady(options: StartOptions): Promise<Started> {
  const child = spawnStart(options);
  let output = "";
  const onData = (chunk: Buffer) => (output += chunk.toString());
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not get ready:\n${output}`)), 120_000);
    const poll = setInterval(() => {
      if (output.includes("Ready:")) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      }
    }, 50);
    child.once("exit", (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
  const values = Object.fromEntries(
    [...output.matchAll(/^(SFP_[A-Z_]+)=(\S+)$/gm)].map(([, name, value]) => [name, value]),
  );
  return {
    child,
    get output() {
      return output;
    },
    values,
  };
}

/** Runs it expecting it to stop by itself; a start that gets ready is stopped, and the test then fails on its code. */
export async function refusedStart(options: StartOptions): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnStart(options);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => {
    stdout += chunk;
    if (stdout.includes("Ready:")) child.kill("SIGINT");
  });
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => (child.kill("SIGINT"), reject(new Error(`npm start did not stop:\n${stdout}${stderr}`))), 120_000);
    child.once("exit", (exitCode) => (clearTimeout(timer), resolve(exitCode)));
  });
  return { code, stdout, stderr };
}

/** Ctrl-C, and its exit code. */
export function stop(started: Started): Promise<number | null> {
  return new Promise((resolve) => {
    started.child.removeAllListeners("exit");
    if (started.child.exitCode !== null || started.child.signalCode !== null) return resolve(started.child.exitCode);
    started.child.once("exit", (code) => resolve(code));
    started.child.kill("SIGINT");
  });
}
