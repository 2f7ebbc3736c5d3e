/**
 * What the CLI says when something fails: one line on stderr, `error: ...`, and a non-zero
 * exit code; never a stack trace, a token or a credential. `describeFailure` turns whatever
 * was thrown (the typed client's SfpApiError, a network failure, a CliError) into that line.
 */
import { SfpApiError } from "../client/index.ts";

/** Exit codes: 1 a request failed or was refused (or anything else went wrong), 2 a wrong command line. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A failure whose message is written for the user, complete, and safe to print. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(message: string, readonly exitCode: number = EXIT_FAILURE) {
    super(message);
  }
}

/** The sfp server's address as the user gave it, for "cannot reach" and "not an sfp server" lines. */
export interface ServerTarget {
  url: string;
}

/** The one line that describes `error`, talking to `server` (when known), with its exit code. */
export function describeFailure(error: unknown, server?: ServerTarget): { line: string; exitCode: number } {
  if (error instanceof CliError) return { line: error.message, exitCode: error.exitCode };
  if (error instanceof SfpApiError) return { line: apiFailure(error, server), exitCode: EXIT_FAILURE };
  const unreachable = networkFailure(error);
  if (unreachable && server) return { line: `cannot reach the sfp server at ${server.url}: ${unreachable}`, exitCode: EXIT_FAILURE };
  if (error instanceof SyntaxError && server) {
    // openapi-fetch parses a 2xx answer as JSON: a page that is not JSON is another server's.
    return { line: notAnSfpServer(server, "answered with something that is not JSON"), exitCode: EXIT_FAILURE };
  }
  // Anything else is a fault of the CLI; its message names no secret (the CLI's own text), but
  // is kept to its first line: no stack trace.
  const message = error instanceof Error ? error.message : String(error);
  return { line: `unexpected failure: ${message.split("\n")[0]}`, exitCode: EXIT_FAILURE };
}

function apiFailure(error: SfpApiError, server?: ServerTarget): string {
  const { status, body } = error;
  if (!error.fromApi && server) return notAnSfpServer(server, `answered ${status} without the API's error body`);
  const answer = `${body.message} (${status} ${body.error})`;
  if (status === 401) {
    return `${answer}: store a valid token with sfp server auth login, or pass one with -t/--application-token`;
  }
  return answer;
}

function notAnSfpServer(server: ServerTarget, what: string): string {
  return `${server.url} does not look like an sfp server (it ${what}): check --sfp-server-url`;
}

/** Why a fetch could not get an answer at all, in a few words, or null when it is not that. */
export function networkFailure(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  if (error.name === "TimeoutError") return "no answer in time";
  if (!(error instanceof TypeError)) return null;
  // undici's "fetch failed" carries the system error as its cause.
  const cause = (error as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? "";
  const reasons: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ENOTFOUND: "host not found",
    EAI_AGAIN: "host not found (DNS lookup failed)",
    ECONNRESET: "the connection was reset",
    ETIMEDOUT: "the connection timed out",
    EHOSTUNREACH: "host unreachable",
    ENETUNREACH: "network unreachable",
    UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
    UND_ERR_SOCKET: "the connection was closed",
  };
  if (code in reasons) return reasons[code];
  if (/CERT|TLS|SSL/i.test(code)) return `TLS failed (${code})`;
  if (error.message === "fetch failed") return code ? `the request failed (${code})` : "the request failed";
  return null;
}
