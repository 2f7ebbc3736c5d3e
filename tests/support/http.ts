/**
 * What the HTTP tests share: the error body every refusal has, registering projects and
 * integrations as the owner, reading credentials as a pipeline, and counting what is stored.
 */
import { expect } from "vitest";
import type { TestStack } from "./test-stack.ts";

/** A timestamp as the API shows it (UTC, ISO 8601). */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00$/;

// The reason phrases the API puts in `error`, written out here (not taken from functions/_shared/errors.ts).
const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/**
 * The response is this error and nothing else: the status, and exactly the body
 * { statusCode, message, error: the status's reason phrase, ...extra }.
 */
export function expectError(
  response: { status: number; body: unknown },
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
) {
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: { statusCode: status, message, error: REASONS[status], ...extra },
  });
}

/** Registers a project as the owner (201), with a GitHub remote named after it. */
export async function createProject(stack: TestStack, identifier: string) {
  const response = await stack.api("POST", "/projects", {
    token: stack.owner.token,
    body: { identifier, remoteUrl: `https://github.com/${identifier}` },
  });
  expect(response.status, response.text).toBe(201);
  return response.body as { id: string; identifier: string };
}

/** Creates an integration as the owner (201) from a request body as the API takes it; returns its id. */
export async function createIntegration(stack: TestStack, body: Record<string, unknown>): Promise<string> {
  const response = await stack.api("POST", "/integrations", { token: stack.owner.token, body });
  expect(response.status, response.text).toBe(201);
  return response.body.id;
}

/**
 * What a CI pipeline does: a plain fetch of the credentials with its application token (its
 * own user agent and request id), the query without its "?" (or empty).
 */
export async function readAsPipeline(stack: TestStack, token: string, query: string, requestId: string) {
  const response = await fetch(`${stack.url}/sfp/api/integrations/credentials${query ? `?${query}` : ""}`, {
    headers: { authorization: `Bearer ${token}`, "user-agent": "sfp-pipeline/2.0", "x-request-id": requestId },
  });
  return { status: response.status, body: await response.json() };
}

const STORE_TABLES = ["projects", "integrations", "credential_versions", "integration_projects"] as const;

/** How many rows these tables of schema sfp hold, by table (by default all four): what a refused request must leave. */
export async function countStored(
  stack: TestStack,
  tables: readonly (typeof STORE_TABLES)[number][] = STORE_TABLES,
): Promise<Record<string, number>> {
  const [row] = await stack.sql.unsafe(
    `select ${tables.map((table) => `(select count(*) from sfp.${table})::int as ${table}`).join(", ")}`,
  );
  return { ...row };
}
