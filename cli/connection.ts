/**
 * Which sfp server a command talks to and as whom: `--sfp-server-url` and
 * `-t, --application-token` (or their variables SFP_SERVER_URL and SFP_SERVER_TOKEN, which
 * commander reads), else what `sfp server auth login` saved. The client is the typed client of
 * client/index.ts; nothing else calls the sfp server.
 */
import { Option } from "commander";
import { createSfpClient, type SfpClient } from "../client/index.ts";
import { readConfig } from "./config.ts";
import { CliError, type ServerTarget } from "./errors.ts";

export interface ConnectionOptions {
  sfpServerUrl?: string;
  applicationToken?: string;
}

/** `--sfp-server-url` (SFP_SERVER_URL). */
export function serverUrlOption(): Option {
  return new Option("--sfp-server-url <url>", "the sfp server's URL (default: the one sfp server auth login saved)").env("SFP_SERVER_URL");
}

/** The two options of every command that calls the sfp server. */
export function connectionOptions(): Option[] {
  return [
    serverUrlOption(),
    new Option("-t, --application-token <token>", "a bearer token: an application token sfp_app_..., or a user's token (default: the one sfp server auth login saved)")
      .env("SFP_SERVER_TOKEN"),
  ];
}

export interface Server extends ServerTarget {
  /** The origin (and any path of a proxy) the routes are under. */
  baseUrl: string;
  prefix: "/sfp/api" | "/functions/v1";
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * The server a URL names. https, or http to this machine only (the local stack): a bearer
 * token must not cross a network in clear text. A Supabase project's URL ends in
 * /functions/v1, where hosted Supabase serves the functions.
 */
export function parseServerUrl(text: string): Server {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError("--sfp-server-url is not a URL: give the server's address, e.g. https://sfp.example.com");
  }
  if (url.username || url.password) {
    throw new CliError("--sfp-server-url must not hold a user name or password: pass the token with --application-token");
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new CliError("--sfp-server-url must be an https:// URL (http:// only for this machine: the token would travel in clear text)");
  }
  const path = url.pathname.replace(/\/+$/, "");
  const hosted = path.endsWith("/functions/v1");
  const base = `${url.origin}${hosted ? path.slice(0, -"/functions/v1".length) : path}`;
  return { url: `${url.origin}${path}`, baseUrl: base, prefix: hosted ? "/functions/v1" : "/sfp/api" };
}

/** The server of the options or the saved configuration. */
export function resolveServer(options: ConnectionOptions): Server {
  const text = options.sfpServerUrl ?? readConfig().serverUrl;
  if (!text) {
    throw new CliError("no sfp server URL: pass --sfp-server-url, set SFP_SERVER_URL, or run sfp server auth login");
  }
  return parseServerUrl(text);
}

/** The token of the options or the saved configuration. */
export function resolveToken(options: ConnectionOptions): string {
  const token = options.applicationToken ?? readConfig().token;
  if (!token) {
    throw new CliError("no token: pass -t/--application-token, set SFP_SERVER_TOKEN, or run sfp server auth login");
  }
  return token;
}

export interface Connection {
  server: Server;
  client: SfpClient;
}

/** The typed client for `server` as `token`, naming the CLI in its User-Agent (the audit log records it). */
export function connect(server: Server, token: string): Connection {
  const client = createSfpClient({
    baseUrl: server.baseUrl,
    prefix: server.prefix,
    token,
    headers: { "User-Agent": "sfp-cli" },
    // A server that does not answer is reported, not waited on for ever.
    // Redirects are not followed: the token goes to the URL given, nowhere else.
    fetch: (request) => fetch(request, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), redirect: "manual" }),
  });
  return { server, client };
}

export const REQUEST_TIMEOUT_MS = 30_000;
