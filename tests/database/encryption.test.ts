/**
 * Credentials at rest (docs/security.md, "Encryption and MAC" and "Keys"). Proves:
 *   - sfp.credential_versions holds ciphertext only: the token appears in no stored column,
 *     as text, hex or base64; IV 16 bytes, MAC 32, key version 1;
 *   - the ciphertext is authenticated and bound to its row (MAC format 2: its auth type too): a
 *     copy onto another integration, a flipped bit, or a changed auth type fails the integrity
 *     check (SFK02) and decrypts nothing; a format-1 row (the old MAC) still reads, and
 *     rewrap_credentials re-seals it in format 2 with the same plaintext;
 *   - a key ring without the row's key version, or no key ring, is refused (SFK01); a wrong key
 *     under a recorded version is recognised as such (SFK04, naming the version), not
 *     mistaken for tampering; a read never records a check value (it must not vouch for a key);
 *   - get_credentials returns these failures as {"outcome": "error", code, message,
 *     integration_id} and audits them ('error', details.code), and no answer, error or audit
 *     row ever echoes a key;
 *   - each encryption draws a fresh IV;
 *   - an integration cannot commit without its current credential version.
 * Reads go through `authenticator` as service_role; tampering is done as the superuser.
 */
import { createHmac } from "node:crypto";
import type postgres from "postgres";
import { describe, expect, it } from "vitest";
import { guarded } from "../support/guarded.ts";
import { keyNotInRing, wrongKey } from "../support/messages.ts";
import { asPostgrest, useAuthenticator } from "../support/postgrest.ts";
import { newKey, useTestStack } from "../support/test-stack.ts";
import { countRows, createIntegration, credentialReadAudit, getCredentials, refusal } from "./rpc.ts";

const stack = useTestStack();
const api = useAuthenticator(stack);

const canary = "ATATT3x-ENCRYPTIONcanary-4b1d9e7a2c6f";
const jiraCredentials = { base_url: "https://acme.atlassian.net", username: "sfp@acme.com", api_token: canary };
const githubCredentials = { token: "ghp_encryptionTestsOther0000000000000" };

/** The service itself, as the trusted caller (no claims). */
const asService = {};

interface StoredVersion {
  integration_id: string;
  version: number;
  auth_type: string;
  key_version: number;
  iv: Buffer;
  ciphertext: Buffer;
  mac: Buffer;
  mac_format: number;
}

async function storedVersions(integrationId: string): Promise<StoredVersion[]> {
  return stack.sql<StoredVersion[]>`
    select integration_id, version, auth_type, key_version, iv, ciphertext, mac, mac_format
    from sfp.credential_versions where integration_id = ${integrationId} order by version`;
}

/** What get_credentials returns for a read that failed in the key ring or the integrity check. */
function failedRead(code: string, message: string, integrationId: string | null = null) {
  return { outcome: "error", code, message, integration_id: integrationId };
}

/** The audit row such a read leaves (the service itself reads here). */
function failedReadAudit(code: string, message: string) {
  return expect.objectContaining({
    action: "credentials.read",
    actor_type: "service",
    outcome: "error",
    provider: "jira",
    message,
    details: { code },
  });
}

const integrityMessage = (id: string) => `Stored credentials of integration ${id} failed their integrity check`;
/** Every server-sent text of a database error, for "never echoes a key" checks. */
function errorTexts(error: postgres.PostgresError): string {
  const { message, detail, hint, where, internal_query } = error as postgres.PostgresError & { internal_query?: string };
  return [message, detail, hint, where, internal_query].filter(Boolean).join("\n");
}

/**
 * Base64 forms of `text` as it would appear inside the base64 of any longer byte string:
 * one per alignment, each made of the 3-byte groups that lie wholly inside the text.
 */
function base64Forms(text: string): string[] {
  return [0, 1, 2].map((skip) => {
    const bytes = Buffer.from(text).subarray(skip);
    return bytes.subarray(0, bytes.length - (bytes.length % 3)).toString("base64");
  });
}

