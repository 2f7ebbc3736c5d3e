-- The audit log, tamper-evident and append-only by ownership; reading, verifying and pruning
-- it. (Its table, triggers and writer are the audit log migration, near the start: every
-- migration in between appends to it. This one comes last because it uses the key ring and the
-- log-safety guard, and hands to sfp_audit_owner what every migration before has created.)
--
-- The chain: each audit row gets `row_hash`, the SHA-256 of its content (id included), when
-- inserted. A sealer then links committed rows into a hash chain, one at a time in
-- sfp.audit_chain: chain_hash = SHA-256(previous chain_hash || row_hash || audit id). Writers
-- never touch the chain, so audited transactions do not queue behind each other; one sealer
-- runs at a time (an advisory lock), so the chain stays a single line under any number of
-- writers. Rows are sealed in the order the sealer finds them committed, which is id order
-- except for rows that committed late. Editing, deleting or reordering sealed rows breaks the
-- chain, which sfp_api.verify_audit_log reports. The chain's head hash, recorded elsewhere from
-- time to time (a SIEM, a ticket), also proves that nobody rewrote the whole chain since.
--
-- Keyed checkpoints: the server's sealer (which holds the key ring, behind the log guard)
-- writes, each time the chain's head has moved, HMAC-SHA256(seq || chain_hash) under a key
-- derived from the current master key ('sfp-audit-checkpoint'). Verification with the key
-- ring checks every checkpoint's MAC and that the chain still holds each checkpointed link:
-- a removed tail (the chain's head is behind a checkpoint) or a rebuilt chain (a link's hash
-- differs from its checkpoint) is reported, and a checkpoint forged without the key fails
-- its MAC, as long as the checkpoints themselves are left in place. Only what was appended
-- after the newest checkpoint can go unseen (a sealer interval: 5 seconds locally).
--
-- Append-only for every role but the superuser, by ownership, not a setting: a dedicated
-- NOLOGIN role, sfp_audit_owner (made by the schemas migration), owns schema sfp, the audit
-- tables and the one function that deletes from them (pruning a sealed prefix, which moves
-- the chain's anchor and audits itself). The role that runs the migrations and owns
-- everything else (locally `postgres`, on hosted Supabase the non-superuser `postgres`) keeps
-- only SELECT and INSERT on them: it can neither delete, update nor truncate a row, nor drop the
-- tables, nor disable the triggers, nor replace the trigger function. The triggers refuse
-- UPDATE, DELETE and TRUNCATE to anyone but sfp_audit_owner itself (inside its pruning function).
-- What still can: a superuser; and a role that can make itself a member of sfp_audit_owner
-- (on PostgreSQL 15 any role with CREATEROLE; on 16 and later the role that created it,
-- through the ADMIN OPTION it keeps). Such a role can delete the checkpoints below as well:
-- against it only a chain head recorded outside the database proves anything.

create table sfp.audit_chain (
  seq bigint primary key,
  audit_id bigint not null constraint audit_chain_audit_id_is_unique unique references sfp.audit_log (id),
  chain_hash bytea not null,
  sealed_at timestamptz not null default now()
);
comment on table sfp.audit_chain is 'The hash chain over sealed audit rows: append-only.';
alter table sfp.audit_chain enable row level security;

create trigger audit_chain_is_append_only
  before update or delete on sfp.audit_chain
  for each row execute function sfp._refuse_audit_change();
create trigger audit_chain_is_not_truncated
  before truncate on sfp.audit_chain
  for each statement execute function sfp._refuse_audit_change();

create table sfp.audit_chain_anchor (
  id boolean primary key default true constraint one_anchor check (id),
  seq bigint not null,
  chain_hash bytea not null,
  pruned_at timestamptz not null default now()
);
comment on table sfp.audit_chain_anchor is 'The last pruned link of the audit chain: verification starts after it.';
alter table sfp.audit_chain_anchor enable row level security;

create trigger audit_chain_anchor_is_append_only
  before delete on sfp.audit_chain_anchor
  for each row execute function sfp._refuse_audit_change();
create trigger audit_chain_anchor_is_only_moved_by_pruning
  before update on sfp.audit_chain_anchor
  for each row execute function sfp._refuse_audit_change();
create trigger audit_chain_anchor_is_not_truncated
  before truncate on sfp.audit_chain_anchor
  for each statement execute function sfp._refuse_audit_change();

create table sfp.audit_checkpoints (
  seq bigint primary key,
  chain_hash bytea not null,
  key_version integer not null,
  mac bytea not null constraint mac_is_32_bytes check (octet_length(mac) = 32),
  created_at timestamptz not null default now()
);
comment on table sfp.audit_checkpoints is 'Keyed checkpoints of the audit chain head (HMAC under a key-ring key): append-only.';
alter table sfp.audit_checkpoints enable row level security;

create trigger audit_checkpoints_are_append_only
  before update or delete on sfp.audit_checkpoints
  for each row execute function sfp._refuse_audit_change();
create trigger audit_checkpoints_are_not_truncated
  before truncate on sfp.audit_checkpoints
  for each statement execute function sfp._refuse_audit_change();

/**
 * Links committed, not yet sealed audit rows into the chain, up to `max_rows`. Returns
 * {"sealed": n, "head_seq", "head_hash"} (or {"sealed": 0, "busy": true} when another
 * sealer holds the lock). It looks for unsealed rows among the 1,000 ids before the chain's
 * head and after it (a cheap look when nothing is new, even at millions of rows): a
 * transaction that stayed open while more than 1,000 other audited operations committed would
 * leave its row unsealed (verify counts such rows as `unsealed`).
 * Callers: service_role (a periodic job; the local server runs it every few seconds).
 */
create function sfp_api.seal_audit_log(max_rows integer default 10000)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_head sfp.audit_chain;
  v_row record;
  v_hash bytea;
  v_seq bigint;
  v_seqs bigint[] := '{}'::bigint[];
  v_ids bigint[] := '{}'::bigint[];
  v_hashes bytea[] := '{}'::bytea[];
begin
  if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('sfp.audit_chain')) then
    return jsonb_build_object('sealed', 0, 'busy', true);
  end if;
  select * into v_head from sfp.audit_chain c order by c.seq desc limit 1;
  -- An empty chain goes on from the anchor pruning left, if any.
  select coalesce(v_head.chain_hash, a.chain_hash), coalesce(v_head.seq, a.seq) into v_hash, v_seq
  from (select 1) one left join sfp.audit_chain_anchor a on true;
  v_hash := coalesce(v_hash, '\x'::bytea);
  v_seq := coalesce(v_seq, 0);

  for v_row in
    select a.id, a.row_hash from sfp.audit_log a
    where a.id > coalesce(v_head.audit_id, 0) - 1000
      -- The bound on c is implied by c.audit_id = a.id; said again, it keeps the planner from
      -- hashing the whole chain (it did, on stale statistics: 30 us per row sealed).
      and not exists (select 1 from sfp.audit_chain c
                      where c.audit_id = a.id and c.audit_id > coalesce(v_head.audit_id, 0) - 1000)
    order by a.id
    limit greatest(seal_audit_log.max_rows, 0)
  loop
    v_seq := v_seq + 1;
    -- A row without a hash was inserted around the trigger (tampering): it is chained all the
    -- same, with a marker, so sealing goes on and verify reports it as changed.
    v_hash := extensions.digest(
      v_hash || coalesce(v_row.row_hash, extensions.digest('unhashed row', 'sha256')) || int8send(v_row.id), 'sha256');
    v_seqs := v_seqs || v_seq;
    v_ids := v_ids || v_row.id;
    v_hashes := v_hashes || v_hash;
  end loop;
  -- One insert for the batch: an insert per row cost about 25 us of the 30 us a row took to seal,
  -- in bursts that delayed the requests running beside the sealer (docs/performance.md).
  insert into sfp.audit_chain (seq, audit_id, chain_hash)
  select * from unnest(v_seqs, v_ids, v_hashes);

  return jsonb_build_object('sealed', cardinality(v_ids), 'head_seq', v_seq, 'head_hash', encode(v_hash, 'hex'));
