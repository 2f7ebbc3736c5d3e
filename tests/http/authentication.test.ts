/**
 * Who may do what. Every route wants a verified bearer token: none, a non-Bearer scheme, a
 * token that is not a JWT, a forged, expired or unverifiable one, or one that names no
 * signed-in user answers 401 with the message of functions/_shared/auth.ts. The service-role
 * key acts as the service (may create and read everything); a member may list and read
 * projects but is refused integrations and credentials (403 naming the roles that may); a
 * signed-in user who is not a team member is refused everything. A credential read refused
 * for its token (401) or its role (403) leaves a 'denied' audit row. Application tokens
 * (sfp_app_) are tested in application-tokens.test.ts. Tokens signed with an
 * asymmetric key are verified through SUPABASE_JWKS, or through the JWKS published at
 * SUPABASE_URL.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenExpired, VerifiedTokens } from "../../functions/_shared/verified-tokens.ts";
import { userToken } from "../../stack/tokens.ts";
import { countStored, createIntegration, createProject, expectError } from "../support/http.ts";
import {
  MISSING_TOKEN,
  NOT_A_JWT,
  OWNER_MEMBER_OR_APPLICATION,
  OWNER_ONLY,
  OWNER_OR_APPLICATION,
  OWNERS_CREATE_PROJECTS,
  TOKEN_EXPIRED,
} from "../support/messages.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const UNVERIFIED = "Invalid token: signature or claims could not be verified";
const NOT_A_USER = "Invalid token: a signed-in user's or the service role's token is required";

const githubPat = { token: "ghp_madeUpAuthentication0000000000000000" };

/** Every route, with a request body that would succeed for an owner once acme/core exists. */
const routes: Array<{ method: string; path: string; body?: unknown }> = [
  { method: "POST", path: "/projects", body: { identifier: "acme/new", remoteUrl: "https://github.com/acme/new" } },
  { method: "GET", path: "/projects" },
  { method: "GET", path: `/projects/${encodeURIComponent("acme/core")}` },
  { method: "POST", path: "/integrations", body: { provider: "github", authType: "pat", credentials: githubPat, isGlobal: true } },
  { method: "GET", path: "/integrations?provider=github" },
  { method: "GET", path: "/integrations/credentials?provider=github&project=acme/core" },
  { method: "POST", path: "/integrations/credentials", body: { provider: "github", project: "acme/core" } },
];
const routeCases = routes.map((route) => [`${route.method} ${route.path}`, route] as const);

/** A registered project with a project-scoped GitHub integration, made by the owner. */
async function seed(): Promise<string> {
  await createProject(stack, "acme/core");
  return createIntegration(stack, { provider: "github", authType: "pat", credentials: githubPat, projects: ["acme/core"] });
}

/** What a refused request must leave as it was. */
const storedCounts = () => countStored(stack, ["projects", "integrations", "credential_versions"]);

function hs256(claims: Record<string, unknown>, secret = stack.jwtSecret) {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt();
}

const secretBytes = (secret: string) => new TextEncoder().encode(secret);

