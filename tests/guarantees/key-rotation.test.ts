/**
 * Key rotation (npm run keys:rotate = commands/rotate-keys.ts, sfp_api.rewrap_credentials,
 * sfp_api.key_versions_in_use). Proves:
 *   - the key ring holds several versions: new writes use the current one (the highest, or
 *     SFP_ENCRYPTION_KEY_CURRENT), reads use the version recorded on the row;
 *   - the command re-encrypts every stored credential version under the current key, in
 *     batches, with a progress bar and a final count, while reads keep answering 200 with
 *     the exact stored values, and writes keep working;
 *   - killed halfway (SIGKILL) and run again, it carries on: the counts add up, and every
 *     credential still decrypts to what was stored;
 *   - afterwards it names the key versions that can be retired, and the old key can be
 *     removed from the ring with every credential still readable;
 *   - a key version missing from the ring (SFK01), or a wrong key under the right version
 *     number (SFK04: recognised by the version's key check value, not mistaken for tampering),
 *     is a clear error naming the version, from the API (audited as an error) and from the
 *     command alike: never garbage, never a silent success, nothing changed;
 *   - with keys 1 and 2 in the ring, the command and the functions send the current key and
 *     get the old one only when a row needs it (SFK03, then again with it).
 * The command runs as a real child process (tsx), against this file's database, logged in as
 * `authenticator` like the functions.
 */
import type { ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { spawnCommand } from "../support/commands.ts";
import { guarded } from "../support/guarded.ts";
import { expectError } from "../support/http.ts";
import { keyNotInRing, wrongKey } from "../support/messages.ts";
import { type ApiResponse, newKey, useTestStack } from "../support/test-stack.ts";

const ROTATION_TIMEOUT = 120_000;

const stack = useTestStack();
/** Key version 1 (the stack's own key) and a second key, version 2. */
let k1: string;
let k2: string;
/** SFP_ENCRYPTION_KEYS with both versions: 2 is current. */
let ring12: string;

beforeAll(() => {
  k1 = stack.keyring.keys["1"];
  k2 = newKey();
  ring12 = `1:${k1},2:${k2}`;
});
// After the reset: back to the stack's own ring (key version 1 only).
beforeEach(() => stack.restartFunctions());

// ---------------------------------------------------------------------------------------
// The command as a child process.

interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface RunningCommand {
  child: ChildProcess;
  /** Resolves when the command has exited. */
  done: Promise<CommandResult>;
  stdout(): string;
  /** Resolves when stdout has a line matching `pattern` (rejects if the command exits first). */
  waitForLine(pattern: RegExp): Promise<string>;
  /** SIGKILL to the command's whole process group (tsx runs the script in a child node). */
  kill(): void;
}

const running = new Set<ChildProcess>();
afterEach(() => {
  // A failed test must not leave a command running against the next test's data.
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch { /* already gone */ }
    }
  }
  running.clear();
});

