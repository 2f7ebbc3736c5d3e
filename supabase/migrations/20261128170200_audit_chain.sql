-- A tamper-evident audit log, and reading it.
--
-- Each audit row gets `row_hash`, the SHA-256 of its content (id included), when inserted.
-- A sealer then links committed rows into a hash chain, one at a time in sfp.audit_chain:
-- chain_hash = SHA-256(previous chain_hash || row_hash || audit id). Writers never touch the
-- chain, so audited transactions do not queue behind each other; one sealer runs at a time
-- (an advisory lock), so the chain stays a single line under any number of writers. Rows are
-- sealed in the order the sealer finds them committed, which is id order except for rows
-- that committed late. Editing, deleting or reordering sealed rows breaks the chain, which
-- sfp_api.verify_audit_log reports. The chain's head hash, recorded elsewhere from time to
-- time (a SIEM, a ticket), also proves that nobody rewrote the whole chain since.

alter table sfp.audit_log add column row_hash bytea;

/**
 * The hash of an audit row's content: SHA-256 of its jsonb text (keys in jsonb's fixed order),
 * without the row_hash itself.
 */
create function sfp._audit_row_hash(row_json jsonb) returns bytea
language plpgsql immutable
set search_path = ''
as $$
begin
  return extensions.digest(convert_to((_audit_row_hash.row_json - 'row_hash')::text, 'UTF8'), 'sha256');
end;
$$;

-- TimeZone fixed: jsonb writes timestamps in the session's time zone, and the hash must not
-- depend on who computes it.
create function sfp._hash_audit_row() returns trigger
language plpgsql
set search_path = ''
set timezone = 'UTC'
as $$
begin
  new.row_hash := sfp._audit_row_hash(to_jsonb(new));
  return new;
end;
$$;

create trigger audit_log_rows_are_hashed
  before insert on sfp.audit_log
  for each row execute function sfp._hash_audit_row();

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

-- The filters of the audit log's listing.
create index audit_log_action_idx on sfp.audit_log (action, id);
create index audit_log_project_idx on sfp.audit_log (project, id) where project is not null;
create index audit_log_actor_idx on sfp.audit_log (actor_id, id) where actor_id is not null;
create index audit_log_token_idx on sfp.audit_log (actor_token_id, id) where actor_token_id is not null;
create index audit_log_integrations_idx on sfp.audit_log using gin (integration_ids);

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
  v_sealed integer := 0;
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
      and not exists (select 1 from sfp.audit_chain c where c.audit_id = a.id)
    order by a.id
    limit greatest(seal_audit_log.max_rows, 0)
  loop
    v_seq := v_seq + 1;
    -- A row without a hash was inserted around the trigger (tampering): it is chained all the
    -- same, with a marker, so sealing goes on and verify reports it as changed.
    v_hash := extensions.digest(
      v_hash || coalesce(v_row.row_hash, extensions.digest('unhashed row', 'sha256')) || int8send(v_row.id), 'sha256');
    insert into sfp.audit_chain (seq, audit_id, chain_hash) values (v_seq, v_row.id, v_hash);
    v_sealed := v_sealed + 1;
  end loop;

  return jsonb_build_object('sealed', v_sealed, 'head_seq', v_seq, 'head_hash', encode(v_hash, 'hex'));
end;
$$;
revoke all on function sfp_api.seal_audit_log(integer) from public, anon, authenticated;
grant execute on function sfp_api.seal_audit_log(integer) to service_role;

/**
 * Seals what has committed, then re-walks the chain from its start (or from the anchor left
 * by pruning): recomputes every sealed row's hash from its content and every link from the
 * previous one. Returns {"ok", "checked", "unsealed", "anchor_seq", "head_seq", "head_hash",
 * "first_broken": {"seq", "audit_id", "reason"} | null}. Reasons: "row changed" (content
 * differs from its hash), "row missing" (a sealed row was deleted), "link broken" (the chain
 * was edited, reordered or cut), "sequence gap".
 * Callers: owners, the service. Errors: SF401, 42501. Cost: one pass over the log.
 */
create function sfp_api.verify_audit_log(context jsonb default '{}')
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
begin
  perform sfp._require_role(v_actor, 'owner');
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

  return jsonb_build_object(
    'ok', v_broken is null,
    'checked', v_checked,
    'unsealed', (select count(*) from sfp.audit_log a where not exists (select 1 from sfp.audit_chain c where c.audit_id = a.id)),
    'anchor_seq', v_anchor.seq,
    'head_seq', (select c.seq from sfp.audit_chain c order by c.seq desc limit 1),
    'head_hash', (select encode(c.chain_hash, 'hex') from sfp.audit_chain c order by c.seq desc limit 1),
    'first_broken', v_broken);