end;
$$;
revoke all on function sfp_api.seal_audit_log(integer) from public, anon, authenticated;
grant execute on function sfp_api.seal_audit_log(integer) to service_role;

/**
 * An audit row as the API shows it (the hash as hex).
 */
create function sfp._audit_json(a sfp.audit_log) returns jsonb
language plpgsql immutable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: planned once per session, not on every call (docs/performance.md).
  return to_jsonb(_audit_json.a) - 'row_hash' || jsonb_build_object('row_hash', encode((_audit_json.a).row_hash, 'hex'));
end;
$$;

/**
 * A page of the audit log, newest first, filtered. `filters` may hold: actor (a user id, an
 * email, or an application token id), action, integration_id, project, outcome, from, to
 * (ISO timestamps, to exclusive). `before_id` is the cursor: the last id of the previous
 * page. Returns {"items": [...], "next_cursor": id | null}.
 * Callers: owners, the service. Errors: SF401, 42501, 22023 (an unknown filter, a bad value).
 */
create function sfp_api.list_audit_log(filters jsonb default '{}', before_id bigint default null,
                                       page_size integer default 100, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(list_audit_log.context);
  v_filters jsonb := coalesce(list_audit_log.filters, '{}');
  v_unknown text;
  v_actor_filter text := v_filters ->> 'actor';
  v_actor_uuid uuid;
  v_integration uuid;
  v_from timestamptz;
  v_to timestamptz;
  v_items jsonb;
  v_last bigint;
  v_count integer;
  v_branches text[];
  v_others text;
begin
  perform sfp._require_role(v_actor, 'owner');
  if jsonb_typeof(v_filters) <> 'object' then
    raise exception using errcode = '22023', message = 'filters must be a JSON object';
  end if;
  select k into v_unknown from jsonb_object_keys(v_filters) k
  where k not in ('actor', 'action', 'integration_id', 'project', 'outcome', 'from', 'to') limit 1;
  if v_unknown is not null then
    raise exception using errcode = '22023', message = format('Unknown filter ''%s''', left(v_unknown, 64));
  end if;
  if list_audit_log.page_size is null or list_audit_log.page_size not between 1 and 1000 then
    raise exception using errcode = '22023', message = 'limit must be from 1 to 1000';
  end if;
  if sfp._is_uuid(v_actor_filter) then
    v_actor_uuid := v_actor_filter::uuid;
  end if;
  if v_filters ? 'integration_id' then
    if not sfp._is_uuid(v_filters ->> 'integration_id') then
      raise exception using errcode = '22023', message = 'integration_id must be a UUID';
    end if;
    v_integration := (v_filters ->> 'integration_id')::uuid;
  end if;
  begin
    v_from := (v_filters ->> 'from')::timestamptz;
    v_to := (v_filters ->> 'to')::timestamptz;
  exception when others then
    raise exception using errcode = '22023', message = 'from and to must be ISO 8601 timestamps';
  end;

  -- The actor filter names a user id, a token id or an email: three columns, an index each.
  -- With one OR over them the plan hung on PostgreSQL's guess of the actor's share of the log,
  -- and it walked the log backwards until a page was full: for an actor with few rows among
  -- millions, most of the log. Instead, one branch per column, each read newest first through
  -- its index and cut at a page, merged; the branches exclude each other, so no row comes
  -- twice. The other filters apply inside every branch, so the statement is assembled from one
  -- text of them and constant branch texts (every value is a bind parameter), and planned for
  -- these values (EXECUTE), so that each filter can use its index.
  v_branches := case
    when v_actor_filter is null then array['true']
    when v_actor_uuid is null then array['lower(a.actor_email) = lower($7)']
    else array['a.actor_id = $6',
               'a.actor_token_id = $6 and a.actor_id is distinct from $6',
               'lower(a.actor_email) = lower($7) and a.actor_id is distinct from $6 and a.actor_token_id is distinct from $6']
  end;
  v_others := $q$($1::bigint is null or a.id < $1::bigint)
      and (not $2::jsonb ? 'action' or a.action = $2::jsonb ->> 'action')
      and ($3::uuid is null or a.integration_ids @> array[$3::uuid])
      and (not $2::jsonb ? 'project' or a.project = $2::jsonb ->> 'project')
      and (not $2::jsonb ? 'outcome' or a.outcome = $2::jsonb ->> 'outcome')
      and ($4::timestamptz is null or a.occurred_at >= $4::timestamptz)
      and ($5::timestamptz is null or a.occurred_at < $5::timestamptz)$q$;
  execute format($q$
    with page as (
      select m.* from (%s) m
      order by m.id desc
      limit $8 + 1 -- one more, to know whether another page follows
    ), shown as (
      select * from page order by page.id desc limit $8
    )
    select coalesce(jsonb_agg(sfp._audit_json(shown) order by shown.id desc), '[]'::jsonb), min(shown.id),
           (select count(*) from page)
    from shown$q$,
    (select string_agg(format('(select a.* from sfp.audit_log a where %s and %s order by a.id desc limit $8 + 1)',
                              b, v_others), ' union all ')
     from unnest(v_branches) as b))
  into v_items, v_last, v_count
  using list_audit_log.before_id, v_filters, v_integration, v_from, v_to, v_actor_uuid, v_actor_filter,
        list_audit_log.page_size;

  return jsonb_build_object('items', v_items,
    'next_cursor', case when v_count > list_audit_log.page_size then v_last end);
end;
$$;
revoke all on function sfp_api.list_audit_log(jsonb, bigint, integer, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.list_audit_log(jsonb, bigint, integer, jsonb) to service_role;

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
  perform sfp._require_matching_keys(_first_failed_checkpoint.keyring, v_held);

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
    select c.seq, c.audit_id, c.chain_hash, a.id as row_id, a.row_hash, a as row_
    from sfp.audit_chain c left join sfp.audit_log a on a.id = c.audit_id
    order by c.seq
  loop
    v_expected_seq := v_expected_seq + 1;
    v_broken := case
      when v_link.seq <> v_expected_seq then jsonb_build_object('reason', 'sequence gap')
      when v_link.row_id is null then jsonb_build_object('reason', 'row missing')
      when v_link.row_hash is distinct from sfp._audit_row_hash(v_link.row_) then jsonb_build_object('reason', 'row changed')
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

  -- Its own audit row, written here rather than through sfp._audit: code the migrating role
  -- owns and may replace must never run as sfp_audit_owner.
  insert into sfp.audit_log (actor_type, actor_id, actor_email, actor_role, actor_token_id, actor_token_name,
                             action, outcome, ip, user_agent, request_id, details)
  values ((_prune_sealed_audit_rows.actor).kind, (_prune_sealed_audit_rows.actor).user_id,
          (_prune_sealed_audit_rows.actor).email, (_prune_sealed_audit_rows.actor).role,
          (_prune_sealed_audit_rows.actor).token_id, (_prune_sealed_audit_rows.actor).token_name,
          'audit.prune', 'succeeded',
          left(_prune_sealed_audit_rows.context ->> 'ip', 64), left(_prune_sealed_audit_rows.context ->> 'user_agent', 512),
          left(_prune_sealed_audit_rows.context ->> 'request_id', 128),
          jsonb_build_object('before', _prune_sealed_audit_rows.before, 'pruned', v_count, 'anchor_seq', v_last.seq,
                             'anchor_hash', encode(v_last.chain_hash, 'hex'), 'session_user', session_user));
  return jsonb_build_object('pruned', v_count, 'anchor_seq', v_last.seq);
end;
$$;

/**
 * Deletes the sealed audit rows that occurred before `before` (and their chain links), after
 * sealing what has committed, and records the last deleted link as the chain's anchor.
 * Export them first (GET /audit-logs/export?to=...). Returns {"pruned": n, "anchor_seq"}.
 * Callers: service_role without claims only. Errors: 42501, 22023. Audited.
 */
create function sfp_api.prune_audit_log(before timestamptz, context jsonb default '{}')
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
revoke all on function sfp_api.prune_audit_log(timestamptz, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.prune_audit_log(timestamptz, jsonb) to service_role;

-- Hand the audit tables, their trigger function and the pruning function to their owner; the
-- migrating role (which owns the other functions, the inserting ones included) keeps what
-- appending and reading need, and nothing more. The schema goes to that owner too: the owner of
-- a schema may drop any object in it, so the migrating role keeps USAGE and CREATE on sfp (it
-- still creates and owns everything else there) but no longer owns it. Changing a schema's
-- owner needs the new owner to have CREATE on the database; where the migrating role cannot
-- grant that, the schema stays its own and a notice says so (docs: the audit tables can then
-- still be dropped by it, loudly).

-- To hand objects to a role, the migrating role must be able to act as it: until the end of
-- this migration only (revoked below).
do $$
begin
  execute format('grant sfp_audit_owner to %I', current_user);
end
$$;

-- A non-superuser may hand a table or a function only to a role that may create in its schema.
grant usage, create on schema sfp to sfp_audit_owner;

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
-- The pruning function calls no function of the migrating role's (its audit row is a plain
-- insert; sfp._hash_audit_row, the row-hash trigger, runs as its own owner: SECURITY DEFINER).

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;

do $$
begin
  execute format('revoke sfp_audit_owner from %I', current_user);
end
$$;
