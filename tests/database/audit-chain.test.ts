/**
 * The tamper-evident audit log (supabase/migrations/20261201001200_audit.sql): each
 * row's row_hash over its content, the sealer linking rows into sfp.audit_chain, and the
 * verification that re-walks it, over HTTP (GET /sfp/api/audit-logs/verify) and as
 * `npm run audit:verify` (commands/verify-audit.ts). Proves:
 *   - an intact log verifies ok, with checked = the number of rows, none unsealed, and the
 *     chain is what the migration says: chain_hash = SHA-256(previous || row_hash || id);
 *   - what a superuser can do despite the append-only triggers (session_replication_role =
 *     replica skips them and the foreign key) is detected, with the first broken position:
 *     an edited row ("row changed"), an edited row whose hash was recomputed too ("link
 *     broken"), a deleted row ("row missing"), reordered links ("link broken"), an edited
 *     link ("link broken"), a deleted link ("sequence gap");
 *   - the command exits 0 and prints the head when intact, 1 and the broken position when not;
 *   - keyed checkpoints (sfp_api.checkpoint_audit_chain, which the functions' sealer calls with
 *     the key ring): each is HMAC-SHA256(seq || chain_hash) under a subkey of the current key;
 *     verify_audit_log with the key ring checks them (`checkpoints: {checked, latest_seq}`;
 *     null without a key ring), and finds what the chain alone cannot: a cut tail, and a
 *     checkpoint forged without the key;
 *   - rows written by many concurrent requests, sealed by concurrent sealers, end up in one
 *     chain, each once, that verifies; a row committed late is sealed after the rows that
 *     committed before it, and the chain still verifies;
 *   - the functions server seals on its own every SFP_AUDIT_SEAL_SECONDS, and writes a keyed
 *     checkpoint of the head.
 * The functions' periodic sealer is slowed to once an hour here, so that each test decides
 * when sealing happens (GET /verify seals first, as does the command).
 */
import { createHash, createHmac } from "node:crypto";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { databaseUrl } from "../../stack/addresses.ts";
import { type CommandOutput, runCommand } from "../support/commands.ts";
import { guarded } from "../support/guarded.ts";
import { APPEND_ONLY, SERVICE_ROLE_ONLY, wrongKey } from "../support/messages.ts";
import { pollUntil } from "../support/poll.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack({ env: { SFP_AUDIT_SEAL_SECONDS: "3600" } });

interface Verification {
  ok: boolean;
  checked: number;
  unsealed: number;
  head_seq: number;
  head_hash: string;
  checkpoints: { checked: number; latest_seq: number | null } | null;
  first_broken: { seq: number; audit_id: number | null; reason: string } | null;
}

interface Link {
  seq: number;
  audit_id: number;
  chain_hash: Buffer;
}

/** A few changes and reads through the API: about a dozen audit rows. */
async function arrangeActivity(): Promise<void> {
  const owner = stack.owner.token;
  expect((await stack.api("POST", "/projects", { token: owner, body: { identifier: "acme/core", remoteUrl: "https://github.com/acme/core" } })).status).toBe(201);
  expect((await stack.api("POST", "/integrations", {
    token: owner,
    body: { provider: "github", authType: "pat", credentials: { token: "ghp_chainTests000000000000000000" }, projects: ["acme/core"] },
  })).status).toBe(201);
  for (let index = 0; index < 4; index++) {
    expect((await stack.api("GET", "/integrations/credentials?provider=github&project=acme/core", { token: owner })).status).toBe(200);
  }
  expect((await stack.api("GET", "/integrations/credentials?provider=github", { token: stack.member.token })).status).toBe(403);
  expect((await stack.api("GET", "/integrations/credentials?provider=jira", { token: owner })).status).toBe(404);
  expect((await stack.api("GET", "/integrations/credentials?provider=github", { token: null })).status).toBe(401);
}

/** GET /sfp/api/audit-logs/verify as the owner: seals what is committed, then re-walks. */
async function verify(): Promise<Verification> {
  const response = await stack.api("GET", "/audit-logs/verify", { token: stack.owner.token });
  expect(response.status, response.text).toBe(200);
  return response.body;
}

async function auditRowCount(): Promise<number> {
  const [{ count }] = await stack.sql<{ count: number }[]>`select count(*)::int as count from sfp.audit_log`;
  return count;
}

