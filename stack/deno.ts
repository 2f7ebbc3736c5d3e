import { join } from "node:path";
import { PROJECT_ROOT } from "./database-setup.ts";

/** The project's Deno (npm `deno`) and the configuration it runs the functions with. */
export const DENO = join(PROJECT_ROOT, "node_modules", ".bin", "deno");
export const DENO_CONFIG = join(PROJECT_ROOT, "deno.json");

/**
 * The environment of a child process (Deno, or Node.js for a probe): only what a runtime needs,
 * plus `extra`. The parent's environment may hold unrelated secrets (the tests' and the stack's).
 */
export function childEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...extra };
}
