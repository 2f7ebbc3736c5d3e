import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { checkOutboundUrl, OutboundError, type OutboundPolicy, outboundRequest } from "../_shared/outbound.ts";
import type { OidcConfig, OidcIssuer } from "./config.ts";

/** A refused OIDC token: `reason` is safe to show (it names no key and no secret). */
export class OidcRefusal extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "OidcRefusal";
  }
}

interface KeySet {
  getKey: JWTVerifyGetKey;
  fetchedAt: number;
}

/** A cached key set older than its max age is still used, for this long, while fetching it again fails. */
export const MAX_STALE_MS = 24 * 60 * 60 * 1000;
/** After a failed fetch, an issuer's keys are not fetched again for this long (its refusal is repeated). */
export const FAILED_FETCH_BACKOFF_MS = 10_000;

/**
 * The signing keys of the trusted issuers, fetched with outboundRequest (https, public
 * addresses, no redirects, bounded; http://127.0.0.1 only with SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK):
 * the issuer's /.well-known/openid-configuration (its `issuer` must be the issuer) names the
 * JWKS, unless the configuration gives `jwksUrl`. Cached per issuer for
 * SFP_OIDC_KEY_MAX_AGE_SECONDS (default an hour); a token whose kid the cached set lacks (a
 * rotation) fetches them again, at most once per SFP_OIDC_KEY_REFRESH_SECONDS (at least 10)
 * per issuer. When a fetch fails, the issuer is not asked again for FAILED_FETCH_BACKOFF_MS
 * (the failure is the answer meanwhile), and a cached set past its max age keeps serving
 * until it is MAX_STALE_MS old: an issuer's outage does not stop the exchange. Concurrent
 * fetches of one issuer are one fetch.
 */
export class IssuerKeys {
  private readonly sets = new Map<string, KeySet>();
  private readonly lastFetch = new Map<string, number>();
  private readonly failures = new Map<string, { at: number; refusal: OidcRefusal }>();
  private readonly inFlight = new Map<string, Promise<KeySet>>();

  constructor(private readonly config: OidcConfig, private readonly outbound: OutboundPolicy) {}

  trusted(issuer: string): OidcIssuer | undefined {
    return this.config.issuers.find((entry) => entry.issuer === issuer);
  }

  /** The key a token's header names, for jose's jwtVerify; an OidcRefusal when there is none. */
  getKey(issuer: OidcIssuer): JWTVerifyGetKey {
    return async (header, token) => {
      let set = this.sets.get(issuer.issuer);
      if (!set || Date.now() - set.fetchedAt > this.config.keyMaxAgeSeconds * 1000) {
        try {
          set = await this.fetch(issuer);
        } catch (error) {
          // The issuer is down: the keys it last published still verify, for a while.
          if (!set || Date.now() - set.fetchedAt > MAX_STALE_MS) throw error;
        }
      }
      try {
        return await set.getKey(header, token);
      } catch (error) {
        if ((error as { code?: string }).code !== "ERR_JWKS_NO_MATCHING_KEY") throw error;
      }
      // An unknown kid: the issuer may have rotated its keys. Ask again, not too often.
      const last = this.lastFetch.get(issuer.issuer) ?? 0;
      if (Date.now() - last >= this.config.keyRefreshSeconds * 1000) {
        set = await this.fetch(issuer);
        try {
          return await set.getKey(header, token);
        } catch (error) {
          if ((error as { code?: string }).code !== "ERR_JWKS_NO_MATCHING_KEY") throw error;
        }
      }
      throw new OidcRefusal("the issuer publishes no key matching the token's kid");
    };
  }

  private fetch(issuer: OidcIssuer): Promise<KeySet> {
    const running = this.inFlight.get(issuer.issuer);
    if (running) return running;
    const failed = this.failures.get(issuer.issuer);
    if (failed && Date.now() - failed.at < FAILED_FETCH_BACKOFF_MS) return Promise.reject(failed.refusal);
    this.lastFetch.set(issuer.issuer, Date.now());
    const fetching = this.load(issuer)
      .then((set) => {
        this.failures.delete(issuer.issuer);
        return set;
      }, (error: OidcRefusal) => {
        this.failures.set(issuer.issuer, { at: Date.now(), refusal: error });
        throw error;
      })
      .finally(() => this.inFlight.delete(issuer.issuer));
    this.inFlight.set(issuer.issuer, fetching);
    return fetching;
  }

  private async load(issuer: OidcIssuer): Promise<KeySet> {
    try {
      let jwksUrl = issuer.jwksUrl;
      if (!jwksUrl) {
        const discovery = await this.getJson(`${issuer.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`);
        if (discovery?.issuer !== issuer.issuer || typeof discovery.jwks_uri !== "string") {
          throw new OidcRefusal("the issuer's discovery document does not name it or its keys");
        }
        jwksUrl = checkOutboundUrl(discovery.jwks_uri, this.outbound).href;
      }
      const jwks = await this.getJson(jwksUrl);
      if (!Array.isArray(jwks?.keys)) throw new OidcRefusal("the issuer's key set is not a JWKS");
      const set = { getKey: createLocalJWKSet(jwks as unknown as JSONWebKeySet), fetchedAt: Date.now() };
      this.sets.set(issuer.issuer, set);
      return set;
    } catch (error) {
      if (error instanceof OidcRefusal) throw error;
      if (error instanceof OutboundError) throw new OidcRefusal(`the issuer's keys could not be fetched: ${error.message}`);
      throw new OidcRefusal("the issuer's keys could not be fetched");
    }
  }

  private async getJson(url: string): Promise<Record<string, unknown> | null> {
    const response = await outboundRequest(url, { headers: { accept: "application/json" } }, this.outbound);
    if (response.status !== 200) {
      throw new OidcRefusal(`the issuer's keys could not be fetched: it answered ${response.status}`);
    }
    const body = response.json();
    return body !== null && typeof body === "object" ? body as Record<string, unknown> : null;
  }
}