async function chain(): Promise<Link[]> {
  const rows = await stack.sql<{ seq: string; audit_id: string; chain_hash: Buffer }[]>`
    select seq, audit_id, chain_hash from sfp.audit_chain order by seq`;
  return rows.map((row) => ({ seq: Number(row.seq), audit_id: Number(row.audit_id), chain_hash: row.chain_hash }));
}

/** The link at chain position `seq`. */
async function linkAt(seq: number): Promise<Link> {
  const link = (await chain()).find((candidate) => candidate.seq === seq);
  expect(link, `chain position ${seq}`).toBeDefined();
  return link!;
}

/** An intact, fully sealed log of about a dozen rows. */
async function sealedLog(): Promise<Verification> {
  await arrangeActivity();
  const result = await verify();
  expect(result).toMatchObject({ ok: true, unsealed: 0, first_broken: null });
  expect(result.checked).toBeGreaterThanOrEqual(10);
  return result;
}

/**
 * What a superuser can do in spite of the append-only triggers: replica mode skips ordinary
 * triggers, the foreign key's included.
 */
function asSuperuserBypassingTriggers(work: (tx: postgres.TransactionSql) => Promise<unknown>): Promise<unknown> {
  return stack.sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await work(tx);
  });
}

/** sfp_api.verify_audit_log as the service, with the stack's key ring, behind the log guard. */
async function verifyWithKeyRing(): Promise<Verification> {
  return guarded(stack.sql, async (tx) => {
    const [{ result }] = await tx<{ result: Verification }[]>`
      select sfp_api.verify_audit_log(keyring => ${tx.json(stack.keyring)}::jsonb) as result`;
    return result;
  });
}

/** sfp_api.checkpoint_audit_chain as the service (the functions' sealer), behind the log guard. */
async function checkpoint(): Promise<{ sealed: number; checkpoint_seq: number | null }> {
  return guarded(stack.sql, async (tx) => {
    const [{ result }] = await tx<{ result: { sealed: number; checkpoint_seq: number | null } }[]>`
      select sfp_api.checkpoint_audit_chain(keyring => ${tx.json(stack.keyring)}::jsonb) as result`;
    return result;
  });
}

interface Checkpoint {
  seq: number;
  chain_hash: Buffer;
  key_version: number;
  mac: Buffer;
}

async function checkpoints(): Promise<Checkpoint[]> {
  const rows = await stack.sql<{ seq: string; chain_hash: Buffer; key_version: number; mac: Buffer }[]>`
    select seq, chain_hash, key_version, mac from sfp.audit_checkpoints order by seq`;
  return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
}

/** A checkpoint's MAC as the migration defines it: HMAC(HMAC(master, 'sfp-audit-checkpoint'), int8(seq) || chain_hash). */
function checkpointMac(seq: number, chainHash: Buffer, key: string): Buffer {
  const subkey = createHmac("sha256", Buffer.from(key, "base64")).update("sfp-audit-checkpoint").digest();
  return createHmac("sha256", subkey).update(Buffer.concat([int8(seq), chainHash])).digest();
}

function int8(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(value));
  return buffer;
}

// ---------------------------------------------------------------------------------------
// The verify command as a child process.

const lines = (text: string) => text.split("\n").filter((line) => line !== "");

function verifyCommand(): Promise<CommandOutput> {
  // It checks the keyed checkpoints too, with the functions' key ring.
  return runCommand(stack, "verify-audit.ts", { SFP_ENCRYPTION_KEYS: stack.encryptionKeys });
}

// ---------------------------------------------------------------------------------------

