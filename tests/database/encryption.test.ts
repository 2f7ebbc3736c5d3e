/**
 * Credentials at rest (DESIGN.md, must-haves 1 and 2). Proves:
 *   - sfp.credential_versions holds ciphertext only: the token appears in no stored column,
 *     as text, hex or base64; IV 16 bytes, MAC 32, key version 1;
 *   - the ciphertext is authenticated and bound to its row: a copy onto another integration,
 *     or a flipped bit, fails the integrity check (SFK02) and decrypts nothing;
 *   - a key ring without the row's key version, or no key ring, is refused (SFK01), and no
 *     error ever echoes a key;
 *   - each encryption draws a fresh IV;
 *   - an integration cannot commit without its current credential version.
 * Reads go through `authenticator` as service_role; tampering is done as the superuser.
 */
import type postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { asPostgrest, connectAsAuthenticator } from "../support/postgrest.ts";
import { guarded } from "../support/guarded.ts";
import { createTestStack, newKey, type TestStack } from "../support/test-stack.ts";
import { countRows, createIntegration, credentialReadAudit, getCredentials, refusal } from "./rpc.ts";

let stack: TestStack;
let api: postgres.Sql;
beforeAll(async () => {
  stack = await createTestStack();
  api = connectAsAuthenticator(stack);
});
afterAll(async () => {
  await api?.end();
  await stack?.stop();
});
beforeEach(() => stack.reset());

const canary = "ATATT3x-ENCRYPTIONcanary-4b1d9e7a2c6f";
const jiraCredentials = { base_url: "https://acme.atlassian.net", username: "sfp@acme.com", api_token: canary };
const githubCredentials = { token: "ghp_encryptionTestsOther0000000000000" };

/** The service itself, as the trusted caller (no claims). */
const asService = {};

interface StoredVersion {
  integration_id: string;
  version: number;
  key_version: number;
  iv: Buffer;
  ciphertext: Buffer;
  mac: Buffer;
}

async function storedVersions(integrationId: string): Promise<StoredVersion[]> {
  return stack.sql<StoredVersion[]>`
    select integration_id, version, key_version, iv, ciphertext, mac
    from sfp.credential_versions where integration_id = ${integrationId} order by version`;
}

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

  it("a stored version has a 16-byte IV, a 32-byte MAC, version 1 and key version 1", async () => {
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });

    const versions = await storedVersions(jira.id);

    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ integration_id: jira.id, version: 1, key_version: 1 });
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

    const error = await refusal(getCredentials(stack, api, { provider: "github", context: asService }));

    expect({ code: error.code, message: error.message }).toEqual({
      code: "SFK02",
      message: `Stored credentials of integration ${github.id} failed their integrity check`,
    });
    expect(errorTexts(error)).not.toContain(canary);
    expect(await credentialReadAudit(stack)).toEqual([]);
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

      const error = await refusal(getCredentials(stack, api, { provider: "jira", context: asService }));

      expect({ code: error.code, message: error.message }).toEqual({
        code: "SFK02",
        message: `Stored credentials of integration ${jira.id} failed their integrity check`,
      });
      expect(await credentialReadAudit(stack)).toEqual([]);
    });
  }
});

describe("the key ring", () => {
  it("a key ring without the row's key version is refused, naming the version and never a key", async () => {
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
    const otherKey = newKey();

    const error = await refusal(getCredentials(stack, api, {
      provider: "jira", context: asService, keyring: { current: 2, keys: { "2": otherKey } },
    }));

    expect({ code: error.code, message: error.message })
      .toEqual({ code: "SFK01", message: "Encryption key version 1 is not in the key ring" });
    expect(errorTexts(error)).not.toContain(otherKey);
    expect(errorTexts(error)).not.toContain(stack.keyring.keys["1"]);
    expect(await credentialReadAudit(stack)).toEqual([]);
    expect(await storedVersions(jira.id)).toHaveLength(1);
  });

  it("a read without a key ring is refused", async () => {
    await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });

    const error = await refusal(getCredentials(stack, api, { provider: "jira", context: asService, keyring: null }));

    expect({ code: error.code, message: error.message }).toEqual({
      code: "SFK01",
      message: "Encryption key ring not provided: pass it as the keyring argument or in the transaction-local setting sfp.keyring",
    });
    expect(await credentialReadAudit(stack)).toEqual([]);
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
  });

  it("no integrity or key error carries the key", async () => {
    const key = stack.keyring.keys["1"];
    const jira = await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jiraCredentials, isGlobal: true });
    await stack.sql`update sfp.credential_versions set mac = set_byte(mac, 0, 255 - get_byte(mac, 0)) where integration_id = ${jira.id}`;

    const errors = [
      await refusal(getCredentials(stack, api, { provider: "jira", context: asService })),
      await refusal(getCredentials(stack, api, { provider: "jira", context: asService, keyring: { current: 2, keys: { "2": newKey() } } })),
      await refusal(getCredentials(stack, api, { provider: "jira", context: asService, keyring: null })),
    ];

    expect(errors.map((e) => e.code)).toEqual(["SFK02", "SFK01", "SFK01"]);
    for (const error of errors) {
      expect(error.message).not.toContain(key);
      expect(error.detail ?? "").not.toContain(key);
      expect(errorTexts(error)).not.toContain(key);
    }
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
