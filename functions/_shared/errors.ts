/**
 * The one catalogue of error codes: the SQLSTATEs the sfp_api functions raise, the HTTP
 * status each maps to, and the body every error response has. The SQL side documents the
 * same codes at the top of supabase/migrations/*_schemas.sql; tests/catalogue.test.ts
 * checks that every code the migrations raise is listed here.
 */
export const SQLSTATE_STATUS: Readonly<Record<string, number>> = {
  "22023": 400, // bad input
  "42501": 403, // forbidden
  "23505": 409, // already exists
  SF401: 401, // not authenticated
  SF404: 404, // not found
  SF409: 409, // conflicts with the current state (e.g. removing the last owner)
  SFK01: 500, // key ring missing, or lacks a key version
  SFK02: 500, // a stored ciphertext failed its integrity check
  SFK03: 500, // the call needs key versions the caller did not send (the functions call again with them)
  SFK04: 500, // a key differs from the key check value stored for its version
  SFL01: 503, // the database would log statement parameters: credential work refused
  SFL02: 500, // a key or secret arrived in a transaction without the log-safety guard
};

const REASON: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
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

export function reasonPhrase(status: number): string {
  return REASON[status] ?? "Error";
}

/** What a client hears when the log guard refuses credential work (SFL01). */
export const LOG_GUARD_REFUSAL =
  "Credential operations are disabled: the database server's logging settings would record statement parameters. An operator can see which with sfp_api.log_settings_check().";

/** A failure with a message that is safe to show the client, and optional extra fields. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    /** Response headers that go with it (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** What a client hears while the database cannot be reached, with Retry-After. */
export const DATABASE_UNAVAILABLE = "The database is unavailable; retry later";
export const DATABASE_RETRY_AFTER_SECONDS = 2;

export function databaseUnavailable(): ApiError {
  return new ApiError(503, DATABASE_UNAVAILABLE, {}, { "retry-after": String(DATABASE_RETRY_AFTER_SECONDS) });
}

/**
 * Whether an error says the database could not be reached or went away: postgres.js's
 * connection errors, the socket's, and PostgreSQL's own (class 08, connection exception;
 * 57P01-57P03, shutdown and start-up).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== "string") return false;
  return [
    "CONNECTION_CLOSED",
    "CONNECTION_ENDED",
    "CONNECTION_DESTROYED",
    "CONNECT_TIMEOUT",
    "ECONNREFUSED",
    "ECONNRESET",
    "EPIPE",
    "ETIMEDOUT",
    "EHOSTUNREACH",
    "57P01",
    "57P02",
    "57P03",
  ].includes(code) || code.startsWith("08");
}

export interface ErrorBody {
  statusCode: number;
  message: string;
  error: string;
  [extra: string]: unknown;
}

export function errorBody(status: number, message: string, extra: Record<string, unknown> = {}): ErrorBody {
  return { statusCode: status, message, error: reasonPhrase(status), ...extra };
}

/**
 * Fields our SQL functions put in an error's DETAIL as JSON (e.g. the current version of a
 * check-and-set conflict), camelCased for the body.
 */
function detailFields(error: unknown): Record<string, unknown> {
  const detail = (error as { detail?: unknown })?.detail;
  if (typeof detail !== "string" || !detail.startsWith("{")) return {};
  try {
    return Object.fromEntries(
      Object.entries(JSON.parse(detail)).map(([key, value]) => [key.replace(/_(.)/g, (_, c) => c.toUpperCase()), value]),
    );
  } catch {
    return {};
  }
}

/**
 * A database error as the client should see it: ours (in the catalogue) with its message,
 * written for clients; any other data exception (class 22: a value the database refused)
 * as a 400 without PostgreSQL's wording, which may quote the value. Null for the rest.
 */
export function apiErrorFromDatabase(error: unknown): ApiError | null {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== "string") return null;
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  if (code === "SFL01") {
    // Which settings are at fault is for the operator: the server's log gets them (they name
    // settings, never a value), the client a message that names none.
    console.error(JSON.stringify({ level: "error", code, message: String((error as Error).message) }));
    return new ApiError(503, LOG_GUARD_REFUSAL);
  }
  if (code in SQLSTATE_STATUS) {
    return new ApiError(SQLSTATE_STATUS[code], String((error as Error).message), detailFields(error));
  }
  if (code.startsWith("22")) return new ApiError(400, "Invalid input: the database refused a value of the request");
  return null;
}
