/**
 * OIDC workload identity over HTTP, against a local issuer (tests/support/oidc-issuer.ts:
 * discovery, JWKS, made-up RS256/ES256 keys, GitHub Actions' claim shapes). Proves:
 *   - the happy path: a job's token exchanged (POST /oidc/token) for an sfp_oidc_ access
 *     token that reads the policy's project (Jira global, its GitHub) and never another
 *     project; reads and the exchange audited as actor type 'oidc' with the policy's name and
 *     the job's recorded claims;
 *   - each refusal, 401 with its exact reason, audited (the claims of a token SQL refused
 *     under details.claims, of one refused before under details.unverified_claims), and
 *     explain's answer for the same token (POST /oidc/explain): wrong audience, the issuer's
 *     default audience, another repository, expired, a future nbf, a future iat, exp too far
 *     ahead, alg none, HS256 with the public key as secret, an unknown kid, a tampered
 *     signature, an untrusted issuer (and the trusted one with a trailing slash), no jti,
 *     pull_request_target, workflow_run, issue_comment and pull_request_review (events outside
 *     the default allow-list), a fork's pull_request;
 *   - replay refused, in this process and in another; allowEvents admits an event; GitLab's
 *     merge_request_event refused by default; an aud array; the first matching policy in name
 *     order grants;
 *   - a `*` never spans `/` or `@` (a branch named `x@refs/heads/main` does not spoof a
 *     workflow_ref glob);
 *   - a policy whose creating owner is demoted grants nothing, and its access tokens stop
 *     reading at once; an expired access token's refusal is audited with its session;
 *   - the access token is made by the Edge Function: SQL gets its lookup id and hash only;
 *   - GitHub's immutable subject format; key rotation (a new kid is fetched), the refetch's
 *     rate limit, the back-off after a failed fetch and the stale keys used while the issuer
 *     is down;
 *   - nothing of the OIDC token beyond the recorded claims and its jti is stored.
 */
import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createIntegration, createProject, expectError, readAsPipeline, TIMESTAMP } from "../../support/http.ts";
import { notScopedToProject } from "../../support/messages.ts";
import { AUDIENCE, type OidcIssuer, OWNER_ID, REPOSITORY, REPOSITORY_ID, startOidcIssuer } from "../../support/oidc-issuer.ts";
import { useTestStack } from "../../support/test-stack.ts";

const stack = useTestStack();
let issuer: OidcIssuer;

const OTHER = "acme-corp/other-repo";
const jira = { base_url: "https://acme.atlassian.net", username: "ci@acme.test", api_token: "made-up-oidc-jira" };
const githubMain = { token: "ghp_madeUpOidcMain000000000000000000000" };
const githubOther = { token: "ghp_madeUpOidcOther00000000000000000000" };

function oidcEnv(extra: Record<string, string> = {}) {
  return {
    SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK: "true",
    SFP_OIDC_ISSUERS: JSON.stringify([{ issuer: issuer.url }]),
    SFP_OIDC_KEY_REFRESH_SECONDS: "10",
    ...extra,
  };
}

beforeAll(async () => {
  issuer = await startOidcIssuer();
  await stack.restartFunctions(oidcEnv());
});
afterAll(() => issuer?.stop());

let ids: { jira: string; githubMain: string; githubOther: string };
beforeEach(async () => {
  await stack.sql`truncate sfp.oidc_policies, sfp.oidc_used_tokens, sfp.oidc_sessions cascade`;
  await createProject(stack, REPOSITORY);
  await createProject(stack, OTHER);
  ids = {
    jira: await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jira, isGlobal: true }),
    githubMain: await createIntegration(stack, { provider: "github", authType: "pat", credentials: githubMain, projects: [REPOSITORY] }),
    githubOther: await createIntegration(stack, { provider: "github", authType: "pat", credentials: githubOther, projects: [OTHER] }),
  };
  await policy({ name: "salesforce-main-ci" });
});

async function policy(fields: Record<string, unknown>) {
  const response = await stack.api("POST", "/oidc-policies", {
    token: stack.owner.token,
    body: {
      issuer: issuer.url,
      audience: AUDIENCE,
      claims: { repository: REPOSITORY, repository_id: REPOSITORY_ID, ref: "refs/heads/main" },
      projects: [REPOSITORY],
      ...fields,
    },
  });
  expect(response.status, response.text).toBe(201);
  return response.body;
}

function exchange(token: string, api = stack.api.bind(stack)) {
  return api("POST", "/oidc/token", { body: { token } });
}

