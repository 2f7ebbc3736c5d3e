-- Team membership: which Supabase Auth users belong to the team, and as what.
--   - only a user who confirmed their email may be added to the team (sfp_api.add_member);
--     the users sfp_api.upsert_member creates are confirmed;
--   - the team always keeps an owner, even when an owner's Supabase Auth account is deleted
--     (sfp.members cascades from auth.users, so a trigger on sfp.members guards every path).

create table sfp.members (
  user_id uuid primary key references auth.users (id) on delete cascade,
  email text not null,
  role text not null constraint role_is_known check (role in ('owner', 'member')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table sfp.members is 'Team members (Supabase Auth users) and their role: owner or member.';
alter table sfp.members enable row level security;
create index members_owners_idx on sfp.members (user_id) where role = 'owner';

-- Supabase Auth's auth.users has email_confirmed_at; the plain-PostgreSQL bootstrap
-- (sql/bootstrap.sql) may not. Added only where it is missing: on hosted Supabase the column
-- exists and auth.users is not ours to alter (ALTER TABLE checks ownership before IF NOT EXISTS).
do $$
begin
  if not exists (
    select 1 from pg_catalog.pg_attribute a
    where a.attrelid = 'auth.users'::regclass and a.attname = 'email_confirmed_at' and not a.attisdropped
  ) then
    alter table auth.users add column if not exists email_confirmed_at timestamptz;
  end if;
end
$$;

/**
 * A member as the API shows it.
 */
create function sfp._member_json(m sfp.members) returns jsonb
language plpgsql immutable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: planned once per session, not on every call (docs/performance.md).
  return jsonb_build_object('user_id', (_member_json.m).user_id, 'email', (_member_json.m).email,
    'role', (_member_json.m).role, 'created_at', (_member_json.m).created_at, 'updated_at', (_member_json.m).updated_at);
end;
$$;

/**
 * Raises 22023 unless `role` is a team role.
 */
create function sfp._check_member_role(role text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if _check_member_role.role is null or _check_member_role.role not in ('owner', 'member') then
    raise exception using errcode = '22023', message = 'role must be one of: owner, member';
  end if;
end;
$$;

/**
 * The member with this email (case-insensitive), locked for the rest of the transaction.
 * Errors: SF404 "Member 'x' not found".
 */
create function sfp._member_for_update(email text) returns sfp.members
language plpgsql volatile
set search_path = ''
as $$
declare
  v_member sfp.members;
begin
  select * into v_member from sfp.members m where lower(m.email) = lower(_member_for_update.email) for update;
  if v_member.user_id is null then
    raise exception using errcode = 'SF404', message = format('Member ''%s'' not found', _member_for_update.email);
  end if;
  return v_member;
end;
$$;

/**
 * Locks every owner row, always in the same order. Callers: the functions that may take an
 * owner away, before they lock anything else, so that two owners demoting or removing each
 * other at once queue up instead of deadlocking, and the second sees the first's change.
 */
create function sfp._lock_owners() returns void
language plpgsql volatile
set search_path = ''
as $$
begin
  perform 1 from sfp.members m where m.role = 'owner' order by m.user_id for update;
end;
$$;

/**
 * Whether what an owner created (an application token, an OIDC trust policy) still holds:
 * the service made it, or the user who made it is still an owner. A removed or demoted owner's
 * grants end with their role.
 */
create function sfp._creator_is_owner(created_by_service boolean, created_by uuid) returns boolean
language plpgsql stable
set search_path = ''
as $$
begin
  return coalesce(_creator_is_owner.created_by_service, false) or exists (
    select 1 from sfp.members m where m.user_id = _creator_is_owner.created_by and m.role = 'owner');
end;
$$;

/**
 * Raises SF409 when taking `member` away from the owners would leave the team without one.
 * The caller holds the owner rows' locks (sfp._lock_owners).
 */
create function sfp._require_an_owner_left(member sfp.members) returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if (_require_an_owner_left.member).role = 'owner' and not exists (
    select 1 from sfp.members m where m.role = 'owner' and m.user_id <> (_require_an_owner_left.member).user_id) then
    raise exception using errcode = 'SF409', message = 'The team must keep at least one owner';
  end if;
end;
$$;

/**
 * Keeps an owner whatever deletes a member: sfp_api.remove_member, and the cascade from
 * auth.users when a Supabase Auth account is deleted (which no sfp_api function sees).
 *   BEFORE DELETE, for each statement: locks every owner row (sfp._lock_owners), before any
 *     member row of the statement is locked. A cascade takes it once the auth.users row is
 *     gone, so two owners' accounts deleted at once queue on the owner locks in one order
 *     (no deadlock), and the second sees the first's deletion.
 *   BEFORE DELETE, for each row: raises SF409 'The team must keep at least one owner' when
 *     the row is an owner and no other owner is left; the whole statement (the account
 *     deletion included) is undone.
 * TRUNCATE fires neither (the test harness's reset truncates in replica mode anyway).
 * remove_member has already locked the owners and checked (sfp._require_an_owner_left); this checks
 * again, at no cost. Callers: the triggers below.
 */
create function sfp._members_keep_an_owner() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_level = 'STATEMENT' then
    perform sfp._lock_owners();
    return null;
  end if;
  if old.role = 'owner' and not exists (
    select 1 from sfp.members m where m.role = 'owner' and m.user_id <> old.user_id) then
    raise exception using errcode = 'SF409', message = 'The team must keep at least one owner';
  end if;
  return old;
end;
$$;

create trigger members_lock_owners_before_delete
  before delete on sfp.members
  for each statement execute function sfp._members_keep_an_owner();

create trigger members_keep_an_owner
  before delete on sfp.members
  for each row execute function sfp._members_keep_an_owner();

/**
 * Adds a Supabase Auth user to the team, or changes their role; creates the auth.users row
 * when it does not exist yet (the local stack's owner), with its email marked confirmed (the
 * service vouches for it). The way to make a fresh deployment's first owner.
 * Callers: service_role without claims (internal services, `npm start`, the tests).
 * Errors: 42501 for any other caller, 22023 for an unknown role or a missing email,
 * SF409 'The team must keep at least one owner' when it would demote the last owner.
 */
create function sfp_api.upsert_member(user_id uuid, email text, role text, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(upsert_member.context);
  v_member sfp.members;
begin
  if v_actor.kind <> 'service' then
    raise exception using errcode = '42501', message = 'Forbidden - Requires role: service_role';
  end if;
  perform sfp._check_member_role(upsert_member.role);
  if coalesce(btrim(upsert_member.email), '') = '' or upsert_member.user_id is null then
    raise exception using errcode = '22023', message = 'user_id and email are required';
  end if;

  insert into auth.users (id, email, email_confirmed_at) values (upsert_member.user_id, upsert_member.email, now())
  on conflict (id) do nothing;
  perform sfp._lock_owners();
  select * into v_member from sfp.members m where m.user_id = upsert_member.user_id;
  if v_member.user_id is not null and upsert_member.role <> 'owner' then
    perform sfp._require_an_owner_left(v_member);
  end if;

  insert into sfp.members as m (user_id, email, role)
  values (upsert_member.user_id, upsert_member.email, upsert_member.role)
  on conflict on constraint members_pkey do update set email = excluded.email, role = excluded.role, updated_at = now()
  returning * into v_member;

  perform sfp._audit(v_actor, 'member.upsert', 'succeeded', upsert_member.context,
    details => sfp._member_json(v_member));
  return sfp._member_json(v_member);
end;
$$;
revoke all on function sfp_api.upsert_member(uuid, text, text, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.upsert_member(uuid, text, text, jsonb) to service_role;

/**
 * Every member, by email. Callers: owners, the service. Errors: SF401, 42501.
 */
create function sfp_api.list_members(context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(list_members.context);
begin
  perform sfp._require_role(v_actor, 'owner');
  return coalesce((select jsonb_agg(sfp._member_json(m) order by m.email) from sfp.members m), '[]'::jsonb);
end;
$$;
revoke all on function sfp_api.list_members(jsonb) from public, anon, authenticated;
grant execute on function sfp_api.list_members(jsonb) to service_role;

/**
 * Who the caller is: a user (member or not), an application token (an OIDC access token answers
 * as one), or the service.
 * Callers: anyone authenticated. Errors: SF401.
 */
create function sfp_api.get_me(context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(get_me.context);
begin
  return case
    when v_actor.kind = 'user' then
      jsonb_build_object('type', 'user', 'user_id', v_actor.user_id, 'email', v_actor.email, 'role', v_actor.role)
    -- An OIDC access token (the OIDC migration) is an application to the API: its session, its
    -- policy's name.
    when v_actor.kind in ('application', 'oidc') then
      jsonb_build_object('type', 'application', 'token_id', v_actor.token_id, 'name', v_actor.token_name, 'role', v_actor.role)
    else jsonb_build_object('type', 'service', 'role', 'service')
  end;
end;
$$;
revoke all on function sfp_api.get_me(jsonb) from public, anon, authenticated;
grant execute on function sfp_api.get_me(jsonb) to service_role;

/**
 * Adds a signed-up Supabase Auth user (found by email, case-insensitive) who has confirmed
 * their email to the team. Callers: owners, the service. Errors: SF401, 42501, 22023 (a bad
 * role; "User 'x' has not confirmed their email: they must confirm it before they can be
 * added"), SF404 "User 'x' not found", 23505 'The user is already a member.' (checked before
 * the confirmation). Audited.
 */
create function sfp_api.add_member(email text, role text, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(add_member.context);
  v_user_id uuid;
  v_confirmed boolean;
  v_member sfp.members;
begin
  perform sfp._require_role(v_actor, 'owner');
  perform sfp._check_member_role(add_member.role);
  select u.id, u.email_confirmed_at is not null into v_user_id, v_confirmed
  from auth.users u where lower(u.email) = lower(add_member.email);
  if v_user_id is null then
    raise exception using errcode = 'SF404',
      message = format('User ''%s'' not found: they must sign up before they can be added', add_member.email);
  end if;
  if exists (select 1 from sfp.members m where m.user_id = v_user_id) then
    raise exception using errcode = '23505', message = 'The user is already a member.';
  end if;
  if not v_confirmed then
    raise exception using errcode = '22023',
      message = format('User ''%s'' has not confirmed their email: they must confirm it before they can be added', add_member.email);
  end if;

  insert into sfp.members (user_id, email, role)
  select u.id, u.email, add_member.role from auth.users u where u.id = v_user_id
  on conflict on constraint members_pkey do nothing
  returning * into v_member;
  if v_member.user_id is null then
    raise exception using errcode = '23505', message = 'The user is already a member.';
  end if;

  perform sfp._audit(v_actor, 'member.add', 'succeeded', add_member.context, details => sfp._member_json(v_member));
  return sfp._member_json(v_member);
end;
$$;
revoke all on function sfp_api.add_member(text, text, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.add_member(text, text, jsonb) to service_role;

/**
 * Changes a member's role; the last owner cannot be demoted. Only owners may call it, so
 * nobody can raise their own role. Callers: owners, the service.
 * Errors: SF401, 42501, 22023, SF404, SF409 'The team must keep at least one owner'. Audited.
 */
create function sfp_api.update_member_role(email text, role text, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(update_member_role.context);
  v_member sfp.members;
  v_previous text;
begin
  perform sfp._require_role(v_actor, 'owner');
  perform sfp._check_member_role(update_member_role.role);
  perform sfp._lock_owners();
  v_member := sfp._member_for_update(update_member_role.email);
  v_previous := v_member.role;
  if update_member_role.role <> 'owner' then
    perform sfp._require_an_owner_left(v_member);
  end if;

  update sfp.members m set role = update_member_role.role, updated_at = now()
  where m.user_id = v_member.user_id
  returning * into v_member;

  perform sfp._audit(v_actor, 'member.role_change', 'succeeded', update_member_role.context,
    details => sfp._member_json(v_member) || jsonb_build_object('previous_role', v_previous));
  return sfp._member_json(v_member);
end;
$$;
revoke all on function sfp_api.update_member_role(text, text, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.update_member_role(text, text, jsonb) to service_role;

/**
 * Removes a member from the team (their Supabase Auth account stays); the last owner cannot
 * be removed. Callers: owners, the service. Errors: SF401, 42501, SF404, SF409. Audited.
 */
create function sfp_api.remove_member(email text, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(remove_member.context);
  v_member sfp.members;
begin
  perform sfp._require_role(v_actor, 'owner');
  perform sfp._lock_owners();
  v_member := sfp._member_for_update(remove_member.email);
  perform sfp._require_an_owner_left(v_member);
  delete from sfp.members m where m.user_id = v_member.user_id;

  perform sfp._audit(v_actor, 'member.remove', 'succeeded', remove_member.context, details => sfp._member_json(v_member));
  return sfp._member_json(v_member);
end;
$$;
revoke all on function sfp_api.remove_member(text, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.remove_member(text, jsonb) to service_role;

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
