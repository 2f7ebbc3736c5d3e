/**
 * The audit log is append-only by ownership (supabase/migrations/20261201001200_audit.sql),
 * tried against a migrating role that is NOT a superuser, the way hosted Supabase's `postgres`
 * is (supabase/postgres, migrations/db/migrations/10000000000000_demote-postgres.sql:
 * NOSUPERUSER CREATEDB CREATEROLE LOGIN REPLICATION BYPASSRLS, with ALL on schemas auth and
 * extensions and the tables of auth).
 *
 * The setup: a private embedded PostgreSQL 17 cluster (sfp_audit_owner is a cluster-wide role;
 * in the global test server the superuser already made it when it migrated the template, so a
 * fresh role could not create it as hosted Supabase's postgres would); a login role
 * `sim_postgres` with those attributes (its password set as a SCRAM verifier); a database it
 * owns, bootstrapped by the superuser (sql/bootstrap.sql); then `supabase db push` AS
 * sim_postgres, with the real CLI. Where a migration fails there, the failure is a test of its
 * own (the exact statement and error), and the setup continues with the least a non-superuser
 * can do itself to get past it (no superuser help). Audit activity is then made as the service
 * (authenticator -> service_role): reads, a keyed checkpoint, a pruning (so an anchor exists),
 * more reads, another checkpoint. Each test runs on its own clone of that database.
 *
 * Proves:
 *   - the four audit tables, the trigger function and the pruning function belong to the
 *     NOLOGIN sfp_audit_owner; sim_postgres owns everything else in sfp and keeps SELECT/INSERT
 *     (SELECT only on the anchor);
 *   - as sim_postgres, each bypass fails with its exact error and leaves every audit row as it
 *     was: `set sfp.pruning_audit_log = on; delete`, UPDATE / DELETE / TRUNCATE of each table,
 *     disabling the triggers, replacing the trigger function or the pruning function, taking
 *     either over, replica mode, a new trigger, moving or deleting the anchor; and dropping an
 *     audit table or the trigger function (which it may, as the owner of schema sfp);
 *   - a checkpoint forged by sim_postgres (it may INSERT) is reported with the key ring as
 *     'checkpoint forged';
 *   - keyed checkpoints, against a superuser (who can do anything): a tail cut (the newest rows
 *     and their links deleted after a checkpoint) is reported as 'tail cut', a consistently
 *     rebuilt chain (an edited row, every hash recomputed in SQL) as 'chain rebuilt'; without
 *     the key ring verify sees neither (ok = true): what holds without the key is the chain's
 *     own consistency only;
 *   - what the ADMIN OPTION sim_postgres keeps on the role it created still allows (documented
 *     in the migration), and what the checkpoints then see;
 *   - pruning through sfp_api.prune_audit_log as the service still works and leaves its
 *     'audit.prune' row, and verification then still holds, with and without the key ring.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { databaseUrl, freePort } from "../../stack/addresses.ts";
import { applyMigrations, bootstrapDatabase } from "../../stack/database-setup.ts";
import { type RunningPostgres, startEmbeddedPostgres } from "../../stack/postgres-server.ts";
import { scramVerifier } from "../../stack/scram.ts";
import { guarded } from "../support/guarded.ts";
import { newKey } from "../support/test-stack.ts";

const MIGRATOR = "sim_postgres";
const TEMPLATE = "sim_migrated";
const KEYRING = { current: 1, keys: { "1": newKey() } };
const AUDIT_TABLES = ["audit_log", "audit_chain", "audit_chain_anchor", "audit_checkpoints"] as const;

let cluster: RunningPostgres;
let clusterDir: string;
let admin: postgres.Sql;
const migratorPassword = randomBytes(18).toString("base64url");
const authenticatorPassword = randomBytes(18).toString("base64url");
/** The first `supabase db push` as sim_postgres: null when it applied everything. */
let firstPushFailure: string | null = null;
/** What sim_postgres itself ran to get past it, if anything. */
const workaround: string[] = [];

const quiet = { onnotice: () => {} };
const superuserUrl = (database: string) => databaseUrl(cluster.url, database);
const migratorUrl = (database: string) => databaseUrl(cluster.url, database, { name: MIGRATOR, password: migratorPassword });
const authenticatorUrl = (database: string) =>
  databaseUrl(cluster.url, database, { name: "authenticator", password: authenticatorPassword });

