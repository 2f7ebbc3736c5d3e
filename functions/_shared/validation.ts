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
  return parseOrThrow(schema, value);
}

/** The request's query parameters, validated; a repeated parameter is refused. */
export function queryParams<T>(c: Context, schema: z.ZodType<T>): T {
  const all = c.req.queries();
  const repeated = Object.entries(all).find(([, values]) => values.length > 1);
  if (repeated) throw new ApiError(400, `Query parameter '${repeated[0].slice(0, 64)}' is given more than once`);
  return parseOrThrow(schema, c.req.query());
}

/**
 * A project identifier: "org/repo" for GitHub, a numeric id or group/project path for
 * GitLab. The SQL functions check the same rule (sfp._check_identifier).
 */
export const projectIdentifier = z.string().min(1, "identifier is required").max(255, "must be at most 255 characters")
  .regex(
    /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/,
    "Invalid project identifier: use ASCII letters, digits, '.', '_' and '-', with '/' between segments (e.g. org/repo), at most 255 characters",
  )
  .refine((value) => !/(^|\/)\.{1,2}(\/|$)/.test(value), {
    message:
      "Invalid project identifier: use ASCII letters, digits, '.', '_' and '-', with '/' between segments (e.g. org/repo), at most 255 characters",
  });