describe("an intact log", () => {
  it("verifies ok: checked = the number of rows, none unsealed, the head is the last link", async () => {
    await arrangeActivity();
    const rows = await auditRowCount();

    const result = await verify();

    const links = await chain();
    expect(result).toEqual({
      ok: true,
      checked: rows,
      unsealed: 0,
      anchor_seq: null,
      head_seq: rows,
      head_hash: links.at(-1)!.chain_hash.toString("hex"),
      // The route passes the key ring: no checkpoint written yet, none to check.
      checkpoints: { checked: 0, latest_seq: null },
      first_broken: null,
    });
  });

  it("every row is sealed once, in id order, positions 1..N, each link SHA-256(previous || row_hash || id)", async () => {
    await sealedLog();
    const rows = await stack.sql<{ id: string; row_hash: Buffer }[]>`select id, row_hash from sfp.audit_log order by id`;
    const links = await chain();

    expect(links.map((link) => link.seq)).toEqual(rows.map((_, index) => index + 1));
    expect(links.map((link) => link.audit_id)).toEqual(rows.map((row) => Number(row.id)));
    let previous = Buffer.alloc(0);
    rows.forEach((row, index) => {
      expect(row.row_hash).toHaveLength(32);
      const expected = createHash("sha256").update(Buffer.concat([previous, row.row_hash, int8(Number(row.id))])).digest();
      expect(links[index].chain_hash.toString("hex"), `link ${index + 1}`).toBe(expected.toString("hex"));
      previous = expected;
    });
  });

  it("each row's hash is computed at insert from its content, whatever the session's time zone and date style", async () => {
    await stack.sql.begin(async (tx) => {
      await tx`set local timezone = 'America/New_York'`;
      await tx`set local datestyle = 'SQL, DMY'`;
      await tx`select sfp_api.create_project(identifier => 'acme/tz', remote_url => 'https://github.com/acme/tz')`;
    });

    const result = await verify();

    expect(result).toMatchObject({ ok: true, unsealed: 0, first_broken: null, checked: await auditRowCount() });
  });

  it("rows committed since the last seal are sealed by the verification itself, and checked", async () => {
    await sealedLog();
    await stack.sql`select sfp_api.create_project(identifier => 'acme/one', remote_url => 'https://github.com/acme/one')`;
    await stack.sql`select sfp_api.create_project(identifier => 'acme/two', remote_url => 'https://github.com/acme/two')`;

    // Without a key ring (no guard needed): the chain is walked, the checkpoints are not.
    const [{ result }] = await stack.sql<{ result: Verification }[]>`select sfp_api.verify_audit_log() as result`;

    expect(result).toMatchObject({ ok: true, unsealed: 0, checked: await auditRowCount(), checkpoints: null });
  });
});

