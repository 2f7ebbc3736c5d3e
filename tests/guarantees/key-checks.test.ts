/**
 * Keys recognised before they are used, calls that carry only the keys they need, and a MAC
 * that binds the auth type (supabase/migrations/20261201000800_crypto.sql,
 * functions/_shared/keyring.ts). Proves:
 *   - key check values: the first write under a key version records exactly one row in
 *     sfp.key_checks, HMAC-SHA256(key, 'sfp-key-check-v1'), never the key; a different key
 *     under a recorded version is refused with SFK04 naming the version, on writes (nothing
 *     stored) and reads (500, audited as an error with details.code SFK04), and the key
 *     appears in no answer, audit row or server output;
 *   - partial key rings: the functions send the current key only and list the others as
 *     `available`; a row under another available version makes the call ask for it (SFK03,
 *     DETAIL {"key_versions": [...]}, nothing audited or written), and the functions call
 *     again with it: the read answers 200; a version the ring lacks is SFK01 (500, audited);
 *     withNeededKeys adds exactly the versions asked for, and never retries for one the ring
 *     lacks;
 *   - MAC format 2 binds the auth type: a changed auth_type column fails the integrity check
 *     (500 naming the integration, integrationId in the body, audited); a format-1 row (the
 *     old MAC) still reads, and `npm run keys:rotate` re-seals it in format 2 with the same
 *     plaintext.
 * Writes and reads go through the real functions server over HTTP, logged in as
 * `authenticator`; tampering is done as the superuser.
 */
import { createHmac } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type KeyRingArgument, neededKeyVersions, parseKeyRing, withNeededKeys } from "../../functions/_shared/keyring.ts";
import { getCredentials, refusal } from "../database/rpc.ts";
import { type CommandOutput, runCommand } from "../support/commands.ts";
import { guarded } from "../support/guarded.ts";
import { expectError } from "../support/http.ts";
import { keyNotInRing, wrongKey } from "../support/messages.ts";
import { useAuthenticator } from "../support/postgrest.ts";
import { type ApiResponse, newKey, useTestStack } from "../support/test-stack.ts";

const TIMEOUT = 60_000;

const stack = useTestStack();
const api = useAuthenticator(stack);
/** Key version 1 (the stack's own key) and a second key. */
let k1: string;
let k2: string;
beforeAll(() => {
  k1 = stack.keyring.keys["1"];
  k2 = newKey();
});
// After the reset: back to the stack's own ring (key version 1 only).
beforeEach(() => stack.restartFunctions());

/** HMAC-SHA256 of 'sfp-key-check-v1' under a base64 master key, computed here. */
function checkValue(key: string): Buffer {
  return createHmac("sha256", Buffer.from(key, "base64")).update("sfp-key-check-v1").digest();
}

async function keyChecks(): Promise<{ key_version: number; check_value: Buffer; created_at: Date }[]> {
  const rows = await stack.sql<{ key_version: number; check_value: Buffer; created_at: Date }[]>`
    select key_version, check_value, created_at from sfp.key_checks order by key_version`;
  return rows.map((row) => ({ ...row }));
}

async function count(table: string): Promise<number> {
  const [{ count }] = await stack.sql.unsafe(`select count(*)::int as count from ${table}`);
  return count;
}

/** Row counts of what a write would change. */
async function storedCounts() {
  return {
    integrations: await count("sfp.integrations"),
    credential_versions: await count("sfp.credential_versions"),
    key_checks: await count("sfp.key_checks"),
    audit_log: await count("sfp.audit_log"),
  };
}

/** Every audit row, as text: for "never the key" checks. */
async function auditText(): Promise<string> {
  const rows = await stack.sql<{ row: string }[]>`select row_to_json(a)::text as row from sfp.audit_log a order by id`;
  return rows.map((row) => row.row).join("\n");
}

