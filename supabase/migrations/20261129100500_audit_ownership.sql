-- The audit log stays append-only for every role but the superuser, and its tail cannot be
-- cut unseen.
--
-- Ownership, not a setting: a dedicated NOLOGIN role, sfp_audit_owner, owns schema sfp, the
-- audit tables and the one function that deletes from them (pruning a sealed prefix, which
-- moves the chain's anchor and audits itself). The role that runs the migrations and owns
-- everything else (locally `postgres`, on hosted Supabase the non-superuser `postgres`) keeps
-- only SELECT and INSERT on them: it can neither delete, update nor truncate a row, nor drop the
-- tables, nor disable the triggers, nor replace the trigger function. The triggers refuse
-- UPDATE, DELETE and TRUNCATE to anyone but sfp_audit_owner itself (inside its pruning function).
-- What still can: a superuser; and a role that can make itself a member of sfp_audit_owner
-- (on PostgreSQL 15 any role with CREATEROLE; on 16 and later the role that created it,
-- through the ADMIN OPTION it keeps). Such a role can delete the checkpoints below as well:
-- against it only a chain head recorded outside the database proves anything.
--
-- Keyed checkpoints: the server's sealer (which holds the key ring, behind the log guard)
-- writes, each time the chain's head has moved, HMAC-SHA256(seq || chain_hash) under a key
-- derived from the current master key ('sfp-audit-checkpoint'). Verification with the key
-- ring checks every checkpoint's MAC and that the chain still holds each checkpointed link:
-- a removed tail (the chain's head is behind a checkpoint) or a rebuilt chain (a link's hash
-- differs from its checkpoint) is reported, and a checkpoint forged without the key fails
-- its MAC, as long as the checkpoints themselves are left in place. Only what was appended
-- after the newest checkpoint can go unseen (a sealer interval: 5 seconds locally).

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'sfp_audit_owner') then
    create role sfp_audit_owner nologin noinherit;
    -- Only its creator may comment on it (another database of the cluster may have made it).
    comment on role sfp_audit_owner is 'Owns the audit log of the integrations credential store and schema sfp; nobody logs in as it.';
  end if;
end
$$;

-- To hand objects to a role, the migrating role must be able to act as it: for the length of
-- this migration only (revoked at the end).
do $$
begin
  execute format('grant sfp_audit_owner to %I', current_user);
end
$$;

-- A non-superuser may hand a table or a function only to a role that may create in its schema.
grant usage, create on schema sfp to sfp_audit_owner;

create table sfp.audit_checkpoints (
  seq bigint primary key,
  chain_hash bytea not null,
  key_version integer not null,
  mac bytea not null constraint mac_is_32_bytes check (octet_length(mac) = 32),
  created_at timestamptz not null default now()
);
comment on table sfp.audit_checkpoints is 'Keyed checkpoints of the audit chain head (HMAC under a key-ring key): append-only.';
alter table sfp.audit_checkpoints enable row level security;

/**
 * Refuses UPDATE, DELETE and TRUNCATE on the audit tables, whoever asks, except what the
 * pruning function does as sfp_audit_owner: deleting sealed rows and links, and moving the
 * anchor. Callers: the triggers below. Errors: 42501.
 */
create or replace function sfp._refuse_audit_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user = 'sfp_audit_owner' and (
       (tg_op = 'DELETE' and tg_table_name in ('audit_log', 'audit_chain'))
    or (tg_op = 'UPDATE' and tg_table_name = 'audit_chain_anchor')) then
    return coalesce(new, old);
  end if;
  raise exception using
    errcode = '42501',
    message = 'The audit log is append-only';
end;
$$;

create trigger audit_chain_anchor_is_append_only
  before delete on sfp.audit_chain_anchor
  for each row execute function sfp._refuse_audit_change();
create trigger audit_chain_anchor_is_only_moved_by_pruning
  before update on sfp.audit_chain_anchor
  for each row execute function sfp._refuse_audit_change();
