import type { Context } from "hono";
import type { Caller } from "./auth.ts";

/**
 * What an audit row records about a request, plus the verified claims the SQL functions use
 * to act for a user. Sent to SQL as the `context` argument.
 */
export interface RequestContext {
  /** Only what SQL needs of the verified token: sub, role, email. */
  claims?: { sub: string; role: string; email?: string };
  application?: { lookup_id: string; token_hash: string };
  ip?: string;
  user_agent?: string;
  request_id: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller-supplied X-Request-Id when it is sane, else a fresh one. */
export function requestIdOf(header: string | undefined): string {
  return header && REQUEST_ID.test(header) ? header : crypto.randomUUID();
}

/**
 * The client's address: the connection's peer, or, behind `trustedProxyHops` proxies, the
 * X-Forwarded-For entry the outermost of them appended: entries to its left were written by
 * the client and prove nothing.
 */
export function clientAddress(c: Context, remoteIp: string | undefined, trustedProxyHops: number): string | undefined {
  if (trustedProxyHops === 0) return remoteIp;
  const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((entry) => entry.trim()).filter(Boolean);
  return hops[hops.length - trustedProxyHops] ?? remoteIp;
}

/**
 * The context of a request; without a caller (authentication failed), no claims and no
 * token; the client's address as clientAddress finds it.
 */
export function requestContext(
  c: Context,
  caller: Caller | undefined,
  requestId: string,
  remoteIp: string | undefined,
  trustedProxyHops: number,
): RequestContext {
  const ip = clientAddress(c, remoteIp, trustedProxyHops);
  return {
    claims: caller?.kind === "user" ? caller.claims : undefined,
    application: caller?.kind === "application"
      ? { lookup_id: caller.lookupId, token_hash: caller.tokenHash }
      : undefined,
    ip: ip?.slice(0, 64),
    user_agent: c.req.header("user-agent")?.slice(0, 512),
    request_id: requestId,
  };
}
