-- Member hardening:
--   - only a user who confirmed their email may be added to the team (sfp_api.add_member);
--     the users sfp_api.upsert_member creates are confirmed;
--   - the team keeps an owner even when an owner's Supabase Auth account is deleted
--     (sfp.members cascades from auth.users, so a trigger on sfp.members guards every path).

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
 * Adds a Supabase Auth user to the team, or changes their role; creates the auth.users row
 * when it does not exist yet (the local stack's owner), with its email marked confirmed (the
 * service vouches for it). The way to make a fresh deployment's first owner.
 * Callers: service_role without claims (internal services, `npm start`, the tests).
 * Errors: 42501 for any other caller, 22023 for an unknown role or a missing email,
 * SF409 'The team must keep at least one owner' when it would demote the last owner.
 */
create or replace function sfp_api.upsert_member(user_id uuid, email text, role text, context jsonb default '{}')
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
    perform sfp._keep_an_owner(v_member);
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
 * Adds a signed-up Supabase Auth user (found by email, case-insensitive) who has confirmed
 * their email to the team. Callers: owners, the service. Errors: SF401, 42501, 22023 (a bad
 * role; "User 'x' has not confirmed their email: they must confirm it before they can be
 * added"), SF404 "User 'x' not found", 23505 'The user is already a member.' (checked before
 * the confirmation). Audited.
 */
create or replace function sfp_api.add_member(email text, role text, context jsonb default '{}')
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
 * remove_member has already locked the owners and checked (sfp._keep_an_owner); this checks
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

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