/** The service, as the Edge Functions connect: authenticator, acting as service_role from the start. */
const connectService = (database: string) =>
  postgres(authenticatorUrl(database), { max: 1, ...quiet, connection: { role: "service_role" } });

interface Verification {
  ok: boolean;
  checked: number;
  unsealed: number;
  anchor_seq: number | null;
  head_seq: number | null;
  checkpoints: { checked: number; latest_seq: number | null } | null;
  first_broken: { seq: number; audit_id: number | null; reason: string } | null;
}

async function read(service: postgres.Sql): Promise<void> {
  await guarded(service, (tx) =>
    tx`select sfp_api.get_credentials(provider => 'github', project => 'acme/core',
         context => ${tx.json({ request_id: "audit-ownership-tests" })}::jsonb,
         keyring => ${tx.json(KEYRING)}::jsonb)`
  );
}

async function checkpoint(service: postgres.Sql): Promise<{ checkpoint_seq: number | null; head_seq: number }> {
  return guarded(service, async (tx) => {
    const [row] = await tx`select sfp_api.checkpoint_audit_chain(keyring => ${tx.json(KEYRING)}::jsonb) as result`;
    return row.result;
  });
}

async function verifyWithKey(service: postgres.Sql): Promise<Verification> {
  return guarded(service, async (tx) => {
    const [row] = await tx`select sfp_api.verify_audit_log(keyring => ${tx.json(KEYRING)}::jsonb) as result`;
    return row.result;
  });
}

async function verifyWithoutKey(service: postgres.Sql): Promise<Verification> {
  const [row] = await service`select sfp_api.verify_audit_log(keyring => null) as result`;
  return row.result;
}

beforeAll(async () => {
  clusterDir = mkdtempSync(join(tmpdir(), "sfp-audit-ownership-"));
  cluster = await startEmbeddedPostgres(clusterDir, await freePort(), randomBytes(18).toString("base64url"));
  admin = postgres(cluster.url, { max: 1, ...quiet });

  // Hosted Supabase's postgres: not a superuser; CREATEROLE (it creates sfp_audit_owner), BYPASSRLS.
  await admin.unsafe(
    `create role ${MIGRATOR} login nosuperuser createdb createrole replication bypassrls password '${scramVerifier(migratorPassword)}'`,
  );
  await admin.unsafe(`create database ${TEMPLATE} owner ${MIGRATOR}`);
  await bootstrapDatabase(superuserUrl(TEMPLATE), authenticatorPassword);
  const superuser = postgres(superuserUrl(TEMPLATE), { max: 1, ...quiet });
  try {
    // What hosted Supabase's postgres holds on the schemas the superuser made (demote-postgres.sql).
    await superuser.unsafe(`
      grant all on schema auth, extensions to ${MIGRATOR};
      grant all on all tables in schema auth to ${MIGRATOR};
      grant all on all routines in schema auth to ${MIGRATOR};`);
  } finally {
    await superuser.end();
  }

  try {
    await applyMigrations(migratorUrl(TEMPLATE));
  } catch (error) {
    firstPushFailure = (error as Error).message;
    // The one thing a non-superuser migrating role lacks here (see the test below): the new owner
    // of a table or function needs CREATE on its schema. sim_postgres can give it that itself.
    const migrator = postgres(migratorUrl(TEMPLATE), { max: 1, ...quiet });
    try {
      workaround.push("create role sfp_audit_owner nologin noinherit", "grant usage, create on schema sfp to sfp_audit_owner");
      for (const statement of workaround) await migrator.unsafe(statement);
    } finally {
      await migrator.end();
    }
    await applyMigrations(migratorUrl(TEMPLATE));
  }

  // Audit activity as the service: 2 changes and 4 reads, checkpointed, pruned (the anchor),
  // then 4 more reads, checkpointed.
  const service = connectService(TEMPLATE);
  try {
    await service`select sfp_api.create_project(identifier => 'acme/core', remote_url => 'https://github.com/acme/core')`;
    await guarded(service, (tx) =>
      tx`select sfp_api.create_integration(provider => 'github', auth_type => 'pat',
           credentials => ${tx.json({ token: "ghp_auditOwnership0000000000000000000" })}::jsonb,
           is_global => false, projects => ${tx.array(["acme/core"])}::text[],
           keyring => ${tx.json(KEYRING)}::jsonb)`
    );
    for (let index = 0; index < 4; index++) await read(service);
    await checkpoint(service);
    const [pruned] = await service`select sfp_api.prune_audit_log(before => now()) as result`;
    expect(pruned.result.pruned).toBe(6);
    for (let index = 0; index < 4; index++) await read(service);
    expect((await checkpoint(service)).checkpoint_seq).toBe(11);
  } finally {
    await service.end();
  }
}, 120_000);