function explain(token: string) {
  return stack.api("POST", "/oidc/explain", { token: stack.owner.token, body: { token } });
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

async function auditRows(action: string) {
  const rows = await stack.sql`select actor_type, actor_role, actor_token_name, outcome, message, details
                               from sfp.audit_log where action = ${action} order by id`;
  return rows.map((row) => ({ ...row }));
}

const RECORDED = {
  iss: "",
  sub: `repo:${REPOSITORY}:ref:refs/heads/main`,
  repository: REPOSITORY,
  repository_id: REPOSITORY_ID,
  repository_owner_id: OWNER_ID,
  ref: "refs/heads/main",
  workflow_ref: `${REPOSITORY}/.github/workflows/ci.yml@refs/heads/main`,
  job_workflow_ref: `${REPOSITORY}/.github/workflows/ci.yml@refs/heads/main`,
  run_id: "8812345678",
  run_attempt: "1",
  event_name: "push",
  actor: "octocat",
};

describe("the happy path", () => {
  it("exchanges a job's token and reads its project's credentials, and nothing of another project", async () => {
    const response = await exchange(await issuer.sign(issuer.githubClaims()));
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      access_token: expect.stringMatching(/^sfp_oidc_[A-Za-z0-9_-]{64}$/),
      token_type: "bearer",
      expires_in: expect.any(Number),
      expires_at: expect.stringMatching(TIMESTAMP),
      policy: "salesforce-main-ci",
      projects: [REPOSITORY],
      providers: null,
    });
    // Never past the OIDC token's own exp (300 s here), never more than 15 minutes.
    expect(response.body.expires_in).toBeGreaterThan(280);
    expect(response.body.expires_in).toBeLessThanOrEqual(300);
    const accessToken = response.body.access_token;

    const read = await readAsPipeline(stack, accessToken, `provider=jira&project=${REPOSITORY}`, "gha-run-1");
    expect(read).toEqual({
      status: 200,
      body: [{ integration_id: ids.jira, provider: "jira", auth_type: "basic_auth", credentials: jira }],
    });
    const own = await readAsPipeline(stack, accessToken, `project=${REPOSITORY}`, "gha-run-2");
    expect(own.body).toEqual([
      { integration_id: ids.githubMain, provider: "github", auth_type: "pat", credentials: githubMain },
      { integration_id: ids.jira, provider: "jira", auth_type: "basic_auth", credentials: jira },
    ]);
    // Another project: refused, registered or not; without a project, only the global ones.
    expectError(await readAsPipeline(stack, accessToken, `project=${OTHER}`, "gha-run-3"), 403, notScopedToProject(OTHER));
    expectError(
      await stack.api("POST", "/integrations/credentials", { token: accessToken, body: { project: OTHER } }),
      403,
      notScopedToProject(OTHER),
    );
    expect((await readAsPipeline(stack, accessToken, "", "gha-run-4")).body).toEqual([
      { integration_id: ids.jira, provider: "jira", auth_type: "basic_auth", credentials: jira },
    ]);
    // An application's role: no changes.
    expect((await stack.api("GET", "/oidc-policies", { token: accessToken })).status).toBe(403);
    expect(await stack.api("GET", "/users/me", { token: accessToken })).toMatchObject({
      status: 200,
      body: { type: "application", name: "salesforce-main-ci", role: "application" },
    });

    const recorded = { ...RECORDED, iss: issuer.url };
    expect(await auditRows("oidc.exchange")).toEqual([{
      actor_type: "oidc",
      actor_role: "application",
      actor_token_name: "salesforce-main-ci",
      outcome: "succeeded",
      message: null,
      details: {
        policy: "salesforce-main-ci",
        projects: [REPOSITORY],
        providers: null,
        expires_at: expect.any(String),
        oidc: recorded,
      },
    }]);
    const reads = await auditRows("credentials.read");
    expect(reads.map((row) => [row.actor_type, row.actor_token_name, row.outcome, row.details.oidc])).toEqual([
      ["oidc", "salesforce-main-ci", "granted", recorded],
      ["oidc", "salesforce-main-ci", "granted", recorded],
      ["oidc", "salesforce-main-ci", "denied", recorded],
      ["oidc", "salesforce-main-ci", "denied", recorded],
      ["oidc", "salesforce-main-ci", "granted", recorded],
    ]);
  });

  it("a credentials request refused before the read names the job's session, never its token's hash", async () => {
    const response = await exchange(await issuer.sign(issuer.githubClaims()));
    const accessToken = response.body.access_token;
    const refused = await stack.api("GET", "/integrations/credentials?provider=Not-A-Provider", {
      token: accessToken,
      headers: { "x-request-id": "oidc-bad-input" },
    });
    expect(refused.status).toBe(400);
    const [row] = await stack.sql<{ actor_type: string; actor_token_name: string; outcome: string; details: Record<string, unknown> }[]>`
      select actor_type, actor_token_name, outcome, details from sfp.audit_log where request_id = 'oidc-bad-input'`;
    expect(row).toEqual({
      actor_type: "oidc",
      actor_token_name: "salesforce-main-ci",
      outcome: "invalid",
      details: { oidc: { ...RECORDED, iss: issuer.url } },
    });
  });

  it("an ES256 token is accepted too", async () => {
    expect((await exchange(await issuer.sign(issuer.githubClaims(), { alg: "ES256" }))).status).toBe(200);
  });

  it("the access token ends with its session's expiry and with its policy", async () => {
    const first = (await exchange(await issuer.sign(issuer.githubClaims()))).body.access_token;
    await stack.sql`update sfp.oidc_sessions set expires_at = now() - interval '1 second'`;
    expectError(
      await readAsPipeline(stack, first, `project=${REPOSITORY}`, "late"),
      401,
      "OIDC access token expired: exchange a new OIDC token",
    );
    const second = (await exchange(await issuer.sign(issuer.githubClaims()))).body.access_token;
    const [{ id }] = await stack.sql`select id from sfp.oidc_policies`;
    expect((await stack.api("DELETE", `/oidc-policies/${id}`, { token: stack.owner.token })).status).toBe(200);
    expectError(await readAsPipeline(stack, second, `project=${REPOSITORY}`, "gone"), 401, "Invalid OIDC access token");
    expectError(await readAsPipeline(stack, `sfp_oidc_${"x".repeat(10)}`, "", "bad"), 401, "Invalid OIDC access token");
  });

  it("stores nothing of the OIDC token beyond the recorded claims and its jti", async () => {
    const claims = issuer.githubClaims({ head_ref: "secret-branch-name-7731", sha: "deadbeef00112233445566778899aabbccddeeff" });
    const token = await issuer.sign(claims);
    const { access_token: accessToken } = (await exchange(token)).body;
    await readAsPipeline(stack, accessToken, `project=${REPOSITORY}`, "storage");
    await exchange(token); // a replay, refused and audited

    const dump = JSON.stringify([
      await stack.sql`select * from sfp.oidc_sessions`,
      await stack.sql`select * from sfp.oidc_used_tokens`,
      await stack.sql`select * from sfp.audit_log`,
    ]);
    for (const part of [token, ...token.split("."), accessToken, accessToken.slice(9)]) expect(dump).not.toContain(part);
    for (const unrecorded of ["secret-branch-name-7731", "deadbeef00112233", "workflow_sha", "run_number", "runner_environment"]) {
      expect(dump).not.toContain(unrecorded);
    }
    expect(await stack.sql`select issuer, jti from sfp.oidc_used_tokens`).toEqual([{ issuer: issuer.url, jti: claims.jti }]);
    const [session] = await stack.sql`select claims from sfp.oidc_sessions`;
    expect(session.claims).toEqual({ ...RECORDED, iss: issuer.url });
  });
});

