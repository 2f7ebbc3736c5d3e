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
import { expect } from "vitest";
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
  /** The working folder (the checkout unless given). */
  cwd?: string;
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

function run(file: string, args: string[], env: Record<string, string>, { input, cwd = PROJECT_ROOT }: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
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
export function sfp(home: string, args: string[], { env = {}, ...options }: CliOptions = {}): Promise<CliResult> {
  return run(process.execPath, [SFP_BIN, ...args], cliEnv(home, env), options);
}

/** A command line run by sh, with `sfp` (the package's bin) first on the PATH. */
export function sfpShell(home: string, commandLine: string, { env = {}, ...options }: CliOptions = {}): Promise<CliResult> {
  const bin = join(home, "bin");
  mkdirSync(bin, { recursive: true });
  try {
    symlinkSync(SFP_BIN, join(bin, "sfp"));
  } catch { /* made by an earlier call */ }
  const base = cliEnv(home, env);
  return run("/bin/sh", ["-c", commandLine], { ...base, PATH: `${bin}:${base.PATH}` }, options);
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00/g;

/** Output with what changes per run (uuids, the server's timestamps) replaced by <id> and <time>. */
export function normalized(text: string): string {
  return text.replaceAll(UUID, "<id>").replaceAll(TIMESTAMP, "<time>");
}

/**
 * A table's cells, line by line (ids and times normalized), cut where the header's columns
 * start: a cell that does not start there (a misaligned table) spills into its neighbours and
 * fails the comparison, and the character before each column must be a space.
 */
export function tableCells(text: string): string[][] {
  const lines = text.trimEnd().split("\n");
  const starts = [...lines[0].matchAll(/\S+(?: \S+)*/g)].map((match) => match.index);
  return lines.map((line) => {
    for (const start of starts.slice(1)) expect(line.length <= start || line[start - 1] === " ", line).toBe(true);
    return starts.map((start, index) => normalized(line.slice(start, starts[index + 1]).trimEnd()));
  });
}