afterAll(async () => {
  await admin?.end();
  await cluster?.stop();
  if (clusterDir) rmSync(clusterDir, { recursive: true, force: true });
});

// Each test: its own clone of the migrated database, as sim_postgres, the service and the superuser.
let database: string;
let migrator: postgres.Sql;
let service: postgres.Sql;
let superuser: postgres.Sql;
let clones = 0;

beforeEach(async () => {
  database = `sim_t${++clones}`;
  await admin.unsafe(`create database ${database} template ${TEMPLATE} owner ${MIGRATOR}`);
  migrator = postgres(migratorUrl(database), { max: 1, ...quiet });
  service = connectService(database);
  superuser = postgres(superuserUrl(database), { max: 1, ...quiet });
});
afterEach(async () => {
  await Promise.all([migrator?.end(), service?.end(), superuser?.end()]);
  await admin.unsafe(`drop database if exists ${database} with (force)`);
});

/** Every audit table's content, hashed, and the row count: to prove nothing changed. */
async function auditState() {
  const [row] = await superuser`select
    (select md5(coalesce(string_agg(to_jsonb(t)::text, ',' order by t.id), '')) from sfp.audit_log t) as audit_log,
    (select md5(coalesce(string_agg(to_jsonb(t)::text, ',' order by t.seq), '')) from sfp.audit_chain t) as audit_chain,
    (select md5(coalesce(string_agg(to_jsonb(t)::text, ','), '')) from sfp.audit_chain_anchor t) as audit_chain_anchor,
    (select md5(coalesce(string_agg(to_jsonb(t)::text, ',' order by t.seq), '')) from sfp.audit_checkpoints t) as audit_checkpoints,
    (select count(*) from sfp.audit_log)::int as audit_rows,
    (select count(*) from sfp.audit_chain_anchor)::int as anchors,
    (select count(*) from sfp.audit_checkpoints)::int as checkpoints`;
  return { ...row };
}

/** Runs `statements` (one simple query, autocommit) as `sql`; the error, or null when it succeeded. */
async function attempt(sql: postgres.Sql, statements: string): Promise<{ code: string; message: string } | null> {
  try {
    await sql.unsafe(statements);
    return null;
  } catch (error) {
    const { code, message } = error as postgres.PostgresError;
    return { code, message };
  }
}

/** The newest link of the chain. */
async function head(): Promise<{ seq: number; audit_id: number; chain_hash: Buffer }> {
  const [link] = await superuser<{ seq: string; audit_id: string; chain_hash: Buffer }[]>`
    select seq, audit_id, chain_hash from sfp.audit_chain order by seq desc limit 1`;
  return { seq: Number(link.seq), audit_id: Number(link.audit_id), chain_hash: link.chain_hash };
}

/**
 * Deletes the links from `seq` on, and their rows: as the superuser around the triggers
 * (replica mode), or, `asAuditOwner`, acting as sfp_audit_owner (whom the triggers let delete).
 */
async function cutTailFrom(sql: postgres.Sql, seq: number, how: "replica" | "asAuditOwner" = "replica", before?: string): Promise<number> {
  return sql.begin(async (tx) => {
    if (how === "replica") await tx`set local session_replication_role = replica`;
    else await tx`set local role sfp_audit_owner`;
    if (before) await tx.unsafe(before);
    const gone = await tx`
      with links as (delete from sfp.audit_chain c where c.seq >= ${seq} returning c.audit_id)
      delete from sfp.audit_log a using links where a.id = links.audit_id returning a.id`;
    return gone.length;
  }) as Promise<number>;
}