async function readAudit(): Promise<any[]> {
  const rows = await stack.sql`select * from sfp.audit_log where action = 'credentials.read' order by id`;
  return rows.map((row) => ({ ...row }));
}

async function createIntegration(credentials: Record<string, string> = { token: "ghp_keyChecks" + crypto.randomUUID() }): Promise<{ id: string; credentials: Record<string, string> }> {
  const response = await stack.api("POST", "/integrations", {
    token: stack.owner.token,
    body: { provider: "github", authType: "pat", credentials, isGlobal: true },
  });
  expect(response.status, response.text).toBe(201);
  return { id: response.body.id, credentials };
}

function readAll(): Promise<ApiResponse> {
  return stack.api("GET", "/integrations/credentials", { token: stack.owner.token });
}

/** `text` holds none of these keys, as base64 or hex. */
function expectNoKey(text: string, ...keys: string[]) {
  for (const key of keys) {
    expect(text).not.toContain(key);
    expect(text).not.toContain(Buffer.from(key, "base64").toString("hex"));
  }
}

// ---------------------------------------------------------------------------------------

describe("key check values", () => {
  it("the first write under a version records exactly one check value, HMAC-SHA256(key, 'sfp-key-check-v1'), and never the key", async () => {
    expect(await keyChecks()).toEqual([]);

    await createIntegration();
    const first = await keyChecks();
    await createIntegration();

    expect(first.map(({ key_version, check_value }) => ({ key_version, check_value })))
      .toEqual([{ key_version: 1, check_value: checkValue(k1) }]);
    expect(first[0].check_value.equals(Buffer.from(k1, "base64"))).toBe(false);
    // A second write under the same version records nothing more.
    expect(await keyChecks()).toEqual(first);
    const [{ row }] = await stack.sql<{ row: string }[]>`select row_to_json(k)::text as row from sfp.key_checks k`;
    expectNoKey(row, k1);
    // What a trusted caller compares its ring with: the same value, in hex.
    const [{ values }] = await stack.sql`select sfp_api.key_check_values() as values`;
    expect(values).toEqual([{ key_version: 1, check_value: checkValue(k1).toString("hex") }]);

    // A new key version gets its own, on its first write.
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: `1:${k1},2:${k2}` });
    await createIntegration();
    expect((await keyChecks()).map(({ key_version, check_value }) => ({ key_version, check_value }))).toEqual([
      { key_version: 1, check_value: checkValue(k1) },
      { key_version: 2, check_value: checkValue(k2) },
    ]);
  }, TIMEOUT);

  it("a write with a different key under version 1 answers 500 naming version 1 (SFK04), and nothing is stored", async () => {
    const existing = await createIntegration();
    const before = await storedCounts();
    const checks = await keyChecks();
    const other = newKey();
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: `1:${other}` });

    const created = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: { token: "ghp_never_stored_under_the_wrong_key" }, isGlobal: true },
    });
    const changed = await stack.api("PATCH", `/integrations/${existing.id}`, {
      token: stack.owner.token,
      body: { credentials: { token: "ghp_never_stored_either" } },
    });

    expectError(created, 500, wrongKey(1));
    expectError(changed, 500, wrongKey(1));
    expect(await storedCounts()).toEqual(before);
    expect(await keyChecks()).toEqual(checks);
    const [{ current_version }] = await stack.sql`select current_version from sfp.integrations where id = ${existing.id}`;
    expect(current_version).toBe(1);
    const everything = [created.text, changed.text, await auditText(), stack.output()].join("\n");
    expectNoKey(everything, other, k1);
    expect(everything).not.toContain("ghp_never_stored");
  }, TIMEOUT);

  it("a read with the wrong key answers 500 naming version 1 (SFK04), audited as an error; the original key reads again", async () => {
    const stored = await createIntegration();
    const other = newKey();
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: `1:${other}` });

    const read = await readAll();

    // No integration failed its MAC: the key was refused before any was opened.
    expectError(read, 500, wrongKey(1));
    expect(await readAudit()).toEqual([expect.objectContaining({
      action: "credentials.read",
      actor_type: "user",
      actor_id: stack.owner.id,
      outcome: "error",
      message: wrongKey(1),
      details: { code: "SFK04" },
    })]);
    expectNoKey([read.text, await auditText(), stack.output()].join("\n"), other, k1);
    expect(read.text).not.toContain(stored.credentials.token);

    await stack.restartFunctions();
    const again = await readAll();
    expect(again.status).toBe(200);
    expect(again.body).toEqual([{ integration_id: stored.id, provider: "github", auth_type: "pat", credentials: stored.credentials }]);
    expectNoKey(stack.output(), other, k1);
  }, TIMEOUT);
});

