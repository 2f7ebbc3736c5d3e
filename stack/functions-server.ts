import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "./database-setup.ts";

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
  const deno = join(PROJECT_ROOT, "node_modules", ".bin", "deno");
  const child = spawn(deno, [
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
    join(PROJECT_ROOT, "deno.json"),
    join(PROJECT_ROOT, "functions", "_local", "serve.ts"),
  ], {
    cwd: PROJECT_ROOT,
    // Only what the functions need: the parent's environment may hold unrelated secrets.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...env, PORT: String(port) },
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
