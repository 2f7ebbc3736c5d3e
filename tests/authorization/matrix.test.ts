/**
 * The authorization matrix (permissions.ts), cell by cell against the real server: every
 * route x every kind of caller gets exactly the documented status. A refusal changes
 * nothing in the database, and on the routes that read credentials leaves exactly one
 * 'denied' audit row. The permissions table of docs/http-api.md is the same table, rendered.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import { userToken } from "../../stack/tokens.ts";
import { guarded } from "../support/guarded.ts";
import { createTestStack, type TestStack } from "../support/test-stack.ts";
import { CALLERS, type CallerName, MATRIX, PERMISSIONS_DOCUMENT, renderPermissions, type RouteCase } from "./permissions.ts";

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(() => stack?.stop());

interface Fixtures {
  tokens: Record<CallerName, string | null>;
  revocableTokenId: string;
  integrationId: string;
  policyId: string;
}

/** A clean state with one of everything the routes act on, and a token for every caller. */
async function arrange(): Promise<Fixtures> {
  await stack.reset();
  const { sql, keyring } = stack;
  await sql`select sfp_api.create_project('acme/core', 'https://github.com/acme/core')`;
  await sql`select sfp_api.create_project('acme/empty', 'https://github.com/acme/empty')`;
  const integrationId = await guarded(sql, async (tx) => {
    await tx`select sfp_api.create_integration('jira', 'basic_auth',
      ${tx.json({ base_url: "https://acme.atlassian.net", username: "ci@acme.test", api_token: "made-up-jira" })}::jsonb,
      is_global => true, keyring => ${tx.json(keyring)}::jsonb)`;
    const [{ created }] = await tx<{ created: { id: string } }[]>`select sfp_api.create_integration('github', 'pat',
      ${tx.json({ token: "ghp_madeUpMatrix" })}::jsonb, projects => array['acme/core'],
      keyring => ${tx.json(keyring)}::jsonb) as created`;
    return created.id;
  });
  const token = async (name: string) =>
    (await sql<{ t: { id: string; token: string } }[]>`select sfp_api.create_application_token(${name}, 30) as t`)[0].t;
  const valid = await token("valid");
  const [{ scoped }] = await sql<{ scoped: { token: string } }[]>`select sfp_api.create_application_token('scoped', 30,
    projects => array['acme/core'], providers => array['github']) as scoped`;
  const expired = await token("expired");
  const revoked = await token("revoked");
  const revocable = await token("to revoke");
  await sql`update sfp.application_tokens set expires_at = now() - interval '1 day' where id = ${expired.id}`;
  await sql`select sfp_api.revoke_application_token(${revoked.id}::uuid)`;
  await sql`insert into auth.users (id, email, email_confirmed_at) values (gen_random_uuid(), 'newcomer@example.test', now())`;

  await sql`truncate sfp.oidc_policies cascade`;
  const [{ policy }] = await sql<{ policy: { id: string } }[]>`select sfp_api.create_oidc_policy('matrix-policy',
    'https://token.actions.githubusercontent.com', 'https://sfp.matrix.example', '{"repository": "acme/core", "repository_id": "1296269"}'::jsonb,
    array['acme/core']) as policy`;

  const owner = { id: stack.owner.id, email: stack.owner.email };
  return {
    policyId: policy.id,
    revocableTokenId: revocable.id,
    integrationId,
    tokens: {
      "no token": null,
      "malformed token": "not-a-token",
      "expired JWT": await userToken(stack.jwtSecret, owner, Math.floor(Date.now() / 1000) - 60),
      "JWT signed with another key": await userToken("another-secret-of-at-least-thirty-two-chars", owner),
      "JWT of a non-member": stack.outsider.token,
      "member": stack.member.token,
      "owner": stack.owner.token,
      "application token": valid.token,
      "scoped application token": scoped.token,
      "expired application token": expired.token,
      "revoked application token": revoked.token,
      "service-role key": stack.serviceKey,
    },
  };
}