describe("requests without a valid bearer token answer 401", () => {
  it.each(routeCases)("%s without an Authorization header", async (_, route) => {
    await seed();
    const response = await stack.api(route.method, route.path, { body: route.body });
    expectError(response, 401, MISSING_TOKEN);
    expect(response.text).not.toContain(githubPat.token);
  });

  it("POST /projects without a token stores nothing", async () => {
    const response = await stack.api("POST", "/projects", {
      body: { identifier: "acme/core", remoteUrl: "https://github.com/acme/core" },
    });
    expectError(response, 401, MISSING_TOKEN);
    expect(await storedCounts()).toEqual({ projects: 0, integrations: 0, credential_versions: 0 });
  });

  it("a Basic scheme carrying the owner's token", async () => {
    const response = await stack.api("GET", "/projects", { headers: { authorization: `Basic ${stack.owner.token}` } });
    expectError(response, 401, MISSING_TOKEN);
  });

  it("the bare token without a scheme", async () => {
    const response = await stack.api("GET", "/projects", { headers: { authorization: stack.owner.token } });
    expectError(response, 401, MISSING_TOKEN);
  });

  it("'Bearer' with nothing after it", async () => {
    const response = await stack.api("GET", "/projects", { headers: { authorization: "Bearer " } });
    expectError(response, 401, MISSING_TOKEN);
  });

  it("a garbage token", async () => {
    const response = await stack.api("GET", "/projects", { token: "not-a-jwt" });
    expectError(response, 401, NOT_A_JWT);
  });

  it("a JWT for the owner signed with another secret", async () => {
    const forged = await userToken("another-secret-of-at-least-thirty-two-characters", stack.owner);
    const response = await stack.api("GET", "/integrations", { token: forged });
    expectError(response, 401, UNVERIFIED);
  });

  it("the owner's JWT with its payload altered to another user", async () => {
    const [header, , signature] = stack.owner.token.split(".");
    const payload = Buffer.from(JSON.stringify({ sub: stack.member.id, role: "authenticated" })).toString("base64url");
    const response = await stack.api("GET", "/integrations", { token: `${header}.${payload}.${signature}` });
    expectError(response, 401, UNVERIFIED);
  });

  it("an expired JWT for the owner", async () => {
    const expired = await userToken(stack.jwtSecret, stack.owner, Math.floor(Date.now() / 1000) - 60);
    const response = await stack.api("GET", "/integrations", { token: expired });
    expectError(response, 401, TOKEN_EXPIRED);
  });

  it("a JWT for the owner that is not valid yet (nbf in the future)", async () => {
    const early = await hs256({ role: "authenticated", email: stack.owner.email })
      .setSubject(stack.owner.id)
      .setNotBefore("1h")
      .setExpirationTime("2h")
      .sign(secretBytes(stack.jwtSecret));
    const response = await stack.api("GET", "/integrations", { token: early });
    expectError(response, 401, UNVERIFIED);
  });

  it("a JWT with role anon (Supabase's anon key)", async () => {
    const anon = await hs256({ role: "anon" }).setExpirationTime("1h").sign(secretBytes(stack.jwtSecret));
    const response = await stack.api("GET", "/projects", { token: anon });
    expectError(response, 401, NOT_A_USER);
  });

  it("a JWT with role authenticated but no sub", async () => {
    const noSub = await hs256({ role: "authenticated", email: stack.owner.email })
      .setExpirationTime("1h")
      .sign(secretBytes(stack.jwtSecret));
    const response = await stack.api("GET", "/projects", { token: noSub });
    expectError(response, 401, NOT_A_USER);
  });

  it("a JWT whose sub is not a user id", async () => {
    const badSub = await hs256({ role: "authenticated" })
      .setSubject("owner@example.test")
      .setExpirationTime("1h")
      .sign(secretBytes(stack.jwtSecret));
    const response = await stack.api("GET", "/projects", { token: badSub });
    expectError(response, 401, NOT_A_USER);
  });

  it("a JWT for the owner without an expiry (exp) answers 401: a token must expire", async () => {
    const forever = await hs256({ role: "authenticated", aud: "authenticated", email: stack.owner.email })
      .setSubject(stack.owner.id)
      .sign(secretBytes(stack.jwtSecret));
    const response = await stack.api("GET", "/integrations", { token: forever });
    expectError(response, 401, UNVERIFIED);
  });

  it("a service_role JWT without an expiry answers 401", async () => {
    const forever = await hs256({ role: "service_role" }).sign(secretBytes(stack.jwtSecret));
    const response = await stack.api("GET", "/integrations", { token: forever });
    expectError(response, 401, UNVERIFIED);
  });

  it("a JWT for the owner without the authenticated audience answers 401", async () => {
    const noAudience = await hs256({ role: "authenticated", email: stack.owner.email })
      .setSubject(stack.owner.id)
      .setExpirationTime("1h")
      .sign(secretBytes(stack.jwtSecret));
    const response = await stack.api("GET", "/integrations", { token: noAudience });
    expectError(response, 401, "Invalid token: not issued for the authenticated audience");
  });

  it("a JWT for the owner issued for another audience answers 401", async () => {
    const otherAudience = await hs256({ role: "authenticated", aud: "storage", email: stack.owner.email })
      .setSubject(stack.owner.id)
      .setExpirationTime("1h")
      .sign(secretBytes(stack.jwtSecret));
    const response = await stack.api("GET", "/integrations", { token: otherAudience });
    expectError(response, 401, "Invalid token: not issued for the authenticated audience");
  });

  it("a JWT for the owner whose audiences include authenticated is accepted", async () => {
    const audiences = await hs256({ role: "authenticated", aud: ["storage", "authenticated"], email: stack.owner.email })
      .setSubject(stack.owner.id)
      .setExpirationTime("1h")
      .sign(secretBytes(stack.jwtSecret));
    const response = await stack.api("GET", "/integrations", { token: audiences });
    expect(response.status).toBe(200);
    expect(response.body).toEqual([]);
  });

  it("an unsigned JWT (alg none) claiming the service role", async () => {
    const unsigned = new UnsecuredJWT({ role: "service_role" }).setExpirationTime("1h").encode();
    const response = await stack.api("GET", "/integrations/credentials", { token: unsigned });
    expectError(response, 401, "Invalid token: no verification key configured for algorithm none");
  });

  it("an ES256 JWT when no JWKS is configured", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const token = await new SignJWT({ role: "authenticated" })
      .setProtectedHeader({ alg: "ES256", kid: "unknown" })
      .setSubject(stack.owner.id)
      .setExpirationTime("1h")
      .sign(privateKey);
    const response = await stack.api("GET", "/projects", { token });
    expectError(response, 401, "Invalid token: no verification key configured for algorithm ES256");
  });
});