describe("partial key rings", () => {
  it("with keys 1 and 2 (current 2), a row under version 1 reads back: the functions call again with key 1", async () => {
    const stored = await createIntegration();
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: `1:${k1},2:${k2}` });

    const read = await readAll();

    expect(read.status, read.text).toBe(200);
    expect(read.body).toEqual([{ integration_id: stored.id, provider: "github", auth_type: "pat", credentials: stored.credentials }]);
    // One audit row: the first attempt, refused for the key it lacked (SFK03), wrote none.
    expect((await readAudit()).map((row) => [row.outcome, row.integration_ids])).toEqual([["granted", [stored.id]]]);
    // A read records no check value for version 2 (nothing was written under it).
    expect((await keyChecks()).map((row) => row.key_version)).toEqual([1]);
  }, TIMEOUT);

  it("with key 2 only (version 1 not held), the read answers 500 'Encryption key version 1 is not in the key ring' and is audited as an error", async () => {
    await createIntegration();
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: `2:${k2}` });

    const read = await readAll();

    expectError(read, 500, keyNotInRing(1));
    expect((await readAudit()).map(({ outcome, message, details }) => ({ outcome, message, details }))).toEqual([
      { outcome: "error", message: keyNotInRing(1), details: { code: "SFK01" } },
    ]);
    expectNoKey([read.text, await auditText()].join("\n"), k1, k2);
  }, TIMEOUT);

  it("get_credentials with the current key only asks for version 1 (SFK03, DETAIL {\"key_versions\": [1]}), decrypting, writing and auditing nothing", async () => {
    const stored = await createIntegration();
    const before = await storedCounts();
    const partial: KeyRingArgument = { current: 2, keys: { "2": k2 }, available: [1, 2] };
    const both: KeyRingArgument = { ...partial, keys: { "1": k1, "2": k2 } };

    const error = await refusal(getCredentials(stack, api, { provider: "github", context: {}, keyring: partial }));

    expect({ code: error.code, message: error.message, detail: JSON.parse(error.detail!) }).toEqual({
      code: "SFK03",
      message: "Key versions 1 are needed for this call",
      detail: { key_versions: [1] },
    });
    expect(neededKeyVersions(error)).toEqual([1]);
    expectNoKey([error.message, error.detail].join("\n"), k1, k2);
    expect(await storedCounts()).toEqual(before);
    expect(await readAudit()).toEqual([]);

    // Called again with the version it asked for: granted, and audited once.
    const granted = await getCredentials(stack, api, { provider: "github", context: {}, keyring: both });
    expect(granted).toEqual({
      outcome: "granted",
      credentials: [{ integration_id: stored.id, provider: "github", auth_type: "pat", credentials: stored.credentials }],
    });
    expect((await readAudit()).map((row) => row.outcome)).toEqual(["granted"]);
  }, TIMEOUT);

  it("a version that is not available at all is SFK01, returned and audited, not asked for", async () => {
    await createIntegration();

    const onlyTwo: KeyRingArgument = { current: 2, keys: { "2": k2 }, available: [2] };
    const result = await getCredentials(stack, api, { provider: "github", context: {}, keyring: onlyTwo });

    expect(result).toEqual({
      outcome: "error", code: "SFK01", message: keyNotInRing(1), integration_id: null,
    });
    expect((await readAudit()).map((row) => [row.outcome, row.details])).toEqual([["error", { code: "SFK01" }]]);
  }, TIMEOUT);
});

