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
    // Semi-spaces of 4 MB instead of V8's default: each read allocates about 59 KB, and a
    // scavenge of the default young generation (every few hundred reads) paused the request in
    // flight for 3-7 ms. Measured on the credential read: p99 3.6-4.0 instead of 6.0-6.2 ms at
    // 1 client, 10.4-12.1 instead of 13.7-14.3 ms at 8, requests/s within the run-to-run
    // spread (docs/performance.md).
    "--v8-flags=--max-semi-space-size=4",
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
