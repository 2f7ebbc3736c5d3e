/**
 * Values given on the command line: JSON arguments, repeated options, numbers, and the
 * check-and-set version. Secrets never come from here (a flag's value lands in the shell's
 * history and in `ps`): they are read by secret-input.ts, from a file or stdin.
 */
import { InvalidArgumentError, Option } from "commander";
import { CliError, EXIT_USAGE } from "./errors.ts";

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: unknown };

/** `text` parsed as a JSON object; messages name `what`, never the text (it may be a secret). */
export function jsonObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${what} is not valid JSON`, EXIT_USAGE);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${what} must be a JSON object`, EXIT_USAGE);
  }
  return parsed as Record<string, unknown>;
}

/** A JSON value; text that is not JSON is taken as a string (so a URL needs no quotes). */
export function jsonValueArgument(value: string): JsonValue {
  try {
    return JSON.parse(value) as JsonValue;
  } catch {
    return value;
  }
}

/** A whole number from `min` to `max`. */
export function integerArgument(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    }
    return Number(value);
  };
}

/** Collects a repeated option's values (`--project a --project b`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The highest version number the CLI takes: the API reads If-Match as at most 9 digits. */
const MAX_VERSION = 999_999_999;

/** A version number option (`--version`, `--if-version`). */
export function versionOption(flags: string, description: string): Option {
  return new Option(flags, description).argParser(integerArgument(1, MAX_VERSION));
}

/** `--if-version <n>`: check-and-set, sent as If-Match. */
export function ifVersionOption(what: string): Option {
  return versionOption("--if-version <n>", `change only if the ${what} is still at version n (sent as If-Match; else 409 and nothing changes)`);
}
