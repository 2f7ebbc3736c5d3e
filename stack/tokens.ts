import { SignJWT } from "jose";

/**
 * Tokens the local stack hands out, signed HS256 with the JWT secret the way Supabase Auth
 * signs them: a signed-in user's access token, and the service-role key.
 */
export function userToken(
  secret: string,
  user: { id: string; email: string },
  expiresIn: string | number = "24h",
): Promise<string> {
  return new SignJWT({ email: user.email, role: "authenticated", aud: "authenticated" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(user.id)
    .setIssuer("sfp-local")
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

export function serviceRoleKey(secret: string): Promise<string> {
  // Deterministic for a given secret (fixed iat), so it is the same key on every start.
  return new SignJWT({ role: "service_role" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("sfp-local")
    .setIssuedAt(1_700_000_000)
    .setExpirationTime(2_000_000_000)
    .sign(new TextEncoder().encode(secret));
}
