import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, Services } from "../_shared/app.ts";
import { applicationFingerprint } from "../_shared/auth.ts";
import { jsonb } from "../_shared/database.ts";
import { DATABASE_UNAVAILABLE, errorBody } from "../_shared/errors.ts";
import { clientAddress, requestContext, type RequestContext } from "../_shared/request-context.ts";

/**
 * Every request to a credentials route leaves one audit row, whatever its answer.
 * sfp_api.get_credentials audits every read it runs (granted, denied, not found, invalid,
 * error) and the route marks the request `audited`; this wraps everything else that can
 * answer such a request (the body cap, authentication, input validation, the log guard, a
 * failed call) and audits that answer through sfp_api.audit_credentials_request with the
 * verified caller (or anonymous), the filters as given, the outcome and the answer's message.
 * Requests refused for their token (or their size, before any token is read) count towards
 * the address's limit; past it, requests are answered 429 with Retry-After and audited in one
 * row per address and window with their count (refusal-limiter.ts).
 */
export function auditCredentialRequests(services: Services): MiddlewareHandler<AppEnv> {
  const { db, refusals, config } = services;
  return async (c, next) => {
    // HEAD runs the GET route (hono): it is a read too.
    if (!c.req.path.endsWith("/credentials") || !["GET", "HEAD", "POST"].includes(c.req.method)) return next();
    const address = clientAddress(c, c.env?.remoteAddr, config.trustedProxyHops) ?? "unknown";
    const retryAfter = refusals.retryAfter(address);
    if (retryAfter !== null) {
      const context = requestContext(c, undefined, c.get("requestId"), c.env?.remoteAddr, config.trustedProxyHops);
      // The body is not read here: the size cap has not run yet, and the row is aggregated.
      const filter = c.req.method === "POST" ? {} : await givenFilter(c);
      refusals.limited(address, RATE_LIMITED, (count) =>
        auditRow(c, "denied", RATE_LIMITED, filter, context, { count, aggregated: true }).then(() => {}));
      return c.json(errorBody(429, RATE_LIMITED), 429, { "retry-after": String(retryAfter) });
    }

    // Counted before it is answered (and released unless refused), so that requests in flight
    // at once cannot pass the limit together. A token only SQL can refuse (an unknown
    // application or OIDC token on a request refused earlier, e.g. for its input) counts too,
    // once its audit row says so: else such requests could fill the audit log unlimited.
    const slot = refusals.reserve(address);
    let refused = false;
    try {
      await next();
      refused = c.res.status === 401 || c.res.status === 413;
      if (!c.get("audited") && await auditAnswer(c)) refused = true;
    } finally {
      slot.settle(refused);
    }
  };

  /** Audits an answer the read did not audit itself; true when its token turned out unknown. */
  async function auditAnswer(c: Context<AppEnv>): Promise<boolean> {
    const status = c.res.status;
    const message = await messageOf(c.res);
    // The database is unreachable: the row cannot be written either, and trying would hold
    // the answer past its deadline (the functions' log has the request id).
    if (status === 503 && message === DATABASE_UNAVAILABLE) return false;
    // A body refused for its size is not read.
    const filter = status === 413 ? {} : await givenFilter(c);
    const outcome = status === 401 || status === 403 ? "denied" : status < 500 ? "invalid" : "error";
    // The verified caller when authentication passed; an application token or an OIDC access
    // token is named by the SHA-256 of its hash (never the hash: a refused call may be one whose
    // parameters are logged).
    const context: RequestContext = c.get("context") ?? requestContext(
      c,
      undefined,
      c.get("requestId"),
      c.env?.remoteAddr,
      config.trustedProxyHops,
    );
    const caller = c.get("caller");
    const kind = caller?.kind === "application" ? (caller.oidc ? "oidc" : "application") : undefined;
    const auditContext = caller?.kind === "application"
      ? {
        ...context,
        application: undefined,
        oidc: undefined,
        // The lookup id (the token's public part) finds the row; the fingerprint proves it.
        [`${kind}_lookup_id`]: caller.lookupId,
        [`${kind}_fingerprint`]: applicationFingerprint(caller.tokenHash),
      }
      : { ...context };
    return await auditRow(c, outcome, message, filter, auditContext, {}) === "unknown_token";
  }

  /** Writes one row; a failure to write is logged (never with the request's data) and the answer stands. */
  async function auditRow(
    c: Context<AppEnv>,
    outcome: string,
    message: string,
    filter: Filter,
    context: Record<string, unknown> | RequestContext,
    details: Record<string, unknown>,
  ): Promise<string | undefined> {
    try {
      const [row] = await db.query((sql) =>
        sql<{ recorded: string }[]>`select sfp_api.audit_credentials_request(outcome => ${outcome}, message => ${message},
              provider => ${filter.provider ?? null}, project => ${filter.project ?? null},
              context => ${jsonb(sql, context)}::jsonb, details => ${jsonb(sql, details)}::jsonb) as recorded`
      );
      c.set("audited", true);
      return row.recorded;
    } catch (error) {
      const { code } = error as { code?: string };
      console.error(JSON.stringify({ level: "error", request_id: c.get("requestId"), message: "audit write failed", code }));
      return undefined;
    }
  }
}

const RATE_LIMITED = "Too many refused requests from this address: retry later";

interface Filter {
  provider?: string;
  project?: string;
}

/** The filters the request gave, as given (strings only, cut to the audit columns' sizes), valid or not. */
async function givenFilter(c: Context<AppEnv>): Promise<Filter> {
  let asked: Record<string, unknown> = c.req.query();
  if (c.req.method === "POST") {
    asked = await c.req.text().then((text) => JSON.parse(text), () => ({})).catch(() => ({}));
    if (asked === null || typeof asked !== "object") asked = {};
  }
  const text = (value: unknown, max: number) => typeof value === "string" ? value.slice(0, max) : undefined;
  return { provider: text(asked.provider, 64), project: text(asked.project, 255) };
}

/** The message of an error answer (our bodies are {statusCode, message, error}). */
async function messageOf(response: Response): Promise<string> {
  const body = await response.clone().json().catch(() => null) as { message?: unknown } | null;
  return typeof body?.message === "string" ? body.message.slice(0, 200) : `HTTP ${response.status}`;
}