describe("a token verified before is still checked on every use (the functions keep verified HS256 tokens)", () => {
  it("answers until its exp passes, then 401 expired, though it verified before", async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = await userToken(stack.jwtSecret, stack.owner, exp);
    expect((await stack.api("GET", "/integrations", { token: shortLived })).status).toBe(200);
    expect((await stack.api("GET", "/integrations", { token: shortLived })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 50));
    expectError(await stack.api("GET", "/integrations", { token: shortLived }), 401, TOKEN_EXPIRED);
  });

  it("a token one character away from a verified one in its signature is verified in full: 401", async () => {
    const token = await userToken(stack.jwtSecret, stack.owner);
    expect((await stack.api("GET", "/integrations", { token })).status).toBe(200);
    const [header, payload, signature] = token.split(".");
    const middle = Math.floor(signature.length / 2);
    const altered = signature.slice(0, middle) + (signature[middle] === "A" ? "B" : "A") + signature.slice(middle + 1);
    expectError(await stack.api("GET", "/integrations", { token: `${header}.${payload}.${altered}` }), 401, UNVERIFIED);
  });

  it("keeps at most its limit of tokens, the oldest leaving first, and never one without exp", () => {
    const tokens = new VerifiedTokens(2);
    const now = 1_000;
    tokens.remember("a", { exp: now + 60 });
    tokens.remember("b", { exp: now + 60 });
    tokens.remember("c", { exp: now + 60 });
    tokens.remember("d", {});
    expect([tokens.size, tokens.claims("a", now), tokens.claims("b", now), tokens.claims("c", now)])
      .toEqual([2, undefined, { exp: now + 60 }, { exp: now + 60 }]);
    expect(tokens.claims("d", now)).toBeUndefined();
    expect(() => tokens.claims("b", now + 60)).toThrow(TokenExpired);
    expect(tokens.size).toBe(1);
  });
});

