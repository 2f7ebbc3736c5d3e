-- Integrations: credentials for an external service (provider + auth type), global or
-- scoped to projects, stored encrypted as versioned rows.
-- Which providers, auth types and credential fields exist is decided by the Edge Functions'
-- schema (functions/_shared/providers.ts); SQL checks only the shape, so adding a provider
-- needs no migration.

/**
 * Whether `name` is a provider or auth type name: lowercase letters, digits and '_'.
 */
create function sfp._is_name(name text) returns boolean
language sql immutable
set search_path = ''
as $$
  select _is_name.name ~ '^[a-z][a-z0-9_]{0,39}$'
$$;

/**
 * Raises 22023 unless `provider` is a provider name. Callers: the functions taking one.
 */
create function sfp._check_provider(provider text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if not coalesce(sfp._is_name(_check_provider.provider), false) then
    raise exception using errcode = '22023', message = 'provider must be a lowercase name such as github or jira';
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
  primary key (integration_id, version)
);
comment on table sfp.credential_versions is 'Encrypted credentials (AES-256-CBC + HMAC-SHA256, bound to integration id and version). Never plaintext.';
alter table sfp.credential_versions enable row level security;

-- No integration without its credentials: the current version must exist when the
-- transaction that created or changed the integration commits.
alter table sfp.integrations
  add constraint current_version_exists
  foreign key (id, current_version) references sfp.credential_versions (integration_id, version)
  deferrable initially deferred;

/**
 * An integration as the API shows it: metadata and scope, never credentials.
 */
create function sfp._integration_json(i sfp.integrations) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
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
  )
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

  -- Held until commit: a project deleted meanwhile is either seen missing here, or waits.
  perform 1 from sfp.projects p where p.identifier = any (_scope_project_ids.projects) for share;
  select x into v_missing
  from unnest(_scope_project_ids.projects) with ordinality as t(x, n)
  where not exists (select 1 from sfp.projects p where p.identifier = t.x)
  order by t.n limit 1;
  if v_missing is not null then
    raise exception using errcode = '22023', message = format('Project ''%s'' not found', v_missing);
  end if;
  select coalesce(array_agg(p.id order by p.identifier), '{}') into v_ids
  from sfp.projects p where p.identifier = any (_scope_project_ids.projects);
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
 * Encrypts `credentials` (for `auth_type`) as version `version` of an integration, under the
 * current key.
 */
create function sfp._store_credentials(integration_id uuid, version integer, auth_type text, credentials jsonb, keyring jsonb)
returns void
language plpgsql volatile
set search_path = ''
as $$
declare
  v_sealed record;
begin
  select * into v_sealed from sfp._seal(_store_credentials.integration_id, _store_credentials.version,
                                        _store_credentials.credentials, _store_credentials.keyring);
  insert into sfp.credential_versions (integration_id, version, auth_type, key_version, iv, ciphertext, mac)
  values (_store_credentials.integration_id, _store_credentials.version, _store_credentials.auth_type,
          v_sealed.key_version, v_sealed.iv, v_sealed.ciphertext, v_sealed.mac);
end;
$$;

/**
 * Stores a new integration with its credentials encrypted under the current key, scoped
 * globally or to the listed projects, and audits it. Everything or nothing is written.
 * Callers: owners (through a trusted caller) and the service, behind the log-safety guard.
 * Errors: SF401; 42501 'Forbidden - Requires role: owner'; 22023 (see sfp._scope_project_ids,
 * bad provider/auth type/credentials/config); SFK01; SFL02.
 * Cost: one encryption, 2 + (number of projects) inserts and one audit insert.
 */
create function sfp_api.create_integration(
  provider text,
  auth_type text,
  credentials jsonb,
  is_global boolean default false,
  projects text[] default null,
  config jsonb default '{}',
  context jsonb default '{}',
  keyring jsonb default null
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(create_integration.context);
  v_project_ids uuid[];
  v_integration sfp.integrations;
begin
  perform sfp._require_role(v_actor, 'owner');
  perform sfp._require_guard();

  -- VALIDATION (the provider catalogue itself is checked by the Edge Functions)
  v_project_ids := sfp._scope_project_ids(create_integration.is_global, create_integration.projects);
  perform sfp._check_provider(create_integration.provider);
  if not coalesce(sfp._is_name(create_integration.auth_type), false) then
    raise exception using errcode = '22023', message = 'authType must be a lowercase name such as pat or basic_auth';
  end if;
  perform sfp._check_credentials(create_integration.credentials);
  perform sfp._check_config(create_integration.config);

  insert into sfp.integrations (provider, auth_type, is_global, config, created_by)
  values (create_integration.provider, create_integration.auth_type, cardinality(v_project_ids) = 0,
          coalesce(create_integration.config, '{}'), v_actor.user_id)
  returning * into v_integration;
  perform sfp._store_credentials(v_integration.id, 1, v_integration.auth_type, create_integration.credentials,
                                 sfp._keyring(create_integration.keyring));
  insert into sfp.integration_projects (integration_id, project_id)
  select v_integration.id, x from unnest(v_project_ids) as x;

  perform sfp._audit(v_actor, 'integration.create', 'succeeded', create_integration.context,
    integration_ids => array[v_integration.id], provider => v_integration.provider,
    details => sfp._integration_json(v_integration));
  return sfp._integration_json(v_integration);
end;
$$;
revoke all on function sfp_api.create_integration(text, text, jsonb, boolean, text[], jsonb, jsonb, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.create_integration(text, text, jsonb, boolean, text[], jsonb, jsonb, jsonb) to service_role;

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
