import type { Context } from "hono";
import { z } from "zod";
import { ApiError } from "./errors.ts";

/** "path: message; path: message" from a zod error, for a 400 body. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError(400, describeIssues(parsed.error));
  return parsed.data;
}

/** The request's JSON body, validated. 415 without a JSON content type, 400 when malformed or invalid. */
export async function jsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ApiError(415, "Content-Type must be application/json");
  }
  let value: unknown;
  try {
    value = JSON.parse(await c.req.text());
  } catch {
    throw new ApiError(400, "Malformed JSON body");
  }
  const problem = unstorable(value, [], 0);
  if (problem) throw new ApiError(400, problem);
  return parseOrThrow(schema, value);
}

const MAX_DEPTH = 32;

/**
 * What in a parsed JSON value PostgreSQL cannot store (so it fails there, late, as a 500,
 * or is silently changed): a NUL character, a lone UTF-16 surrogate, a number too large to
 * be finite (1e400, which would be stored as null), or nesting deep enough to exhaust its stack.
 * Checked once for every body, keys included, before any schema runs.
 */
function unstorable(value: unknown, path: string[], depth: number): string | null {
  const where = () => (path.length ? `${path.join(".")}: ` : "");
  if (typeof value === "string") {
    if (value.includes("\u0000")) return `${where()}must not contain NUL characters`;
    if (!value.isWellFormed()) return `${where()}must be well-formed Unicode text`;
    return null;
  }
  if (typeof value === "number" && !Number.isFinite(value)) return `${where()}must be a finite number`;
  if (value === null || typeof value !== "object") return null;
  if (depth >= MAX_DEPTH) return `${where()}is nested more than ${MAX_DEPTH} levels deep`;
  for (const [key, item] of Object.entries(value)) {
    if (unstorable(key, path, depth)) return `${where()}field names must be well-formed Unicode text without NUL characters`;
    // JSON.parse keeps "__proto__" as a plain field, but object schemas and spreads drop it
    // silently: refuse it rather than store or lose it.
    if (key === "__proto__") return `${where()}the field name "__proto__" is not allowed`;
    const problem = unstorable(item, [...path, key], depth + 1);
    if (problem) return problem;
  }
  return null;
}

/** The request's query parameters, validated; a repeated parameter is refused. */
export function queryParams<T>(c: Context, schema: z.ZodType<T>): T {
  const all = c.req.queries();
  const repeated = Object.entries(all).find(([, values]) => values.length > 1);
  if (repeated) throw new ApiError(400, `Query parameter '${repeated[0].slice(0, 64)}' is given more than once`);
  return parseOrThrow(schema, c.req.query());
}

// The same wording as sfp._check_identifier's, so a client sees one message wherever it is refused.
const INVALID_IDENTIFIER =
  "Invalid project identifier: use ASCII letters, digits, '.', '_' and '-', with '/' between segments (e.g. org/repo), at most 255 characters";

/**
 * A project identifier: "org/repo" for GitHub, a numeric id or group/project path for
 * GitLab. The SQL functions check the same rule (sfp._check_identifier).
 */
export const projectIdentifier = z.string()
  .min(1, { message: "identifier is required", abort: true })
  .max(255, { message: "must be at most 255 characters", abort: true })
  .regex(
    /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/,
    INVALID_IDENTIFIER,
  )
  .refine((value) => !/(^|\/)\.{1,2}(\/|$)/.test(value), {
    message: INVALID_IDENTIFIER,
  });
