/**
 * The audit log's promises (docs/security.md, "The audit"). Proves:
 *   - every credential read leaves one audit row: granted, denied (by role, or for claims that
 *     name no user) and not found alike;
 *   - the log is append-only: UPDATE, DELETE and TRUNCATE are refused even for the superuser;
 *   - fail-closed: when the audit insert fails, the read fails and no credential is returned;
 *   - no audit row ever holds a secret value.
 * Reads go through `authenticator` as service_role (as the Edge Functions call); data is
 * arranged, and the log inspected, over the superuser connection.
 */
import { describe, expect, it } from "vitest";
import { APPEND_ONLY, OWNER_OR_APPLICATION } from "../support/messages.ts";
import { useAuthenticator } from "../support/postgrest.ts";
import { useTestStack } from "../support/test-stack.ts";
import {
  contextFor,
  countRows,
  createIntegration,
  createProject,
  credentialReadAudit,
  getCredentials,
  refusal,
} from "./rpc.ts";

const stack = useTestStack();
const api = useAuthenticator(stack);

const canary = "ghp_AUDITcanary7f3e9c1d5b2a8e4f6c0d9b3a";
const githubCredentials = { token: canary };

describe("every read is audited", () => {
  it("a granted read writes one 'granted' row naming the integration", async () => {
    await createProject(stack, "acme/core");
    const github = await createIntegration(stack, { provider: "github", authType: "pat", credentials: githubCredentials, projects: ["acme/core"] });

    const result = await getCredentials(stack, api, { provider: "github", project: "acme/core", context: contextFor(stack.owner) });

    expect(result.outcome).toBe("granted");
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining({ outcome: "granted", actor_id: stack.owner.id, integration_ids: [github.id], provider: "github", project: "acme/core" }),
    ]);
  });

  it("a denied read writes one 'denied' row", async () => {
    await createProject(stack, "acme/core");
    await createIntegration(stack, { provider: "github", authType: "pat", credentials: githubCredentials, projects: ["acme/core"] });

    const result = await getCredentials(stack, api, { provider: "github", project: "acme/core", context: contextFor(stack.member) });

    expect(result).toEqual({ outcome: "denied", reason: "forbidden", message: OWNER_OR_APPLICATION });
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining({ outcome: "denied", actor_type: "user", actor_id: stack.member.id, integration_ids: [], provider: "github", project: "acme/core", message: OWNER_OR_APPLICATION }),
    ]);
  });

  it("a read whose claims name no user writes one 'denied' row for an anonymous actor", async () => {
    await createIntegration(stack, { provider: "github", authType: "pat", credentials: githubCredentials, isGlobal: true });

    const result = await getCredentials(stack, api, { provider: "github", context: { claims: { role: "anon" } } });

    expect(result).toEqual({ outcome: "denied", reason: "unauthenticated", message: "Unauthorized" });
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining({ outcome: "denied", actor_type: "anonymous", actor_id: null, actor_role: null, integration_ids: [], provider: "github", project: null, message: "Unauthorized" }),
    ]);
  });

  it("a read that finds nothing writes one 'not_found' row", async () => {
    const result = await getCredentials(stack, api, { provider: "github", context: contextFor(stack.owner) });

    expect(result).toEqual({ outcome: "not_found", message: "No integration found for provider=github" });
    expect(await credentialReadAudit(stack)).toEqual([
      expect.objectContaining({ outcome: "not_found", actor_id: stack.owner.id, integration_ids: [], provider: "github", project: null, message: "No integration found for provider=github" }),
    ]);
  });
});

