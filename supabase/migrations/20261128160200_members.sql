-- Team membership: which Supabase Auth users belong to the team, and as what.

create table sfp.members (
  user_id uuid primary key references auth.users (id) on delete cascade,
  email text not null,
  role text not null constraint role_is_known check (role in ('owner', 'member')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table sfp.members is 'Team members (Supabase Auth users) and their role: owner or member.';
alter table sfp.members enable row level security;

/**
 * Resolves the caller from a trusted caller's `context`.
 *   no context.claims            -> the service itself (kind 'service', role 'service')
 *   claims.role = 'service_role' -> the service
 *   claims.role = 'authenticated' with a uuid `sub` -> that user, with their team role
 *                                   (null when the user is not a member)
 * The claims must already be verified by the caller (the Edge Functions verify the JWT);
 * only service_role can execute the sfp_api functions that call this.
 * Errors: 22023 when claims is not an object; SF401 for claims that name no user.
 */
create function sfp._actor(context jsonb) returns sfp.actor
language plpgsql stable
set search_path = ''
as $$
declare
  v_claims jsonb := _actor.context -> 'claims';
  v_sub text;
  v_member sfp.members;
begin
  -- A context that is not an object (e.g. a JSON string sent by mistake) must not read as
  -- "no claims", which would mean the service itself.
  if _actor.context is not null and jsonb_typeof(_actor.context) <> 'object' then
    raise exception using errcode = '22023', message = 'context must be a JSON object';
  end if;
  if v_claims is null or jsonb_typeof(v_claims) = 'null' then
    return row('service', null, null, 'service')::sfp.actor;
  end if;
  if jsonb_typeof(v_claims) <> 'object' then
    raise exception using errcode = '22023', message = 'context.claims must be a JSON object';
  end if;
  if v_claims ->> 'role' = 'service_role' then
    return row('service', null, null, 'service')::sfp.actor;
  end if;

  v_sub := v_claims ->> 'sub';
  if v_claims ->> 'role' is distinct from 'authenticated'
     or v_sub is null
     or v_sub !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    raise exception using errcode = 'SF401', message = 'Unauthorized';
  end if;

  select * into v_member from sfp.members m where m.user_id = v_sub::uuid;
  return row('user', v_sub::uuid, coalesce(v_member.email, v_claims ->> 'email'), v_member.role)::sfp.actor;
end;
$$;

/**
 * True when the actor holds one of the roles; the service holds every role.
 */
create function sfp._has_role(actor sfp.actor, variadic roles text[]) returns boolean
language sql immutable
set search_path = ''
as $$
  select coalesce((_has_role.actor).role = 'service' or (_has_role.actor).role = any (_has_role.roles), false)
$$;

/**
 * Raises 42501 with `message` unless the actor holds one of the roles.
 * Callers: sfp_api functions whose refusal needs no audit row (changes and listings).
 */
create function sfp._require_role(actor sfp.actor, message text, variadic roles text[]) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if not sfp._has_role(_require_role.actor, variadic _require_role.roles) then
    raise exception using errcode = '42501', message = _require_role.message;
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
  if upsert_member.role is null or upsert_member.role not in ('owner', 'member') then
    raise exception using errcode = '22023', message = 'role must be one of: owner, member';
  end if;
  if coalesce(btrim(upsert_member.email), '') = '' or upsert_member.user_id is null then
    raise exception using errcode = '22023', message = 'user_id and email are required';
  end if;

  insert into auth.users (id, email) values (upsert_member.user_id, upsert_member.email)
  on conflict (id) do nothing;

  insert into sfp.members as m (user_id, email, role)
  values (upsert_member.user_id, upsert_member.email, upsert_member.role)
  on conflict on constraint members_pkey do update set email = excluded.email, role = excluded.role, updated_at = now()
  returning * into v_member;

  perform sfp._audit(v_actor, 'member.upsert', 'succeeded', upsert_member.context,
    details => jsonb_build_object('user_id', v_member.user_id, 'email', v_member.email, 'role', v_member.role));

  return jsonb_build_object('user_id', v_member.user_id, 'email', v_member.email, 'role', v_member.role,
    'created_at', v_member.created_at, 'updated_at', v_member.updated_at);
end;
$$;
revoke all on function sfp_api.upsert_member(uuid, text, text, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.upsert_member(uuid, text, text, jsonb) to service_role;