describe("ciphertext only at rest", () => {
  it("the stored credential row holds no plaintext in any column, as text, hex or base64", async () => {
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });

    const [stored] = await storedVersions(jira.id);
    const canaryBytes = Buffer.from(canary);
    for (const column of [stored.iv, stored.ciphertext, stored.mac]) {
      expect(column.includes(canaryBytes)).toBe(false);
      expect(column.toString("hex")).not.toContain(canaryBytes.toString("hex"));
      for (const form of base64Forms(canary)) expect(column.toString("base64")).not.toContain(form);
    }
    const [{ row }] = await stack.sql<{ row: string }[]>`
      select row_to_json(cv)::text as row from sfp.credential_versions cv where integration_id = ${jira.id}`;
    expect(row).not.toContain(canary);
    expect(row).not.toContain(canaryBytes.toString("hex"));
  });

  it("no table of schema sfp holds the token in any row", async () => {
    await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
    await getCredentials(stack, api, { provider: "jira", context: asService });

    const tables = await stack.sql<{ tablename: string }[]>`select tablename from pg_tables where schemaname = 'sfp' order by 1`;
    expect(tables.length).toBeGreaterThan(0);
    for (const { tablename } of tables) {
      const rows = await stack.sql.unsafe(`select row_to_json(t)::text as row from sfp.${tablename} t`);
      for (const { row } of rows) expect(row, `a row of sfp.${tablename}`).not.toContain(canary);
    }
  });

  it("a stored version has a 16-byte IV, a 32-byte MAC, version 1, key version 1 and MAC format 2", async () => {
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });

    const versions = await storedVersions(jira.id);

    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ integration_id: jira.id, version: 1, auth_type: "basic_auth", key_version: 1, mac_format: 2 });
    expect(versions[0].iv).toHaveLength(16);
    expect(versions[0].mac).toHaveLength(32);
    // AES-CBC with PKCS padding: whole 16-byte blocks, longer than the JSON it holds.
    expect(versions[0].ciphertext.length % 16).toBe(0);
    expect(versions[0].ciphertext.length).toBeGreaterThan(JSON.stringify(jiraCredentials).length);
  });

  it("two encryptions of the same credentials produce different IVs and ciphertexts", async () => {
    const first = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
    const second = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });

    const [a] = await storedVersions(first.id);
    const [b] = await storedVersions(second.id);

    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.ciphertext.length).toBe(b.ciphertext.length);
  });
});

