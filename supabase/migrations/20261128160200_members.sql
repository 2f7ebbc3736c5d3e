-- Team membership: which Supabase Auth users belong to the team, and as what; and how the
-- RPCs learn who is calling (a user, an application token, or the service).

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

/**
 * An actor whose authentication failed, with the reason (shown to the client as a 401):
 * an application when the token is known (revoked, expired), else anonymous.
 */
create function sfp._refused(refusal text, token_id uuid default null, token_name text default null)
returns sfp.actor
language sql immutable
set search_path = ''
as $$
  select row(case when _refused.token_id is null then 'anonymous' else 'application' end,
             null, null, null, _refused.token_id, _refused.token_name, _refused.refusal)::sfp.actor
$$;

/**
 * Resolves the caller from a trusted caller's `context`, without raising for a failed
 * authentication (the refusal is in the returned actor), so that a credential read can
 * audit it.
 *   context.application = {lookup_id, token_hash}  -> an application token (sfp._authenticate_application)
 *   context.claims.role = 'authenticated', uuid sub -> that user, with their team role
 *                                                      (null when not a member)
 *   context.claims.role = 'service_role', or no claims and no application -> the service
 * The claims must already be verified by the caller (the Edge Functions verify the JWT);
 * only service_role can execute the sfp_api functions that call this.
 * Errors: 22023 when context or claims is not a JSON object.
 */
create function sfp._authenticate(context jsonb) returns sfp.actor
language plpgsql volatile
set search_path = ''
as $$
declare
  v_claims jsonb := _authenticate.context -> 'claims';
  v_application jsonb := _authenticate.context -> 'application';
  v_sub text;
  v_member sfp.members;
begin
  -- A context that is not an object (e.g. a JSON string sent by mistake) must not read as
  -- "no claims", which would mean the service itself.
  if _authenticate.context is not null and jsonb_typeof(_authenticate.context) <> 'object' then
    raise exception using errcode = '22023', message = 'context must be a JSON object';
  end if;
  if v_application is not null and jsonb_typeof(v_application) <> 'null' then
    return sfp._authenticate_application(v_application);
  end if;
  if v_claims is null or jsonb_typeof(v_claims) = 'null' or v_claims ->> 'role' = 'service_role' then
    if v_claims is not null and jsonb_typeof(v_claims) not in ('object', 'null') then
      raise exception using errcode = '22023', message = 'context.claims must be a JSON object';
    end if;
    return row('service', null, null, 'service', null, null, null)::sfp.actor;
  end if;
  if jsonb_typeof(v_claims) <> 'object' then
    raise exception using errcode = '22023', message = 'context.claims must be a JSON object';
  end if;

  v_sub := v_claims ->> 'sub';
  if v_claims ->> 'role' is distinct from 'authenticated'
     or v_sub is null
     or v_sub !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return sfp._refused('Unauthorized');
  end if;

  select * into v_member from sfp.members m where m.user_id = v_sub::uuid;
  return row('user', v_sub::uuid, coalesce(v_member.email, v_claims ->> 'email'), v_member.role,
             null, null, null)::sfp.actor;
end;
$$;

/**
 * The caller, as sfp._authenticate resolves it; raises SF401 with the reason when the
 * authentication failed. Callers: every sfp_api function whose refusals need no audit row.
 */
create function sfp._actor(context jsonb) returns sfp.actor
language plpgsql volatile
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._authenticate(_actor.context);
begin
  if v_actor.refusal is not null then
    raise exception using errcode = 'SF401', message = v_actor.refusal;
  end if;
  return v_actor;
end;
$$;

/**
 * True when the actor holds one of the roles; the service holds every role.
 */
create function sfp._has_role(actor sfp.actor, variadic roles text[]) returns boolean
language plpgsql immutable
set search_path = ''
as $$
begin
  return coalesce((_has_role.actor).role = 'service' or (_has_role.actor).role = any (_has_role.roles), false);
end;
$$;

/**
 * Raises 42501 "Forbidden - Requires role: <roles>" unless the actor holds one of the roles.
 * Callers: sfp_api functions whose refusal needs no audit row (changes and listings).
 */
