/**
 * Running the `sfp` CLI as a user does: a child process of cli/sfp.js (the package's bin),
 * with its own configuration folder and no environment but what a test gives it (never the
 * SFP_SERVER_* of the shell that runs the tests). `sfpShell` runs a command line through sh
 * with `sfp` on the PATH, so that documented commands run exactly as written.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";

export const SFP_BIN = join(PROJECT_ROOT, "cli", "sfp.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  /** Written to stdin (then closed); stdin is empty otherwise. */
  input?: string;
}

/** A folder for one test's CLI runs: its configuration folder and HOME; removed by `remove`. */
export function cliHome(): { dir: string; configDir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "sfp-cli-"));
  return { dir, configDir: join(dir, "config"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The environment of a CLI run in `home`: PATH, HOME, SFP_CONFIG_DIR, and `env`. */
function cliEnv(home: string, env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, SFP_CONFIG_DIR: join(home, "config"), ...env };
}

function run(file: string, args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: PROJECT_ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

/** `sfp <args>` in `home` (cliHome().dir). */
export function sfp(home: string, args: string[], { env = {}, input }: CliOptions = {}): Promise<CliResult> {
  return run(process.execPath, [SFP_BIN, ...args], cliEnv(home, env), input);
}

/** A command line run by sh, with `sfp` (the package's bin) first on the PATH. */
export function sfpShell(home: string, commandLine: string, { env = {}, input }: CliOptions = {}): Promise<CliResult> {
  const bin = join(home, "bin");
  mkdirSync(bin, { recursive: true });
  try {
    symlinkSync(SFP_BIN, join(bin, "sfp"));
  } catch { /* made by an earlier call */ }
  const base = cliEnv(home, env);
  return run("/bin/sh", ["-c", commandLine], { ...base, PATH: `${bin}:${base.PATH}` });
}
