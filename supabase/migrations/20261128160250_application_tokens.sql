-- Application tokens: what CI pipelines authenticate with instead of a person's login.
-- A token is "sfp_app_" followed by 64 URL-safe characters (48 random bytes). Its first 16
-- characters are a lookup id, stored as is; the token itself is stored only as its SHA-256.
-- An application may read credentials and projects, nothing else.

create table sfp.application_tokens (
  id uuid primary key default gen_random_uuid(),
  name text not null constraint name_is_valid check (length(name) between 1 and 100 and name !~ '[[:cntrl:]]'),
  lookup_id text not null constraint application_tokens_lookup_id_is_unique unique,
  secret_hash bytea not null constraint secret_hash_is_sha256 check (octet_length(secret_hash) = 32),
  -- The owner who created it (null once their account is deleted), unless the service did.
  created_by uuid references auth.users (id) on delete set null,
  created_by_service boolean not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  last_used_at timestamptz
);
comment on table sfp.application_tokens is 'CI application tokens: a lookup id and the SHA-256 of the token, never the token.';
alter table sfp.application_tokens enable row level security;

/**
 * Compares two digests in time that does not depend on where they differ: both are
 * HMAC-ed under a fresh random key and the results compared, so timing reveals nothing
 * about either input.
 */
create function sfp._digests_equal(a bytea, b bytea) returns boolean
language sql volatile
set search_path = ''
as $$
  select extensions.hmac(_digests_equal.a, k.key, 'sha256') = extensions.hmac(_digests_equal.b, k.key, 'sha256')
  from (select extensions.gen_random_bytes(32) as key) k
$$;

/**
 * Resolves an application token from {lookup_id, token_hash (hex SHA-256 of the token)},
 * which the trusted caller computes (so the token itself never reaches SQL, nor any log).
 * The row is found by its lookup id; the secret part is checked by comparing digests in
 * constant time. Refused (in the returned actor) when unknown, revoked, expired, or when the
 * owner who created it is no longer an owner (or no longer exists; a token the service
 * created has no owner to lose). Records the last use, to the minute.
 */
create function sfp._authenticate_application(application jsonb) returns sfp.actor
language plpgsql volatile
set search_path = ''
as $$
declare
  v_lookup_id text := _authenticate_application.application ->> 'lookup_id';
  v_hash text := _authenticate_application.application ->> 'token_hash';
  v_token sfp.application_tokens;
begin
  if v_lookup_id is null or v_hash is null or v_hash !~ '^[0-9a-f]{64}$' then
    return sfp._refused('Invalid application token');
  end if;
  select * into v_token from sfp.application_tokens t where t.lookup_id = v_lookup_id;
  if v_token.id is null or not sfp._digests_equal(v_token.secret_hash, decode(v_hash, 'hex')) then
    return sfp._refused('Invalid application token');
  end if;
  if v_token.revoked_at is not null then
    return sfp._refused('Application token revoked', v_token.id, v_token.name);
  end if;
  if v_token.expires_at <= now() then
    return sfp._refused('Application token expired', v_token.id, v_token.name);
  end if;
  if not v_token.created_by_service and not exists (
    select 1 from sfp.members m where m.user_id = v_token.created_by and m.role = 'owner') then
    return sfp._refused('Application token no longer valid: the owner who created it is no longer an owner',
                        v_token.id, v_token.name);
  end if;

  -- To the minute: one row update per token per minute, not one per request.
  if v_token.last_used_at is null or v_token.last_used_at < now() - interval '1 minute' then
    update sfp.application_tokens t set last_used_at = now() where t.id = v_token.id;
  end if;
  return row('application', null, null, 'application', v_token.id, v_token.name, null)::sfp.actor;
end;
$$;

/**
 * An application token as the API lists it: never the token, never its hash.
 */