type Build = () => Promise<string>;
const now = () => Math.floor(Date.now() / 1000);

/** Each refusal: the token, the exchange's 401 message, and explain's verdict (valid, reason, the main policy's check). */
const REFUSALS: Array<[string, Build, string, { reason: string | null; check: string | null; message?: string }]> = [
  [
    "a wrong audience",
    () => issuer.sign(issuer.githubClaims({ aud: "https://other.example" })),
    "No trust policy matches this token: audience 'https://other.example' is not accepted",
    { reason: null, check: "audience", message: `audience is 'https://other.example', the policy requires '${AUDIENCE}'` },
  ],
  [
    "the issuer's default audience",
    () => issuer.sign(issuer.githubClaims({ aud: "https://github.com/acme-corp" })),
    "No trust policy matches this token: audience 'https://github.com/acme-corp' is the issuer's default audience: request the token for this server's audience",
    {
      reason: null,
      check: "audience",
      message: `audience 'https://github.com/acme-corp' is the issuer's default audience; the policy requires '${AUDIENCE}'`,
    },
  ],
  [
    "another repository",
    () =>
      issuer.sign(issuer.githubClaims({ repository: OTHER, repository_id: "111", sub: `repo:${OTHER}:ref:refs/heads/main` })),
    "No trust policy matches this token: claim 'repository' does not match",
    { reason: null, check: "claims", message: `claim 'repository' is '${OTHER}', the policy requires '${REPOSITORY}'` },
  ],
  [
    "an expired token",
    () => issuer.sign(issuer.githubClaims({ iat: now() - 900, nbf: now() - 900, exp: now() - 120 })),
    "Invalid OIDC token: expired",
    { reason: "Invalid OIDC token: expired", check: null },
  ],
  [
    "a future nbf",
    () => issuer.sign(issuer.githubClaims({ nbf: now() + 600, exp: now() + 900 })),
    "Invalid OIDC token: not valid yet (nbf is in the future)",
    { reason: "Invalid OIDC token: not valid yet (nbf is in the future)", check: null },
  ],
  [
    "a future iat",
    () => issuer.sign(issuer.githubClaims({ iat: now() + 600 })),
    "Invalid OIDC token: issued in the future (iat)",
    { reason: "Invalid OIDC token: issued in the future (iat)", check: null },
  ],
  [
    "an exp more than 1 hour ahead",
    () => issuer.sign(issuer.githubClaims({ exp: now() + 7200 })),
    "Invalid OIDC token: expires more than 1 hour ahead",
    { reason: "Invalid OIDC token: expires more than 1 hour ahead", check: null },
  ],
  [
    "alg none",
    async () => `${b64({ alg: "none", typ: "JWT" })}.${b64(issuer.githubClaims())}.`,
    "Invalid OIDC token: algorithm 'none' is not accepted: RS256 or ES256 only",
    { reason: "Invalid OIDC token: algorithm 'none' is not accepted: RS256 or ES256 only", check: null },
  ],
  [
    "HS256 with the public key as secret",
    async () => {
      const { SignJWT } = await import("jose");
      return await new SignJWT(issuer.githubClaims()).setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .sign(new TextEncoder().encode(await issuer.publicKeyPem()));
    },
    "Invalid OIDC token: algorithm 'HS256' is not accepted: RS256 or ES256 only",
    { reason: "Invalid OIDC token: algorithm 'HS256' is not accepted: RS256 or ES256 only", check: null },
  ],
  [
    "an unknown kid",
    () => issuer.sign(issuer.githubClaims(), { unpublished: true }),
    "Invalid OIDC token: the issuer publishes no key matching the token's kid",
    { reason: "Invalid OIDC token: the issuer publishes no key matching the token's kid", check: null },
  ],
  [
    "a tampered payload",
    async () => {
      const [header, , signature] = (await issuer.sign(issuer.githubClaims())).split(".");
      return `${header}.${b64(issuer.githubClaims({ repository_id: REPOSITORY_ID }))}.${signature}`;
    },
    "Invalid OIDC token: signature could not be verified",
    { reason: "Invalid OIDC token: signature could not be verified", check: null },
  ],
  [
    "an untrusted issuer",
    () => issuer.sign(issuer.githubClaims({ iss: "https://token.actions.githubusercontent.com" })),
    "Invalid OIDC token: issuer 'https://token.actions.githubusercontent.com' is not trusted",
    {
      reason: "Invalid OIDC token: issuer 'https://token.actions.githubusercontent.com' is not trusted",
      check: "issuer",
    },
  ],
  [
    "no jti",
    () => issuer.sign(issuer.githubClaims({ jti: undefined })),
    "Invalid OIDC token: jti is required (each token is accepted once)",
    { reason: "Invalid OIDC token: jti is required (each token is accepted once)", check: null },
  ],
  [
    "pull_request_target",
    () =>
      issuer.sign(issuer.githubClaims({
        event_name: "pull_request_target",
        sub: `repo:${REPOSITORY}:pull_request`,
        head_ref: "fork-feature",
        base_ref: "main",
      })),
    "No trust policy matches this token: event 'pull_request_target' is refused unless a policy lists it in allowEvents",
    { reason: null, check: "event", message: "event 'pull_request_target' is refused unless the policy lists it in allowEvents" },
  ],
  [
    "workflow_run",
    () => issuer.sign(issuer.githubClaims({ event_name: "workflow_run" })),
    "No trust policy matches this token: event 'workflow_run' is refused unless a policy lists it in allowEvents",
    { reason: null, check: "event", message: "event 'workflow_run' is refused unless the policy lists it in allowEvents" },
  ],
  [
    // Runs on the default branch for a comment anyone can write.
    "issue_comment on the default branch",
    () => issuer.sign(issuer.githubClaims({ event_name: "issue_comment" })),
    "No trust policy matches this token: event 'issue_comment' is refused unless a policy lists it in allowEvents",
    { reason: null, check: "event", message: "event 'issue_comment' is refused unless the policy lists it in allowEvents" },
  ],
  [
    "pull_request_review",
    () => issuer.sign(issuer.githubClaims({ event_name: "pull_request_review" })),
    "No trust policy matches this token: event 'pull_request_review' is refused unless a policy lists it in allowEvents",
    { reason: null, check: "event", message: "event 'pull_request_review' is refused unless the policy lists it in allowEvents" },
  ],
  [
    "a fork's pull_request",
    () =>
      issuer.sign(issuer.githubClaims({
        event_name: "pull_request",
        ref: "refs/pull/7/merge",
        sub: `repo:${REPOSITORY}:pull_request`,
        head_ref: "fork-feature",
        base_ref: "main",
      })),
    "No trust policy matches this token: claim 'ref' does not match",
    { reason: null, check: "claims", message: "claim 'ref' is 'refs/pull/7/merge', the policy requires 'refs/heads/main'" },
  ],
  [
    "not a JWT",
    async () => "not-a-jwt",
    "Invalid OIDC token: not a JWT",
    { reason: "Invalid OIDC token: not a JWT", check: "issuer" },
  ],
];

