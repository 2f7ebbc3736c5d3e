import { createFunctionApp, type Services } from "../_shared/app.ts";
import { sha256Hex } from "../_shared/auth.ts";
import { jsonb, type Sql } from "../_shared/database.ts";
import { ApiError, errorBody } from "../_shared/errors.ts";
import { on } from "../_shared/openapi.ts";
import { clientAddress, requestContext } from "../_shared/request-context.ts";
import { jsonBody, parseOrThrow } from "../_shared/validation.ts";
import { type OidcConfig, oidcConfig } from "./config.ts";
import { IssuerKeys, OidcRefusal } from "./keys.ts";
import { oidcPolicyRoutes, oidcRoutes } from "./routes.ts";
import {
  createOidcPolicyBody,
  type OidcAccessToken,
  type OidcExplanation,
  oidcTokenBody,
  type OidcPolicy,
  type OidcPolicyList,
  policyId,
} from "./schemas.ts";
import { inspect, verifyOidcToken } from "./verify.ts";

/**
 * A new access token: `sfp_oidc_` and 64 URL-safe characters (48 random bytes), made here so
 * that it never reaches the database: SQL gets its lookup id (the first 16 of the 64) and
 * its hex SHA-256, as sfp._authenticate_oidc later compares them.
 */
export function newAccessToken(): { token: string; lookupId: string; tokenHash: string } {
  const random = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(48))))
    .replaceAll("+", "-").replaceAll("/", "_");
  const token = `sfp_oidc_${random}`;
  return { token, lookupId: random.slice(0, 16), tokenHash: sha256Hex(token) };
}

/**
 * A text[] argument, sent as JSON: postgres.js's sql.array serialises an array as its
 * String() (e.g. "acme/core") until the connection's array types are loaded, which a cold
 * process's first requests can hit. Null for null.
 */
function textArray(sql: Sql, values: readonly string[] | null | undefined) {
  return sql`(select array_agg(x order by n) from jsonb_array_elements_text(${
    values ? jsonb(sql, [...values]) : null
  }::jsonb) with ordinality as t(x, n))`;
}

const RATE_LIMITED = "Too many refused requests from this address: retry later";

/** The configuration and the key cache of one process, shared by both apps. */
let shared: { config: OidcConfig; keys: IssuerKeys } | undefined;
function oidcOf(services: Services) {
  shared ??= (() => {
    const config = oidcConfig(Deno.env.toObject());
    return { config, keys: new IssuerKeys(config, services.outbound) };
  })();
  return shared;
}

/**
 * /oidc: POST /token exchanges a job's OIDC token for an access token (no authentication: the
 * token is the proof; this process verifies it, SQL matches the policies, records the jti and
 * the session, and audits); POST /explain tells an owner how a token fares against every
 * policy. Refused exchanges count towards the address's refusal limit (as credential reads
 * refused for their token do: refusal-limiter.ts). Routes as declared in routes.ts.
 */