describe("the audit log is append-only", () => {
  /** One credential read's audit row to try to change, and the log as it is before. */
  async function arrangeAuditedRead() {
    await createIntegration(stack, { provider: "github", authType: "pat", credentials: githubCredentials, isGlobal: true });
    await getCredentials(stack, api, { provider: "github", context: contextFor(stack.owner) });
    return stack.sql`select * from sfp.audit_log order by id`;
  }

  it("the superuser cannot UPDATE an audit row", async () => {
    const before = await arrangeAuditedRead();

    const error = await refusal(stack.sql`update sfp.audit_log set outcome = 'denied', actor_id = null where action = 'credentials.read'`);

    expect({ code: error.code, message: error.message }).toEqual({ code: "42501", message: APPEND_ONLY });
    expect(await stack.sql`select * from sfp.audit_log order by id`).toEqual(before);
  });

  it("the superuser cannot DELETE an audit row", async () => {
    const before = await arrangeAuditedRead();

    const error = await refusal(stack.sql`delete from sfp.audit_log`);

    expect({ code: error.code, message: error.message }).toEqual({ code: "42501", message: APPEND_ONLY });
    expect(await stack.sql`select * from sfp.audit_log order by id`).toEqual(before);
  });

  it("the superuser cannot TRUNCATE the audit log, nor it with its hash chain", async () => {
    const before = await arrangeAuditedRead();
    await stack.sql`select sfp_api.seal_audit_log()`;

    // Alone, the chain's foreign key refuses it first; together, the append-only triggers do.
    const alone = await refusal(stack.sql`truncate sfp.audit_log`);
    expect({ code: alone.code, message: alone.message })
      .toEqual({ code: "0A000", message: "cannot truncate a table referenced in a foreign key constraint" });
    const together = await refusal(stack.sql`truncate sfp.audit_log, sfp.audit_chain`);
    expect({ code: together.code, message: together.message }).toEqual({ code: "42501", message: APPEND_ONLY });
    expect(await stack.sql`select * from sfp.audit_log order by id`).toEqual(before);
  });
});

describe("fail-closed audit", () => {
  it("a credential read whose audit insert fails returns no credential and leaves no audit row", async () => {
    await createIntegration(stack, { provider: "github", authType: "pat", credentials: githubCredentials, isGlobal: true });
    const auditBefore = await countRows(stack, "sfp.audit_log");
    await stack.sql.unsafe(`
      create function public.test_audit_insert_fails() returns trigger language plpgsql as $$
      begin
        raise exception using errcode = 'P0001', message = 'audit storage unavailable (test)';
      end $$;
      create trigger test_audit_insert_fails before insert on sfp.audit_log
        for each row execute function public.test_audit_insert_fails();`);
    try {
      let returned: unknown;
      const error = await refusal(
        getCredentials(stack, api, { provider: "github", context: {} }).then((result) => (returned = result)),
      );

      expect({ code: error.code, message: error.message }).toEqual({ code: "P0001", message: "audit storage unavailable (test)" });
      expect(returned).toBeUndefined();
      expect(JSON.stringify(error)).not.toContain(canary);
      expect(String(error.message) + String(error.detail ?? "") + String(error.where ?? "")).not.toContain(canary);
    } finally {
      await stack.sql.unsafe(`
        drop trigger test_audit_insert_fails on sfp.audit_log;
        drop function public.test_audit_insert_fails();`);
    }
    expect(await countRows(stack, "sfp.audit_log")).toBe(auditBefore);
    expect(await credentialReadAudit(stack)).toEqual([]);
  });
});

describe("no secret in the audit log", () => {
  it("no audit row holds the stored token, after a create, a granted, a denied and a not-found read", async () => {
    await createProject(stack, "acme/core");
    await createIntegration(stack, { provider: "github", authType: "pat", credentials: githubCredentials, projects: ["acme/core"] });
    const granted = await getCredentials(stack, api, { provider: "github", project: "acme/core", context: contextFor(stack.owner) });
    await getCredentials(stack, api, { provider: "github", project: "acme/core", context: contextFor(stack.member) });
    await getCredentials(stack, api, { provider: "jira", project: "acme/core", context: contextFor(stack.owner) });

    expect(granted.credentials[0].credentials).toEqual(githubCredentials); // the token did pass through
    const rows = await stack.sql<{ row: string }[]>`select row_to_json(a)::text as row from sfp.audit_log a order by id`;
    expect(rows.map((r) => r.row).filter((row) => row.includes("credentials.read") || row.includes("integration.create")))
      .toHaveLength(4);
    for (const { row } of rows) expect(row).not.toContain(canary);
  });
});