describe.each(REFUSALS)("refused: %s", (_, build, message, verdict) => {
  it("401 with the reason, audited, nothing granted", async () => {
    const token = await build();
    expectError(await exchange(token), 401, message);
    const rows = await auditRows("oidc.exchange");
    expect(rows.map((row) => [row.actor_type, row.outcome, row.message])).toEqual([["anonymous", "denied", message]]);
    // What a verified token says is details.claims; what an unverified one says, anyone could write.
    const { details } = rows[0];
    if (message.startsWith("No trust policy")) {
      expect(details).toMatchObject({ verified: true, claims: expect.objectContaining({ repository_id: expect.any(String) }) });
      expect(details).not.toHaveProperty("unverified_claims");
    } else {
      expect(details).toMatchObject({ verified: false });
      expect(details).toHaveProperty("unverified_claims");
      expect(details).not.toHaveProperty("claims");
    }
    expect(await stack.sql`select * from sfp.oidc_sessions`).toEqual([]);
    expect(await stack.sql`select * from sfp.oidc_used_tokens`).toEqual([]);
  });

  it("explain says why, and records nothing", async () => {
    const response = await explain(await build());
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ valid: verdict.reason === null, reason: verdict.reason, policy: null });
    const [main] = response.body.policies;
    expect(main.name).toBe("salesforce-main-ci");
    if (verdict.check === null) {
      // The token itself is refused; the policy's verdict on what it says still shows.
      expect(main.check === null || main.check === "issuer" || main.check === "audience").toBe(true);
    } else {
      expect(main).toMatchObject({ matched: false, check: verdict.check });
      if (verdict.message) expect(main.message).toBe(verdict.message);
    }
    expect(await auditRows("oidc.exchange")).toEqual([]);
    expect(await stack.sql`select * from sfp.oidc_used_tokens`).toEqual([]);
  });
});

