import type { JWTPayload } from "jose";

/**
 * HS256 tokens verified recently, by their exact text, with their claims. A pipeline sends the
 * same token with every request, and verifying it (crypto.subtle.verify, answered from another
 * thread) took about a tenth of the functions' time at 8 clients (docs/performance.md). Only a
 * token that verified is kept, and only under its own text: a token that differs in any
 * character is verified in full. Every use checks `exp` again, as verification does, and an
 * expired token leaves the cache. At most `limit` tokens; the oldest goes first.
 */
export class VerifiedTokens {
  private readonly tokens = new Map<string, JWTPayload>();

  constructor(private readonly limit = 1024) {}

  /** The claims of a token verified before, or undefined. Throws "expired" once `exp` has passed. */
  claims(token: string, nowSeconds = Math.floor(Date.now() / 1000)): JWTPayload | undefined {
    const claims = this.tokens.get(token);
    if (!claims) return undefined;
    // As jose decides it (no clock tolerance): expired from the second `exp` names.
    if (typeof claims.exp !== "number" || claims.exp <= nowSeconds) {
      this.tokens.delete(token);
      throw new TokenExpired();
    }
    return claims;
  }

  remember(token: string, claims: JWTPayload): void {
    if (typeof claims.exp !== "number") return; // every kept token must expire
    if (this.tokens.size >= this.limit) this.tokens.delete(this.tokens.keys().next().value!);
    this.tokens.set(token, claims);
  }

  get size(): number {
    return this.tokens.size;
  }
}

export class TokenExpired extends Error {}