describe("authenticated encryption, bound to its row", () => {
  it("a ciphertext copied onto another integration's row fails its integrity check, and the original still reads", async () => {
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
    const github = await createIntegration(stack, { provider: "github", authType: "pat", credentials: githubCredentials, isGlobal: true });
    await stack.sql`
      update sfp.credential_versions target
      set iv = source.iv, ciphertext = source.ciphertext, mac = source.mac, key_version = source.key_version
      from sfp.credential_versions source
      where source.integration_id = ${jira.id} and target.integration_id = ${github.id}`;

    const result = await getCredentials(stack, api, { provider: "github", context: asService });

    expect(result).toEqual(failedRead("SFK02", integrityMessage(github.id), github.id));
    expect(JSON.stringify(result)).not.toContain(canary);
    const audit = await credentialReadAudit(stack);
    expect(audit).toEqual([expect.objectContaining({
      outcome: "error", provider: "github", integration_ids: [github.id], message: integrityMessage(github.id), details: { code: "SFK02" },
    })]);
    expect(JSON.stringify(audit)).not.toContain(canary);
    expect(await getCredentials(stack, api, { provider: "jira", context: asService })).toEqual({
      outcome: "granted",
      credentials: [{ integration_id: jira.id, provider: "jira", auth_type: "basic_auth", credentials: jiraCredentials }],
    });
  });

  for (const column of ["ciphertext", "iv", "mac"] as const) {
    it(`a flipped bit in the stored ${column} fails the integrity check`, async () => {
      const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
      await stack.sql.unsafe(
        `update sfp.credential_versions set ${column} = set_bit(${column}, 0, 1 - get_bit(${column}, 0)) where integration_id = $1`,
        [jira.id],
      );

      const result = await getCredentials(stack, api, { provider: "jira", context: asService });

      expect(result).toEqual(failedRead("SFK02", integrityMessage(jira.id), jira.id));
      expect(await credentialReadAudit(stack)).toEqual([failedReadAudit("SFK02", integrityMessage(jira.id))]);
      expect((await credentialReadAudit(stack))[0].integration_ids).toEqual([jira.id]);
    });
  }

  it("MAC format 2 binds the auth type: a row whose auth_type column was changed fails its integrity check", async () => {
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
    expect((await storedVersions(jira.id))[0].mac_format).toBe(2);
    await stack.sql`update sfp.credential_versions set auth_type = 'pat' where integration_id = ${jira.id}`;

    const result = await getCredentials(stack, api, { provider: "jira", context: asService });

    expect(result).toEqual(failedRead("SFK02", integrityMessage(jira.id), jira.id));
    expect(await credentialReadAudit(stack)).toEqual([failedReadAudit("SFK02", integrityMessage(jira.id))]);
    // The auth type, and nothing else, made the difference.
    await stack.sql`update sfp.credential_versions set auth_type = 'basic_auth' where integration_id = ${jira.id}`;
    expect(await getCredentials(stack, api, { provider: "jira", context: asService })).toMatchObject({ outcome: "granted" });
  });

  it("a format-1 row (the old MAC, without the auth type) still reads, and rewrap_credentials re-seals it in format 2 with the same plaintext", async () => {
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
    const github = await createIntegration(stack, { provider: "github", authType: "pat", credentials: githubCredentials, isGlobal: true });
    // The MAC as format 1 computed it: over id, version, key version, IV and ciphertext, under the 'sfp-mac' subkey.
    await guarded(stack.sql, (tx) => tx`
      update sfp.credential_versions cv
      set mac = extensions.hmac(sfp._mac_input(cv.integration_id, cv.version, cv.key_version, cv.iv, cv.ciphertext),
                                extensions.hmac(convert_to('sfp-mac', 'UTF8'), decode(${stack.keyring.keys["1"]}, 'base64'), 'sha256'),
                                'sha256'),
          mac_format = 1
      where cv.integration_id = ${jira.id}`);
    const [old] = await storedVersions(jira.id);
    const [untouched] = await storedVersions(github.id);
    expect(old.mac_format).toBe(1);

    expect(await getCredentials(stack, api, { provider: "jira", context: asService })).toEqual({
      outcome: "granted",
      credentials: [{ integration_id: jira.id, provider: "jira", auth_type: "basic_auth", credentials: jiraCredentials }],
    });

    const rewrapped = await guarded(stack.sql, async (tx) => {
      const [row] = await tx`select sfp_api.rewrap_credentials(batch_size => 10, keyring => ${tx.json(stack.keyring)}::jsonb) as result`;
      return row.result;
    });

    expect(rewrapped).toEqual({ rewrapped: 1, remaining: 0, current_key_version: 1 });
    const [resealed] = await storedVersions(jira.id);
    expect(resealed).toMatchObject({ version: 1, auth_type: "basic_auth", key_version: 1, mac_format: 2 });
    expect(resealed.iv.equals(old.iv)).toBe(false);
    expect(resealed.mac.equals(old.mac)).toBe(false);
    expect(await storedVersions(github.id)).toEqual([untouched]);
    expect(await getCredentials(stack, api, { provider: "jira", context: asService })).toEqual({
      outcome: "granted",
      credentials: [{ integration_id: jira.id, provider: "jira", auth_type: "basic_auth", credentials: jiraCredentials }],
    });
    // Now in format 2, its auth type is bound too.
    await stack.sql`update sfp.credential_versions set auth_type = 'pat' where integration_id = ${jira.id}`;
    expect(await getCredentials(stack, api, { provider: "jira", context: asService }))
      .toEqual(failedRead("SFK02", integrityMessage(jira.id), jira.id));
  });
});