describe("policies and events", () => {
  it("the closest policy names the failure: a fork's pull_request against a policy without a ref", async () => {
    await policy({ name: "salesforce-main-prs", claims: { repository_id: REPOSITORY_ID } });
    const token = await issuer.sign(issuer.githubClaims({
      event_name: "pull_request",
      ref: "refs/pull/7/merge",
      sub: `repo:${REPOSITORY}:pull_request`,
      head_ref: "fork-feature",
      base_ref: "main",
    }));
    expectError(
      await exchange(token),
      401,
      "No trust policy matches this token: event 'pull_request' is refused unless a policy lists it in allowEvents",
    );
    const explained = await explain(token);
    expect(explained.body.policies.map((p: { name: string; check: string }) => [p.name, p.check])).toEqual([
      ["salesforce-main-ci", "claims"],
      ["salesforce-main-prs", "event"],
    ]);
  });

  it("allowEvents admits an event refused by default", async () => {
    await policy({ name: "salesforce-main-prs", claims: { repository_id: REPOSITORY_ID }, allowEvents: ["pull_request"] });
    const token = await issuer.sign(issuer.githubClaims({
      event_name: "pull_request",
      ref: "refs/pull/7/merge",
      sub: `repo:${REPOSITORY}:pull_request`,
    }));
    const explained = await explain(token);
    expect(explained.body).toMatchObject({ valid: true, reason: null, policy: "salesforce-main-prs" });
    expect(explained.body.policies[1]).toEqual({
      id: expect.any(String),
      name: "salesforce-main-prs",
      matched: true,
      check: null,
      message: null,
    });
    expect(await exchange(token)).toMatchObject({ status: 200, body: { policy: "salesforce-main-prs" } });
  });

  it("GitHub's immutable subject format", async () => {
    await stack.sql`truncate sfp.oidc_policies cascade`;
    const immutable = `repo:acme-corp@${OWNER_ID}/salesforce-main@${REPOSITORY_ID}:ref:refs/heads/main`;
    await policy({ name: "immutable", claims: { repository_id: REPOSITORY_ID }, subject: immutable });
    expect((await exchange(await issuer.sign(issuer.githubClaims({ sub: immutable }))))).toMatchObject({
      status: 200,
      body: { policy: "immutable" },
    });
    const nameBased = await issuer.sign(issuer.githubClaims());
    expectError(await exchange(nameBased), 401, "No trust policy matches this token: subject does not match");
    expect((await explain(nameBased)).body.policies[0]).toMatchObject({
      check: "subject",
      message: `subject is 'repo:${REPOSITORY}:ref:refs/heads/main', the policy requires '${immutable}'`,
    });
  });

  it("without any policy", async () => {
    await stack.sql`truncate sfp.oidc_policies cascade`;
    expectError(
      await exchange(await issuer.sign(issuer.githubClaims())),
      401,
      `No trust policy matches this token: no trust policy for issuer '${issuer.url}'`,
    );
  });

  it("explain: a valid token, the matching policy, every other one's first failing check", async () => {
    await policy({ name: "z-production", claims: { repository: REPOSITORY, repository_id: REPOSITORY_ID, environment: "prod*" } });
    const token = await issuer.sign(issuer.githubClaims());
    const response = await explain(token);
    expect(response.body).toEqual({
      valid: true,
      reason: null,
      claims: expect.objectContaining({ iss: issuer.url, aud: [AUDIENCE], repository: REPOSITORY, event_name: "push" }),
      policy: "salesforce-main-ci",
      policies: [
        { id: expect.any(String), name: "salesforce-main-ci", matched: true, check: null, message: null },
        {
          id: expect.any(String),
          name: "z-production",
          matched: false,
          check: "claims",
          message: "claim 'environment' is missing, the policy requires 'prod*'",
        },
      ],
    });
    expect((await stack.api("POST", "/oidc/explain", { token: stack.member.token, body: { token } })).status).toBe(403);
    // After an exchange, explain says it was used.
    expect((await exchange(token)).status).toBe(200);
    expect((await explain(token)).body).toMatchObject({
      valid: false,
      reason: "Invalid OIDC token: already used (each token is exchanged once)",
      policy: null,
    });
  });
});

