/**
 * Values given on the command line: JSON arguments (read from a file with @path, or from
 * stdin with -), repeated options, numbers. Messages name the option, never the value: a
 * --credentials value is a secret, and JSON.parse's own message would quote it.
 */
import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "commander";
import { CliError, EXIT_USAGE } from "./errors.ts";

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: unknown };

/** The text of an argument that may be `@file` or `-` (stdin). */
export function argumentText(value: string, option: string): string {
  if (value === "-") return readFileSync(0, "utf8");
  if (value.startsWith("@")) {
    try {
      return readFileSync(value.slice(1), "utf8");
    } catch {
      throw new CliError(`cannot read the file ${value.slice(1)} for ${option}`, EXIT_USAGE);
    }
  }
  return value;
}

/**
 * A JSON object argument (inline, @file or -), parsed in a command's action: commander's own
 * argument errors quote the value, which for --credentials is a secret.
 */
export function jsonObjectArgument(value: string, option: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(argumentText(value, option));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${option} is not valid JSON`, EXIT_USAGE);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${option} must be a JSON object`, EXIT_USAGE);
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