describe("the key ring", () => {
  it("a key ring without the row's key version is refused, naming the version and never a key", async () => {
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
    const otherKey = newKey();

    const result = await getCredentials(stack, api, {
      provider: "jira", context: asService, keyring: { current: 2, keys: { "2": otherKey } },
    });

    expect(result).toEqual(failedRead("SFK01", keyNotInRing(1)));
    const audit = await credentialReadAudit(stack);
    expect(audit).toEqual([failedReadAudit("SFK01", keyNotInRing(1))]);
    for (const text of [JSON.stringify(result), JSON.stringify(audit)]) {
      expect(text).not.toContain(otherKey);
      expect(text).not.toContain(stack.keyring.keys["1"]);
    }
    expect(await storedVersions(jira.id)).toHaveLength(1);
  });

  it("a read without a key ring is refused", async () => {
    await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });

    const result = await getCredentials(stack, api, { provider: "jira", context: asService, keyring: null });

    const message = "Encryption key ring not provided: pass it as the keyring argument or in the transaction-local setting sfp.keyring";
    expect(result).toEqual(failedRead("SFK01", message));
    expect(await credentialReadAudit(stack)).toEqual([failedReadAudit("SFK01", message)]);
  });

  // A read refused for its key ring (SFK01, SFK04) fails before any one integration is opened:
  // its audit row names every integration the read resolved, as the migration intends
  // (coalesce(array[failed id], resolved ids)), not a null id.
  it("the audit row of a read refused for its key ring (a missing version, a wrong key) names the integrations it resolved", async () => {
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });

    const results = [
      await getCredentials(stack, api, { provider: "jira", context: asService, keyring: { current: 2, keys: { "2": newKey() } } }),
      await getCredentials(stack, api, { provider: "jira", context: asService, keyring: { current: 1, keys: { "1": newKey() } } }),
    ];

    expect(results.map((result) => result.code)).toEqual(["SFK01", "SFK04"]);
    const audit = await credentialReadAudit(stack);
    expect(audit.map((row) => [row.details.code, row.integration_ids])).toEqual([["SFK01", [jira.id]], ["SFK04", [jira.id]]]);
  });

  it("a wrong key under a recorded key version is recognised (SFK04, naming the version), not mistaken for tampering", async () => {
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
    const wrong = newKey();
    const [check] = await stack.sql`select key_version, check_value from sfp.key_checks`;
    expect({ ...check }).toEqual({
      key_version: 1,
      check_value: createHmac("sha256", Buffer.from(stack.keyring.keys["1"], "base64")).update("sfp-key-check-v1").digest(),
    });

    const result = await getCredentials(stack, api, { provider: "jira", context: asService, keyring: { current: 1, keys: { "1": wrong } } });

    expect(result).toEqual(failedRead("SFK04", wrongKey(1)));
    const audit = await credentialReadAudit(stack);
    expect(audit).toEqual([failedReadAudit("SFK04", wrongKey(1))]);
    expect(JSON.stringify([result, audit])).not.toContain(wrong);
    // Nothing stored changed: the key check, the row.
    expect((await stack.sql`select key_version, check_value from sfp.key_checks`).map((row) => ({ ...row }))).toEqual([{ ...check }]);
    expect(await storedVersions(jira.id)).toHaveLength(1);
  });

  it("a read does not vouch for a key: under a version with no check value recorded, a wrong key fails the MAC (SFK02) and records nothing", async () => {
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
    await stack.sql`delete from sfp.key_checks`;

    const result = await getCredentials(stack, api, { provider: "jira", context: asService, keyring: { current: 1, keys: { "1": newKey() } } });

    expect(result).toEqual(failedRead("SFK02", integrityMessage(jira.id), jira.id));
    expect(await countRows(stack, "sfp.key_checks")).toBe(0);
    // The right key still reads, and a read records no check value either.
    expect(await getCredentials(stack, api, { provider: "jira", context: asService })).toMatchObject({ outcome: "granted" });
    expect(await countRows(stack, "sfp.key_checks")).toBe(0);
  });

  it("the key ring may instead be set transaction-locally in sfp.keyring", async () => {
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });

    const result = await asPostgrest(api, { role: "service_role" }, async (tx) => {
      await tx`select sfp_api.guard_log_safety()`;
      await tx`select set_config('sfp.keyring', ${JSON.stringify(stack.keyring)}, true)`;
      const [row] = await tx`select sfp_api.get_credentials(provider => 'jira', context => '{}'::jsonb) as result`;
      return row.result;
    });

    expect(result).toEqual({
      outcome: "granted",
      credentials: [{ integration_id: jira.id, provider: "jira", auth_type: "basic_auth", credentials: jiraCredentials }],
    });
  });

  it("a key that is not 32 bytes of base64 is refused without being echoed", async () => {
    const notAKey = "c2hvcnQta2V5LW5vdC0zMi1ieXRlcw==";

    const error = await refusal(guarded(stack.sql, (tx) =>
      tx`select sfp_api.create_integration(provider => 'jira', auth_type => 'basic_auth',
        credentials => ${tx.json(jiraCredentials)}::jsonb, is_global => true,
        keyring => ${tx.json({ current: 1, keys: { "1": notAKey } })}::jsonb)`));

    expect({ code: error.code, message: error.message })
      .toEqual({ code: "SFK01", message: "Encryption key version 1 is not 32 bytes of base64" });
    expect(errorTexts(error)).not.toContain(notAKey);
    expect(await countRows(stack, "sfp.integrations")).toBe(0);
    expect(await countRows(stack, "sfp.key_checks")).toBe(0);
  });

  it("a write with a wrong key under a recorded version is refused (SFK04) before anything is written", async () => {
    await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
    const wrong = newKey();
    const before = await Promise.all(["sfp.integrations", "sfp.credential_versions", "sfp.key_checks", "sfp.audit_log"].map((t) => countRows(stack, t)));

    const error = await refusal(guarded(stack.sql, (tx) =>
      tx`select sfp_api.create_integration(provider => 'github', auth_type => 'pat',
        credentials => ${tx.json(githubCredentials)}::jsonb, is_global => true,
        keyring => ${tx.json({ current: 1, keys: { "1": wrong } })}::jsonb)`));

    expect({ code: error.code, message: error.message }).toEqual({ code: "SFK04", message: wrongKey(1) });
    expect(errorTexts(error)).not.toContain(wrong);
    expect(await Promise.all(["sfp.integrations", "sfp.credential_versions", "sfp.key_checks", "sfp.audit_log"].map((t) => countRows(stack, t))))
      .toEqual(before);
  });

  it("no integrity or key failure carries the key, in the answer or the audit row", async () => {
    const key = stack.keyring.keys["1"];
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
    await stack.sql`update sfp.credential_versions set mac = set_byte(mac, 0, 255 - get_byte(mac, 0)) where integration_id = ${jira.id}`;
    const wrong = newKey();
    const other = newKey();

    const results = [
      await getCredentials(stack, api, { provider: "jira", context: asService }),
      await getCredentials(stack, api, { provider: "jira", context: asService, keyring: { current: 2, keys: { "2": other } } }),
      await getCredentials(stack, api, { provider: "jira", context: asService, keyring: null }),
      await getCredentials(stack, api, { provider: "jira", context: asService, keyring: { current: 1, keys: { "1": wrong } } }),
    ];

    expect(results.map((result) => [result.outcome, result.code])).toEqual([
      ["error", "SFK02"], ["error", "SFK01"], ["error", "SFK01"], ["error", "SFK04"],
    ]);
    const audit = await credentialReadAudit(stack);
    expect(audit.map((row) => [row.outcome, row.details.code])).toEqual([
      ["error", "SFK02"], ["error", "SFK01"], ["error", "SFK01"], ["error", "SFK04"],
    ]);
    const everything = JSON.stringify([results, audit]);
    for (const secret of [key, wrong, other, canary]) expect(everything).not.toContain(secret);
  });
});

describe("no integration without its credentials", () => {
  it("an integration inserted without a credential version cannot commit", async () => {
    let inserted = false;

    const error = await refusal(stack.sql.begin(async (tx) => {
      await tx`insert into sfp.integrations (provider, auth_type, is_global) values ('jira', 'basic_auth', true)`;
      inserted = true; // the deferred constraint lets the statement through; the commit refuses
    }));

    expect(inserted).toBe(true);
    expect({ code: error.code, message: error.message, constraint: error.constraint_name }).toEqual({
      code: "23503",
      message: 'insert or update on table "integrations" violates foreign key constraint "current_version_exists"',
      constraint: "current_version_exists",
    });
    expect(await countRows(stack, "sfp.integrations")).toBe(0);
  });
});