describe("a non-superuser migrating role (hosted Supabase's postgres)", () => {
  it("applies every migration with `supabase db push`", () => {
    // Hosted Supabase runs the migrations as a non-superuser: each must pass as one.
    expect(
      firstPushFailure,
      `sim_postgres needed, to get past it: ${workaround.join("; ")}`,
    ).toBeNull();
  });

  it("is what hosted Supabase's postgres is, and owns everything in sfp but the audit objects and the schema", async () => {
    const [role] = await superuser`
      select rolsuper, rolcreaterole, rolbypassrls from pg_roles where rolname = ${MIGRATOR}`;
    expect({ ...role }).toEqual({ rolsuper: false, rolcreaterole: true, rolbypassrls: true });
    const [owner] = await superuser`select rolcanlogin, rolsuper from pg_roles where rolname = 'sfp_audit_owner'`;
    expect({ ...owner }).toEqual({ rolcanlogin: false, rolsuper: false });

    const objects = await superuser<{ name: string; owner: string }[]>`
      select c.relname as name, pg_get_userbyid(c.relowner) as owner from pg_class c
      where c.relnamespace = 'sfp'::regnamespace and c.relkind in ('r', 'p')
      union all
      select p.proname, pg_get_userbyid(p.proowner) from pg_proc p where p.pronamespace = 'sfp'::regnamespace`;
    const ownedByAuditOwner = objects.filter((object) => object.owner === "sfp_audit_owner").map((object) => object.name).sort();
    expect(ownedByAuditOwner).toEqual(["_prune_sealed_audit_rows", "_refuse_audit_change", ...AUDIT_TABLES].sort());
    expect(objects.filter((object) => object.owner !== "sfp_audit_owner").every((object) => object.owner === MIGRATOR)).toBe(true);
    // The schema's owner may drop anything in it: not the migrating role, which keeps USAGE and CREATE.
    const [schema] = await superuser`select pg_get_userbyid(nspowner) as owner,
      has_schema_privilege(${MIGRATOR}, 'sfp', 'USAGE') as usage, has_schema_privilege(${MIGRATOR}, 'sfp', 'CREATE') as create
      from pg_namespace where nspname = 'sfp'`;
    expect({ ...schema }).toEqual({ owner: "sfp_audit_owner", usage: true, create: true });
  });

  it("keeps SELECT and INSERT on the audit tables (SELECT only on the anchor), nothing more", async () => {
    for (const table of AUDIT_TABLES) {
      const [privileges] = await superuser`select
        has_table_privilege(${MIGRATOR}, ${`sfp.${table}`}, 'SELECT') as select,
        has_table_privilege(${MIGRATOR}, ${`sfp.${table}`}, 'INSERT') as insert,
        has_table_privilege(${MIGRATOR}, ${`sfp.${table}`}, 'UPDATE') as update,
        has_table_privilege(${MIGRATOR}, ${`sfp.${table}`}, 'DELETE') as delete,
        has_table_privilege(${MIGRATOR}, ${`sfp.${table}`}, 'TRUNCATE') as truncate,
        has_table_privilege(${MIGRATOR}, ${`sfp.${table}`}, 'TRIGGER') as trigger,
        has_table_privilege(${MIGRATOR}, ${`sfp.${table}`}, 'REFERENCES') as references`;
      expect({ ...privileges }, table).toEqual({
        select: true,
        insert: table !== "audit_chain_anchor",
        update: false,
        delete: false,
        truncate: false,
        trigger: false,
        references: false,
      });
    }
    // It is not a member of sfp_audit_owner (the migration revoked what it granted itself).
    const [membership] = await superuser`select
      pg_has_role(${MIGRATOR}, 'sfp_audit_owner', 'USAGE') as usage,
      pg_has_role(${MIGRATOR}, 'sfp_audit_owner', 'SET') as set`;
    expect({ ...membership }).toEqual({ usage: false, set: false });
  });
});

