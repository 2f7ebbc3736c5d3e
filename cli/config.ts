/**
 * The per-user configuration file: the sfp server's URL and a token, saved by `sfp server auth
 * login` so that later commands need neither flag. It holds a bearer token, so it is written
 * readable by its owner only (0600, in a 0700 folder) and refused when others can read it.
 *
 * Where: `$SFP_CONFIG_DIR/config.json`, else `$XDG_CONFIG_HOME/sfp/config.json`, else
 * `~/.config/sfp/config.json`.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError } from "./errors.ts";

export interface SavedConfig {
  serverUrl?: string;
  token?: string;
}

/** The configuration file's path, from the environment. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SFP_CONFIG_DIR) return join(env.SFP_CONFIG_DIR, "config.json");
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "sfp", "config.json");
}

/** The saved configuration ({} when there is none). */
export function readConfig(path = configPath()): SavedConfig {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return {};
  }
  // Like ssh with a private key: a token others can read is not used (POSIX modes only).
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    throw new CliError(`${path} can be read by other users (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${path}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new CliError(`${path} is not valid JSON: fix it, or run sfp server auth clear and sfp server auth login`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${path} must hold a JSON object: fix it, or run sfp server auth clear and sfp server auth login`);
  }
  const { serverUrl, token } = parsed as Record<string, unknown>;
  return {
    ...(typeof serverUrl === "string" ? { serverUrl } : {}),
    ...(typeof token === "string" ? { token } : {}),
  };
}

/** Saves `config` (replacing the file whole, never readable by others, not even while it is written). */
export function writeConfig(config: SavedConfig, path = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
  // The mode given above is reduced by the umask, never widened; chmod makes it exact.
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** Removes the saved configuration; whether there was one. */
export function removeConfig(path = configPath()): boolean {
  try {
    statSync(path);
  } catch {
    return false;
  }
  rmSync(path);
  return true;
}
