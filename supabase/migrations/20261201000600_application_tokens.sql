-- Application tokens: what CI pipelines authenticate with instead of a person's login.
-- A token is "sfp_app_" followed by 64 URL-safe characters (48 random bytes). Its first 16
-- characters are a lookup id, stored as is; the token itself is stored only as its SHA-256.
-- An application may read credentials and projects, nothing else.
--
-- Least privilege: a token may be limited to projects and to providers.
--   projects   the projects whose credentials it may read, stored by id (a renamed identifier
--              keeps working); a scoped project that is deleted leaves the scope with it, and a
--              token whose project scope becomes empty reads nothing (never everything).
--   providers  the providers whose credentials it may read.
-- Both optional and independent: null (not given) means not limited in that dimension.
-- The resolved caller (sfp.actor, from sfp._authenticate_application in the authentication
-- migration, which follows) carries the scope; sfp._token_scope_refusal and sfp._token_allows
-- are what sfp_api.get_credentials asks before it answers.
--
-- Order: after projects (a scope references them) and integrations (a provider scope is
-- checked with sfp._check_provider; sfp._token_allows reads an integration's scope).

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
  last_used_at timestamptz,
  -- True when the token was created with a project scope: its projects are the rows of
  -- sfp.application_token_projects, and none left means it reads nothing.
  project_scoped boolean not null default false,
  -- Sorted and without duplicates; null when the token is not limited to providers.
  providers text[]
    constraint providers_are_not_empty check (providers is null or (cardinality(providers) > 0 and array_position(providers, null) is null))
);
comment on table sfp.application_tokens is 'CI application tokens: a lookup id and the SHA-256 of the token, never the token.';
alter table sfp.application_tokens enable row level security;

create table sfp.application_token_projects (
  token_id uuid not null references sfp.application_tokens (id) on delete cascade,
  project_id uuid not null references sfp.projects (id) on delete cascade,
  primary key (token_id, project_id)
);
comment on table sfp.application_token_projects is 'The projects a project-scoped application token may read credentials of.';
alter table sfp.application_token_projects enable row level security;
-- A project's deletion removes its scope rows through this index, not a scan.
create index application_token_projects_project_idx on sfp.application_token_projects (project_id);

/**
 * An application token as the API lists it: never the token, never its hash. With its scope:
 * `projects` (identifiers, sorted; empty once every scoped project was deleted) and
 * `providers` (sorted), each null when the token is not limited in that dimension.
 */
create function sfp._application_token_json(t sfp.application_tokens) returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: planned once per session, not on every call (docs/performance.md).
  return jsonb_build_object(
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
    end,
    'projects', case when (_application_token_json.t).project_scoped then coalesce((
      select jsonb_agg(p.identifier order by p.identifier)
      from sfp.application_token_projects tp join sfp.projects p on p.id = tp.project_id
      where tp.token_id = (_application_token_json.t).id), '[]'::jsonb) end,
    'providers', to_jsonb((_application_token_json.t).providers)
  );
end;
$$;

/**
 * The ids of the projects a new token is to be scoped to, each locked against deletion until
 * the token's scope rows are written (so a concurrent deletion cannot fail the insert).
 * Null for null (not scoped to projects); duplicates collapse.
 * Errors (22023): an empty array ('projects must not be empty: ...', saying what to send
 * instead), a null element, a malformed identifier, "Project 'x' not found" (the first
 * missing one, in the order given). Callers: sfp_api.create_application_token.
 */
create function sfp._token_scope_project_ids(projects text[]) returns uuid[]
language plpgsql volatile
set search_path = ''
as $$
declare
  v_missing text;
  v_ids uuid[];