describe("as sim_postgres, every bypass fails with its exact error and changes no audit row", () => {
  const UPDATES: Record<(typeof AUDIT_TABLES)[number], string> = {
    audit_log: "message = 'rewritten'",
    audit_chain: "chain_hash = chain_hash",
    audit_chain_anchor: "seq = seq + 1",
    audit_checkpoints: "mac = mac",
  };
  const denied = (table: string) => ({ code: "42501", message: `permission denied for table ${table}` });
  const notOwner = (kind: string, name: string) => ({ code: "42501", message: `must be owner of ${kind} ${name}` });

  const bypasses: Array<[string, string, { code: string; message: string }]> = [
    ["the old pruning flag, then DELETE", "set sfp.pruning_audit_log = on; delete from sfp.audit_log", denied("audit_log")],
    ...AUDIT_TABLES.flatMap((table): Array<[string, string, { code: string; message: string }]> => [
      [`UPDATE ${table}`, `update sfp.${table} set ${UPDATES[table]}`, denied(table)],
      [`DELETE ${table}`, `delete from sfp.${table}`, denied(table)],
      [`TRUNCATE ${table}`, `truncate sfp.${table}`, denied(table)],
    ]),
    ["disabling the triggers", "alter table sfp.audit_log disable trigger all", notOwner("table", "audit_log")],
    ["disabling one trigger of the checkpoints", "alter table sfp.audit_checkpoints disable trigger audit_checkpoints_are_append_only", notOwner("table", "audit_checkpoints")],
    [
      "replacing the trigger function",
      "create or replace function sfp._refuse_audit_change() returns trigger language plpgsql set search_path = '' as $$ begin return coalesce(new, old); end $$",
      notOwner("function", "_refuse_audit_change"),
    ],
    [
      "replacing the pruning function",
      `create or replace function sfp._prune_sealed_audit_rows(before timestamptz, actor sfp.actor, context jsonb) returns jsonb
         language sql security definer set search_path = '' as $$ delete from sfp.audit_log returning '{}'::jsonb $$`,
      notOwner("function", "_prune_sealed_audit_rows"),
    ],
    ["taking the table over", `alter table sfp.audit_log owner to ${MIGRATOR}`, notOwner("table", "audit_log")],
    ["taking the pruning function over", `alter function sfp._prune_sealed_audit_rows(timestamptz, sfp.actor, jsonb) owner to ${MIGRATOR}`, notOwner("function", "_prune_sealed_audit_rows")],
    ["renaming the table away", "alter table sfp.audit_log rename to audit_log_old", notOwner("table", "audit_log")],
    ["replica mode (skips triggers)", "set session_replication_role = replica", { code: "42501", message: 'permission denied to set parameter "session_replication_role"' }],
    [
      "a trigger of its own",
      "create function sfp.eat() returns trigger language plpgsql as $$ begin return null; end $$; create trigger eat before insert on sfp.audit_log for each row execute function sfp.eat()",
      denied("audit_log"),
    ],
    ["moving the anchor", "insert into sfp.audit_chain_anchor (seq, chain_hash) values (11, '\\x00') on conflict (id) do update set seq = 11", denied("audit_chain_anchor")],
    ["deleting the anchor", "delete from sfp.audit_chain_anchor", denied("audit_chain_anchor")],
    // The owner of a schema may drop any object in it, whoever owns the object: sfp is not its.
    ["dropping the checkpoints (with CREATE on schema sfp)", "drop table sfp.audit_checkpoints", notOwner("table", "audit_checkpoints")],
    ["dropping the audit log (with CREATE on schema sfp)", "drop table sfp.audit_log cascade", notOwner("table", "audit_log")],
    ["dropping the trigger function, and with it every trigger (with CREATE on schema sfp)", "drop function sfp._refuse_audit_change() cascade", notOwner("function", "sfp._refuse_audit_change")],
    ["dropping the schema", "drop schema sfp cascade", notOwner("schema", "sfp")],
  ];

  it.each(bypasses)("%s", async (_name, statements, expected) => {
    const before = await auditState();
    expect(before).toMatchObject({ audit_rows: 5, anchors: 1, checkpoints: 2 });

    const refused = await attempt(migrator, statements);

    expect(refused, `sim_postgres ran: ${statements}`).toEqual(expected);
    expect(await auditState()).toEqual(before);
    const verified = await verifyWithKey(service);
    expect(verified).toMatchObject({ ok: true, first_broken: null, anchor_seq: 6 });
  });

  it("a checkpoint it forges (it may INSERT) is reported with the key ring: 'checkpoint forged'", async () => {
    await read(service);
    const [sealed] = await service`select sfp_api.seal_audit_log() as result`;
    const newest = await head();
    expect(sealed.result.head_seq).toBe(newest.seq);
    expect(
      await attempt(
        migrator,
        `insert into sfp.audit_checkpoints (seq, chain_hash, key_version, mac)
         values (${newest.seq}, '\\x${newest.chain_hash.toString("hex")}', 1, '\\x${randomBytes(32).toString("hex")}')`,
      ),
    ).toBeNull();

    const withKey = await verifyWithKey(service);
    expect(withKey.ok).toBe(false);
    expect(withKey.first_broken).toEqual({ seq: newest.seq, audit_id: newest.audit_id, reason: "checkpoint forged" });
    // Without the key ring, a forged checkpoint cannot be told from a genuine one.
    expect(await verifyWithoutKey(service)).toMatchObject({ ok: true, first_broken: null, checkpoints: null });
  });
});