describe("credential reads refused for their token are audited", () => {
  /** The credential-read audit rows, oldest first, with the columns that say who and why. */
  async function credentialReadAudit() {
    const rows = await stack.sql`
      select actor_type, actor_id, actor_email, actor_role, actor_token_id, actor_token_name, outcome,
             integration_ids, provider, project, message, request_id
      from sfp.audit_log where action = 'credentials.read' order by id`;
    return rows.map((row) => ({ ...row }));
  }

  const anonymousDenied = { actor_type: "anonymous", actor_id: null, actor_email: null, actor_role: null,
    actor_token_id: null, actor_token_name: null, outcome: "denied", integration_ids: [] };

  it("GET /integrations/credentials without a token: 401, and one 'denied' row for an anonymous actor", async () => {
    await seed();
    const response = await stack.api("GET", "/integrations/credentials?provider=github&project=acme/core", {
      headers: { "x-request-id": "req-no-token-1" },
    });
    expectError(response, 401, MISSING_TOKEN);
    expect(await credentialReadAudit()).toEqual([
      { ...anonymousDenied, provider: "github", project: "acme/core", message: MISSING_TOKEN, request_id: "req-no-token-1" },
    ]);
  });

  it("POST /integrations/credentials with a forged JWT: 401, and one 'denied' row with the body's filter", async () => {
    await seed();
    const forged = await userToken("another-secret-of-at-least-thirty-two-characters", stack.owner);
    const response = await stack.api("POST", "/integrations/credentials", {
      token: forged,
      body: { provider: "github", project: "acme/core" },
      headers: { "x-request-id": "req-forged-1" },
    });
    expectError(response, 401, UNVERIFIED);
    expect(await credentialReadAudit()).toEqual([
      { ...anonymousDenied, provider: "github", project: "acme/core", message: UNVERIFIED, request_id: "req-forged-1" },
    ]);
  });

  it("an expired JWT for the owner: 401, audited as anonymous (the claims of a refused token are not trusted)", async () => {
    await seed();
    const expired = await userToken(stack.jwtSecret, stack.owner, Math.floor(Date.now() / 1000) - 60);
    const response = await stack.api("GET", "/integrations/credentials?provider=github", {
      token: expired,
      headers: { "x-request-id": "req-expired-1" },
    });
    expectError(response, 401, TOKEN_EXPIRED);
    expect(await credentialReadAudit()).toEqual([
      { ...anonymousDenied, provider: "github", project: null, message: TOKEN_EXPIRED, request_id: "req-expired-1" },
    ]);
  });

  it("a member's refused read is audited with the member as actor and the 403 message", async () => {
    await seed();
    const response = await stack.api("GET", "/integrations/credentials?provider=github&project=acme/core", {
      token: stack.member.token,
      headers: { "x-request-id": "req-member-1" },
    });
    expectError(response, 403, OWNER_OR_APPLICATION);
    expect(await credentialReadAudit()).toEqual([
      {
        actor_type: "user", actor_id: stack.member.id, actor_email: stack.member.email, actor_role: "member",
        actor_token_id: null, actor_token_name: null, outcome: "denied", integration_ids: [],
        provider: "github", project: "acme/core", message: OWNER_OR_APPLICATION, request_id: "req-member-1",
      },
    ]);
  });
});

