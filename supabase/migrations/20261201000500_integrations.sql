-- Integrations: credentials for an external service (provider + auth type), global or
-- scoped to projects, stored encrypted as versioned rows.
-- Which providers, auth types and credential fields exist is decided by the Edge Functions'
-- schema (functions/_shared/providers.ts); SQL checks only the shape, so adding a provider
-- needs no migration.
--
-- Order: the integrations domain is split in two. This part holds the tables and what checks
-- or shows an integration's metadata. Its writes (create, change, roll back, delete, and key
-- rotation's rewrap) are the integration lifecycle migration, after the crypto and log safety
-- migrations whose functions they call; those come after this one because the crypto
-- functions take a row of sfp.credential_versions, a type that must exist when they are
-- created.

/**
 * Whether `name` is a provider or auth type name: a lowercase letter, then lowercase letters,
 * digits, '_' and '-' (sfp server's names include github_packages and azure-devops).
 */
create function sfp._is_name(name text) returns boolean
language plpgsql immutable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: a sql function with a SET clause is planned again on every call, and
  -- every credential read checks its provider with this (measured: about 8 us a call as sql).
  return _is_name.name ~ '^[a-z][a-z0-9_-]{0,39}$';
end;
$$;

/**
 * Raises 22023 unless `provider` is a provider name. Callers: the functions taking one.
 * A name is stored and compared as given: aliases (azuredevops for azure-devops) are the
 * catalogue's, folded by the Edge Functions before they call SQL.
 */