describe("keyed checkpoints, against a superuser (who can do anything)", () => {
  it("the newest rows and their links deleted after a checkpoint: 'tail cut' with the key ring; without it verify sees nothing", async () => {
    for (let index = 0; index < 3; index++) await read(service);
    const written = await checkpoint(service);
    expect(written.checkpoint_seq).toBe(14);
    const intact = await verifyWithKey(service);
    expect(intact).toMatchObject({ ok: true, head_seq: 14, checkpoints: { checked: 2, latest_seq: 14 } });

    expect(await cutTailFrom(superuser, 13)).toBe(2);

    const withoutKey = await verifyWithoutKey(service);
    expect(withoutKey, "without the key ring, a cut tail leaves a consistent chain").toMatchObject({
      ok: true,
      head_seq: 12,
      first_broken: null,
    });
    const withKey = await verifyWithKey(service);
    expect(withKey.ok).toBe(false);
    expect(withKey.first_broken).toMatchObject({ seq: 14, reason: "tail cut" });
  });

  it("an edited row with the whole chain rebuilt in SQL: 'chain rebuilt' with the key ring; without it verify reports ok", async () => {
    const [target] = await superuser`select c.audit_id from sfp.audit_chain c where c.seq = 8`;
    await superuser.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`set local timezone = 'UTC'`;
      await tx`update sfp.audit_log set message = 'rewritten by the superuser' where id = ${target.audit_id}`;
      await tx`update sfp.audit_log a set row_hash = sfp._audit_row_hash(a) where a.id = ${target.audit_id}`;
      // Every link from the anchor on, recomputed: SHA-256(previous || row hash || id).
      await tx.unsafe(`
        do $$
        declare
          v_previous bytea := (select a.chain_hash from sfp.audit_chain_anchor a);
          v_link record;
        begin
          for v_link in
            select c.seq, c.audit_id, l.row_hash from sfp.audit_chain c join sfp.audit_log l on l.id = c.audit_id order by c.seq
          loop
            v_previous := extensions.digest(v_previous || v_link.row_hash || int8send(v_link.audit_id), 'sha256');
            update sfp.audit_chain set chain_hash = v_previous where seq = v_link.seq;
          end loop;
        end
        $$`);
    });

    const withoutKey = await verifyWithoutKey(service);
    expect(withoutKey, "without the key ring, a consistently rebuilt chain verifies").toMatchObject({ ok: true, first_broken: null });
    const withKey = await verifyWithKey(service);
    expect(withKey.ok).toBe(false);
    expect(withKey.first_broken).toMatchObject({ seq: 11, reason: "chain rebuilt" });
  });
});

/** Roles are cluster-wide: a membership sim_postgres granted itself must not outlive its test. */
async function revokeMembership() {
  await admin.unsafe(`revoke sfp_audit_owner from ${MIGRATOR} granted by ${MIGRATOR}`);
  const [membership] = await admin`select pg_has_role(${MIGRATOR}, 'sfp_audit_owner', 'USAGE') as usage`;
  expect(membership.usage).toBe(false);
}