create trigger audit_chain_anchor_is_not_truncated
  before truncate on sfp.audit_chain_anchor
  for each statement execute function sfp._refuse_audit_change();
create trigger audit_checkpoints_are_append_only
  before update or delete on sfp.audit_checkpoints
  for each row execute function sfp._refuse_audit_change();
create trigger audit_checkpoints_are_not_truncated
  before truncate on sfp.audit_checkpoints
  for each statement execute function sfp._refuse_audit_change();

/**
 * Deletes the sealed prefix of the audit chain whose rows occurred before `before` (links and
 * rows), records its last link as the anchor verification starts from, and audits that as
 * `actor`. The only way rows leave the audit log: it runs as sfp_audit_owner. Returns
 * {"pruned": n, "anchor_seq"}. Callers: sfp_api.prune_audit_log, after it authorized the
 * caller and sealed what had committed.
 */
create function sfp._prune_sealed_audit_rows(before timestamptz, actor sfp.actor, context jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_last sfp.audit_chain;
  v_count bigint;
begin
  -- Only a prefix of the chain can go: links up to the first one whose row is not old enough.
  select c.* into v_last from sfp.audit_chain c
  where c.seq < coalesce((select min(c2.seq) from sfp.audit_chain c2 join sfp.audit_log a on a.id = c2.audit_id
                          where a.occurred_at >= _prune_sealed_audit_rows.before), 9223372036854775807)
  order by c.seq desc limit 1;
  if v_last.seq is null then
    return jsonb_build_object('pruned', 0, 'anchor_seq', (select a.seq from sfp.audit_chain_anchor a));
  end if;

  with gone as (delete from sfp.audit_chain c where c.seq <= v_last.seq returning c.audit_id)
  delete from sfp.audit_log a using gone where a.id = gone.audit_id;
  get diagnostics v_count = row_count;

  insert into sfp.audit_chain_anchor (seq, chain_hash) values (v_last.seq, v_last.chain_hash)
  on conflict (id) do update set seq = excluded.seq, chain_hash = excluded.chain_hash, pruned_at = now();

  perform sfp._audit(_prune_sealed_audit_rows.actor, 'audit.prune', 'succeeded', _prune_sealed_audit_rows.context,
    details => jsonb_build_object('before', _prune_sealed_audit_rows.before, 'pruned', v_count, 'anchor_seq', v_last.seq,
                                  'anchor_hash', encode(v_last.chain_hash, 'hex')));
  return jsonb_build_object('pruned', v_count, 'anchor_seq', v_last.seq);
end;
$$;

/**
 * Deletes the sealed audit rows that occurred before `before` (and their chain links), after
 * sealing what has committed, and records the last deleted link as the chain's anchor.
 * Export them first (GET /audit-logs/export?to=...). Returns {"pruned": n, "anchor_seq"}.
 * Callers: service_role without claims only. Errors: 42501, 22023. Audited.
 */
create or replace function sfp_api.prune_audit_log(before timestamptz, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(prune_audit_log.context);
begin
  if v_actor.kind <> 'service' then
    raise exception using errcode = '42501', message = 'Forbidden - Requires role: service_role';
  end if;
  if prune_audit_log.before is null then
    raise exception using errcode = '22023', message = 'before is required';
  end if;
  perform sfp_api.seal_audit_log();
  return sfp._prune_sealed_audit_rows(prune_audit_log.before, v_actor, prune_audit_log.context);
end;
$$;

/**
 * The key that signs checkpoints, derived from a master key.
 */
create function sfp._checkpoint_mac(seq bigint, chain_hash bytea, master bytea) returns bytea
language plpgsql immutable
set search_path = ''
as $$
begin
  return extensions.hmac(int8send(_checkpoint_mac.seq) || _checkpoint_mac.chain_hash,
    extensions.hmac(convert_to('sfp-audit-checkpoint', 'UTF8'), _checkpoint_mac.master, 'sha256'), 'sha256');
end;
$$;

/**
 * Seals what has committed, then writes a keyed checkpoint of the chain's head unless one
 * exists for it. Returns the seal's result with "checkpoint_seq". Callers: the service's
 * sealer, behind the log-safety guard (it takes the key ring). Errors: 42501, SFK01, SFK04, SFL02.
 */
create function sfp_api.checkpoint_audit_chain(context jsonb default '{}', keyring jsonb default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(checkpoint_audit_chain.context);
  v_keyring jsonb := sfp._keyring(checkpoint_audit_chain.keyring);
  v_sealed jsonb;
  v_head sfp.audit_chain;
  v_version integer;
begin
  if v_actor.kind <> 'service' then
    raise exception using errcode = '42501', message = 'Forbidden - Requires role: service_role';
  end if;
  perform sfp._require_guard();
  v_sealed := sfp_api.seal_audit_log();
  if (v_sealed ->> 'busy')::boolean then
    return v_sealed;
  end if;
  select * into v_head from sfp.audit_chain c order by c.seq desc limit 1;
  if v_head.seq is null or exists (select 1 from sfp.audit_checkpoints k where k.seq = v_head.seq) then
    return v_sealed || jsonb_build_object('checkpoint_seq', (select max(k.seq) from sfp.audit_checkpoints k));
  end if;
  v_version := sfp._current_key_version(v_keyring);
  perform sfp._record_key_check(v_keyring, v_version);
  insert into sfp.audit_checkpoints (seq, chain_hash, key_version, mac)
  values (v_head.seq, v_head.chain_hash, v_version,
          sfp._checkpoint_mac(v_head.seq, v_head.chain_hash, sfp._master_key(v_keyring, v_version)));
  return v_sealed || jsonb_build_object('checkpoint_seq', v_head.seq);
end;
$$;
revoke all on function sfp_api.checkpoint_audit_chain(jsonb, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.checkpoint_audit_chain(jsonb, jsonb) to service_role;

/**
 * Checks the keyed checkpoints against the chain: each checkpoint's MAC (under the key ring),
 * and that the chain still holds its link with the same hash. Checkpoints at or before the
 * pruning anchor are not checked (their links are gone by design), nor those under a key
 * version the caller does not hold. Returns null when all hold, else {"seq", "audit_id",
 * "reason"}: "checkpoint forged" (MAC mismatch), "chain rebuilt" (the link's hash differs),
 * "tail cut" (the chain ends before the checkpoint). Errors: SFK03, SFK04.
 */
create function sfp._first_failed_checkpoint(keyring jsonb, anchor_seq bigint, out broken jsonb, out checked bigint)
language plpgsql volatile
set search_path = ''
as $$
declare
  v_held integer[];
  v_checkpoint sfp.audit_checkpoints;
  v_link sfp.audit_chain;
begin
  checked := 0;
  -- The versions the caller holds (sent, or available to send): the others cannot be checked.
  select coalesce(array_agg(distinct k.key_version), '{}') into v_held
  from sfp.audit_checkpoints k
  where k.seq > coalesce(_first_failed_checkpoint.anchor_seq, 0)
    and (coalesce(_first_failed_checkpoint.keyring -> 'keys' ? k.key_version::text, false)
         or coalesce(_first_failed_checkpoint.keyring -> 'available' @> to_jsonb(k.key_version), false));
  perform sfp._check_keys(_first_failed_checkpoint.keyring, v_held);

  for v_checkpoint in
    select * from sfp.audit_checkpoints k
    where k.seq > coalesce(_first_failed_checkpoint.anchor_seq, 0) and k.key_version = any (v_held)
    order by k.seq
  loop
    select * into v_link from sfp.audit_chain c where c.seq = v_checkpoint.seq;
    broken := case
      when not sfp._digests_equal(v_checkpoint.mac, sfp._checkpoint_mac(v_checkpoint.seq, v_checkpoint.chain_hash,
                                    sfp._master_key(_first_failed_checkpoint.keyring, v_checkpoint.key_version)))
        then jsonb_build_object('reason', 'checkpoint forged')
      when v_link.seq is null then jsonb_build_object('reason', 'tail cut')
      when v_link.chain_hash <> v_checkpoint.chain_hash then jsonb_build_object('reason', 'chain rebuilt')
    end;
    if broken is not null then
      broken := broken || jsonb_build_object('seq', v_checkpoint.seq, 'audit_id', v_link.audit_id);
      return;
    end if;
    checked := checked + 1;
  end loop;
end;
$$;

drop function sfp_api.verify_audit_log(jsonb);

/**
 * Seals what has committed, then re-walks the chain from its start (or from the anchor left
 * by pruning): recomputes every sealed row's hash from its content and every link from the
 * previous one; with the key ring, also checks the keyed checkpoints (see
 * sfp._first_failed_checkpoint). Returns {"ok", "checked", "unsealed", "anchor_seq",
 * "head_seq", "head_hash", "checkpoints": {"checked", "latest_seq"} | null (no key ring),
 * "first_broken": {"seq", "audit_id", "reason"} | null}. Reasons: "row changed" (content
 * differs from its hash), "row missing" (a sealed row was deleted), "link broken" (the chain
 * was edited, reordered or cut), "sequence gap", and the checkpoints' reasons.
 * Callers: owners, the service; with a key ring, behind the log-safety guard.
 * Errors: SF401, 42501, SFK03, SFK04, SFL02. Cost: one pass over the log.
 */
create function sfp_api.verify_audit_log(context jsonb default '{}', keyring jsonb default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
set timezone = 'UTC'
as $$
declare
  v_actor sfp.actor := sfp._actor(verify_audit_log.context);
  v_anchor sfp.audit_chain_anchor;
  v_link record;
  v_previous bytea;
  v_expected_seq bigint;
  v_checked bigint := 0;
  v_broken jsonb;
  v_checkpoints record;
  v_checkpoint_report jsonb; -- null without a key ring: the checkpoints were not checked
begin
  perform sfp._require_role(v_actor, 'owner');
  if verify_audit_log.keyring is not null then
    perform sfp._require_guard();
  end if;
  -- What has committed since the last seal is chained first, so that it is checked too.
  perform sfp_api.seal_audit_log();
  select * into v_anchor from sfp.audit_chain_anchor;
  v_previous := coalesce(v_anchor.chain_hash, '\x'::bytea);
  v_expected_seq := coalesce(v_anchor.seq, 0);
  for v_link in
    select c.seq, c.audit_id, c.chain_hash, a.id as row_id, a.row_hash, to_jsonb(a) as row_json
    from sfp.audit_chain c left join sfp.audit_log a on a.id = c.audit_id
    order by c.seq
  loop
    v_expected_seq := v_expected_seq + 1;
    v_broken := case
      when v_link.seq <> v_expected_seq then jsonb_build_object('reason', 'sequence gap')
      when v_link.row_id is null then jsonb_build_object('reason', 'row missing')
      when v_link.row_hash is distinct from sfp._audit_row_hash(v_link.row_json) then jsonb_build_object('reason', 'row changed')
      when v_link.chain_hash <> extensions.digest(
             v_previous || coalesce(v_link.row_hash, extensions.digest('unhashed row', 'sha256')) || int8send(v_link.audit_id),
             'sha256')
        then jsonb_build_object('reason', 'link broken')
    end;
    if v_broken is not null then
      v_broken := v_broken || jsonb_build_object('seq', v_link.seq, 'audit_id', v_link.audit_id);
      exit;
    end if;
    v_previous := v_link.chain_hash;
    v_checked := v_checked + 1;
  end loop;

  if verify_audit_log.keyring is not null then
    select * into v_checkpoints from sfp._first_failed_checkpoint(sfp._keyring(verify_audit_log.keyring), v_anchor.seq);
    v_broken := coalesce(v_broken, v_checkpoints.broken);
    v_checkpoint_report := jsonb_build_object('checked', v_checkpoints.checked,
      'latest_seq', (select max(k.seq) from sfp.audit_checkpoints k));
  end if;

  return jsonb_build_object(
    'ok', v_broken is null,
    'checked', v_checked,
    'unsealed', (select count(*) from sfp.audit_log a where not exists (select 1 from sfp.audit_chain c where c.audit_id = a.id)),
    'anchor_seq', v_anchor.seq,
    'head_seq', (select c.seq from sfp.audit_chain c order by c.seq desc limit 1),
    'head_hash', (select encode(c.chain_hash, 'hex') from sfp.audit_chain c order by c.seq desc limit 1),
    'checkpoints', v_checkpoint_report,
    'first_broken', v_broken);
end;
$$;
revoke all on function sfp_api.verify_audit_log(jsonb, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.verify_audit_log(jsonb, jsonb) to service_role;

-- Hand the audit tables, their trigger function and the pruning function to their owner; the
-- migrating role (which owns the other functions, the inserting ones included) keeps what
-- appending and reading need, and nothing more. The schema goes to that owner too: the owner of
-- a schema may drop any object in it, so the migrating role keeps USAGE and CREATE on sfp (it
-- still creates and owns everything else there) but no longer owns it. Changing a schema's
-- owner needs the new owner to have CREATE on the database; where the migrating role cannot
-- grant that, the schema stays its own and a notice says so (docs: the audit tables can then
-- still be dropped by it, loudly).
alter table sfp.audit_log owner to sfp_audit_owner;
alter table sfp.audit_chain owner to sfp_audit_owner;
alter table sfp.audit_chain_anchor owner to sfp_audit_owner;
alter table sfp.audit_checkpoints owner to sfp_audit_owner;
alter function sfp._refuse_audit_change() owner to sfp_audit_owner;
alter function sfp._prune_sealed_audit_rows(timestamptz, sfp.actor, jsonb) owner to sfp_audit_owner;
do $$
begin
  execute format('grant create on database %I to sfp_audit_owner', current_database());
  alter schema sfp owner to sfp_audit_owner;
  -- After the change: the old owner's privileges went to the new owner with the schema.
  execute format('grant usage, create on schema sfp to %I', current_user);
exception when insufficient_privilege then
  raise notice 'schema sfp stays owned by %: it may not grant CREATE on the database to sfp_audit_owner', current_user;
end
$$;

revoke all on function sfp._prune_sealed_audit_rows(timestamptz, sfp.actor, jsonb) from public, anon, authenticated, service_role;
do $$
begin
  execute format('grant select, insert on sfp.audit_log, sfp.audit_chain, sfp.audit_checkpoints to %I', current_user);
  execute format('grant select on sfp.audit_chain_anchor to %I', current_user);
  execute format('grant usage on sequence sfp.audit_log_id_seq to %I', current_user);
  execute format('grant execute on function sfp._prune_sealed_audit_rows(timestamptz, sfp.actor, jsonb) to %I', current_user);
end
$$;
-- What the pruning function calls as its owner to audit itself. The row-hash trigger runs as
-- the role that owns it (which reaches pgcrypto), not as the inserting role.
grant execute on function sfp._audit(sfp.actor, text, text, jsonb, uuid[], text, text, text, jsonb),
  sfp._request_meta(jsonb) to sfp_audit_owner;
alter function sfp._hash_audit_row() security definer;

revoke all on all functions in schema sfp from public, anon, authenticated, service_role;

do $$
begin
  execute format('revoke sfp_audit_owner from %I', current_user);
end
$$;
