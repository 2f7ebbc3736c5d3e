import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { getPath } from "hono/utils/url";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Authenticate, Caller } from "./auth.ts";
import type { Config } from "./config.ts";
import type { Database } from "./database.ts";
import type { OutboundPolicy } from "./outbound.ts";
import type { RefusalLimiter } from "./refusal-limiter.ts";
import { ApiError, apiErrorFromDatabase, errorBody } from "./errors.ts";
import { requestContext, type RequestContext, requestIdOf } from "./request-context.ts";

/** What every function's routes need, created once per process. */
export interface Services {
  config: Config;
  db: Database;
  authenticate: Authenticate;
  /** Rate limit and aggregated audit of refused credential requests (refusal-limiter.ts). */
  refusals: RefusalLimiter;
  /** The rules of calls to GitHub, Atlassian and the other services (outbound.ts). */
  outbound: OutboundPolicy;
}

export type AppEnv = {
  Bindings: {
    remoteAddr?: string;
    /**
     * The path under the function (`/<name>/...`), when the server that hands the request over
     * serves the function under another prefix (the local server: /sfp/api/<name>/...).
     */
    path?: string;
  };
  Variables: {
    caller: Caller;
    requestId: string;
    context: RequestContext & OidcContext;
    /** Set once the request's audit row is written (or handed to the limiter). */
    audited?: boolean;
  };
};

/**
 * An OIDC access token in `context`: SQL resolves `context.oidc` (sfp._authenticate_oidc) as
 * it does `context.application` for an application token.
 */
export interface OidcContext {
  oidc?: { lookup_id: string; token_hash: string };
}

/** The request's context for SQL: an OIDC access token moves from `application` to `oidc`. */
function callerContext(context: RequestContext, caller: Caller): RequestContext & OidcContext {
  if (caller.kind !== "application" || !caller.oidc) return context;
  return { ...context, application: undefined, oidc: { lookup_id: caller.lookupId, token_hash: caller.tokenHash } };
}

/**
 * A Hono app for one Edge Function, mounted at `/<name>` (the path Supabase hands a
 * function). Every request gets a request id, a body cap, and bearer authentication before
 * any route runs; every error leaves through one handler as {statusCode, message, error}.
 */
export interface FunctionAppOptions {
  /** Paths (under the function) answered without authentication. */
  publicPaths?: string[];
  /**
   * Runs around everything else for every request (body cap and authentication included), so
   * it sees every answer, errors as well: e.g. to audit each answer of a route.
   */
  around?: MiddlewareHandler<AppEnv>;
}

export function createFunctionApp(name: string, services: Services, options: FunctionAppOptions = {}): Hono<AppEnv> {
  // Routed by the path the server hands over, if any, else by the request's own: the local
  // server passes the original request with its path under the function rather than building
  // a new Request per request (docs/performance.md).
  const app = new Hono<AppEnv>({ getPath: (request, options) => options?.env?.path ?? getPath(request) })
    .basePath(`/${name}`);

  app.use("*", async (c, next) => {
    const requestId = requestIdOf(c.req.header("x-request-id"));
    c.set("requestId", requestId);
    c.header("x-request-id", requestId);
    await next();
  });
  if (options.around) app.use("*", options.around);

  app.use(
    "*",
    bodyLimit({
      maxSize: services.config.maxBodyBytes,
      onError: (c) =>
        c.json(errorBody(413, `Request body too large: the limit is ${services.config.maxBodyBytes} bytes`), 413),
    }),
  );

  const publicPaths = new Set((options.publicPaths ?? []).map((path) => `/${name}${path === "/" ? "" : path}`));
  app.use("*", async (c, next) => {
    if (publicPaths.has(c.req.path)) return next();
    const caller = await services.authenticate(c.req.header("authorization"));
    c.set("caller", caller);
    c.set(
      "context",
      callerContext(requestContext(c, caller, c.get("requestId"), c.env?.remoteAddr, services.config.trustedProxyHops), caller),
    );
    await next();
  });

  app.notFound((c) => c.json(errorBody(404, `Cannot ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    const known = error instanceof ApiError ? error : apiErrorFromDatabase(error);
    if (known) {
      return c.json(errorBody(known.status, known.message, known.extra), known.status as ContentfulStatusCode, known.headers);
    }
    if (error instanceof HTTPException) {
      return c.json(errorBody(error.status, error.message || "Request failed"), error.status);
    }
    // Unknown: log what identifies it, never the statement's parameters (they may carry a
    // key or a secret), and answer without details.
    const { code, routine } = error as { code?: string; routine?: string };
    console.error(JSON.stringify({
      level: "error",
      request_id: c.get("requestId"),
      name: error.name,
      code,
      routine,
    }));
    return c.json(errorBody(500, `Internal Server Error (request ${c.get("requestId")})`), 500);
  });

  return app;
}