describe("what the migration documents as still possible: the ADMIN OPTION sim_postgres keeps on the role it created", () => {
  it("it can act as sfp_audit_owner and cut the tail: seen with the key ring ('tail cut')", async () => {
    for (let index = 0; index < 2; index++) await read(service);
    expect((await checkpoint(service)).checkpoint_seq).toBe(13);
    const [grant] = await superuser`
      select g.admin_option from pg_auth_members g
      where g.roleid = 'sfp_audit_owner'::regrole and g.member = ${MIGRATOR}::regrole`;
    expect(grant.admin_option).toBe(true);

    try {
      expect(await attempt(migrator, `grant sfp_audit_owner to ${MIGRATOR}`)).toBeNull();
      // The triggers let sfp_audit_owner delete rows and links, in or out of the pruning function.
      expect(await cutTailFrom(migrator, 12, "asAuditOwner")).toBe(2);
    } finally {
      // Roles are cluster-wide: the membership must not outlive the test.
      await revokeMembership();
    }
    expect(await verifyWithoutKey(service)).toMatchObject({ ok: true, head_seq: 11 });
    expect((await verifyWithKey(service)).first_broken).toMatchObject({ seq: 13, reason: "tail cut" });
  });

  it("LIMITATION: acting as sfp_audit_owner it can also delete the checkpoints over the tail it cuts, and then nothing sees the cut", async () => {
    for (let index = 0; index < 2; index++) await read(service);
    expect((await checkpoint(service)).checkpoint_seq).toBe(13);
    try {
      expect(await attempt(migrator, `grant sfp_audit_owner to ${MIGRATOR}`)).toBeNull();
      const removeCheckpoints = `
        alter table sfp.audit_checkpoints disable trigger audit_checkpoints_are_append_only;
        delete from sfp.audit_checkpoints where seq >= 12;
        alter table sfp.audit_checkpoints enable trigger audit_checkpoints_are_append_only;`;
      expect(await cutTailFrom(migrator, 12, "asAuditOwner", removeCheckpoints)).toBe(2);
    } finally {
      await revokeMembership();
    }
    // The migration's claim "The keyed checkpoints below make their cuts visible" does not hold
    // for a role that can act as sfp_audit_owner: it owns the checkpoints too.
    expect(await verifyWithKey(service)).toMatchObject({ ok: true, head_seq: 11, first_broken: null });
  });
});

describe("pruning, as the service", () => {
  it("sfp_api.prune_audit_log still deletes the sealed prefix, moves the anchor and leaves its 'audit.prune' row", async () => {
    const before = await auditState();
    const [pruned] = await service`select sfp_api.prune_audit_log(before => now()) as result`;
    // Links 7 (the first pruning's own row) to 11.
    expect(pruned.result).toEqual({ pruned: 5, anchor_seq: 11 });
    const after = await auditState();
    expect(after.audit_rows).toBe(before.audit_rows - 5 + 1);
    const [anchor] = await superuser`select seq, encode(chain_hash, 'hex') as hash from sfp.audit_chain_anchor`;
    expect(Number(anchor.seq)).toBe(11);
    const rows = await superuser`
      select actor_type, outcome, details from sfp.audit_log where action = 'audit.prune' order by id`;
    expect(rows).toHaveLength(1);
    expect({ ...rows[0] }).toMatchObject({
      actor_type: "service",
      outcome: "succeeded",
      details: { pruned: 5, anchor_seq: 11, anchor_hash: anchor.hash },
    });
    expect(await verifyWithoutKey(service)).toMatchObject({ ok: true, anchor_seq: 11, first_broken: null });
    expect(await verifyWithKey(service)).toMatchObject({ ok: true, anchor_seq: 11, first_broken: null });
    // And the log goes on after it: its row (12) and a read (13), checkpointed.
    await read(service);
    expect((await checkpoint(service)).checkpoint_seq).toBe(13);
    expect(await verifyWithKey(service)).toMatchObject({ ok: true, head_seq: 13, checkpoints: { checked: 1 } });
  });

  it("sim_postgres calling sfp._prune_sealed_audit_rows itself can only prune the sealed prefix, audited", async () => {
    const [result] = await migrator`
      select sfp._prune_sealed_audit_rows(now(), row('service', null, null, 'service', null, null, null, null, null)::sfp.actor, '{}') as result`;
    expect(result.result.anchor_seq).toBe(11);
    const [row] = await superuser`select count(*)::int as count from sfp.audit_log where action = 'audit.prune'`;
    expect(row.count).toBe(1); // the first pruning's row went with the prefix; this one's stays
    expect(await verifyWithKey(service)).toMatchObject({ ok: true, anchor_seq: 11 });
  });
});