describe("withNeededKeys and sqlArgument (functions/_shared/keyring.ts)", () => {
  const needs = (versions: unknown) =>
    Object.assign(new Error("Key versions are needed for this call"), { code: "SFK03", detail: JSON.stringify({ key_versions: versions }) });

  it("sqlArgument sends the current key only by default, the versions asked for otherwise, and always lists the whole ring as available", () => {
    const ring = parseKeyRing(`1:${k1},2:${k2}`);

    expect(ring.sqlArgument()).toEqual({ current: 2, keys: { "2": k2 }, available: [1, 2] });
    expect(ring.sqlArgument([2, 1])).toEqual({ current: 2, keys: { "1": k1, "2": k2 }, available: [1, 2] });
    // A version the ring lacks is never invented.
    expect(ring.sqlArgument([3])).toEqual({ current: 2, keys: {}, available: [1, 2] });
  });

  it("the first call gets only the current key; after SFK03 the retry gets exactly the versions asked for added", async () => {
    const k3 = newKey();
    const ring = parseKeyRing(`1:${k1},2:${k2},3:${k3}`, "2");
    const calls: KeyRingArgument[] = [];

    const result = await withNeededKeys(ring, async (keyring) => {
      calls.push(structuredClone(keyring));
      if (!("1" in keyring.keys)) throw needs([1]);
      return "done";
    });

    expect(result).toBe("done");
    expect(calls).toEqual([
      { current: 2, keys: { "2": k2 }, available: [1, 2, 3] },
      { current: 2, keys: { "1": k1, "2": k2 }, available: [1, 2, 3] },
    ]);
  });

  it("asks again as often as the call needs more versions, each time adding only those", async () => {
    const k3 = newKey();
    const ring = parseKeyRing(`1:${k1},2:${k2},3:${k3}`);
    const calls: string[][] = [];

    await withNeededKeys(ring, async (keyring) => {
      calls.push(Object.keys(keyring.keys).sort());
      if (calls.length === 1) throw needs([1]);
      if (calls.length === 2) throw needs([2]);
      return null;
    });

    expect(calls).toEqual([["3"], ["1", "3"], ["1", "2", "3"]]);
  });

  it("a version the ring lacks is not retried: the SFK03 error stands after one call", async () => {
    const ring = parseKeyRing(`2:${k2}`);
    const error = needs([1]);
    let calls = 0;

    await expect(withNeededKeys(ring, async () => {
      calls++;
      throw error;
    })).rejects.toBe(error);

    expect(calls).toBe(1);
  });

  it("a version already sent is not asked for again (no loop), and other errors are not retried", async () => {
    const ring = parseKeyRing(`1:${k1},2:${k2}`);
    const again = needs([2]);
    const other = Object.assign(new Error("boom"), { code: "SFK01" });
    let calls = 0;

    await expect(withNeededKeys(ring, async () => {
      calls++;
      throw again;
    })).rejects.toBe(again);
    await expect(withNeededKeys(ring, async () => {
      calls++;
      throw other;
    })).rejects.toBe(other);

    expect(calls).toBe(2);
    expect(neededKeyVersions({ code: "SFK03", detail: "not json" })).toBeNull();
    expect(neededKeyVersions({ code: "SFK03", detail: JSON.stringify({ key_versions: ["1"] }) })).toBeNull();
    expect(neededKeyVersions({ code: "SFK01", detail: JSON.stringify({ key_versions: [1] }) })).toBeNull();
  });
});