begin
  if _token_scope_project_ids.projects is null then
    return null;
  end if;
  if cardinality(_token_scope_project_ids.projects) = 0 then
    raise exception using errcode = '22023',
      message = 'projects must not be empty: list at least one project identifier, or leave projects out (or null) for a token not limited to projects';
  end if;
  if array_position(_token_scope_project_ids.projects, null) is not null then
    raise exception using errcode = '22023', message = 'projects must not contain null';
  end if;
  perform sfp._check_identifier(x) from unnest(_token_scope_project_ids.projects) as x;

  -- Lock first, look next: a project found below cannot be deleted before the token's scope
  -- rows are written, and one deleted meanwhile is not found.
  perform 1 from sfp.projects p where p.identifier = any (_token_scope_project_ids.projects) order by p.id for key share;
  select x.identifier into v_missing
  from unnest(_token_scope_project_ids.projects) with ordinality as x(identifier, n)
  where not exists (select 1 from sfp.projects p where p.identifier = x.identifier)
  order by x.n
  limit 1;
  if v_missing is not null then
    raise exception using errcode = '22023', message = format('Project ''%s'' not found', v_missing);
  end if;
  select array_agg(p.id order by p.id) into v_ids
  from sfp.projects p where p.identifier = any (_token_scope_project_ids.projects);
  return v_ids;
end;
$$;

/**
 * The providers a new token is to be scoped to, sorted and without duplicates; null for null
 * (not scoped to providers). Errors (22023): an empty array ('providers must not be empty:
 * ...', saying what to send instead), a null element, a name that is not a provider name
 * (sfp._check_provider). Callers: sfp_api.create_application_token.
 */
create function sfp._token_scope_providers(providers text[]) returns text[]
language plpgsql immutable
set search_path = ''
as $$
begin
  if _token_scope_providers.providers is null then
    return null;
  end if;
  if cardinality(_token_scope_providers.providers) = 0 then
    raise exception using errcode = '22023',
      message = 'providers must not be empty: list at least one provider, or leave providers out (or null) for a token not limited to providers';
  end if;
  if array_position(_token_scope_providers.providers, null) is not null then
    raise exception using errcode = '22023', message = 'providers must not contain null';
  end if;
  perform sfp._check_provider(x) from unnest(_token_scope_providers.providers) as x;
  return (select array_agg(distinct x order by x) from unnest(_token_scope_providers.providers) as x);
end;
$$;

/**
 * Why the actor may not read credentials with these filters, or null when it may. Only an
 * application token with a scope is ever refused here:
 *   "Forbidden - token not scoped to project 'x'"  a project is asked for (`project`, or
 *       `project_id` alone) and it is not in the token's project scope (an unknown project,
 *       project_id null, is not in it either: a scoped token learns nothing of other projects);
 *   "Forbidden - token not scoped to provider 'x'" a provider is asked for and it is not in
 *       the token's provider scope.
 * The project is checked first. Without a project filter a project-scoped token is not
 * refused: it reads only the global integrations, which apply to its projects too
 * (sfp._token_allows drops everything else; with an emptied scope, that is everything).
 * Null for users, the service, and unscoped tokens.
 * Callers: sfp_api.get_credentials, after its role check (a refused token never gets here).
 */
create function sfp._token_scope_refusal(actor sfp.actor, project_id uuid, project text, provider text)
returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: a sql function with a SET clause is planned again on every call.
  -- An OIDC access token (the OIDC migration) is scoped like an application token.
  if (_token_scope_refusal.actor).kind is null or (_token_scope_refusal.actor).kind not in ('application', 'oidc') then
    return null;
  end if;
  if (_token_scope_refusal.project is not null or _token_scope_refusal.project_id is not null)
     and (_token_scope_refusal.actor).token_project_ids is not null
     and not coalesce(_token_scope_refusal.project_id = any ((_token_scope_refusal.actor).token_project_ids), false) then
    return format('Forbidden - token not scoped to project ''%s''',
                  coalesce(_token_scope_refusal.project, _token_scope_refusal.project_id::text));
  end if;
  if _token_scope_refusal.provider is not null
     and (_token_scope_refusal.actor).token_providers is not null
     and not coalesce(_token_scope_refusal.provider = any ((_token_scope_refusal.actor).token_providers), false) then
    return format('Forbidden - token not scoped to provider ''%s''', _token_scope_refusal.provider);
  end if;
  return null;