describe("replay", () => {
  it("a token is exchanged once, in this process and in another", async () => {
    const token = await issuer.sign(issuer.githubClaims());
    expect((await exchange(token)).status).toBe(200);
    const replayed = "Invalid OIDC token: already used (each token is exchanged once)";
    expectError(await exchange(token), 401, replayed);

    const another = await stack.startAnotherFunctions(oidcEnv());
    try {
      const post = async (body: unknown) => {
        const response = await fetch(`${another.url}/sfp/api/oidc/token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: await response.json() };
      };
      expectError(await post({ token }), 401, replayed);
      // A fresh token there is fine; then refused here.
      const fresh = await issuer.sign(issuer.githubClaims());
      expect((await post({ token: fresh })).status).toBe(200);
      expectError(await exchange(fresh), 401, replayed);
    } finally {
      await another.stop();
    }
    expect((await auditRows("oidc.exchange")).map((row) => row.outcome)).toEqual([
      "succeeded",
      "denied",
      "denied",
      "succeeded",
      "denied",
    ]);
  });
});

describe("the issuer's keys", () => {
  it("a rotated key (a new kid) is fetched again", { timeout: 40_000 }, async () => {
    expect((await exchange(await issuer.sign(issuer.githubClaims()))).status).toBe(200);
    // SFP_OIDC_KEY_REFRESH_SECONDS is at least 10: wait out the last fetch.
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    const before = issuer.requests.filter((path) => path === "/jwks").length;
    await issuer.rotate();
    expect((await exchange(await issuer.sign(issuer.githubClaims()))).status).toBe(200);
    expect(issuer.requests.filter((path) => path === "/jwks").length).toBe(before + 1);
  });

  it("an unknown kid fetches the keys again at most once per SFP_OIDC_KEY_REFRESH_SECONDS", async () => {
    await stack.restartFunctions(oidcEnv({ SFP_OIDC_KEY_REFRESH_SECONDS: "3600" }));
    try {
      const start = issuer.requests.length;
      expect((await exchange(await issuer.sign(issuer.githubClaims()))).status).toBe(200);
      expect(issuer.requests.slice(start)).toEqual(["/.well-known/openid-configuration", "/jwks"]);
      for (let i = 0; i < 3; i++) {
        expectError(
          await exchange(await issuer.sign(issuer.githubClaims(), { unpublished: true })),
          401,
          "Invalid OIDC token: the issuer publishes no key matching the token's kid",
        );
      }
      expect(issuer.requests.slice(start)).toEqual(["/.well-known/openid-configuration", "/jwks"]);
    } finally {
      await stack.restartFunctions(oidcEnv());
    }
  });

  it("an unreachable issuer is a refusal that names the host, not a key", async () => {
    await stack.restartFunctions(oidcEnv({ SFP_OIDC_ISSUERS: JSON.stringify([{ issuer: "http://127.0.0.1:9" }]) }));
    try {
      const token = await issuer.sign(issuer.githubClaims({ iss: "http://127.0.0.1:9" }));
      expectError(
        await exchange(token),
        401,
        "Invalid OIDC token: the issuer's keys could not be fetched: Outbound call to 127.0.0.1 failed: the connection was refused",
      );
    } finally {
      await stack.restartFunctions(oidcEnv());
    }
  });
});

describe("review fixes", () => {
  it("a trusted issuer with a trailing slash is another issuer", async () => {
    const token = await issuer.sign(issuer.githubClaims({ iss: `${issuer.url}/` }));
    expectError(await exchange(token), 401, `Invalid OIDC token: issuer '${issuer.url}/' is not trusted`);
    expect((await explain(token)).body).toMatchObject({ valid: false, policy: null, policies: [{ check: "issuer" }] });
  });

  it("an aud array holding the policy's audience matches; one without it does not", async () => {
    const both = await issuer.sign(issuer.githubClaims({ aud: ["https://other.example", AUDIENCE] }));
    expect(await exchange(both)).toMatchObject({ status: 200, body: { policy: "salesforce-main-ci" } });
    expectError(
      await exchange(await issuer.sign(issuer.githubClaims({ aud: ["https://other.example", "https://more.example"] }))),
      401,
      "No trust policy matches this token: audience 'https://other.example, https://more.example' is not accepted",
    );
  });

  it("the first matching policy in name order grants, whatever the order they were created in", async () => {
    await policy({ name: "a-first", claims: { repository_id: REPOSITORY_ID } });
    const token = await issuer.sign(issuer.githubClaims());
    expect((await explain(token)).body.policy).toBe("a-first");
    expect(await exchange(token)).toMatchObject({ status: 200, body: { policy: "a-first" } });
  });

  it("a * spans neither / nor @: a branch named x@refs/heads/main does not spoof a workflow_ref glob", async () => {
    await stack.sql`truncate sfp.oidc_policies cascade`;
    await policy({
      name: "any-workflow-on-main",
      claims: { repository_id: REPOSITORY_ID, workflow_ref: `${REPOSITORY}/.github/workflows/*@refs/heads/main` },
    });
    const spoof = await issuer.sign(issuer.githubClaims({
      ref: "refs/heads/x@refs/heads/main",
      workflow_ref: `${REPOSITORY}/.github/workflows/ci.yml@refs/heads/x@refs/heads/main`,
    }));
    expectError(await exchange(spoof), 401, "No trust policy matches this token: claim 'workflow_ref' does not match");
    const nested = await issuer.sign(issuer.githubClaims({
      workflow_ref: `${REPOSITORY}/.github/workflows/sub/evil.yml@refs/heads/main`,
    }));
    expectError(await exchange(nested), 401, "No trust policy matches this token: claim 'workflow_ref' does not match");
    expect(await exchange(await issuer.sign(issuer.githubClaims()))).toMatchObject({
      status: 200,
      body: { policy: "any-workflow-on-main" },
    });
  });

  it("GitLab: merge_request_event is refused unless a policy lists it; push is admitted", async () => {
    await stack.sql`truncate sfp.oidc_policies cascade`;
    await policy({ name: "gitlab", claims: { project_id: "4815162342", ref: "main" } });
    const gitlab = (overrides: Record<string, unknown>) =>
      issuer.sign({
        ...issuer.githubClaims(),
        sub: `project_path:${REPOSITORY}:ref_type:branch:ref:main`,
        event_name: undefined,
        repository: undefined,
        repository_id: undefined,
        project_id: "4815162342",
        project_path: REPOSITORY,
        ref: "main",
        ...overrides,
      });
    expectError(
      await exchange(await gitlab({ pipeline_source: "merge_request_event" })),
      401,
      "No trust policy matches this token: event 'merge_request_event' is refused unless a policy lists it in allowEvents",
    );
    expect(await exchange(await gitlab({ pipeline_source: "push" }))).toMatchObject({ status: 200, body: { policy: "gitlab" } });
  });

  it("the access token is made by the Edge Function: SQL gets its lookup id and SHA-256, never the token", async () => {
    const [fn] = await stack.sql<{ args: string; source: string }[]>`
      select pg_get_function_arguments(p.oid) as args, p.prosrc as source from pg_proc p
      where p.oid = 'sfp_api.exchange_oidc_token'::regproc`;
    expect(fn.args).toBe("claims jsonb, lookup_id text, token_hash text, context jsonb DEFAULT '{}'::jsonb");
    expect(fn.source).not.toContain("gen_random_bytes");
    expect(fn.source).not.toContain("'access_token'");

    const { access_token: accessToken } = (await exchange(await issuer.sign(issuer.githubClaims()))).body;
    const [session] = await stack.sql<{ lookup_id: string; hash: string }[]>`
      select lookup_id, encode(secret_hash, 'hex') as hash from sfp.oidc_sessions`;
    expect(session).toEqual({
      lookup_id: accessToken.slice("sfp_oidc_".length, "sfp_oidc_".length + 16),
      hash: createHash("sha256").update(accessToken).digest("hex"),
    });
  });

  it("a policy whose creating owner is demoted grants nothing, and its access tokens stop at once", async () => {
    await stack.sql`truncate sfp.oidc_policies cascade`;
    const { member } = stack;
    await stack.sql`select sfp_api.upsert_member(${member.id}::uuid, ${member.email}, 'owner')`;
    try {
      const created = await stack.api("POST", "/oidc-policies", {
        token: member.token,
        body: { name: "by-a-second-owner", issuer: issuer.url, audience: AUDIENCE, claims: { repository_id: REPOSITORY_ID }, projects: [REPOSITORY] },
      });
      expect(created.status, created.text).toBe(201);
      const { access_token: accessToken } = (await exchange(await issuer.sign(issuer.githubClaims()))).body;
      expect((await readAsPipeline(stack, accessToken, `project=${REPOSITORY}`, "before-demotion")).status).toBe(200);

      await stack.sql`select sfp_api.upsert_member(${member.id}::uuid, ${member.email}, 'member')`;
      const refusal = "OIDC access token no longer valid: the owner who created its policy is no longer an owner";
      expectError(await readAsPipeline(stack, accessToken, `project=${REPOSITORY}`, "after-demotion"), 401, refusal);
      const token = await issuer.sign(issuer.githubClaims());
      expectError(
        await exchange(token),
        401,
        "No trust policy matches this token: the trust policy is no longer valid: the owner who created it is no longer an owner",
      );
      expect((await explain(token)).body).toMatchObject({
        valid: true,
        policy: null,
        policies: [{
          name: "by-a-second-owner",
          matched: false,
          check: "owner",
          message: "the owner who created the policy is no longer an owner: it grants nothing (create it again)",
        }],
      });
      // A policy the service created has no owner to lose.
      expect((await stack.api("POST", "/oidc-policies", {
        token: stack.serviceKey,
        body: { name: "by-the-service", issuer: issuer.url, audience: AUDIENCE, claims: { repository_id: REPOSITORY_ID }, projects: [REPOSITORY] },
      })).status).toBe(201);
      expect(await exchange(await issuer.sign(issuer.githubClaims()))).toMatchObject({ status: 200, body: { policy: "by-the-service" } });
    } finally {
      await stack.sql`select sfp_api.upsert_member(${member.id}::uuid, ${member.email}, 'member')`;
    }
  });

  it("an expired access token's refusal names its session and policy", async () => {
    const { access_token: accessToken } = (await exchange(await issuer.sign(issuer.githubClaims()))).body;
    const [{ id }] = await stack.sql`select id from sfp.oidc_sessions`;
    await stack.sql`update sfp.oidc_sessions set expires_at = now() - interval '1 second'`;
    expectError(
      await readAsPipeline(stack, accessToken, `project=${REPOSITORY}`, "expired-session"),
      401,
      "OIDC access token expired: exchange a new OIDC token",
    );
    const rows = await stack.sql`select actor_type, actor_token_id, actor_token_name from sfp.audit_log
                                 where request_id = 'expired-session'`;
    expect(rows.map((row) => ({ ...row }))).toEqual([
      { actor_type: "oidc", actor_token_id: id, actor_token_name: "salesforce-main-ci" },
    ]);
  });
});

describe("the issuer's keys when the issuer is down", () => {
  afterEach(() => {
    issuer.failing = false;
  });

  it("a failed fetch is not repeated for 10 seconds: its refusal answers meanwhile", async () => {
    await stack.restartFunctions(oidcEnv());
    const start = issuer.requests.length;
    issuer.failing = true;
    for (let i = 0; i < 3; i++) {
      expectError(
        await exchange(await issuer.sign(issuer.githubClaims())),
        401,
        "Invalid OIDC token: the issuer's keys could not be fetched: it answered 503",
      );
    }
    expect(issuer.requests.slice(start)).toEqual(["/.well-known/openid-configuration"]);
  });

  it("keys past their max age keep verifying while the issuer is down", async () => {
    await stack.restartFunctions(oidcEnv({ SFP_OIDC_KEY_MAX_AGE_SECONDS: "1" }));
    try {
      expect((await exchange(await issuer.sign(issuer.githubClaims()))).status).toBe(200);
      issuer.failing = true;
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const start = issuer.requests.length;
      expect((await exchange(await issuer.sign(issuer.githubClaims()))).status).toBe(200);
      expect((await exchange(await issuer.sign(issuer.githubClaims()))).status).toBe(200);
      // One attempt to refresh, then the back-off.
      expect(issuer.requests.slice(start)).toEqual(["/.well-known/openid-configuration"]);
    } finally {
      issuer.failing = false;
      await stack.restartFunctions(oidcEnv());
    }
  });
});

describe("bad input", () => {
  it("400 for a body without a token, 415 without JSON", async () => {
    expectError(await stack.api("POST", "/oidc/token", { body: {} }), 400, "token: token is required: the job's OIDC token");
    expectError(
      await stack.api("POST", "/oidc/token", { rawBody: "token=x" }),
      415,
      "Content-Type must be application/json",
    );
  });
});