create function sfp._application_token_json(t sfp.application_tokens) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'id', (_application_token_json.t).id,
    'name', (_application_token_json.t).name,
    'created_by', (_application_token_json.t).created_by,
    'created_at', (_application_token_json.t).created_at,
    'expires_at', (_application_token_json.t).expires_at,
    'revoked_at', (_application_token_json.t).revoked_at,
    'last_used_at', (_application_token_json.t).last_used_at,
    'status', case
      when (_application_token_json.t).revoked_at is not null then 'revoked'
      when (_application_token_json.t).expires_at <= now() then 'expired'
      else 'active'
    end
  )
$$;

/**
 * Creates an application token and returns it, the only time it is ever shown.
 * Callers: owners, the service. Errors: SF401, 42501, 22023 (name, expires_in_days from 1
 * to 365). Audited (never the token).
 */
create function sfp_api.create_application_token(name text, expires_in_days integer default 30, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(create_application_token.context);
  v_random text;
  v_token text;
  v_row sfp.application_tokens;
begin
  perform sfp._require_role(v_actor, 'owner');
  if coalesce(btrim(create_application_token.name), '') = '' then
    raise exception using errcode = '22023', message = 'name is required';
  end if;
  if length(create_application_token.name) > 100 or create_application_token.name ~ '[[:cntrl:]]' then
    raise exception using errcode = '22023', message = 'name must be at most 100 characters, without control characters';
  end if;
  if create_application_token.expires_in_days is null or create_application_token.expires_in_days not between 1 and 365 then
    raise exception using errcode = '22023', message = 'expiresIn must be a whole number of days from 1 to 365';
  end if;

  -- 48 random bytes: 64 base64 characters, no padding, made URL-safe.
  v_random := translate(encode(extensions.gen_random_bytes(48), 'base64'), '+/', '-_');
  v_token := 'sfp_app_' || v_random;
  insert into sfp.application_tokens (name, lookup_id, secret_hash, created_by, created_by_service, expires_at)
  values (create_application_token.name, left(v_random, 16), extensions.digest(v_token, 'sha256'),
          v_actor.user_id, v_actor.kind = 'service',
          now() + make_interval(days => create_application_token.expires_in_days))
  returning * into v_row;

  perform sfp._audit(v_actor, 'application_token.create', 'succeeded', create_application_token.context,
    details => sfp._application_token_json(v_row));
  return sfp._application_token_json(v_row) || jsonb_build_object('token', v_token);
end;
$$;
revoke all on function sfp_api.create_application_token(text, integer, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.create_application_token(text, integer, jsonb) to service_role;

/**
 * Every application token (never the token itself), newest first. Callers: owners, the
 * service. Errors: SF401, 42501.
 */
create function sfp_api.list_application_tokens(context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(list_application_tokens.context);
begin
  perform sfp._require_role(v_actor, 'owner');
  return coalesce((select jsonb_agg(sfp._application_token_json(t) order by t.created_at desc, t.id)
                   from sfp.application_tokens t), '[]'::jsonb);
end;
$$;
revoke all on function sfp_api.list_application_tokens(jsonb) from public, anon, authenticated;
grant execute on function sfp_api.list_application_tokens(jsonb) to service_role;

/**
 * Revokes an application token: refused from its next use on. Revoking a revoked token
 * changes nothing. Callers: owners, the service.
 * Errors: SF401, 42501, SF404 "Application token 'id' not found". Audited.
 */
create function sfp_api.revoke_application_token(id uuid, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(revoke_application_token.context);
  v_row sfp.application_tokens;
begin
  perform sfp._require_role(v_actor, 'owner');
  update sfp.application_tokens t set revoked_at = coalesce(t.revoked_at, now())
  where t.id = revoke_application_token.id
  returning * into v_row;
  if v_row.id is null then
    raise exception using errcode = 'SF404',
      message = format('Application token ''%s'' not found', revoke_application_token.id);
  end if;

  perform sfp._audit(v_actor, 'application_token.revoke', 'succeeded', revoke_application_token.context,
    details => sfp._application_token_json(v_row));
  return sfp._application_token_json(v_row);
end;
$$;
revoke all on function sfp_api.revoke_application_token(uuid, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.revoke_application_token(uuid, jsonb) to service_role;
