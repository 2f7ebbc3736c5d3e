/**
 * `integration credentials --field <name>`: one value of a credential read, alone, for
 * `$(...)` in a script. A script that gets a value must get the one it meant: exactly one
 * integration must match, and it must have the field; anything else is an error naming the
 * integrations and the field names (never a value), so the script stops instead of using a
 * wrong or empty secret.
 */
import type { Credentials } from "../client/index.ts";
import { CliError } from "./errors.ts";

export function selectedField(read: readonly Credentials[], field: string): unknown {
  if (read.length !== 1) {
    const which = read.map((entry) => `${entry.provider} ${entry.integration_id}`).join(", ");
    throw new CliError(`--field ${field} needs exactly one integration, and ${read.length} match (${which}): narrow the read with --provider and --project`);
  }
  const [entry] = read;
  if (!Object.hasOwn(entry.credentials, field)) {
    const fields = Object.keys(entry.credentials).join(", ") || "none";
    throw new CliError(`integration ${entry.integration_id} (${entry.provider} ${entry.auth_type}) has no credential field '${field}'; its fields: ${fields}`);
  }
  return entry.credentials[field];
}