create function sfp._require_role(actor sfp.actor, variadic roles text[]) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if not sfp._has_role(_require_role.actor, variadic _require_role.roles) then
    raise exception using errcode = '42501', message = sfp._forbidden_message(variadic _require_role.roles);
  end if;
end;
$$;

/**
 * "Forbidden - Requires role: owner", "... owner or application", "... owner, member or application".
 */
create function sfp._forbidden_message(variadic roles text[]) returns text
language sql immutable
set search_path = ''
as $$
  select 'Forbidden - Requires role: ' || case
    when cardinality(_forbidden_message.roles) = 1 then _forbidden_message.roles[1]
    else array_to_string(_forbidden_message.roles[1:cardinality(_forbidden_message.roles) - 1], ', ')
         || ' or ' || _forbidden_message.roles[cardinality(_forbidden_message.roles)]
  end
$$;

/**
 * A member as the API shows it.
 */
create function sfp._member_json(m sfp.members) returns jsonb
language sql immutable
set search_path = ''
as $$
  select jsonb_build_object('user_id', (_member_json.m).user_id, 'email', (_member_json.m).email,
    'role', (_member_json.m).role, 'created_at', (_member_json.m).created_at, 'updated_at', (_member_json.m).updated_at)
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
 * Raises SF409 when taking `member` away from the owners would leave the team without one.
 * The caller holds the owner rows' locks (sfp._lock_owners).
 */
create function sfp._keep_an_owner(member sfp.members) returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if (_keep_an_owner.member).role = 'owner' and not exists (
    select 1 from sfp.members m where m.role = 'owner' and m.user_id <> (_keep_an_owner.member).user_id) then
    raise exception using errcode = 'SF409', message = 'The team must keep at least one owner';
  end if;
end;
$$;

/**
 * Adds a Supabase Auth user to the team, or changes their role; creates the auth.users row
 * when it does not exist yet (the local stack's owner). The way to make a fresh deployment's
 * first owner. Callers: service_role without claims (internal services, `npm start`).
 * Errors: 42501 for any other caller, 22023 for an unknown role or a missing email.
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

  insert into auth.users (id, email) values (upsert_member.user_id, upsert_member.email)
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
 * Who the caller is: a user (member or not), an application token, or the service.
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
  return case v_actor.kind
    when 'user' then jsonb_build_object('type', 'user', 'user_id', v_actor.user_id, 'email', v_actor.email, 'role', v_actor.role)
    when 'application' then jsonb_build_object('type', 'application', 'token_id', v_actor.token_id,
                                               'name', v_actor.token_name, 'role', v_actor.role)
    else jsonb_build_object('type', 'service', 'role', 'service')
  end;
end;
$$;
revoke all on function sfp_api.get_me(jsonb) from public, anon, authenticated;
grant execute on function sfp_api.get_me(jsonb) to service_role;

/**
 * Adds a signed-up Supabase Auth user (found by email, case-insensitive) to the team.
 * Callers: owners, the service. Errors: SF401, 42501, 22023, SF404 "User 'x' not found",
 * 23505 'The user is already a member.'. Audited.
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
  v_member sfp.members;
begin
  perform sfp._require_role(v_actor, 'owner');
  perform sfp._check_member_role(add_member.role);
  select u.id into v_user_id from auth.users u where lower(u.email) = lower(add_member.email);
  if v_user_id is null then
    raise exception using errcode = 'SF404',
      message = format('User ''%s'' not found: they must sign up before they can be added', add_member.email);
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
    perform sfp._keep_an_owner(v_member);
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
  perform sfp._keep_an_owner(v_member);
  delete from sfp.members m where m.user_id = v_member.user_id;

  perform sfp._audit(v_actor, 'member.remove', 'succeeded', remove_member.context, details => sfp._member_json(v_member));
  return sfp._member_json(v_member);
end;
$$;
revoke all on function sfp_api.remove_member(text, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.remove_member(text, jsonb) to service_role;
