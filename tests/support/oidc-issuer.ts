/**
 * A local OIDC issuer for the OIDC exchange's tests, on http://127.0.0.1:<port> (the
 * functions run with SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK=true): its discovery document
 * (/.well-known/openid-configuration) and its JWKS (/jwks), signing tokens shaped like GitHub
 * Actions' with made-up RS256 and ES256 keys. `rotate()` publishes a new key (a new kid) in
 * place of the old; `requests` counts what was fetched; `failing` makes it answer 503 (an
 * outage). Nothing here is a real key or token.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from "jose";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

interface SigningKey {
  kid: string;
  alg: "RS256" | "ES256";
  pair: KeyPair;
}

export interface SignOptions {
  /** Which published key signs (default: the current RS256 one). */
  alg?: "RS256" | "ES256";
  /** A kid in the header other than the key's own. */
  kid?: string;
  /** A key that is not published (with its own kid). */
  unpublished?: boolean;
}

export interface OidcIssuer {
  /** The issuer URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Paths fetched, in order. */
  requests: string[];
  /** While true, every request is answered 503. */
  failing: boolean;
  /** The claims a GitHub Actions job on acme-corp/salesforce-main's main branch gets; `overrides` replace them. */
  githubClaims(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** A token signed with a published key (or as `options` say). */
  sign(claims: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /** The PEM of the current RS256 public key (for the HS256-with-the-public-key attack). */
  publicKeyPem(): Promise<string>;
  /** Replaces the published RS256 key by a new one, with a new kid. */
  rotate(): Promise<void>;
  stop(): Promise<void>;
}

export const AUDIENCE = "https://sfp.acme-corp.example";
export const REPOSITORY = "acme-corp/salesforce-main";
export const REPOSITORY_ID = "684201337";
export const OWNER_ID = "90412345";

async function newKey(alg: "RS256" | "ES256"): Promise<SigningKey> {
  return { kid: `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`, alg, pair: await generateKeyPair(alg, { extractable: true }) };
}

export async function startOidcIssuer(): Promise<OidcIssuer> {
  let rsa = await newKey("RS256");
  const ec = await newKey("ES256");
  const requests: string[] = [];
  let url = "";
  const state = { failing: false };

  const jwks = async () => ({
    keys: await Promise.all([rsa, ec].map(async (key) => {
      const jwk: JWK = await exportJWK(key.pair.publicKey);
      return { ...jwk, kid: key.kid, alg: key.alg, use: "sig" };
    })),
  });

  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? "");
    if (state.failing) {
      response.writeHead(503).end();
      return;
    }
    const send = (body: unknown) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.url === "/.well-known/openid-configuration") {
      send({ issuer: url, jwks_uri: `${url}/jwks`, id_token_signing_alg_values_supported: ["RS256", "ES256"] });
    } else if (request.url === "/jwks") {
      jwks().then(send, () => response.destroy());
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    get url() {
      return url;
    },
    requests,
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    githubClaims(overrides = {}) {
      const now = Math.floor(Date.now() / 1000);
      return {
        jti: randomUUID(),
        sub: `repo:${REPOSITORY}:ref:refs/heads/main`,
        aud: AUDIENCE,
        ref: "refs/heads/main",
        sha: "5f3c0ffee5f3c0ffee5f3c0ffee5f3c0ffee5f3c",
        repository: REPOSITORY,
        repository_owner: "acme-corp",
        repository_owner_id: OWNER_ID,
        repository_visibility: "private",
        repository_id: REPOSITORY_ID,
        run_id: "8812345678",
        run_number: "42",
        run_attempt: "1",
        actor: "octocat",
        actor_id: "583231",
        workflow: "CI",
        workflow_ref: `${REPOSITORY}/.github/workflows/ci.yml@refs/heads/main`,
        workflow_sha: "5f3c0ffee5f3c0ffee5f3c0ffee5f3c0ffee5f3c",
        job_workflow_ref: `${REPOSITORY}/.github/workflows/ci.yml@refs/heads/main`,
        job_workflow_sha: "5f3c0ffee5f3c0ffee5f3c0ffee5f3c0ffee5f3c",
        event_name: "push",
        ref_type: "branch",
        ref_protected: "true",
        head_ref: "",
        base_ref: "",
        runner_environment: "github-hosted",
        iss: url,
        nbf: now - 5,
        iat: now - 5,
        exp: now + 300,
        ...overrides,
      };
    },
    async sign(claims, options = {}) {
      const key = options.unpublished ? await newKey(options.alg ?? "RS256") : options.alg === "ES256" ? ec : rsa;
      return await new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, typ: "JWT", kid: options.kid ?? key.kid })
        .sign(key.pair.privateKey);
    },
    async publicKeyPem() {
      return await exportSPKI(rsa.pair.publicKey);
    },
    async rotate() {
      rsa = await newKey("RS256");
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
