/**
 * Secrets the CLI sends (an integration's credentials, a token to save) come from a file or from
 * stdin, never from a flag's value: that would land in the shell's history and in `ps` for
 * every user of the machine. Messages name the option, never what was read.
 */
import { readFileSync } from "node:fs";
import { Option } from "commander";
import { CliError, EXIT_USAGE } from "./errors.ts";
import { jsonObject } from "./input.ts";

export interface CredentialsOptions {
  credentialsFile?: string;
  credentialsStdin?: boolean;
}

/** `--credentials-file <path>` and `--credentials-stdin`. */
export function credentialsOptions(): Option[] {
  return [
    new Option("--credentials-file <path>", "read the credentials (a JSON object) from this file"),
    new Option("--credentials-stdin", "read the credentials (a JSON object) from stdin").conflicts("credentialsFile"),
  ];
}

/** The credentials of `--credentials-file` or `--credentials-stdin`; undefined when neither is given. */
export function credentialsInput(options: CredentialsOptions): Record<string, unknown> | undefined {
  if (options.credentialsFile !== undefined) {
    return jsonObject(fileText(options.credentialsFile, "--credentials-file"), "--credentials-file");
  }
  if (options.credentialsStdin) return jsonObject(stdinText("the credentials (a JSON object)"), "--credentials-stdin");
  return undefined;
}

/** A token read from stdin (its first line, without surrounding blanks). */
export function tokenFromStdin(): string {
  const token = stdinText("the token").trim().split(/\r?\n/)[0].trim();
  if (!token) throw new CliError("--token-stdin: stdin held no token", EXIT_USAGE);
  return token;
}

function fileText(path: string, option: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "a folder" : "cannot be read";
    throw new CliError(`${option} ${path}: ${why}`, EXIT_USAGE);
  }
}

/** Everything on stdin; on a terminal, a line on stderr first says what to type. */
function stdinText(what: string): string {
  if (process.stdin.isTTY) process.stderr.write(`Enter ${what}, then Ctrl-D:\n`);
  return readFileSync(0, "utf8");
}
