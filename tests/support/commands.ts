/**
 * The operator's commands of commands/ (npm run keys:rotate, npm run audit:verify) as child
 * processes against a test stack's database, logged in as `authenticator`, with only what the
 * test hands over: never the developer's local stack (./.data).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { databaseUrl } from "../../stack/addresses.ts";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import type { TestStack } from "./test-stack.ts";

export interface CommandOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts `tsx commands/<script>` with `env` added; `detached` puts it in its own process group,
 * so that a SIGKILL to the group reaches the node process tsx starts too.
 */
export function spawnCommand(
  stack: TestStack,
  script: string,
  env: Record<string, string>,
  { detached = false } = {},
): ChildProcess {
  return spawn(join(PROJECT_ROOT, "node_modules", ".bin", "tsx"), [join("commands", script)], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      SFP_DATA_DIR: join(PROJECT_ROOT, ".no-local-stack-in-tests"),
      SUPABASE_DB_URL: databaseUrl(stack.server.superuserUrl, stack.database, {
        name: "authenticator",
        password: stack.server.authenticatorPassword,
      }),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached,
  });
}

/** Runs `tsx commands/<script>` to its end; what it printed and its exit code. */
export function runCommand(stack: TestStack, script: string, env: Record<string, string>): Promise<CommandOutput> {
  const child = spawnCommand(stack, script, env);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}