describe("the service role", () => {
  it("may create a project with the service-role key", async () => {
    const response = await stack.api("POST", "/projects", {
      token: stack.serviceKey,
      body: { identifier: "acme/core", remoteUrl: "https://github.com/acme/core" },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ identifier: "acme/core", remote_url: "https://github.com/acme/core" });
    const rows = await stack.sql`select identifier, created_by from sfp.projects`;
    expect(rows.map((row) => ({ ...row }))).toEqual([{ identifier: "acme/core", created_by: null }]);
  });

  it("may create an integration with the service-role key", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.serviceKey,
      body: { provider: "github", authType: "pat", credentials: githubPat, isGlobal: true },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ provider: "github", auth_type: "pat", is_global: true });
    expect(await storedCounts()).toEqual({ projects: 0, integrations: 1, credential_versions: 1 });
  });

  it("may read credentials (GET) with the service-role key", async () => {
    const id = await seed();
    const response = await stack.api("GET", "/integrations/credentials?provider=github&project=acme/core", {
      token: stack.serviceKey,
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual([{ integration_id: id, provider: "github", auth_type: "pat", credentials: githubPat }]);
  });

  it("may read credentials (POST form) with the service-role key", async () => {
    const id = await seed();
    const response = await stack.api("POST", "/integrations/credentials", {
      token: stack.serviceKey,
      body: { provider: "github", project: "acme/core" },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual([{ integration_id: id, provider: "github", auth_type: "pat", credentials: githubPat }]);
  });

  it("may list integrations and projects with the service-role key", async () => {
    const id = await seed();
    const integrations = await stack.api("GET", "/integrations", { token: stack.serviceKey });
    expect(integrations.status).toBe(200);
    expect(integrations.body.map((item: { id: string }) => item.id)).toEqual([id]);
    const projects = await stack.api("GET", "/projects", { token: stack.serviceKey });
    expect(projects.status).toBe(200);
    expect(projects.body.map((item: { identifier: string }) => item.identifier)).toEqual(["acme/core"]);
  });

  it("is also any other JWT with role service_role signed with the JWT secret", async () => {
    const id = await seed();
    const token = await hs256({ role: "service_role" }).setExpirationTime("1h").sign(secretBytes(stack.jwtSecret));
    expect(token).not.toBe(stack.serviceKey);
    const response = await stack.api("GET", "/integrations/credentials?provider=github&project=acme/core", { token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual([{ integration_id: id, provider: "github", auth_type: "pat", credentials: githubPat }]);
  });
});

describe("a member", () => {
  it(`is refused POST /projects with 403 "${OWNERS_CREATE_PROJECTS}", and nothing is stored`, async () => {
    const response = await stack.api("POST", "/projects", {
      token: stack.member.token,
      body: { identifier: "acme/core", remoteUrl: "https://github.com/acme/core" },
    });
    expectError(response, 403, OWNERS_CREATE_PROJECTS);
    expect(await storedCounts()).toEqual({ projects: 0, integrations: 0, credential_versions: 0 });
  });

  it(`is refused POST /integrations with 403 "${OWNER_ONLY}", and nothing is stored`, async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.member.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, isGlobal: true },
    });
    expectError(response, 403, OWNER_ONLY);
    expect(await storedCounts()).toEqual({ projects: 0, integrations: 0, credential_versions: 0 });
  });

  it(`is refused GET /integrations with 403 "${OWNER_ONLY}"`, async () => {
    await seed();
    const response = await stack.api("GET", "/integrations", { token: stack.member.token });
    expectError(response, 403, OWNER_ONLY);
  });

  it(`is refused GET /integrations/credentials with 403 "${OWNER_OR_APPLICATION}" and sees no credential`, async () => {
    await seed();
    const response = await stack.api("GET", "/integrations/credentials?provider=github&project=acme/core", {
      token: stack.member.token,
    });
    expectError(response, 403, OWNER_OR_APPLICATION);
    expect(response.text).not.toContain(githubPat.token);
  });

  it(`is refused POST /integrations/credentials with 403 "${OWNER_OR_APPLICATION}" and sees no credential`, async () => {
    await seed();
    const response = await stack.api("POST", "/integrations/credentials", {
      token: stack.member.token,
      body: { provider: "github", project: "acme/core" },
    });
    expectError(response, 403, OWNER_OR_APPLICATION);
    expect(response.text).not.toContain(githubPat.token);
  });

  it("may list projects (GET /projects answers 200)", async () => {
    await seed();
    const response = await stack.api("GET", "/projects", { token: stack.member.token });
    expect(response.status).toBe(200);
    expect(response.body.map((item: { identifier: string }) => item.identifier)).toEqual(["acme/core"]);
    expect(response.text).not.toContain(githubPat.token);
  });

  it("may read one project (GET /projects/{id} answers 200)", async () => {
    await seed();
    const response = await stack.api("GET", `/projects/${encodeURIComponent("acme/core")}`, { token: stack.member.token });
    expect(response.status).toBe(200);
    expect(response.body.identifier).toBe("acme/core");
  });
});

describe("a signed-in user who is not a team member is refused everywhere with 403", () => {
  const expected: Record<string, string> = {
    "POST /projects": OWNERS_CREATE_PROJECTS,
    "GET /projects": OWNER_MEMBER_OR_APPLICATION,
    [`GET /projects/${encodeURIComponent("acme/core")}`]: OWNER_MEMBER_OR_APPLICATION,
    "POST /integrations": OWNER_ONLY,
    "GET /integrations?provider=github": OWNER_ONLY,
    "GET /integrations/credentials?provider=github&project=acme/core": OWNER_OR_APPLICATION,
    "POST /integrations/credentials": OWNER_OR_APPLICATION,
  };

  it.each(routeCases)("%s", async (name, route) => {
    await seed();
    const before = await storedCounts();
    const response = await stack.api(route.method, route.path, { token: stack.outsider.token, body: route.body });
    expectError(response, 403, expected[name]);
    expect(response.text).not.toContain(githubPat.token);
    expect(await storedCounts()).toEqual(before);
  });

  it("including a signed-in user unknown to the database", async () => {
    const stranger = await userToken(stack.jwtSecret, { id: randomUUID(), email: "stranger@example.test" });
    const response = await stack.api("GET", "/projects", { token: stranger });
    expectError(response, 403, OWNER_MEMBER_OR_APPLICATION);
  });
});

/** An ES256 key pair with its public JWK (kid and alg set), as Supabase Auth publishes it. */
async function es256Key(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  return { privateKey, jwk, kid };
}

