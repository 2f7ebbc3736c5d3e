/**
 * The team's members over HTTP (/sfp/api/users). Proves:
 *   - owners list the members; anyone else is refused (403);
 *   - /users/me tells each kind of caller who they are: an owner, a member, a signed-in user
 *     who is no member (role null), an application token, the service;
 *   - owners add a signed-up Supabase Auth user by email (case-insensitive) once they have
 *     confirmed their email; an unknown email is 404, an unconfirmed one 400, a member already
 *     in the team 409, a bad role or email 400, and none changes anything; the users
 *     upsert_member creates are confirmed;
 *   - a role change or a removal takes effect on the very next request;
 *   - the team always keeps an owner: the last owner can be neither demoted nor removed, even
 *     when two owners demote each other at once; nor can the last owner's Supabase Auth
 *     account be deleted (sfp.members cascades from auth.users), even when two owners'
 *     accounts are deleted at once;
 *   - nobody but an owner changes a role, their own included;
 *   - every change leaves one audit row with its action, actor and details; refusals none.
 */
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { databaseUrl } from "../../stack/addresses.ts";
import { userToken } from "../../stack/tokens.ts";
import { expectError, TIMESTAMP } from "../support/http.ts";
import { waitForLockWaiters } from "../support/locks.ts";
import { MISSING_TOKEN, OWNER_MEMBER_OR_APPLICATION, OWNER_ONLY } from "../support/messages.ts";
import { type Actor, type ApiResponse, useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const KEEP_AN_OWNER = "The team must keep at least one owner";

const githubPat = { token: "ghp_madeUpMembers000000000000000000000000" };

/**
 * A user who signed up with Supabase Auth (an auth.users row) and holds a session token;
 * their email confirmed unless `confirmed` is false.
 */
async function signUp(email: string, { confirmed = true } = {}): Promise<Actor> {
  const id = randomUUID();
  await stack.sql`insert into auth.users (id, email, email_confirmed_at)
    values (${id}, ${email}, ${confirmed ? new Date() : null}::timestamptz)`;
  return { id, email, token: await userToken(stack.jwtSecret, { id, email }) };
}

/** A second owner, made the way a deployment makes its first one (upsert_member, as the service). */
async function secondOwner(): Promise<Actor> {
  const id = randomUUID();
  const email = "owner2@example.test";
  await stack.sql`select sfp_api.upsert_member(${id}::uuid, ${email}, 'owner')`;
  return { id, email, token: await userToken(stack.jwtSecret, { id, email }) };
}

/** The members as stored, by email. */
async function storedMembers() {
  const rows = await stack.sql`select user_id, email, role from sfp.members order by email`;
  return rows.map((row) => ({ ...row }));
}

/** Audit rows of membership changes made through the API (not the upserts that arranged the team). */
async function memberAudit() {
  const rows = await stack.sql`
    select actor_type, actor_id, actor_email, actor_role, actor_token_id, action, outcome, details
    from sfp.audit_log where action like 'member.%' and action <> 'member.upsert' order by id`;
  return rows.map((row) => ({ ...row }));
}

const memberJson = (actor: { id: string; email: string }, role: string) => ({
  user_id: actor.id,
  email: actor.email,
  role,
  created_at: expect.stringMatching(TIMESTAMP),
  updated_at: expect.stringMatching(TIMESTAMP),
});

const byOwner = () => ({
  actor_type: "user",
  actor_id: stack.owner.id,
  actor_email: stack.owner.email,
  actor_role: "owner",
  actor_token_id: null,
  outcome: "succeeded",
});

describe("GET /users lists the members (owners only)", () => {
  it("an owner gets every member, by email, with role and timestamps", async () => {
    const response = await stack.api("GET", "/users", { token: stack.owner.token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual([memberJson(stack.member, "member"), memberJson(stack.owner, "owner")]);
  });

  it("a signed-up user who is not a member is not listed", async () => {
    const response = await stack.api("GET", "/users", { token: stack.owner.token });
    expect(response.body.map((m: { email: string }) => m.email)).not.toContain(stack.outsider.email);
  });

  it(`a member is refused with 403 "${OWNER_ONLY}"`, async () => {
    expectError(await stack.api("GET", "/users", { token: stack.member.token }), 403, OWNER_ONLY);
  });

  it(`a signed-in user who is not a member is refused with 403 "${OWNER_ONLY}"`, async () => {
    expectError(await stack.api("GET", "/users", { token: stack.outsider.token }), 403, OWNER_ONLY);
  });

  it("the service may list the members", async () => {
    const response = await stack.api("GET", "/users", { token: stack.serviceKey });
    expect(response.status).toBe(200);
    expect(response.body.map((m: { email: string }) => m.email)).toEqual([stack.member.email, stack.owner.email]);
  });

  it("without a token: 401", async () => {
    expectError(await stack.api("GET", "/users"), 401, MISSING_TOKEN);
  });
});

describe("GET /users/me tells the caller who they are", () => {
  it("an owner", async () => {
    const response = await stack.api("GET", "/users/me", { token: stack.owner.token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ type: "user", user_id: stack.owner.id, email: stack.owner.email, role: "owner" });
  });

  it("a member", async () => {
    const response = await stack.api("GET", "/users/me", { token: stack.member.token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ type: "user", user_id: stack.member.id, email: stack.member.email, role: "member" });
  });

  it("a signed-in user who is not a member: role null", async () => {
    const response = await stack.api("GET", "/users/me", { token: stack.outsider.token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ type: "user", user_id: stack.outsider.id, email: stack.outsider.email, role: null });
  });

  it("an application token: its id and name, role application", async () => {
    const created = await stack.api("POST", "/application-tokens", { token: stack.owner.token, body: { name: "ci-main" } });
    expect(created.status).toBe(201);
    const response = await stack.api("GET", "/users/me", { token: created.body.token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ type: "application", token_id: created.body.id, name: "ci-main", role: "application" });
  });

  it("the service-role key", async () => {
    const response = await stack.api("GET", "/users/me", { token: stack.serviceKey });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ type: "service", role: "service" });
  });

  it("changes nothing and writes no audit row", async () => {
    const auditBefore = await stack.sql`select count(*)::int as n from sfp.audit_log`;
    await stack.api("GET", "/users/me", { token: stack.owner.token });
    expect(await stack.sql`select count(*)::int as n from sfp.audit_log`).toEqual(auditBefore);
  });
});

describe("POST /users adds a signed-up user", () => {
  it("an owner adds a signed-up user by email: 201, stored, and audited as member.add", async () => {
    const response = await stack.api("POST", "/users", {
      token: stack.owner.token,
      body: { email: stack.outsider.email, role: "member" },
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual(memberJson(stack.outsider, "member"));
    expect(await storedMembers()).toContainEqual({ user_id: stack.outsider.id, email: stack.outsider.email, role: "member" });
    expect(await memberAudit()).toEqual([
      { ...byOwner(), action: "member.add", details: response.body },
    ]);
  });

  it("the email is matched case-insensitively; the account's own email is stored", async () => {
    const response = await stack.api("POST", "/users", {
      token: stack.owner.token,
      body: { email: "OutSider@Example.TEST", role: "owner" },
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual(memberJson(stack.outsider, "owner"));
    expect(await storedMembers()).toContainEqual({ user_id: stack.outsider.id, email: "outsider@example.test", role: "owner" });
  });

  it("a user who signed up with a mixed-case email is found by any case, and stored as they signed up", async () => {
    const lead = await signUp("Dev.Lead@Example.test");
    const response = await stack.api("POST", "/users", {
      token: stack.owner.token,
      body: { email: "dev.lead@example.TEST", role: "member" },
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual(memberJson(lead, "member"));
    expect(await storedMembers()).toContainEqual({ user_id: lead.id, email: "Dev.Lead@Example.test", role: "member" });
  });

  it("the added user's next request has the new role", async () => {
    expectError(await stack.api("GET", "/projects", { token: stack.outsider.token }), 403, OWNER_MEMBER_OR_APPLICATION);

    const added = await stack.api("POST", "/users", { token: stack.owner.token, body: { email: stack.outsider.email, role: "member" } });
    expect(added.status).toBe(201);

    const response = await stack.api("GET", "/projects", { token: stack.outsider.token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual([]);
  });

  it("an unknown email: 404, and nothing is stored or audited", async () => {
    const before = await storedMembers();
    const response = await stack.api("POST", "/users", {
      token: stack.owner.token,
      body: { email: "nobody@example.test", role: "member" },
    });
    expectError(response, 404, "User 'nobody@example.test' not found: they must sign up before they can be added");
    expect(await storedMembers()).toEqual(before);
    expect(await memberAudit()).toEqual([]);
  });

  it("a user who has not confirmed their email: 400, and nothing is stored or audited", async () => {
    const pending = await signUp("Pending@Example.test", { confirmed: false });
    const before = await storedMembers();
    const response = await stack.api("POST", "/users", {
      token: stack.owner.token,
      body: { email: "pending@example.TEST", role: "member" },
    });
    expectError(response, 400,
      "User 'pending@example.TEST' has not confirmed their email: they must confirm it before they can be added");
    expect(await storedMembers()).toEqual(before);
    expect(await memberAudit()).toEqual([]);
    expectError(await stack.api("GET", "/projects", { token: pending.token }), 403, OWNER_MEMBER_OR_APPLICATION);
  });

  it("once they confirm their email, the same user is added", async () => {
    const pending = await signUp("pending@example.test", { confirmed: false });
    await stack.sql`update auth.users set email_confirmed_at = now() where id = ${pending.id}`;
    const response = await stack.api("POST", "/users", { token: stack.owner.token, body: { email: pending.email, role: "member" } });
    expect(response.status).toBe(201);
    expect(response.body).toEqual(memberJson(pending, "member"));
  });

  it("the users upsert_member creates have their email confirmed", async () => {
    const other = await secondOwner();
    expect(await stack.sql`select email_confirmed_at is not null as confirmed from auth.users where id = ${other.id}`).toEqual([
      { confirmed: true },
    ]);
  });

  it("a user who is already a member (another case, another role): 409, and their role is unchanged", async () => {
    const before = await storedMembers();
    const response = await stack.api("POST", "/users", {
      token: stack.owner.token,
      body: { email: "MEMBER@example.test", role: "owner" },
    });
    expectError(response, 409, "The user is already a member.");
    expect(await storedMembers()).toEqual(before);
    expect(await memberAudit()).toEqual([]);
  });

  it.each([
    ["an unknown role", { email: "outsider@example.test", role: "admin" }, "role: role must be one of: owner, member"],
    ["the role application", { email: "outsider@example.test", role: "application" }, "role: role must be one of: owner, member"],
    ["no role", { email: "outsider@example.test" }, "role: role must be one of: owner, member"],
    ["an email that is not one", { email: "outsider", role: "member" }, "email: email must be an email address"],
    ["no email", { role: "member" }, "email: email must be an email address"],
  ])("%s: 400, and nothing is stored", async (_, body, message) => {
    const before = await storedMembers();
    expectError(await stack.api("POST", "/users", { token: stack.owner.token, body }), 400, message);
    expect(await storedMembers()).toEqual(before);
    expect(await memberAudit()).toEqual([]);
  });

  it(`a member cannot add anyone: 403 "${OWNER_ONLY}"`, async () => {
    const before = await storedMembers();
    const response = await stack.api("POST", "/users", {
      token: stack.member.token,
      body: { email: stack.outsider.email, role: "member" },
    });
    expectError(response, 403, OWNER_ONLY);
    expect(await storedMembers()).toEqual(before);
  });

  it(`a signed-in user who is not a member cannot add themselves: 403 "${OWNER_ONLY}"`, async () => {
    const before = await storedMembers();
    const response = await stack.api("POST", "/users", {
      token: stack.outsider.token,
      body: { email: stack.outsider.email, role: "owner" },
    });
    expectError(response, 403, OWNER_ONLY);
    expect(await storedMembers()).toEqual(before);
  });

  it("the service may add a member; the audit row names the service", async () => {
    const response = await stack.api("POST", "/users", {
      token: stack.serviceKey,
      body: { email: stack.outsider.email, role: "member" },
    });
    expect(response.status).toBe(201);
    expect(await memberAudit()).toEqual([{
      actor_type: "service", actor_id: null, actor_email: null, actor_role: "service", actor_token_id: null,
      action: "member.add", outcome: "succeeded", details: response.body,
    }]);
  });
});

describe("PUT /users/{email} changes a role", () => {
  it("promoting a member: 200, and their next request may create an integration", async () => {
    expectError(await stack.api("POST", "/integrations", {
      token: stack.member.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, isGlobal: true },
    }), 403, OWNER_ONLY);

    const response = await stack.api("PUT", `/users/${encodeURIComponent(stack.member.email)}`, {
      token: stack.owner.token,
      body: { role: "owner" },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(memberJson(stack.member, "owner"));

    const created = await stack.api("POST", "/integrations", {
      token: stack.member.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, isGlobal: true },
    });
    expect(created.status).toBe(201);
    expect(await stack.sql`select created_by from sfp.integrations`).toEqual([{ created_by: stack.member.id }]);
  });

  it("a role change is audited as member.role_change with the previous role", async () => {
    const response = await stack.api("PUT", `/users/${stack.member.email}`, { token: stack.owner.token, body: { role: "owner" } });
    expect(response.status).toBe(200);
    expect(await memberAudit()).toEqual([
      { ...byOwner(), action: "member.role_change", details: { ...response.body, previous_role: "member" } },
    ]);
  });

  it("the email in the path is matched case-insensitively", async () => {
    const response = await stack.api("PUT", "/users/Member%40EXAMPLE.test", { token: stack.owner.token, body: { role: "owner" } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(memberJson(stack.member, "owner"));
  });

  it("demoting an owner: their very next request is refused", async () => {
    const other = await secondOwner();
    expect((await stack.api("GET", "/integrations", { token: stack.owner.token })).status).toBe(200);

    const response = await stack.api("PUT", `/users/${stack.owner.email}`, { token: other.token, body: { role: "member" } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(memberJson(stack.owner, "member"));

    expectError(await stack.api("GET", "/integrations", { token: stack.owner.token }), 403, OWNER_ONLY);
    expectError(await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, isGlobal: true },
    }), 403, OWNER_ONLY);
    expect(await memberAudit()).toEqual([{
      actor_type: "user", actor_id: other.id, actor_email: other.email, actor_role: "owner", actor_token_id: null,
      action: "member.role_change", outcome: "succeeded", details: { ...response.body, previous_role: "owner" },
    }]);
  });

  it(`the last owner cannot demote themselves: 409 "${KEEP_AN_OWNER}", and nothing changes`, async () => {
    const before = await storedMembers();
    const response = await stack.api("PUT", `/users/${stack.owner.email}`, { token: stack.owner.token, body: { role: "member" } });
    expectError(response, 409, KEEP_AN_OWNER);
    expect(await storedMembers()).toEqual(before);
    expect(await memberAudit()).toEqual([]);
  });

  it(`the service cannot demote the last owner either: 409 "${KEEP_AN_OWNER}"`, async () => {
    const response = await stack.api("PUT", `/users/${stack.owner.email}`, { token: stack.serviceKey, body: { role: "member" } });
    expectError(response, 409, KEEP_AN_OWNER);
    expect(await stack.sql`select role from sfp.members where user_id = ${stack.owner.id}`).toEqual([{ role: "owner" }]);
  });

  it("two owners demoting each other at once leave exactly one owner: one succeeds, the other is refused", async () => {
    const other = await secondOwner();

    const [first, second] = await Promise.all([
      stack.api("PUT", `/users/${other.email}`, { token: stack.owner.token, body: { role: "member" } }),
      stack.api("PUT", `/users/${stack.owner.email}`, { token: other.token, body: { role: "member" } }),
    ]);

    const owners = await stack.sql`select user_id from sfp.members where role = 'owner'`;
    expect(owners).toHaveLength(1);
    expect([first.status, second.status].filter((status) => status === 200)).toHaveLength(1);
    const [winner, loser] = first.status === 200 ? [first, second] : [second, first];
    // The one left as owner is the one whose demotion of the other went through.
    const [winnerActor, demoted] = winner === first ? [stack.owner, other] : [other, stack.owner];
    expect(owners[0].user_id).toBe(winnerActor.id);
    expect(winner.body).toEqual(memberJson(demoted, "member"));
    expect(loser.status).toBeGreaterThanOrEqual(400);
    // Which refusal the loser gets depends on the timing: 409 (it lost the race for the last
    // owner) or 403 (it was already demoted when authorized). The test below makes both
    // requests overlap inside the database every time.
    expect(await memberAudit()).toEqual([{
      actor_type: "user", actor_id: winnerActor.id, actor_email: winnerActor.email, actor_role: "owner", actor_token_id: null,
      action: "member.role_change", outcome: "succeeded", details: { ...winner.body, previous_role: "owner" },
    }]);
  });

  it(
    "two owners demoting each other whose requests overlap in the database queue up: one 200, one 409, never a deadlock",
    async () => {
      // Both lock every owner row first, in the same order (sfp._lock_owners), so the second
      // waits for the first and then sees it was the last owner. A third transaction holds
      // one owner row meanwhile, so that both requests are inside the database at once.
      const other = await secondOwner();
      let first!: Promise<ApiResponse>;
      let second!: Promise<ApiResponse>;
      await stack.sql.begin(async (blocker) => {
        await blocker`select 1 from sfp.members where user_id = ${other.id} for update`;
        first = stack.api("PUT", `/users/${other.email}`, { token: stack.owner.token, body: { role: "member" } });
        await waitForLockWaiters(stack.sql, 1, { functionsOnly: true });
        second = stack.api("PUT", `/users/${stack.owner.email}`, { token: other.token, body: { role: "member" } });
        await waitForLockWaiters(stack.sql, 2, { functionsOnly: true });
      });
      const results = await Promise.all([first, second]);

      expect(await stack.sql`select user_id from sfp.members where role = 'owner'`).toHaveLength(1);
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).not.toContain(500);
      expect([[200, 403], [200, 409]]).toContainEqual(statuses);
    },
    15_000,
  );

  it(`a member cannot raise their own role: 403 "${OWNER_ONLY}", still a member`, async () => {
    const response = await stack.api("PUT", `/users/${stack.member.email}`, { token: stack.member.token, body: { role: "owner" } });
    expectError(response, 403, OWNER_ONLY);
    expect(await stack.sql`select role from sfp.members where user_id = ${stack.member.id}`).toEqual([{ role: "member" }]);
    expectError(await stack.api("GET", "/users", { token: stack.member.token }), 403, OWNER_ONLY);
    expect(await memberAudit()).toEqual([]);
  });

  it(`a member cannot demote an owner: 403 "${OWNER_ONLY}"`, async () => {
    await secondOwner();
    const response = await stack.api("PUT", `/users/${stack.owner.email}`, { token: stack.member.token, body: { role: "member" } });
    expectError(response, 403, OWNER_ONLY);
    expect(await stack.sql`select role from sfp.members where user_id = ${stack.owner.id}`).toEqual([{ role: "owner" }]);
  });

  it("an unknown member: 404", async () => {
    const response = await stack.api("PUT", "/users/nobody@example.test", { token: stack.owner.token, body: { role: "owner" } });
    expectError(response, 404, "Member 'nobody@example.test' not found");
  });

  it("a signed-up user who is not a member: 404, not added", async () => {
    const response = await stack.api("PUT", `/users/${stack.outsider.email}`, { token: stack.owner.token, body: { role: "owner" } });
    expectError(response, 404, `Member '${stack.outsider.email}' not found`);
    expect(await stack.sql`select * from sfp.members where user_id = ${stack.outsider.id}`).toEqual([]);
  });

  it("a path that is not an email: 400", async () => {
    const response = await stack.api("PUT", "/users/not-an-email", { token: stack.owner.token, body: { role: "member" } });
    expectError(response, 400, "email must be an email address");
  });

  it("a bad role: 400, and nothing changes", async () => {
    const before = await storedMembers();
    const response = await stack.api("PUT", `/users/${stack.member.email}`, { token: stack.owner.token, body: { role: "admin" } });
    expectError(response, 400, "role: role must be one of: owner, member");
    expect(await storedMembers()).toEqual(before);
  });
});

describe("DELETE /users/{email} removes a member", () => {
  it("an owner removes a member: 200 with the removed member, audited as member.remove", async () => {
    const response = await stack.api("DELETE", `/users/${stack.member.email}`, { token: stack.owner.token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(memberJson(stack.member, "member"));
    expect(await stack.sql`select * from sfp.members where user_id = ${stack.member.id}`).toEqual([]);
    // Their Supabase Auth account stays.
    expect(await stack.sql`select email from auth.users where id = ${stack.member.id}`).toEqual([{ email: stack.member.email }]);
    expect(await memberAudit()).toEqual([{ ...byOwner(), action: "member.remove", details: response.body }]);
  });

  it("the removed user's next request is refused with 403, and /users/me shows role null", async () => {
    expect((await stack.api("GET", "/projects", { token: stack.member.token })).status).toBe(200);

    expect((await stack.api("DELETE", `/users/${stack.member.email}`, { token: stack.owner.token })).status).toBe(200);

    expectError(await stack.api("GET", "/projects", { token: stack.member.token }), 403, OWNER_MEMBER_OR_APPLICATION);
    const me = await stack.api("GET", "/users/me", { token: stack.member.token });
    expect(me.body).toEqual({ type: "user", user_id: stack.member.id, email: stack.member.email, role: null });
  });

  it("a removed owner loses owner rights on the next request", async () => {
    const other = await secondOwner();
    expect((await stack.api("DELETE", `/users/${other.email}`, { token: stack.owner.token })).status).toBe(200);
    expectError(await stack.api("GET", "/integrations", { token: other.token }), 403, OWNER_ONLY);
  });

  it(`the last owner cannot remove themselves: 409 "${KEEP_AN_OWNER}", and nothing changes`, async () => {
    const before = await storedMembers();
    const response = await stack.api("DELETE", `/users/${stack.owner.email}`, { token: stack.owner.token });
    expectError(response, 409, KEEP_AN_OWNER);
    expect(await storedMembers()).toEqual(before);
    expect(await memberAudit()).toEqual([]);
  });

  it("with two owners, one may remove the other", async () => {
    const other = await secondOwner();
    const response = await stack.api("DELETE", `/users/${stack.owner.email}`, { token: other.token });
    expect(response.status).toBe(200);
    expect(await stack.sql`select user_id from sfp.members where role = 'owner'`).toEqual([{ user_id: other.id }]);
  });

  it(`a member cannot remove anyone: 403 "${OWNER_ONLY}"`, async () => {
    const before = await storedMembers();
    expectError(await stack.api("DELETE", `/users/${stack.owner.email}`, { token: stack.member.token }), 403, OWNER_ONLY);
    expectError(await stack.api("DELETE", `/users/${stack.member.email}`, { token: stack.member.token }), 403, OWNER_ONLY);
    expect(await storedMembers()).toEqual(before);
  });

  it("an unknown member: 404", async () => {
    expectError(
      await stack.api("DELETE", "/users/nobody@example.test", { token: stack.owner.token }),
      404,
      "Member 'nobody@example.test' not found",
    );
  });

  it("a removed user may be added again", async () => {
    await stack.api("DELETE", `/users/${stack.member.email}`, { token: stack.owner.token });
    const response = await stack.api("POST", "/users", { token: stack.owner.token, body: { email: stack.member.email, role: "member" } });
    expect(response.status).toBe(201);
    expect((await stack.api("GET", "/projects", { token: stack.member.token })).status).toBe(200);
  });
});

describe("deleting a Supabase Auth account (auth.users) keeps an owner", () => {
  const storedAccounts = async () =>
    (await stack.sql`select id, email from auth.users order by email`).map((row) => ({ ...row }));

  it(`the last owner's account cannot be deleted: SF409 "${KEEP_AN_OWNER}", and nothing changes`, async () => {
    const [members, accounts] = [await storedMembers(), await storedAccounts()];
    const error = await stack.sql`delete from auth.users where id = ${stack.owner.id}`.catch((e) => e);
    expect({ code: error.code, message: error.message }).toEqual({ code: "SF409", message: KEEP_AN_OWNER });
    expect(await storedMembers()).toEqual(members);
    expect(await storedAccounts()).toEqual(accounts);
    expect((await stack.api("GET", "/users", { token: stack.owner.token })).status).toBe(200);
  });

  it("nor every account at once: the statement is refused as a whole", async () => {
    await secondOwner();
    const [members, accounts] = [await storedMembers(), await storedAccounts()];
    const error = await stack.sql`delete from auth.users`.catch((e) => e);
    expect({ code: error.code, message: error.message }).toEqual({ code: "SF409", message: KEEP_AN_OWNER });
    expect(await storedMembers()).toEqual(members);
    expect(await storedAccounts()).toEqual(accounts);
  });

  it("an owner's account can be deleted while another owner remains: their membership goes with it", async () => {
    const other = await secondOwner();
    await stack.sql`delete from auth.users where id = ${stack.owner.id}`;
    expect(await stack.sql`select user_id, role from sfp.members where role = 'owner'`).toEqual([{ user_id: other.id, role: "owner" }]);
    expect(await stack.sql`select * from sfp.members where user_id = ${stack.owner.id}`).toEqual([]);
    expect((await stack.api("GET", "/users", { token: other.token })).status).toBe(200);
  });

  it("a member's account can be deleted", async () => {
    await stack.sql`delete from auth.users where id = ${stack.member.id}`;
    expect(await stack.sql`select email from sfp.members`).toEqual([{ email: stack.owner.email }]);
  });

  it(
    "two owners' accounts deleted at once: one goes, the other is refused with SF409, never a deadlock",
    async () => {
      // Each deletion locks every owner row (in one order) before it locks the member row it
      // removes, so the second waits for the first and then sees it was the last owner.
      const other = await secondOwner();
      const connect = () => postgres(databaseUrl(stack.server.superuserUrl, stack.database), { max: 1, onnotice: () => {} });
      const [first, second, watcher] = [connect(), connect(), connect()];
      try {
        let secondDeletion!: Promise<unknown>;
        await first.begin(async (tx) => {
          await tx`delete from auth.users where id = ${stack.owner.id}`;
          secondDeletion = second`delete from auth.users where id = ${other.id}`.then(() => null, (error) => error);
          await waitForLockWaiters(watcher, 1);
        });
        const error = (await secondDeletion) as postgres.PostgresError | null;
        expect({ code: error?.code, message: error?.message }).toEqual({ code: "SF409", message: KEEP_AN_OWNER });
        expect(await stack.sql`select user_id from sfp.members where role = 'owner'`).toEqual([{ user_id: other.id }]);
        expect(await stack.sql`select id from auth.users where id in (${stack.owner.id}, ${other.id})`).toEqual([{ id: other.id }]);
      } finally {
        await Promise.all([first.end(), second.end(), watcher.end()]);
      }
    },
    15_000,
  );
});