describe("tampering is detected at the first broken position", () => {
  it("an edited row: 'row changed' at its position", async () => {
    await sealedLog();
    const target = await linkAt(4);

    await asSuperuserBypassingTriggers((tx) => tx`update sfp.audit_log set outcome = 'denied', message = 'nothing to see' where id = ${target.audit_id}`);
    const result = await verify();

    expect(result).toMatchObject({ ok: false, checked: 3, first_broken: { seq: 4, audit_id: target.audit_id, reason: "row changed" } });
  });

  it("an edited row whose row_hash was recomputed as well: 'link broken' at its position", async () => {
    await sealedLog();
    const target = await linkAt(5);

    await asSuperuserBypassingTriggers(async (tx) => {
      await tx`set local timezone = 'UTC'`;
      await tx`update sfp.audit_log set actor_email = 'someone-else@example.test' where id = ${target.audit_id}`;
      await tx`update sfp.audit_log a set row_hash = sfp._audit_row_hash(a) where id = ${target.audit_id}`;
    });
    const result = await verify();

    expect(result).toMatchObject({ ok: false, checked: 4, first_broken: { seq: 5, audit_id: target.audit_id, reason: "link broken" } });
  });

  it("a deleted row: 'row missing' at its position", async () => {
    await sealedLog();
    const target = await linkAt(3);

    await asSuperuserBypassingTriggers((tx) => tx`delete from sfp.audit_log where id = ${target.audit_id}`);
    const result = await verify();

    expect(result).toMatchObject({ ok: false, checked: 2, first_broken: { seq: 3, audit_id: target.audit_id, reason: "row missing" } });
  });

  it("two rows reordered in the chain: 'link broken' at the first of them, naming the row now there", async () => {
    await sealedLog();
    const fourth = await linkAt(4);
    const fifth = await linkAt(5);

    await asSuperuserBypassingTriggers(async (tx) => {
      await tx`update sfp.audit_chain set audit_id = -1 where seq = 4`;
      await tx`update sfp.audit_chain set audit_id = ${fourth.audit_id} where seq = 5`;
      await tx`update sfp.audit_chain set audit_id = ${fifth.audit_id} where seq = 4`;
    });
    const result = await verify();

    expect(result).toMatchObject({ ok: false, checked: 3, first_broken: { seq: 4, audit_id: fifth.audit_id, reason: "link broken" } });
  });

  it("two links swapped whole (positions exchanged): 'link broken' at the first of them", async () => {
    await sealedLog();
    const sixth = await linkAt(6);

    await asSuperuserBypassingTriggers(async (tx) => {
      await tx`update sfp.audit_chain set seq = -6 where seq = 6`;
      await tx`update sfp.audit_chain set seq = 6 where seq = 7`;
      await tx`update sfp.audit_chain set seq = 7 where seq = -6`;
    });
    const result = await verify();

    const nowSixth = await linkAt(6);
    expect(nowSixth.audit_id).not.toBe(sixth.audit_id);
    expect(result).toMatchObject({ ok: false, checked: 5, first_broken: { seq: 6, audit_id: nowSixth.audit_id, reason: "link broken" } });
  });

  it("an edited link hash: 'link broken' at that link", async () => {
    await sealedLog();
    const target = await linkAt(2);

    await asSuperuserBypassingTriggers((tx) => tx`update sfp.audit_chain set chain_hash = sha256('forged'::bytea) where seq = 2`);
    const result = await verify();

    expect(result).toMatchObject({ ok: false, checked: 1, first_broken: { seq: 2, audit_id: target.audit_id, reason: "link broken" } });
  });

  it("a deleted link: 'sequence gap' where the positions jump", async () => {
    await sealedLog();
    const after = await linkAt(5);

    await asSuperuserBypassingTriggers((tx) => tx`delete from sfp.audit_chain where seq = 4`);
    const result = await verify();

    expect(result).toMatchObject({ ok: false, checked: 3, first_broken: { seq: 5, audit_id: after.audit_id, reason: "sequence gap" } });
  });

  it("with two tampered rows, the first one is reported", async () => {
    await sealedLog();
    const third = await linkAt(3);
    const seventh = await linkAt(7);

    await asSuperuserBypassingTriggers(async (tx) => {
      await tx`update sfp.audit_log set message = 'edited' where id = ${seventh.audit_id}`;
      await tx`update sfp.audit_log set message = 'edited' where id = ${third.audit_id}`;
    });
    const result = await verify();

    expect(result).toMatchObject({ ok: false, checked: 2, first_broken: { seq: 3, audit_id: third.audit_id, reason: "row changed" } });
  });

  // A row inserted around the hashing trigger (replica mode) once stopped the sealer for good
  // (a null chain hash); it is now chained with a marker and reported by verify.
  it("a row inserted without its hash does not stop the sealer: verify still answers, and later rows are sealed", async () => {
    await sealedLog();
    await asSuperuserBypassingTriggers((tx) =>
      tx`insert into sfp.audit_log (actor_type, action, outcome) values ('service', 'forged.row', 'succeeded')`);
    await stack.sql`select sfp_api.create_project(identifier => 'acme/after', remote_url => 'https://github.com/acme/after')`;
    const [{ id: laterId }] = await stack.sql<{ id: string }[]>`select max(id) as id from sfp.audit_log`;

    const response = await stack.api("GET", "/audit-logs/verify", { token: stack.owner.token });

    expect(response.status, response.text).toBe(200);
    expect((await chain()).some((link) => link.audit_id === Number(laterId))).toBe(true);
  });

  it("without replica mode even the superuser cannot delete a chain link: append-only, and the log stays intact", async () => {
    await sealedLog();
    const target = await linkAt(2);

    const error = await stack.sql`delete from sfp.audit_chain where seq = ${target.seq}`.catch((caught) => caught);

    expect({ code: error.code, message: error.message }).toEqual({ code: "42501", message: APPEND_ONLY });
    expect((await verify()).ok).toBe(true);
  });
});