export function createOidcApp(services: Services) {
  const app = createFunctionApp("oidc", services, { publicPaths: ["/token"] });
  const { db, refusals, config } = services;
  const { keys } = oidcOf(services);

  on(app, oidcRoutes.token, async (c) => {
    const context = requestContext(c, undefined, c.get("requestId"), c.env?.remoteAddr, config.trustedProxyHops);
    const address = clientAddress(c, c.env?.remoteAddr, config.trustedProxyHops) ?? "unknown";
    const retryAfter = refusals.retryAfter(address);
    if (retryAfter !== null) {
      refusals.limited(address, `oidc\u0000${RATE_LIMITED}`, async (count) => {
        await db.query((sql) =>
          sql`select sfp_api.audit_oidc_refusal(message => ${`${RATE_LIMITED} (${count} requests)`},
                context => ${jsonb(sql, context)}::jsonb)`
        );
      });
      return c.json(errorBody(429, RATE_LIMITED), 429, { "retry-after": String(retryAfter) });
    }
    const slot = refusals.reserve(address);
    let refused = false;
    try {
      const body = await jsonBody(c, oidcTokenBody);
      let claims;
      try {
        claims = await verifyOidcToken(body.token, keys);
      } catch (error) {
        if (!(error instanceof OidcRefusal)) throw error;
        refused = true;
        const message = `Invalid OIDC token: ${error.reason}`;
        await db.query((sql) =>
          sql`select sfp_api.audit_oidc_refusal(message => ${message},
                claims => ${jsonb(sql, inspect(body.token).claims ?? {})}::jsonb, verified => false,
                context => ${jsonb(sql, context)}::jsonb)`
        );
        throw new ApiError(401, message);
      }
      const access = newAccessToken();
      const [row] = await db.query((sql) =>
        sql<{ result: Omit<OidcAccessToken, "access_token"> & { outcome: string; message?: string } }[]>`select
              sfp_api.exchange_oidc_token(claims => ${jsonb(sql, claims)}::jsonb, lookup_id => ${access.lookupId}::text,
                token_hash => ${access.tokenHash}::text, context => ${jsonb(sql, context)}::jsonb) as result`
      );
      const { outcome, message, ...granted } = row.result;
      if (outcome !== "granted") {
        refused = true;
        throw new ApiError(401, message ?? "No trust policy matches this token");
      }
      return c.json({ access_token: access.token, ...granted } satisfies OidcAccessToken);
    } finally {
      slot.settle(refused);
    }
  });

  on(app, oidcRoutes.explain, async (c) => {
    const body = await jsonBody(c, oidcTokenBody);
    const claims = inspect(body.token).claims;
    // The role first (SQL), then the verification, which may fetch the issuer's keys.
    const [row] = await db.query((sql) =>
      sql<{ result: Omit<OidcExplanation, "valid" | "reason" | "claims"> & { replayed: boolean } }[]>`select
            sfp_api.explain_oidc_token(claims => ${jsonb(sql, claims ?? {})}::jsonb,
              context => ${jsonb(sql, c.get("context"))}::jsonb) as result`
    );
    let reason: string | null = null;
    try {
      await verifyOidcToken(body.token, keys);
      if (row.result.replayed) reason = "Invalid OIDC token: already used (each token is exchanged once)";
    } catch (error) {
      if (!(error instanceof OidcRefusal)) throw error;
      reason = `Invalid OIDC token: ${error.reason}`;
    }
    return c.json({
      valid: reason === null,
      reason,
      claims,
      policy: reason === null ? row.result.policy : null,
      policies: row.result.policies,
    } satisfies OidcExplanation);
  });

  return app;
}

/**
 * /oidc-policies: the trust policies; owners only (decided in SQL, which checks the policy's
 * claims, subject, audience, events and projects). The issuer must be one of SFP_OIDC_ISSUERS,
 * checked here with the body. Routes as declared in routes.ts.
 */
export function createOidcPoliciesApp(services: Services) {
  const app = createFunctionApp("oidc-policies", services);
  const { db } = services;
  const { config } = oidcOf(services);

  on(app, oidcPolicyRoutes.create, async (c) => {
    const body = await jsonBody(c, createOidcPolicyBody);
    if (!config.issuers.some((entry) => entry.issuer === body.issuer)) {
      const trusted = config.issuers.map((entry) => entry.issuer).join(", ") || "none";
      throw new ApiError(400, `issuer '${body.issuer}' is not trusted: SFP_OIDC_ISSUERS lists ${trusted}`);
    }
    const [row] = await db.query((sql) =>
      sql<{ policy: OidcPolicy }[]>`select sfp_api.create_oidc_policy(name => ${body.name}::text, issuer => ${body.issuer}::text,
            audience => ${body.audience}::text, claims => ${jsonb(sql, body.claims)}::jsonb,
            projects => ${textArray(sql, body.projects)}, subject => ${body.subject ?? null}::text,
            allow_events => ${textArray(sql, body.allowEvents)},
            providers => ${textArray(sql, body.providers)},
            context => ${jsonb(sql, c.get("context"))}::jsonb) as policy`
    );
    return c.json(row.policy, 201);
  });

  on(app, oidcPolicyRoutes.list, async (c) => {
    const [row] = await db.query((sql) =>
      sql<{ policies: OidcPolicyList }[]>`select sfp_api.list_oidc_policies(
            context => ${jsonb(sql, c.get("context"))}::jsonb) as policies`
    );
    return c.json(row.policies);
  });

  on(app, oidcPolicyRoutes.delete, async (c) => {
    const id = parseOrThrow(policyId, c.req.param("id"));
    const [row] = await db.query((sql) =>
      sql<{ policy: OidcPolicy }[]>`select sfp_api.delete_oidc_policy(id => ${id}::uuid,
            context => ${jsonb(sql, c.get("context"))}::jsonb) as policy`
    );
    return c.json(row.policy);
  });

  return app;
}