end;
$$;

revoke all on function sfp_api.verify_audit_log(jsonb) from public, anon, authenticated;
grant execute on function sfp_api.verify_audit_log(jsonb) to service_role;

/**
 * An audit row as the API shows it (the hash as hex).
 */
create function sfp._audit_json(a sfp.audit_log) returns jsonb
language sql immutable
set search_path = ''
as $$
  select to_jsonb(_audit_json.a) - 'row_hash' || jsonb_build_object('row_hash', encode((_audit_json.a).row_hash, 'hex'))
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
  if v_actor_filter ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    v_actor_uuid := v_actor_filter::uuid;
  end if;
  if v_filters ? 'integration_id' then
    if (v_filters ->> 'integration_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
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

  with page as (
    select a.* from sfp.audit_log a
    where (list_audit_log.before_id is null or a.id < list_audit_log.before_id)
      and (v_actor_filter is null or a.actor_id = v_actor_uuid or a.actor_token_id = v_actor_uuid
           or lower(a.actor_email) = lower(v_actor_filter))
      and (not v_filters ? 'action' or a.action = v_filters ->> 'action')
      and (v_integration is null or a.integration_ids @> array[v_integration])
      and (not v_filters ? 'project' or a.project = v_filters ->> 'project')
      and (not v_filters ? 'outcome' or a.outcome = v_filters ->> 'outcome')
      and (v_from is null or a.occurred_at >= v_from)
      and (v_to is null or a.occurred_at < v_to)
    order by a.id desc
    limit list_audit_log.page_size + 1 -- one more, to know whether another page follows
  ), shown as (
    select * from page order by page.id desc limit list_audit_log.page_size
  )
  select coalesce(jsonb_agg(sfp._audit_json(shown) order by shown.id desc), '[]'::jsonb), min(shown.id),
         (select count(*) from page)
  into v_items, v_last, v_count from shown;

  return jsonb_build_object('items', v_items,
    'next_cursor', case when v_count > list_audit_log.page_size then v_last end);
end;
$$;
revoke all on function sfp_api.list_audit_log(jsonb, bigint, integer, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.list_audit_log(jsonb, bigint, integer, jsonb) to service_role;

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
  v_last sfp.audit_chain;
  v_count bigint;
begin
  if v_actor.kind <> 'service' then
    raise exception using errcode = '42501', message = 'Forbidden - Requires role: service_role';
  end if;
  if prune_audit_log.before is null then
    raise exception using errcode = '22023', message = 'before is required';
  end if;
  perform sfp_api.seal_audit_log();

  -- Only a prefix of the chain can go: links up to the first one whose row is not old enough.
  select c.* into v_last from sfp.audit_chain c
  where c.seq < coalesce((select min(c2.seq) from sfp.audit_chain c2 join sfp.audit_log a on a.id = c2.audit_id
                          where a.occurred_at >= prune_audit_log.before), 9223372036854775807)
  order by c.seq desc limit 1;
  if v_last.seq is null then
    return jsonb_build_object('pruned', 0, 'anchor_seq', (select a.seq from sfp.audit_chain_anchor a));
  end if;

  perform set_config('sfp.pruning_audit_log', 'on', true);
  with gone as (delete from sfp.audit_chain c where c.seq <= v_last.seq returning c.audit_id)
  delete from sfp.audit_log a using gone where a.id = gone.audit_id;
  get diagnostics v_count = row_count;
  perform set_config('sfp.pruning_audit_log', 'off', true);

  insert into sfp.audit_chain_anchor (seq, chain_hash) values (v_last.seq, v_last.chain_hash)
  on conflict (id) do update set seq = excluded.seq, chain_hash = excluded.chain_hash, pruned_at = now();

  perform sfp._audit(v_actor, 'audit.prune', 'succeeded', prune_audit_log.context,
    details => jsonb_build_object('before', prune_audit_log.before, 'pruned', v_count, 'anchor_seq', v_last.seq,
                                  'anchor_hash', encode(v_last.chain_hash, 'hex')));
  return jsonb_build_object('pruned', v_count, 'anchor_seq', v_last.seq);
end;
$$;
revoke all on function sfp_api.prune_audit_log(timestamptz, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.prune_audit_log(timestamptz, jsonb) to service_role;

revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