function es256UserToken(key: { privateKey: CryptoKey; kid: string }, user: { id: string; email: string }, expiresAt: string | number = "1h") {
  return new SignJWT({ role: "authenticated", aud: "authenticated", email: user.email })
    .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "JWT" })
    .setSubject(user.id)
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(key.privateKey);
}

describe("asymmetric JWTs verified through SUPABASE_JWKS", () => {
  let signing: Awaited<ReturnType<typeof es256Key>>;
  beforeAll(async () => {
    signing = await es256Key("test-key-1");
    await stack.restartFunctions({ SUPABASE_JWKS: JSON.stringify({ keys: [signing.jwk] }) });
  });
  afterAll(() => stack.restartFunctions());

  it("an ES256 token for the owner is accepted: the owner may create a project", async () => {
    const token = await es256UserToken(signing, stack.owner);
    const response = await stack.api("POST", "/projects", {
      token,
      body: { identifier: "acme/core", remoteUrl: "https://github.com/acme/core" },
    });
    expect(response.status).toBe(201);
    const rows = await stack.sql`select identifier, created_by from sfp.projects`;
    expect(rows.map((row) => ({ ...row }))).toEqual([{ identifier: "acme/core", created_by: stack.owner.id }]);
  });

  it("an ES256 token for the owner may read credentials", async () => {
    const id = await seed();
    const token = await es256UserToken(signing, stack.owner);
    const response = await stack.api("GET", "/integrations/credentials?provider=github&project=acme/core", { token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual([{ integration_id: id, provider: "github", auth_type: "pat", credentials: githubPat }]);
  });

  it("an ES256 token for a member keeps the member's role (403 on credentials)", async () => {
    await seed();
    const token = await es256UserToken(signing, stack.member);
    const response = await stack.api("GET", "/integrations/credentials?provider=github&project=acme/core", { token });
    expectError(response, 403, OWNER_OR_APPLICATION);
  });

  it("an ES256 token signed by another key under the same kid answers 401", async () => {
    const impostor = await es256Key(signing.kid);
    const token = await es256UserToken(impostor, stack.owner);
    const response = await stack.api("GET", "/integrations", { token });
    expectError(response, 401, UNVERIFIED);
  });

  it("an ES256 token signed by another key with an unknown kid answers 401", async () => {
    const other = await es256Key("not-published");
    const token = await es256UserToken(other, stack.owner);
    const response = await stack.api("GET", "/integrations", { token });
    expectError(response, 401, UNVERIFIED);
  });

  it("an expired ES256 token answers 401 'expired'", async () => {
    const token = await es256UserToken(signing, stack.owner, Math.floor(Date.now() / 1000) - 60);
    const response = await stack.api("GET", "/integrations", { token });
    expectError(response, 401, TOKEN_EXPIRED);
  });

  it("HS256 tokens keep working alongside the JWKS", async () => {
    const response = await stack.api("GET", "/integrations", { token: stack.owner.token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual([]);
  });
});

describe("asymmetric JWTs verified through the JWKS published at SUPABASE_URL", () => {
  let signing: Awaited<ReturnType<typeof es256Key>>;
  let server: Server;
  const requests: string[] = [];

  beforeAll(async () => {
    signing = await es256Key("remote-key-1");
    server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      if (request.url === "/auth/v1/.well-known/jwks.json") {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ keys: [signing.jwk] }));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await stack.restartFunctions({ SUPABASE_URL: `http://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await stack.restartFunctions();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("an ES256 token for the owner is accepted after fetching /auth/v1/.well-known/jwks.json", async () => {
    const id = await seed();
    const token = await es256UserToken(signing, stack.owner);
    const response = await stack.api("GET", "/integrations/credentials?provider=github&project=acme/core", { token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual([{ integration_id: id, provider: "github", auth_type: "pat", credentials: githubPat }]);
    expect(requests).toContain("GET /auth/v1/.well-known/jwks.json");
  });

  it("an ES256 token signed by a key the JWKS does not publish answers 401", async () => {
    const other = await es256Key(signing.kid);
    const token = await es256UserToken(other, stack.owner);
    const response = await stack.api("GET", "/integrations", { token });
    expectError(response, 401, UNVERIFIED);
  });
});
