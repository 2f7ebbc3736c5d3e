import type { z } from "zod";

/**
 * Settings from the environment, validated by `schema`. A malformed or missing setting throws
 * "Invalid configuration: NAME: problem; ..." naming every variable at fault and never a value
 * (a value may be a secret), so a process stops at start-up with a line that says what to fix.
 * Plain zod: the Edge Functions and the Node launcher share it.
 */
export function parseEnvironment<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration: ${problems.join("; ")}`);
  }
  return parsed.data;
}