end;
$$;

/**
 * Whether the actor may receive the credentials of this integration (of `provider`):
 *   users and the service, and unscoped tokens: true;
 *   an actor whose authentication failed: false;
 *   a provider-scoped token: false when `provider` is outside its providers;
 *   a project-scoped token: true for a global integration and for one scoped to at least one
 *   of the token's projects, false otherwise (and always false once its scope is empty).
 * Callers: sfp_api.get_credentials, on each integration it resolved, so that a scoped token
 * reading without filters gets only what its scope allows. Cost: nothing for users, the
 * service and tokens not project-scoped; two index lookups for a project-scoped token.
 */
create function sfp._token_allows(actor sfp.actor, provider text, integration_id uuid)
returns boolean
language plpgsql stable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: a sql function with a SET clause is planned again on every call,
  -- and this runs once per integration of a read.
  if (_token_allows.actor).refusal is not null then
    return false;
  end if;
  if (_token_allows.actor).kind is null or (_token_allows.actor).kind not in ('application', 'oidc') then
    return true;
  end if;
  if (_token_allows.actor).token_providers is not null
     and not coalesce(_token_allows.provider = any ((_token_allows.actor).token_providers), false) then
    return false;
  end if;
  if (_token_allows.actor).token_project_ids is null then
    return true;
  end if;
  if cardinality((_token_allows.actor).token_project_ids) = 0 then
    return false;
  end if;
  return exists (
    select 1 from sfp.integrations i
    where i.id = _token_allows.integration_id
      and (i.is_global
           or exists (select 1 from sfp.integration_projects ip
                      where ip.integration_id = i.id
                        and ip.project_id = any ((_token_allows.actor).token_project_ids))));
end;
$$;

/**
 * Creates an application token and returns it, the only time it is ever shown, with its
 * metadata and scope. `projects` (identifiers of registered projects) and `providers`
 * (provider names) limit what it may read; each null = not limited in that dimension.
 * Callers: owners, the service. Errors: SF401, 42501, 22023 (name, expires_in_days from 1
 * to 365, an empty or malformed scope, "Project 'x' not found"). Audited (never the token).
 */
create function sfp_api.create_application_token(
  name text,
  expires_in_days integer default 30,
  context jsonb default '{}',
  projects text[] default null,
  providers text[] default null
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(create_application_token.context);
  v_project_ids uuid[];
  v_providers text[];
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
  v_project_ids := sfp._token_scope_project_ids(create_application_token.projects);
  v_providers := sfp._token_scope_providers(create_application_token.providers);

  -- 48 random bytes: 64 base64 characters, no padding, made URL-safe.
  v_random := translate(encode(extensions.gen_random_bytes(48), 'base64'), '+/', '-_');
  v_token := 'sfp_app_' || v_random;
  insert into sfp.application_tokens (name, lookup_id, secret_hash, created_by, created_by_service, expires_at,
                                      project_scoped, providers)
  values (create_application_token.name, left(v_random, 16), extensions.digest(v_token, 'sha256'),
          v_actor.user_id, v_actor.kind = 'service',
          now() + make_interval(days => create_application_token.expires_in_days),
          v_project_ids is not null, v_providers)
  returning * into v_row;
  insert into sfp.application_token_projects (token_id, project_id)
  select v_row.id, x from unnest(v_project_ids) as x;

  perform sfp._audit(v_actor, 'application_token.create', 'succeeded', create_application_token.context,
    details => sfp._application_token_json(v_row));
  return sfp._application_token_json(v_row) || jsonb_build_object('token', v_token);
end;
$$;
revoke all on function sfp_api.create_application_token(text, integer, jsonb, text[], text[]) from public, anon, authenticated;
grant execute on function sfp_api.create_application_token(text, integer, jsonb, text[], text[]) to service_role;

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

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
