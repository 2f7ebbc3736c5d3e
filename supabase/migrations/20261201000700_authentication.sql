-- Authentication: how the RPCs learn who is calling from a trusted caller's `context`: the
-- verified claims of a Supabase Auth user, an application token, an OIDC access token (its
-- resolver, sfp._authenticate_oidc, is the oidc migration's, after its tables), or the
-- service itself.
--
-- Order: the second part of the actors domain (the type and the role checks are the actors
-- migration, first of all). It follows the members and application tokens migrations: its
-- functions declare variables of sfp.members and sfp.application_tokens, types plpgsql
-- resolves when a function is created.

/**
 * Whether `candidate` is a UUID written as 8-4-4-4-12 hexadecimal digits (either case), so
 * that its cast to uuid cannot fail; null for null. The one spelling of that rule in SQL.
 * Callers: sfp._authenticate (a JWT's sub), sfp_api.list_audit_log (its actor and
 * integration_id filters). Cost: one regular expression match.
 */
create function sfp._is_uuid(candidate text) returns boolean
language plpgsql immutable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: a sql function with a SET clause is planned again on every call, and
  -- this runs on every request of a signed-in user.
  return _is_uuid.candidate ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
end;
$$;

/**
 * An actor whose authentication failed, with the reason (shown to the client as a 401):
 * an application when the token is known (revoked, expired), else anonymous. Never scoped.
 */
create function sfp._refused(refusal text, token_id uuid default null, token_name text default null)
returns sfp.actor
language plpgsql immutable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: planned once per session, not on every call (docs/performance.md).
  return row(case when _refused.token_id is null then 'anonymous' else 'application' end,
             null, null, null, _refused.token_id, _refused.token_name, _refused.refusal, null, null)::sfp.actor;
end;
$$;

/**
 * Compares two byte strings in time that does not depend on where they differ: both are
 * HMAC-ed under a fresh random key and the results compared, so timing reveals nothing
 * about either input. plpgsql: a sql function with a SET clause is planned on every call.
 */
create function sfp._digests_equal(a bytea, b bytea) returns boolean
language plpgsql volatile
set search_path = ''
as $$
declare
  v_key bytea := extensions.gen_random_bytes(32);
begin
  return extensions.hmac(_digests_equal.a, v_key, 'sha256') = extensions.hmac(_digests_equal.b, v_key, 'sha256');
end;
$$;

/**
 * Resolves an application token from {lookup_id, token_hash (hex SHA-256 of the token)},
 * which the trusted caller computes (so the token itself never reaches SQL, nor any log).
 * The row is found by its lookup id; the secret part is checked by comparing digests in
 * constant time. Refused (in the returned actor) when unknown, revoked, expired, or when the
 * owner who created it is no longer an owner (or no longer exists; a token the service
 * created has no owner to lose). Records the last use, to the minute.
 * The actor carries the token's scope: token_project_ids (the ids of its projects; empty when
 * they were all deleted; null when not project-scoped) and token_providers (null when not
 * provider-scoped). Callers: sfp._authenticate. Cost: one index lookup, one more for a
 * project-scoped token.
 */
create function sfp._authenticate_application(application jsonb) returns sfp.actor
language plpgsql volatile
set search_path = ''
as $$
declare
  v_lookup_id text := _authenticate_application.application ->> 'lookup_id';
  v_hash text := _authenticate_application.application ->> 'token_hash';
  v_token sfp.application_tokens;
  v_project_ids uuid[];
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
  if not sfp._creator_is_owner(v_token.created_by_service, v_token.created_by) then
    return sfp._refused('Application token no longer valid: the owner who created it is no longer an owner',
                        v_token.id, v_token.name);
  end if;

  -- To the minute: one row update per token per minute, not one per request.
  if v_token.last_used_at is null or v_token.last_used_at < now() - interval '1 minute' then
    update sfp.application_tokens t set last_used_at = now() where t.id = v_token.id;
  end if;
  if v_token.project_scoped then
    -- Empty, not null, once every scoped project is gone: a scope that reads nothing.
    select coalesce(array_agg(tp.project_id order by tp.project_id), '{}') into v_project_ids
    from sfp.application_token_projects tp where tp.token_id = v_token.id;
  end if;
  return row('application', null, null, 'application', v_token.id, v_token.name, null,
             v_project_ids, v_token.providers)::sfp.actor;
end;
$$;

/**
 * Resolves the caller from a trusted caller's `context`, without raising for a failed
 * authentication (the refusal is in the returned actor), so that a credential read can
 * audit it.
 *   context.application = {lookup_id, token_hash}  -> an application token (sfp._authenticate_application),
 *                                                      with its scope
 *   context.oidc = {lookup_id, token_hash}         -> an OIDC access token (sfp._authenticate_oidc, the
 *                                                      oidc migration): kind 'oidc', its policy's scope
 *   context.claims.role = 'authenticated', uuid sub -> that user, with their team role
 *                                                      (null when not a member)
 *   context.claims.role = 'service_role', or no claims and no application -> the service
 * The claims must already be verified by the caller (the Edge Functions verify the JWT);
 * only service_role can execute the sfp_api functions that call this.
 * token_project_ids and token_providers are null for users and the service: they are never
 * token-scoped.
 * Errors: 22023 when context or claims is not a JSON object.
 */
create function sfp._authenticate(context jsonb) returns sfp.actor
language plpgsql volatile
set search_path = ''
as $$
declare
  v_claims jsonb := _authenticate.context -> 'claims';
  v_application jsonb := _authenticate.context -> 'application';
  v_oidc jsonb := _authenticate.context -> 'oidc';
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
  -- Defined by the oidc migration (a call is resolved when it runs, never while migrating).
  if v_oidc is not null and jsonb_typeof(v_oidc) <> 'null' then
    return sfp._authenticate_oidc(v_oidc);
  end if;
  if v_claims is null or jsonb_typeof(v_claims) = 'null' or v_claims ->> 'role' = 'service_role' then
    if v_claims is not null and jsonb_typeof(v_claims) not in ('object', 'null') then
      raise exception using errcode = '22023', message = 'context.claims must be a JSON object';
    end if;
    return row('service', null, null, 'service', null, null, null, null, null)::sfp.actor;
  end if;
  if jsonb_typeof(v_claims) <> 'object' then
    raise exception using errcode = '22023', message = 'context.claims must be a JSON object';
  end if;

  v_sub := v_claims ->> 'sub';
  if v_claims ->> 'role' is distinct from 'authenticated'
     or v_sub is null
     or not sfp._is_uuid(v_sub) then
    return sfp._refused('Unauthorized');
  end if;

  select * into v_member from sfp.members m where m.user_id = v_sub::uuid;
  return row('user', v_sub::uuid, coalesce(v_member.email, v_claims ->> 'email'), v_member.role,
             null, null, null, null, null)::sfp.actor;
end;
$$;

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