function startCommand(script: string, env: Record<string, string>): RunningCommand {
  const child = spawnCommand(stack, script, env, { detached: true });
  running.add(child);
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CommandResult>((resolve) => {
    child.once("close", (code, signal) => {
      for (const listener of listeners) listener();
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    done,
    stdout: () => stdout,
    waitForLine(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = stdout.split("\n").find((candidate) => pattern.test(candidate));
          if (line !== undefined) {
            listeners.delete(check);
            resolve(line);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            reject(new Error(`the command exited before printing ${pattern}:\n${stdout}\n${stderr}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
    kill() {
      process.kill(-child.pid!, "SIGKILL");
    },
  };
}

function rotate(keys: string, batchSize = 100): RunningCommand {
  return startCommand("rotate-keys.ts", { SFP_ENCRYPTION_KEYS: keys, SFP_ROTATE_BATCH_SIZE: String(batchSize) });
}

const lines = (text: string) => text.split("\n").filter((line) => line !== "");
const PROGRESS = /^Re-encrypting under key version (\d+) \[([#.]{30})\] (\d+)\/(\d+)$/;

/** The progress lines of a run, parsed: [done, total] each. */
function progressOf(stdout: string): { done: number; total: number }[] {
  return lines(stdout)
    .filter((line) => PROGRESS.test(line))
    .map((line) => {
      const [, , , done, total] = PROGRESS.exec(line)!;
      return { done: Number(done), total: Number(total) };
    });
}

// ---------------------------------------------------------------------------------------
// Data: integrations made through the API, and what is stored.

type Credentials = Record<string, string>;

function credentialsFor(index: number): { provider: string; authType: string; credentials: Credentials } {
  const unique = `${index}-${crypto.randomUUID().slice(0, 8)}`;
  return index % 2 === 0
    ? { provider: "github", authType: "pat", credentials: { token: `ghp_rotation_${unique}` } }
    : {
      provider: "jira",
      authType: "basic_auth",
      credentials: { base_url: "https://acme.atlassian.net", username: `svc-${unique}@acme.test`, api_token: `ATATT-rotation-${unique}` },
    };
}

/**
 * `count` global integrations made by the owner through the API (a few requests at a time),
 * with the functions' current ring. Returns each one's stored credentials by id.
 */
async function createIntegrations(count: number): Promise<Map<string, Credentials>> {
  const expected = new Map<string, Credentials>();
  const pending = Array.from({ length: count }, (_, index) => index);
  await Promise.all(Array.from({ length: 6 }, async () => {
    for (let index = pending.shift(); index !== undefined; index = pending.shift()) {
      const { provider, authType, credentials } = credentialsFor(index);
      const response = await stack.api("POST", "/integrations", {
        token: stack.owner.token,
        body: { provider, authType, credentials, isGlobal: true },
      });
      expect(response.status, response.text).toBe(201);
      expected.set(response.body.id, credentials);
    }
  }));
  return expected;
}

/** Reads every global integration's credentials as the owner. */
function readAll(): Promise<ApiResponse> {
  return stack.api("GET", "/integrations/credentials", { token: stack.owner.token });
}

/** A credential read's answer as {integration id: credentials}. */
function valuesOf(response: ApiResponse): Map<string, Credentials> {
  return new Map((response.body as { integration_id: string; credentials: Credentials }[])
    .map((item) => [item.integration_id, item.credentials]));
}

async function keyVersionCounts(): Promise<{ key_version: number; rows: number }[]> {
  const rows = await stack.sql<{ key_version: number; rows: number }[]>`
    select key_version, count(*)::int as rows from sfp.credential_versions group by key_version order by key_version`;
  return rows.map((row) => ({ ...row }));
}

interface StoredRow {
  integration_id: string;
  version: number;
  key_version: number;
  iv: Buffer;
  ciphertext: Buffer;
  mac: Buffer;
  mac_format: number;
}

async function storedRows(): Promise<StoredRow[]> {
  return stack.sql<StoredRow[]>`
    select integration_id, version, key_version, iv, ciphertext, mac, mac_format
    from sfp.credential_versions order by integration_id, version`;
}

/**
 * Every stored credential version, decrypted in SQL with a ring that holds only `keys`
 * (behind the log-safety guard): {"<integration id>/<version>": credentials}.
 */
async function decryptEveryVersion(keys: Record<string, string>, current: number): Promise<Map<string, Credentials>> {
  const rows = await guarded(stack.sql, (tx) =>
    tx<{ id: string; plain: Credentials }[]>`
      select cv.integration_id || '/' || cv.version as id,
             sfp._open(cv, ${tx.json({ current, keys })}::jsonb) as plain
      from sfp.credential_versions cv`);
  return new Map(rows.map((row) => [row.id, row.plain]));
}

/** The keys.rewrap audit rows' details, oldest first. */
async function rewrapAudit(): Promise<{ actor_type: string; outcome: string; details: { rewrapped: number; remaining: number; current_key_version: number } }[]> {
  const rows = await stack.sql<any[]>`
    select actor_type, outcome, details from sfp.audit_log where action = 'keys.rewrap' order by id`;
  return rows.map((row) => ({ ...row }));
}

/** Waits until no session of a command is left on the server (a killed one ends when PostgreSQL notices). */
async function commandSessionsGone(): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [{ count }] = await stack.sql`
      select count(*)::int as count from pg_stat_activity where datname = ${stack.database} and application_name = 'sfp-command'`;
    if (count === 0) return;
    if (Date.now() > deadline) throw new Error("the killed command's database session did not end");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The key check values stored, by version. */
async function keyChecks(): Promise<{ key_version: number; check_value: Buffer }[]> {
  const rows = await stack.sql<{ key_version: number; check_value: Buffer }[]>`
    select key_version, check_value from sfp.key_checks order by key_version`;
  return rows.map((row) => ({ ...row }));
}

/** HMAC-SHA256 of 'sfp-key-check-v1' under a base64 master key: what sfp.key_checks records. */
function checkValue(key: string): Buffer {
  return createHmac("sha256", Buffer.from(key, "base64")).update("sfp-key-check-v1").digest();
}

/** The credential reads' audit rows, oldest first. */
async function readAudit(): Promise<{ outcome: string; message: string | null; details: Record<string, unknown> }[]> {
  const rows = await stack.sql<any[]>`
    select outcome, message, details from sfp.audit_log where action = 'credentials.read' order by id`;
  return rows.map((row) => ({ ...row }));
}

// ---------------------------------------------------------------------------------------

describe("rotating while reads and writes go on", () => {
  it("re-encrypts 200 credentials under key 2 in small batches while concurrent reads all answer 200 with the stored values", async () => {
    const expected = await createIntegrations(200);
    expect(await keyVersionCounts()).toEqual([{ key_version: 1, rows: 200 }]);
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: ring12 });

    const command = rotate(ring12, 2);
    let started: number | undefined;
    void command.waitForLine(PROGRESS).then(() => (started = performance.now()), () => {});
    let finished: number | undefined;
    void command.done.then(() => (finished = performance.now()));

    // Readers: until the command has exited and each reader has read once more after it,
    // at most 600 reads, at most 90 seconds.
    const reads: { status: number; body: unknown; sameValues: boolean; start: number; end: number }[] = [];
    const deadline = performance.now() + 90_000;
    await Promise.all(Array.from({ length: 3 }, async () => {
      for (;;) {
        const start = performance.now();
        const response = await readAll();
        const end = performance.now();
        const values = response.status === 200 ? valuesOf(response) : new Map<string, Credentials>();
        const sameValues = values.size === expected.size &&
          [...expected].every(([id, value]) => JSON.stringify(values.get(id)) === JSON.stringify(value));
        reads.push({ status: response.status, body: sameValues ? undefined : response.body, sameValues, start, end });
        if ((finished !== undefined && start > finished) || reads.length >= 600 || performance.now() > deadline) return;
      }
    }));
    const result = await command.done;

    // Zero failed reads, and some of them really ran while batches were being re-encrypted.
    const failed = reads.filter((read) => !read.sameValues);
    expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([]);
    expect(reads.every((read) => read.status === 200)).toBe(true);
    expect(started).toBeDefined();
    const during = reads.filter((read) => read.start >= started! && read.end <= finished!);
    expect(during.length, `reads of ${reads.length} inside the rotation`).toBeGreaterThan(0);

    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out.slice(-3)).toEqual([
      "Done: 200 credential version(s) re-encrypted under key version 2.",
      "Key version 2: 200 credential version(s).",
      "No stored credential needs key version(s) 1: they can be retired.",
    ]);
    // A progress line per batch of 2: counting up to 200 of 200, the bar full at the end.
    const progress = progressOf(result.stdout);
    expect(progress.length).toBeGreaterThanOrEqual(100);
    expect(progress.every((step) => step.total === 200)).toBe(true);
    expect(progress.map((step) => step.done)).toEqual([...progress.map((step) => step.done)].sort((a, b) => a - b));
    expect(out.at(-4)).toBe(`Re-encrypting under key version 2 [${"#".repeat(30)}] 200/200`);

    // Stored: every credential version under key 2, each batch audited.
    expect(await keyVersionCounts()).toEqual([{ key_version: 2, rows: 200 }]);
    const audit = await rewrapAudit();
    expect(audit.reduce((sum, row) => sum + row.details.rewrapped, 0)).toBe(200);
    expect(audit.every((row) => row.actor_type === "service" && row.outcome === "succeeded" && row.details.current_key_version === 2)).toBe(true);
    expect(audit.at(-1)!.details.remaining).toBe(0);
    // Each key version's check value was recorded by its first write, and only once.
    expect(await keyChecks()).toEqual([
      { key_version: 1, check_value: checkValue(k1) },
      { key_version: 2, check_value: checkValue(k2) },
    ]);
  }, ROTATION_TIMEOUT);

  it("after the rotation key 1 can be retired: with only key 2 in the ring every credential reads back as stored", async () => {
    const expected = await createIntegrations(30);
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: ring12 });
    const result = await rotate(ring12, 7).done;
    expect(result.code).toBe(0);

    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: `2:${k2}` });
    const read = await readAll();

    expect(read.status).toBe(200);
    expect(valuesOf(read)).toEqual(expected);
    const decrypted = await decryptEveryVersion({ "2": k2 }, 2);
    expect(new Map([...decrypted].map(([id, value]) => [id.split("/")[0], value]))).toEqual(expected);
  }, ROTATION_TIMEOUT);

  it("writes go on during the rotation: integrations created and changed meanwhile are stored under key 2 and read back", async () => {
    const expected = await createIntegrations(120);
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: ring12 });
    const ids = [...expected.keys()];

    const command = rotate(ring12, 3);
    await command.waitForLine(PROGRESS);
    const created: Map<string, Credentials> = new Map();
    const changed: Map<string, Credentials> = new Map();
    await Promise.all([
      (async () => {
        for (let index = 0; index < 5; index++) {
          const { provider, authType, credentials } = credentialsFor(1000 + index * 2);
          const response = await stack.api("POST", "/integrations", { token: stack.owner.token, body: { provider, authType, credentials, isGlobal: true } });
          expect(response.status, response.text).toBe(201);
          created.set(response.body.id, credentials);
        }
      })(),
      (async () => {
        // The last ones in the rotation's order are the likeliest still under key 1.
        for (const id of ids.sort().slice(-5)) {
          const credentials = { ...expected.get(id)! };
          for (const field of ["token", "api_token"]) if (field in credentials) credentials[field] += "-changed";
          const response = await stack.api("PATCH", `/integrations/${id}`, { token: stack.owner.token, body: { credentials } });
          expect(response.status, response.text).toBe(200);
          changed.set(id, credentials);
        }
      })(),
    ]);
    const result = await command.done;

    expect(result.code).toBe(0);
    expect(lines(result.stdout).at(-3)).toBe("Done: 120 credential version(s) re-encrypted under key version 2.");
    // 120 first versions, 5 new integrations, 5 second versions: all under key 2.
    expect(await keyVersionCounts()).toEqual([{ key_version: 2, rows: 130 }]);
    const read = await readAll();
    expect(read.status).toBe(200);
    expect(valuesOf(read)).toEqual(new Map([...expected, ...changed, ...created]));
  }, ROTATION_TIMEOUT);

  // Rows written under the old key during the rotation make the total grow; the progress bar
  // once threw on it (a negative repeat count) and stopped the rotation.
  it("rows written under the old key during the rotation are re-encrypted too, and the progress bar does not stop the command", async () => {
    // The functions keep the old ring (key 1 only): every integration they write is under key 1.
    await createIntegrations(20);
    // Concurrent work holds the first 20 rows for now: the command counts them and waits.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked = false;
    const holder = stack.sql.begin(async (tx) => {
      await tx`select 1 from sfp.credential_versions for update`;
      locked = true;
      await held;
    });
    while (!locked) await new Promise((resolve) => setTimeout(resolve, 20));

    try {
      const command = rotate(ring12, 1);
      expect(await command.waitForLine(PROGRESS)).toBe(`Re-encrypting under key version 2 [${".".repeat(30)}] 0/20`);
      // Meanwhile 5 more are written under key 1, and the command re-encrypts them.
      await createIntegrations(5);
      for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
        if ((await keyVersionCounts()).find((row) => row.key_version === 2)?.rows === 5) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      release();
      await holder;
      const result = await command.done;

      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(lines(result.stdout).slice(-3)).toEqual([
        "Done: 25 credential version(s) re-encrypted under key version 2.",
        "Key version 2: 25 credential version(s).",
        "No stored credential needs key version(s) 1: they can be retired.",
      ]);
      expect(await keyVersionCounts()).toEqual([{ key_version: 2, rows: 25 }]);
    } finally {
      release();
      await holder;
    }
  }, ROTATION_TIMEOUT);
});

describe("interrupted and resumed", () => {
  it("killed after its first batches, a second run finishes the rest: the counts add up and every credential still decrypts to its value", async () => {
    const expected = await createIntegrations(100);
    // One credential with a second version: every stored version is rotated, not only current ones.
    const [changedId] = [...expected.keys()];
    const second = { ...expected.get(changedId)! };
    for (const field of ["token", "api_token"]) if (field in second) second[field] += "-v2";
    expect((await stack.api("PATCH", `/integrations/${changedId}`, { token: stack.owner.token, body: { credentials: second } })).status).toBe(200);
    const allVersions = new Map([...expected].map(([id, value]) => [`${id}/1`, value]));
    allVersions.set(`${changedId}/2`, second);
    expected.set(changedId, second);
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: ring12 });

    const first = rotate(ring12, 1);
    await first.waitForLine(PROGRESS);
    first.kill();
    const killed = await first.done;

    expect(killed.signal).toBe("SIGKILL");
    expect(killed.stdout).not.toContain("Done:");
    await commandSessionsGone();
    // What the killed run committed: whole batches only, at least those it reported.
    const afterKill = await keyVersionCounts();
    const rotatedByFirst = afterKill.find((row) => row.key_version === 2)?.rows ?? 0;
    const reported = progressOf(killed.stdout);
    expect(rotatedByFirst).toBeGreaterThanOrEqual(reported.at(-1)!.done);
    expect(rotatedByFirst).toBeGreaterThan(0);
    expect(rotatedByFirst, "the first run was killed before the end").toBeLessThan(101);
    expect(afterKill).toEqual([{ key_version: 1, rows: 101 - rotatedByFirst }, { key_version: 2, rows: rotatedByFirst }]);
    // Halfway, reads are fine: each row is read with its own key version.
    const halfway = await readAll();
    expect(halfway.status).toBe(200);
    expect(valuesOf(halfway)).toEqual(expected);

    const resumed = await rotate(ring12, 10).done;

    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toBe("");
    const rest = 101 - rotatedByFirst;
    expect(progressOf(resumed.stdout).every((step) => step.total === rest)).toBe(true);
    expect(lines(resumed.stdout).slice(-3)).toEqual([
      `Done: ${rest} credential version(s) re-encrypted under key version 2.`,
      "Key version 2: 101 credential version(s).",
      "No stored credential needs key version(s) 1: they can be retired.",
    ]);
    expect(await keyVersionCounts()).toEqual([{ key_version: 2, rows: 101 }]);
    // Every committed batch of both runs was audited, the killed one's in-flight batch not.
    expect((await rewrapAudit()).reduce((sum, row) => sum + row.details.rewrapped, 0)).toBe(101);
    // Every stored version, old ones included, decrypts with key 2 alone to what was stored.
    expect(await decryptEveryVersion({ "2": k2 }, 2)).toEqual(allVersions);
    const read = await readAll();
    expect(read.status).toBe(200);
    expect(valuesOf(read)).toEqual(expected);
  }, ROTATION_TIMEOUT);

  it("a run with nothing left to do exits 0, counts 0 and names the retirable version", async () => {
    await createIntegrations(4);
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: ring12 });
    expect((await rotate(ring12).done).code).toBe(0);
    const before = await storedRows();

    const again = await rotate(ring12).done;

    expect(again.code).toBe(0);
    expect(lines(again.stdout)).toEqual([
      `Re-encrypting under key version 2 [${"#".repeat(30)}] 0/0`,
      "Done: 0 credential version(s) re-encrypted under key version 2.",
      "Key version 2: 4 credential version(s).",
      "No stored credential needs key version(s) 1: they can be retired.",
    ]);
    expect(await storedRows()).toEqual(before);
  }, ROTATION_TIMEOUT);

  // The current key version is never retirable, even with nothing stored yet.
  it("with nothing stored, the current key version is not offered for retirement", async () => {
    const result = await rotate(ring12).done;

    expect(result.code).toBe(0);
    expect(lines(result.stdout).at(-1)).toBe("No stored credential needs key version(s) 1: they can be retired.");
  }, ROTATION_TIMEOUT);
});

describe("a key version missing from the ring, or a wrong key", () => {
  it("a read of a credential under key 1 with only key 2 in the ring answers 500 naming version 1, and returns nothing", async () => {
    await createIntegrations(3);
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: `2:${k2}` });

    const read = await readAll();

    expectError(read, 500, keyNotInRing(1));
    expect(read.text).not.toContain(k2);
    expect(read.text).not.toContain(k1);
    expect(await readAudit()).toEqual([
      { outcome: "error", message: keyNotInRing(1), details: { code: "SFK01" } },
    ]);
  }, ROTATION_TIMEOUT);

  it("the command with a ring lacking version 1 stops with exit code 1 naming version 1, and changes nothing", async () => {
    await createIntegrations(5);
    const before = await storedRows();

    const result = await rotate(`2:${k2}`, 2).done;

    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain("Done:");
    expect(lines(result.stderr)).toEqual(["Key rotation stopped: Encryption key version 1 is not in the key ring (SFK01)"]);
    expect(result.stdout + result.stderr).not.toContain(k2);
    expect(await storedRows()).toEqual(before);
    expect(await rewrapAudit()).toEqual([]);
    expect(await keyChecks()).toEqual([{ key_version: 1, check_value: checkValue(k1) }]);
  }, ROTATION_TIMEOUT);

  it("a wrong key under version 1 is recognised: a read answers 500 naming version 1 (SFK04), audited as an error, never garbage", async () => {
    const expected = await createIntegrations(1);
    const wrong = newKey();
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: `1:${wrong}` });

    const read = await readAll();

    expectError(read, 500, wrongKey(1));
    expect(read.text).not.toContain(wrong);
    expect(read.text).not.toContain(k1);
    expect(await readAudit()).toEqual([{ outcome: "error", message: wrongKey(1), details: { code: "SFK04" } }]);
    expect(await keyChecks()).toEqual([{ key_version: 1, check_value: checkValue(k1) }]);
    // The original key restored, the same credential reads as stored.
    await stack.restartFunctions();
    const restored = await readAll();
    expect(restored.status).toBe(200);
    expect(valuesOf(restored)).toEqual(expected);
  }, ROTATION_TIMEOUT);

  it("the command with a wrong key under version 1 stops with exit code 1 naming version 1 (SFK04), and changes nothing", async () => {
    await createIntegrations(1);
    const before = await storedRows();
    const wrong = newKey();

    const result = await rotate(`1:${wrong},2:${k2}`).done;

    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain("Done:");
    expect(lines(result.stderr)).toEqual([`Key rotation stopped: ${wrongKey(1)} (SFK04)`]);
    expect(result.stdout + result.stderr).not.toContain(wrong);
    expect(result.stdout + result.stderr).not.toContain(k2);
    expect(await storedRows()).toEqual(before);
    expect(await rewrapAudit()).toEqual([]);
    // Not even the new version's check value was recorded: the batch stopped before sealing anything.
    expect(await keyChecks()).toEqual([{ key_version: 1, check_value: checkValue(k1) }]);
  }, ROTATION_TIMEOUT);

  it("half rotated, key 1 retired too early: the credential under key 2 reads, the one under key 1 answers 500 naming version 1, and key_versions_in_use reports it", async () => {
    for (const identifier of ["acme/a", "acme/b"]) {
      const project = await stack.api("POST", "/projects", { token: stack.owner.token, body: { identifier, remoteUrl: `https://github.com/${identifier}` } });
      expect(project.status).toBe(201);
    }
    const a = await stack.api("POST", "/integrations", { token: stack.owner.token, body: { provider: "github", authType: "pat", credentials: { token: "ghp_under_key_one" }, projects: ["acme/a"] } });
    const b = await stack.api("POST", "/integrations", { token: stack.owner.token, body: { provider: "github", authType: "pat", credentials: { token: "ghp_b_first" }, projects: ["acme/b"] } });
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: ring12 });
    const changed = await stack.api("PATCH", `/integrations/${b.body.id}`, { token: stack.owner.token, body: { credentials: { token: "ghp_b_under_key_two" } } });
    expect(changed.status).toBe(200);
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: `2:${k2}` });

    const readB = await stack.api("GET", "/integrations/credentials?provider=github&project=acme/b", { token: stack.owner.token });
    const readA = await stack.api("GET", "/integrations/credentials?provider=github&project=acme/a", { token: stack.owner.token });
    const [{ versions }] = await stack.sql`select sfp_api.key_versions_in_use(available_versions => '{2}') as versions`;

    expect(readB.status).toBe(200);
    expect(readB.body).toEqual([{ integration_id: b.body.id, provider: "github", auth_type: "pat", credentials: { token: "ghp_b_under_key_two" } }]);
    expectError(readA, 500, keyNotInRing(1));
    expect(versions).toEqual([
      { key_version: 1, rows: 2, available: false },
      { key_version: 2, rows: 1, available: true },
    ]);
  }, ROTATION_TIMEOUT);

  it("a malformed SFP_ENCRYPTION_KEYS stops the command with exit code 1 naming the entry, never its value", async () => {
    await createIntegrations(1);
    const before = await storedRows();
    const bad = "2:not-a-key-" + crypto.randomUUID();

    const result = await rotate(`1:${k1},${bad}`).done;

    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("SFP_ENCRYPTION_KEYS entry 2 is not <version>:<base64 of 32 bytes>");
    expect(result.stdout + result.stderr).not.toContain(bad);
    expect(result.stdout + result.stderr).not.toContain(k1);
    expect(await storedRows()).toEqual(before);
  }, ROTATION_TIMEOUT);
});

