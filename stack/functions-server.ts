import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "./database-setup.ts";
import { DENO, DENO_CONFIG, childEnvironment } from "./deno.ts";

export interface FunctionsServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Serves every Edge Function with Deno (npm `deno`) from functions/_local/serve.ts, and
 * resolves once it listens. `onOutput` receives everything the server prints.
 */
export async function startFunctionsServer(
  env: Record<string, string>,
  port: number,
  onOutput: (text: string) => void = (text) => process.stdout.write(text),
): Promise<FunctionsServer> {
  const child = spawn(DENO, [
    "run",
    "--allow-net",
    "--allow-env",
    "--allow-read",
    "--allow-sys",
    // Deno 2 still aborts every request's signal once its response is sent (legacy behaviour),
    // building a DOMException per request; nothing here reads request.signal. Opting out took
    // the HTTP read at 8 clients from about 1,710 to 1,760 requests/s (docs/performance.md).
    "--unstable-no-legacy-abort",
    "--config",
    DENO_CONFIG,
    join(PROJECT_ROOT, "functions", "_local", "serve.ts"),
  ], {
    cwd: PROJECT_ROOT,
    env: childEnvironment({ ...env, PORT: String(port) }),
    stdio: ["ignore", "pipe", "pipe"],
  });

  const ready = new Promise<void>((resolve, reject) => {
    let seen = "";
    const watch = (chunk: Buffer) => {
      const text = chunk.toString();
      onOutput(text);
      seen += text;
      if (seen.includes("listening on http://")) resolve();
    };
    child.stdout!.on("data", watch);
    child.stderr!.on("data", watch);
    child.once("exit", (code) => reject(new Error(`the functions server exited (code ${code}) before listening`)));
  });
  await ready;

  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}
