import { type ChildProcess, spawn } from "node:child_process";

/**
 * Runs the load generators as separate processes and keeps track of them, so that Ctrl-C
 * can stop the one running (by its own pid) before the bench tears the stack down.
 * While a child runs, this process only waits on its exit: it takes no CPU from the
 * measurement.
 */
const running = new Set<ChildProcess>();

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runChild(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", (error) => {
      running.delete(child);
      reject(error);
    });
    child.once("close", (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Stops the load generators still running (Ctrl-C), each by its own pid. */
export function stopChildren(): void {
  for (const child of running) child.kill("SIGTERM");
}

/** Removes every secret from a text before it is shown (a tool's error output, say). */
export function redact(text: string, secrets: string[]): string {
  let result = text;
  for (const secret of secrets) if (secret) result = result.split(secret).join("***");
  return result;
}
