import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { DENO } from "../stack/deno.ts";

const run = promisify(execFile);

/**
 * The external load generators: pgbench (Debian's postgresql-client) and wrk. They run as
 * processes of their own, so the measuring never competes with this Node process.
 * As root, a missing one is installed with apt-get (the way this machine gets packages);
 * otherwise the bench says how to install it and skips what needs it.
 */
export interface Tool {
  path?: string;
  version?: string;
  /** Why it is missing, with how to install it. */
  missing?: string;
}

async function which(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(":")) {
    const candidate = join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function aptInstall(pkg: string, say: (line: string) => void): Promise<void> {
  say(`Installing ${pkg} with apt-get...`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    await run("apt-get", ["install", "-y", pkg], { env, maxBuffer: 64 * 1024 * 1024 });
  } catch {
    // The package lists may be missing or stale on a fresh machine.
    await run("apt-get", ["update"], { env, maxBuffer: 64 * 1024 * 1024 });
    await run("apt-get", ["install", "-y", pkg], { env, maxBuffer: 64 * 1024 * 1024 });
  }
}

async function ensure(command: string, pkg: string, say: (line: string) => void): Promise<Tool> {
  let path = await which(command);
  if (!path && process.getuid?.() === 0) {
    try {
      await aptInstall(pkg, say);
    } catch (error) {
      say(`apt-get install ${pkg} failed: ${(error as Error).message.split("\n")[0]}`);
    }
    path = await which(command);
  }
  if (!path) return { missing: `${command} not found: install it with \`sudo apt-get install -y ${pkg}\`` };
  return { path };
}

export async function findPgbench(say: (line: string) => void): Promise<Tool> {
  const tool = await ensure("pgbench", "postgresql-client", say);
  if (tool.path) tool.version = (await run(tool.path, ["--version"])).stdout.trim();
  return tool;
}

export async function findWrk(say: (line: string) => void): Promise<Tool> {
  const tool = await ensure("wrk", "wrk", say);
  if (tool.path) {
    // `wrk -v` prints its version and exits non-zero.
    const output = await run(tool.path, ["-v"]).then((r) => r.stdout, (e) => String(e.stdout ?? ""));
    tool.version = output.split("\n")[0].replace(/\s*Copyright.*$/, "").trim();
  }
  return tool;
}

export async function denoVersion(): Promise<string> {
  const { stdout } = await run(DENO, ["--version"]);
  return stdout.split("\n")[0].trim();
}