describe("npm run audit:verify", () => {
  it("an intact log: exit code 0, the rows checked and the head", async () => {
    await arrangeActivity();

    const result = await verifyCommand();

    const rows = await auditRowCount();
    const links = await chain();
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Audit log intact: ${rows} row(s) checked; head ${rows} ${links.at(-1)!.chain_hash.toString("hex")}.\n` +
        "0 keyed checkpoint(s) hold (the newest at none).\n",
    );
    // It sealed what was there.
    expect(links).toHaveLength(rows);
  });

  it("with keyed checkpoints: exit code 0 and how many hold; a cut tail: exit code 1 naming the checkpoint", async () => {
    await sealedLog();
    const first = await checkpoint();
    await stack.sql`select sfp_api.create_project(identifier => 'acme/more', remote_url => 'https://github.com/acme/more')`;
    const second = await checkpoint();

    const intact = await verifyCommand();

    expect(intact.stderr).toBe("");
    expect(intact.code).toBe(0);
    expect(lines(intact.stdout).at(-1)).toBe(`2 keyed checkpoint(s) hold (the newest at ${second.checkpoint_seq}).`);
    expect(second.checkpoint_seq).toBe(first.checkpoint_seq! + 1);

    await asSuperuserBypassingTriggers(async (tx) => {
      const [{ audit_id }] = await tx<{ audit_id: string }[]>`delete from sfp.audit_chain where seq = ${second.checkpoint_seq} returning audit_id`;
      await tx`delete from sfp.audit_log where id = ${audit_id}`;
    });
    const cut = await verifyCommand();

    expect(cut.code).toBe(1);
    expect(lines(cut.stdout)[0]).toBe(`Audit log BROKEN at chain position ${second.checkpoint_seq}: tail cut.`);
  });

  it("a tampered log: exit code 1, the broken position, its row and the reason", async () => {
    await sealedLog();
    const target = await linkAt(4);
    await asSuperuserBypassingTriggers((tx) => tx`update sfp.audit_log set outcome = 'granted' where id = ${target.audit_id}`);

    const result = await verifyCommand();

    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `Audit log BROKEN at chain position 4 (audit row ${target.audit_id}): row changed.\n3 row(s) before it are intact.\n`,
    );
  });

  it("a deleted row: exit code 1, 'row missing'", async () => {
    await sealedLog();
    const target = await linkAt(6);
    await asSuperuserBypassingTriggers((tx) => tx`delete from sfp.audit_log where id = ${target.audit_id}`);

    const result = await verifyCommand();

    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `Audit log BROKEN at chain position 6 (audit row ${target.audit_id}): row missing.\n5 row(s) before it are intact.\n`,
    );
  });
});

describe("keyed checkpoints", () => {
  it("a checkpoint is HMAC-SHA256(seq || chain_hash) under the key ring's checkpoint subkey; one per head; verify with the key ring checks them", async () => {
    await sealedLog();
    const head = (await chain()).at(-1)!;

    const written = await checkpoint();
    const again = await checkpoint();

    expect(written).toMatchObject({ checkpoint_seq: head.seq });
    expect(again).toMatchObject({ sealed: 0, checkpoint_seq: head.seq });
    expect(await checkpoints()).toEqual([{
      seq: head.seq,
      chain_hash: head.chain_hash,
      key_version: 1,
      mac: checkpointMac(head.seq, head.chain_hash, stack.keyring.keys["1"]),
    }]);
    expect(await verifyWithKeyRing()).toMatchObject({ ok: true, checkpoints: { checked: 1, latest_seq: head.seq }, first_broken: null });
  });

  it("a cut tail (the last links and rows deleted) passes the chain walk, and the checkpoint finds it: 'tail cut'", async () => {
    await sealedLog();
    const { checkpoint_seq: seq } = await checkpoint();
    const links = await chain();

    await asSuperuserBypassingTriggers(async (tx) => {
      for (const link of links.slice(-2)) {
        await tx`delete from sfp.audit_chain where seq = ${link.seq}`;
        await tx`delete from sfp.audit_log where id = ${link.audit_id}`;
      }
    });

    // The shortened chain is consistent (every remaining row checked, no chain reason): only
    // the checkpoint, beyond the new head, tells.
    expect(await verifyWithKeyRing()).toMatchObject({
      ok: false,
      checked: seq! - 2,
      unsealed: 0,
      head_seq: seq! - 2,
      checkpoints: { checked: 0, latest_seq: seq },
      first_broken: { seq, audit_id: null, reason: "tail cut" },
    });
    // And over HTTP, where the route passes the functions' key ring.
    expect(await verify()).toMatchObject({ ok: false, first_broken: { seq, reason: "tail cut" } });
  });

  it("a checkpoint forged without the key fails its MAC: 'checkpoint forged'", async () => {
    await sealedLog();
    const head = (await chain()).at(-1)!;
    await stack.sql`insert into sfp.audit_checkpoints (seq, chain_hash, key_version, mac)
                    values (${head.seq}, ${head.chain_hash}, 1, sha256('forged'::bytea))`;

    expect(await verifyWithKeyRing()).toMatchObject({
      ok: false,
      first_broken: { seq: head.seq, audit_id: head.audit_id, reason: "checkpoint forged" },
    });
  });

  it("verification with a wrong key under the checkpoints' version is refused (SFK04), not reported as forgery", async () => {
    await sealedLog();
    await checkpoint();
    const wrong = { current: 1, keys: { "1": createHash("sha256").update("not the key").digest("base64") } };

    const error = await guarded(stack.sql, (tx) =>
      tx`select sfp_api.verify_audit_log(keyring => ${tx.json(wrong)}::jsonb)`).catch((caught) => caught);

    expect({ code: error.code, message: error.message }).toEqual({
      code: "SFK04",
      message: wrongKey(1),
    });
  });
});

describe("under concurrency", () => {
  it("50 parallel credential reads, sealed meanwhile by concurrent sealers, end up in one chain that verifies", async () => {
    await arrangeActivity();
    const before = await auditRowCount();
    const sealers = postgres(databaseUrl(stack.server.superuserUrl, stack.database), { max: 4, onnotice: () => {} });
    try {
      let reading = true;
      const sealed: { sealed: number; busy?: boolean }[] = [];
      const sealing = Promise.all(Array.from({ length: 4 }, async () => {
        while (reading) {
          const [{ result }] = await sealers`select sfp_api.seal_audit_log() as result`;
          sealed.push(result);
        }
      }));
      const tokens = [stack.owner.token, stack.member.token, null];
      const responses = await Promise.all(Array.from({ length: 50 }, (_, index) =>
        stack.api("GET", "/integrations/credentials?provider=github&project=acme/core", { token: tokens[index % 3] })));
      reading = false;
      await sealing;
      const [{ result: last }] = await stack.sql<{ result: { sealed: number } }[]>`select sfp_api.seal_audit_log() as result`;
      sealed.push(last);

      expect(responses.map((response) => response.status).sort()).toEqual(
        [...Array(17).fill(200), ...Array(17).fill(403), ...Array(16).fill(401)].sort(),
      );
      const result = await verify();
      const rows = await auditRowCount();
      expect(rows).toBe(before + 50);
      // The sealers, concurrent and final, sealed every row exactly once between them.
      expect(sealed.reduce((sum, call) => sum + call.sealed, 0)).toBe(rows);
      expect(result).toMatchObject({ ok: true, checked: rows, unsealed: 0, head_seq: rows, first_broken: null });
      const links = await chain();
      expect(links.map((link) => link.seq)).toEqual(links.map((_, index) => index + 1));
      expect(new Set(links.map((link) => link.audit_id)).size).toBe(rows);
    } finally {
      await sealers.end();
    }
  });

  it("a row committed late is sealed after the rows that committed before it, and the chain verifies", async () => {
    await sealedLog();
    const late = postgres(databaseUrl(stack.server.superuserUrl, stack.database), { max: 1, onnotice: () => {} });
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let lateId = 0;
      const open = late.begin(async (tx) => {
        await tx`select sfp_api.create_project(identifier => 'acme/late', remote_url => 'https://github.com/acme/late')`;
        const [{ id }] = await tx<{ id: string }[]>`select max(id) as id from sfp.audit_log`;
        lateId = Number(id);
        await gate;
      });
      while (lateId === 0) await new Promise((resolve) => setTimeout(resolve, 20));

      // Rows with higher ids commit and are sealed while the late one is still open.
      for (let index = 0; index < 3; index++) {
        expect((await stack.api("GET", "/integrations/credentials?provider=github&project=acme/core", { token: stack.owner.token })).status).toBe(200);
      }
      const meanwhile = await verify();
      release();
      await open;
      const after = await verify();

      expect(meanwhile).toMatchObject({ ok: true, unsealed: 0 });
      const links = await chain();
      const lateLink = links.find((link) => link.audit_id === lateId)!;
      expect(lateLink.seq).toBe(links.length);
      expect(links.some((link) => link.audit_id > lateId && link.seq < lateLink.seq)).toBe(true);
      expect(after).toEqual(expect.objectContaining({ ok: true, checked: await auditRowCount(), unsealed: 0, first_broken: null }));
    } finally {
      await late.end();
    }
  });

  it("the functions server seals on its own every SFP_AUDIT_SEAL_SECONDS", async () => {
    await stack.restartFunctions({ SFP_AUDIT_SEAL_SECONDS: "1" });
    try {
      await arrangeActivity();
      const deadline = Date.now() + 30_000;
      const unsealed = await pollUntil(async () => {
        const [{ count }] = await stack.sql<{ count: number }[]>`
          select count(*)::int as count from sfp.audit_log a
          where not exists (select 1 from sfp.audit_chain c where c.audit_id = a.id)`;
        return count;
      }, (count) => count === 0, { timeoutMs: deadline - Date.now(), everyMs: 250 });

      expect(unsealed).toBe(0);
      // It also wrote a keyed checkpoint of the head, under key version 1, with the MAC the
      // migration defines; verification with the key ring checks it.
      const [{ head }] = await stack.sql<{ head: string }[]>`select max(seq) as head from sfp.audit_chain`;
      const written = await pollUntil(() => checkpoints(), (points) => points.some((point) => point.seq === Number(head)), {
        timeoutMs: deadline - Date.now(),
        everyMs: 250,
      });
      expect(written.length).toBeGreaterThan(0);
      const links = await chain();
      for (const point of written) {
        const link = links.find((candidate) => candidate.seq === point.seq)!;
        expect(point.chain_hash.equals(link.chain_hash), `checkpoint ${point.seq}`).toBe(true);
        expect(point.key_version).toBe(1);
        expect(point.mac.equals(checkpointMac(point.seq, point.chain_hash, stack.keyring.keys["1"])), `checkpoint ${point.seq}`).toBe(true);
      }
      const result = await verifyWithKeyRing();
      expect(result).toMatchObject({
        ok: true,
        unsealed: 0,
        checked: await auditRowCount(),
        checkpoints: { checked: written.length, latest_seq: written.at(-1)!.seq },
        first_broken: null,
      });
    } finally {
      await stack.restartFunctions();
    }
  }, 60_000);
});

describe("pruning", () => {
  async function prune(before: string) {
    const [{ result }] = await stack.sql<{ result: { pruned: number; anchor_seq: number } }[]>`
      select sfp_api.prune_audit_log(${before}::timestamptz) as result`;
    return result;
  }

  it("deletes the sealed rows before the cut-off, and the rest still verifies from the anchor", async () => {
    await sealedLog();
    const [{ cut }] = await stack.sql<{ cut: string }[]>`
      select occurred_at::text as cut from sfp.audit_log where action = 'credentials.read' order by id limit 1`;
    const [{ before }] = await stack.sql<{ before: number }[]>`
      select count(*)::int as before from sfp.audit_log where occurred_at < ${cut}::timestamptz`;

    const result = await prune(cut);

    expect(result.pruned).toBe(before);
    const [{ left }] = await stack.sql<{ left: number }[]>`
      select count(*)::int as left from sfp.audit_log where occurred_at < ${cut}::timestamptz`;
    expect(left).toBe(0);
    const [pruning] = await stack.sql`select details from sfp.audit_log where action = 'audit.prune'`;
    expect(pruning.details).toMatchObject({ pruned: before, anchor_seq: result.anchor_seq });
    expect(await verify()).toMatchObject({ ok: true, anchor_seq: result.anchor_seq, first_broken: null });
  });

  it("keeps the tamper check working after it: an edited row is still found", async () => {
    await sealedLog();
    await prune(new Date().toISOString());
    for (let index = 0; index < 3; index++) {
      expect((await stack.api("GET", "/integrations/credentials?provider=github&project=acme/core", { token: stack.owner.token }))
        .status).toBe(200);
    }
    await verify();
    const [{ id }] = await stack.sql<{ id: number }[]>`select max(id)::int as id from sfp.audit_log`;

    await asSuperuserBypassingTriggers((tx) => tx`update sfp.audit_log set message = 'edited' where id = ${id}`);

    expect(await verify()).toMatchObject({ ok: false, first_broken: { audit_id: id, reason: "row changed" } });
  });

  it("is for the service only: an owner acting through claims is refused, nothing deleted", async () => {
    await sealedLog();
    const count = await auditRowCount();
    const claims = { claims: { role: "authenticated", sub: stack.owner.id } };

    await expect(stack.sql`select sfp_api.prune_audit_log(now(), ${stack.sql.json(claims)}::jsonb)`).rejects
      .toMatchObject({ code: "42501", message: SERVICE_ROLE_ONLY });
    expect(await auditRowCount()).toBe(count);
  });

  it("is the only way to delete audit rows: a plain DELETE is still refused", async () => {
    await sealedLog();
    await expect(stack.sql`delete from sfp.audit_log`).rejects
      .toMatchObject({ code: "42501", message: APPEND_ONLY });
  });
});