describe("new writes use the current key version, reads the row's", () => {
  it("after a restart with keys 1 and 2, a new integration is stored under key 2 and one made before stays under key 1; both read back", async () => {
    const old = await createIntegrations(1);
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: ring12 });

    const fresh = await createIntegrations(1);
    const read = await readAll();

    const [oldId] = [...old.keys()];
    const [freshId] = [...fresh.keys()];
    const rows = await stack.sql`select integration_id, version, key_version from sfp.credential_versions order by key_version`;
    expect(rows.map((row) => ({ ...row }))).toEqual([
      { integration_id: oldId, version: 1, key_version: 1 },
      { integration_id: freshId, version: 1, key_version: 2 },
    ]);
    expect(read.status).toBe(200);
    expect(valuesOf(read)).toEqual(new Map([...old, ...fresh]));
  }, ROTATION_TIMEOUT);

  it("a change of credentials after the restart stores its new version under key 2; the old version keeps key 1", async () => {
    const [id] = [...(await createIntegrations(1)).keys()];
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: ring12 });

    const changed = await stack.api("PATCH", `/integrations/${id}`, { token: stack.owner.token, body: { credentials: { token: "ghp_second_version" } } });

    expect(changed.status).toBe(200);
    const rows = await stack.sql`select version, key_version from sfp.credential_versions where integration_id = ${id} order by version`;
    expect(rows.map((row) => ({ ...row }))).toEqual([{ version: 1, key_version: 1 }, { version: 2, key_version: 2 }]);
    expect(valuesOf(await readAll()).get(id)).toEqual({ token: "ghp_second_version" });
  }, ROTATION_TIMEOUT);

  it("the ring's order does not matter: '2:…,1:…' writes under key 2", async () => {
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: `2:${k2},1:${k1}` });

    const [id] = [...(await createIntegrations(1)).keys()];

    const [row] = await stack.sql`select key_version from sfp.credential_versions where integration_id = ${id}`;
    expect(row.key_version).toBe(2);
  }, ROTATION_TIMEOUT);

  it("SFP_ENCRYPTION_KEY_CURRENT=1 keeps new writes under key 1 although key 2 is in the ring", async () => {
    await stack.restartFunctions({ SFP_ENCRYPTION_KEYS: ring12, SFP_ENCRYPTION_KEY_CURRENT: "1" });

    const created = await createIntegrations(1);

    const [id] = [...created.keys()];
    const [row] = await stack.sql`select key_version from sfp.credential_versions where integration_id = ${id}`;
    expect(row.key_version).toBe(1);
    expect(valuesOf(await readAll())).toEqual(created);
  }, ROTATION_TIMEOUT);
});