describe("MAC format 2 binds the auth type", () => {
  it("a stored row whose auth_type column is changed fails its integrity check: 500 naming the integration, audited as an error", async () => {
    const stored = await createIntegration();
    const [{ mac_format }] = await stack.sql`select mac_format from sfp.credential_versions where integration_id = ${stored.id}`;
    expect(mac_format).toBe(2);
    await stack.sql`update sfp.credential_versions set auth_type = 'oauth' where integration_id = ${stored.id}`;

    const read = await readAll();

    const message = `Stored credentials of integration ${stored.id} failed their integrity check`;
    expectError(read, 500, message, { integrationId: stored.id });
    expect(read.text).not.toContain(stored.credentials.token);
    expect((await readAudit()).map(({ outcome, message, integration_ids, details }) => ({ outcome, message, integration_ids, details })))
      .toEqual([{ outcome: "error", message, integration_ids: [stored.id], details: { code: "SFK02" } }]);
    // Restored, it reads: the auth type alone made the difference.
    await stack.sql`update sfp.credential_versions set auth_type = 'pat' where integration_id = ${stored.id}`;
    expect((await readAll()).status).toBe(200);
  }, TIMEOUT);

  it("a format-1 row (the old MAC) still reads, and npm run keys:rotate re-seals it in format 2 with the same plaintext", async () => {
    const old = await createIntegration({ token: "ghp_format_one_row" });
    const current = await createIntegration({ token: "ghp_format_two_row" });
    // Rewrite old's MAC as format 1 computed it: over id, version, key version, IV and
    // ciphertext (not the auth type), under the 'sfp-mac' subkey; the key as a bind parameter.
    await guarded(stack.sql, (tx) => tx`
      update sfp.credential_versions cv
      set mac = extensions.hmac(sfp._mac_input(cv.integration_id, cv.version, cv.key_version, cv.iv, cv.ciphertext),
                                extensions.hmac(convert_to('sfp-mac', 'UTF8'), decode(${k1}, 'base64'), 'sha256'), 'sha256'),
          mac_format = 1
      where cv.integration_id = ${old.id}`);
    const rows = async () => (await stack.sql`
      select integration_id, version, auth_type, key_version, iv, ciphertext, mac, mac_format
      from sfp.credential_versions order by integration_id, version`).map((row) => ({ ...row }));
    const before = await rows();
    expect(before.find((row) => row.integration_id === old.id)!.mac_format).toBe(1);

    const expected = new Map([[old.id, old.credentials], [current.id, current.credentials]]);
    const valuesOf = (response: ApiResponse) =>
      new Map((response.body as { integration_id: string; credentials: unknown }[]).map((item) => [item.integration_id, item.credentials]));
    const first = await readAll();
    expect(first.status, first.text).toBe(200);
    expect(valuesOf(first)).toEqual(expected);

    const result = await rotateKeys(stack.encryptionKeys);

    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Done: 1 credential version(s) re-encrypted under key version 1.\n");
    const after = await rows();
    const resealed = after.find((row) => row.integration_id === old.id)!;
    const previous = before.find((row) => row.integration_id === old.id)!;
    expect(resealed).toMatchObject({ version: 1, auth_type: "pat", key_version: 1, mac_format: 2 });
    expect(resealed.iv.equals(previous.iv)).toBe(false);
    expect(resealed.mac.equals(previous.mac)).toBe(false);
    // The format-2 row was left as it was.
    expect(after.find((row) => row.integration_id === current.id)).toEqual(before.find((row) => row.integration_id === current.id));
    const second = await readAll();
    expect(second.status, second.text).toBe(200);
    expect(valuesOf(second)).toEqual(expected);
    expectNoKey(result.stdout + result.stderr, k1);
  }, TIMEOUT);
});

// ---------------------------------------------------------------------------------------

/** `npm run keys:rotate` against this file's database, as `authenticator`. */
function rotateKeys(keys: string): Promise<CommandOutput> {
  return runCommand(stack, "rotate-keys.ts", { SFP_ENCRYPTION_KEYS: keys });
}