create function sfp._check_provider(provider text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if not coalesce(sfp._is_name(_check_provider.provider), false) then
    raise exception using errcode = '22023', message = 'provider must be a lowercase name such as github or azure-devops';
  end if;
end;
$$;

create table sfp.integrations (
  id uuid primary key default gen_random_uuid(),
  provider text not null constraint provider_is_name check (sfp._is_name(provider)),
  auth_type text not null constraint auth_type_is_name check (sfp._is_name(auth_type)),
  is_global boolean not null,
  config jsonb not null default '{}' constraint config_is_object check (jsonb_typeof(config) = 'object'),
  current_version integer not null default 1,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table sfp.integrations is 'Credentials for an external service: metadata; the secret lives encrypted in sfp.credential_versions.';
alter table sfp.integrations enable row level security;
create index integrations_global_provider_idx on sfp.integrations (provider) where is_global;

create table sfp.integration_projects (
  integration_id uuid not null references sfp.integrations (id) on delete cascade,
  project_id uuid not null references sfp.projects (id) on delete cascade,
  primary key (integration_id, project_id)
);
comment on table sfp.integration_projects is 'The projects a non-global integration is scoped to.';
alter table sfp.integration_projects enable row level security;
create index integration_projects_project_idx on sfp.integration_projects (project_id, integration_id);

-- One row per kept version of an integration's credentials, encrypted (see the crypto
-- migration for the scheme and the MAC formats).
create table sfp.credential_versions (
  integration_id uuid not null references sfp.integrations (id) on delete cascade,
  version integer not null,
  -- The auth type these credentials are for: a rollback restores both together.
  auth_type text not null,
  key_version integer not null,
  iv bytea not null constraint iv_is_16_bytes check (octet_length(iv) = 16),
  ciphertext bytea not null,
  mac bytea not null constraint mac_is_32_bytes check (octet_length(mac) = 32),
  created_at timestamptz not null default now(),
  mac_format smallint not null default 1 constraint mac_format_is_known check (mac_format in (1, 2)),
  primary key (integration_id, version)
);
comment on table sfp.credential_versions is 'Encrypted credentials (AES-256-CBC + HMAC-SHA256, bound to integration id and version). Never plaintext.';
comment on column sfp.credential_versions.mac_format is '1: MAC over id, version, key version, IV, ciphertext; 2: also the auth type.';
alter table sfp.credential_versions enable row level security;
-- Key rotation looks for the rows not under the current key.
create index credential_versions_key_version_idx on sfp.credential_versions (key_version);

-- No integration without its credentials: the current version must exist when the
-- transaction that created or changed the integration commits. (Added after both tables:
-- each references the other.)
alter table sfp.integrations
  add constraint current_version_exists
  foreign key (id, current_version) references sfp.credential_versions (integration_id, version)
  deferrable initially deferred;

/**
 * An integration as the API shows it: metadata and scope, never credentials.
 */
create function sfp._integration_json(i sfp.integrations) returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: planned once per session, not on every call (docs/performance.md).
  return jsonb_build_object(
    'id', (_integration_json.i).id,
    'provider', (_integration_json.i).provider,
    'auth_type', (_integration_json.i).auth_type,
    'is_global', (_integration_json.i).is_global,
    'projects', coalesce((
      select jsonb_agg(p.identifier order by p.identifier)
      from sfp.integration_projects ip join sfp.projects p on p.id = ip.project_id
      where ip.integration_id = (_integration_json.i).id), '[]'::jsonb),
    'config', (_integration_json.i).config,
    'version', (_integration_json.i).current_version,
    'created_at', (_integration_json.i).created_at,
    'updated_at', (_integration_json.i).updated_at
  );
end;
$$;

/**
 * The projects an integration is to be scoped to, from the documented isGlobal/projects
 * pair: an empty array for a global integration. Errors (22023): 'Either isGlobal or
 * projects must be specified', 'Specify either isGlobal or projects, not both', a null or
 * malformed identifier, "Project 'x' not found" (the first missing one, in the order given).
 */
create function sfp._scope_project_ids(is_global boolean, projects text[]) returns uuid[]
language plpgsql volatile
set search_path = ''
as $$
declare
  v_missing text;
  v_ids uuid[];
begin
  if array_position(_scope_project_ids.projects, null) is not null then
    raise exception using errcode = '22023', message = 'projects must not contain null';
  end if;
  perform sfp._check_identifier(x) from unnest(_scope_project_ids.projects) as x;
  if not coalesce(_scope_project_ids.is_global, false) and cardinality(coalesce(_scope_project_ids.projects, '{}')) = 0 then
    raise exception using errcode = '22023', message = 'Either isGlobal or projects must be specified';
  end if;
  if coalesce(_scope_project_ids.is_global, false) and cardinality(coalesce(_scope_project_ids.projects, '{}')) > 0 then
    raise exception using errcode = '22023', message = 'Specify either isGlobal or projects, not both';
  end if;

  -- Locked until commit: a project deleted meanwhile is either seen missing here, or waits.
  select coalesce(array_agg(l.id order by l.identifier), '{}') into v_ids
  from (select p.id, p.identifier from sfp.projects p
        where p.identifier = any (_scope_project_ids.projects) for share) l;
  -- Fewer ids than identifiers: one is missing (or given twice); the first missing one is named.
  if cardinality(v_ids) < cardinality(coalesce(_scope_project_ids.projects, '{}')) then
    select x into v_missing
    from unnest(_scope_project_ids.projects) with ordinality as t(x, n)
    where not exists (select 1 from sfp.projects p where p.identifier = t.x)
    order by t.n limit 1;
    if v_missing is not null then
      raise exception using errcode = '22023', message = format('Project ''%s'' not found', v_missing);
    end if;
  end if;
  return v_ids;
end;
$$;

/**
 * Raises 22023 unless `credentials` is a non-empty JSON object of at most 32 KiB (its fields
 * are checked by the Edge Functions' schema of the provider and auth type).
 */
create function sfp._check_credentials(credentials jsonb) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if _check_credentials.credentials is null or jsonb_typeof(_check_credentials.credentials) <> 'object'
     or _check_credentials.credentials = '{}'::jsonb then
    raise exception using errcode = '22023', message = 'credentials must be a non-empty JSON object';
  end if;
  if octet_length(_check_credentials.credentials::text) > 32768 then
    raise exception using errcode = '22023', message = 'credentials must be at most 32768 bytes of JSON';
  end if;
end;
$$;

/**
 * Raises 22023 unless `config` is null or a JSON object.
 */
create function sfp._check_config(config jsonb) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if _check_config.config is not null and jsonb_typeof(_check_config.config) <> 'object' then
    raise exception using errcode = '22023', message = 'config must be a JSON object';
  end if;
end;
$$;

/**
 * Lists integration metadata (never credentials), optionally for one provider, ordered by
 * provider, creation time and id. Callers: owners, the service. Errors: SF401, 42501.
 */
create function sfp_api.list_integrations(provider text default null, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(list_integrations.context);
begin
  perform sfp._require_role(v_actor, 'owner');
  return coalesce((
    select jsonb_agg(sfp._integration_json(i) order by i.provider, i.created_at, i.id)
    from sfp.integrations i
    where list_integrations.provider is null or i.provider = list_integrations.provider), '[]'::jsonb);
end;
$$;
revoke all on function sfp_api.list_integrations(text, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.list_integrations(text, jsonb) to service_role;

/**
 * One integration's metadata (never its credentials). Callers: owners, the service.
 * Errors: SF401, 42501, SF404.
 */
create function sfp_api.get_integration(id uuid, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(get_integration.context);
  v_integration sfp.integrations;
begin
  perform sfp._require_role(v_actor, 'owner');
  select * into v_integration from sfp.integrations i where i.id = get_integration.id;
  if v_integration.id is null then
    raise exception using errcode = 'SF404', message = format('Integration ''%s'' not found', get_integration.id);
  end if;
  return sfp._integration_json(v_integration)
    || jsonb_build_object('versions', (select jsonb_agg(cv.version order by cv.version)
                                       from sfp.credential_versions cv where cv.integration_id = v_integration.id));
end;
$$;
revoke all on function sfp_api.get_integration(uuid, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.get_integration(uuid, jsonb) to service_role;

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