function request(route: RouteCase, fixtures: Fixtures): { path: string; body?: unknown } {
  const path = route.path
    .replace("{project}", encodeURIComponent("acme/core"))
    .replace("{empty}", encodeURIComponent("acme/empty"))
    .replace("{integration}", fixtures.integrationId)
    .replace("{token}", fixtures.revocableTokenId)
    .replace("{policy}", fixtures.policyId)
    .replace("{email}", encodeURIComponent(stack.member.email));
  const key = `${route.method} ${route.path}`;
  const bodies: Record<string, unknown> = {
    "POST /projects": { identifier: "acme/new", remoteUrl: "https://github.com/acme/new" },
    "POST /integrations": { provider: "github", authType: "pat", credentials: { token: "ghp_new" }, projects: ["acme/core"] },
    "POST /integrations/credentials": { project: "acme/core" },
    "POST /application-tokens": { name: "matrix", expiresIn: 7 },
    "POST /oidc-policies": {
      name: "matrix-new",
      issuer: "https://token.actions.githubusercontent.com",
      audience: "https://sfp.matrix.example",
      claims: { repository: "acme/core", repository_id: "1296269" },
      projects: ["acme/core"],
    },
    "POST /oidc/token": { token: "not-a-jwt" },
    "POST /oidc/explain": { token: "not-a-jwt" },
    "POST /users": { email: "newcomer@example.test", role: "member" },
    "PATCH /projects/{project}": { property: "configuration.workItems", value: { provider: "jira", jiraProjects: ["DP"] } },
    "PUT /users/{email}": { role: "owner" },
    "PATCH /integrations/{integration}": { config: { team: "platform" } },
    "POST /integrations/{integration}/rollback": { version: 1 },
  };
  return { path: key === "GET /integrations/credentials" ? `${path}?project=acme/core` : path, body: bodies[key] };
}

/**
 * Every row of every table of the store (the audit log aside), as text, in a stable order.
 * A token's last use aside: a token that authenticated is recorded as used even when its
 * read is refused for its scope (the refusal is returned and committed, with its audit row).
 */
async function snapshot(): Promise<string[]> {
  const tables = ["sfp.projects", "sfp.integrations", "sfp.integration_projects", "sfp.credential_versions",
    "sfp.members", "sfp.application_tokens", "sfp.application_token_projects", "auth.users"];
  const rows: string[] = [];
  for (const table of tables) {
    const row = table === "sfp.application_tokens" ? "(to_jsonb(t) - 'last_used_at')::text" : "t::text";
    const result = await stack.sql.unsafe(`select ${row} as row from ${table} t order by 1`);
    rows.push(...result.map((r) => `${table} ${r.row}`));
  }
  return rows;
}

async function deniedReads(): Promise<number> {
  const [{ count }] = await stack.sql<{ count: number }[]>`
    select count(*)::int as count from sfp.audit_log where action = 'credentials.read' and outcome = 'denied'`;
  return count;
}

describe.each(MATRIX.map((route) => [`${route.method} ${route.path}`, route] as const))("%s", (_, route) => {
  it.each(CALLERS.map((caller, index) => [caller, route.statuses[index]] as const))(
    "%s -> %i",
    async (caller, expected) => {
      const fixtures = await arrange();
      const before = await snapshot();
      const deniedBefore = await deniedReads();
      const { path, body } = request(route, fixtures);

      const response = await stack.api(route.method, path, { token: fixtures.tokens[caller], body });

      expect(response.status, response.text).toBe(expected);
      if (expected >= 400) {
        expect(response.body).toMatchObject({ statusCode: expected });
        expect(await snapshot()).toEqual(before);
        expect(await deniedReads()).toBe(deniedBefore + (route.readsCredentials ? 1 : 0));
      }
    },
  );
});

describe(PERMISSIONS_DOCUMENT, () => {
  it("shows this permissions table (regenerate with npm run docs:permissions)", () => {
    const text = readFileSync(join(PROJECT_ROOT, PERMISSIONS_DOCUMENT), "utf8");
    expect(text).toContain(renderPermissions());
  });
});
