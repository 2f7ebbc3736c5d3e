-- Projects: the repositories a team registers. Integrations are scoped to them; a project
-- is not deleted while integrations are scoped to it alone, unless forced. A project's
-- properties change one at a time (a rename, its remote URL, its configuration or one key of
-- it), each change a new version, with check-and-set.
--
-- Order: before integrations, whose tables reference sfp.projects. Two functions here read
-- those tables (sfp._project_integrations, sfp_api.delete_project): they are plpgsql, whose
-- bodies are resolved when they are called, never while migrating.

/**
 * Whether `identifier` is a project identifier: "org/repo" for GitHub, a numeric id or
 * group/project path for GitLab: ASCII letters, digits, '.', '_', '-' in segments joined by
 * '/', no '.' or '..' segment, at most 255 characters. Matching is exact and case-sensitive.
 * The one definition of the rule in SQL: the table's constraint and the RPCs' checks use it.
 */
create function sfp._is_project_identifier(identifier text) returns boolean
language plpgsql immutable
set search_path = ''
as $$
begin
  return length(_is_project_identifier.identifier) <= 255
       and _is_project_identifier.identifier ~ '^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$'
       and _is_project_identifier.identifier !~ '(^|/)\.{1,2}(/|$)';
end;
$$;

/**
 * Whether `remote_url` is a repository URL: https://, ssh:// or git://, or user@host:path.
 */
create function sfp._is_remote_url(remote_url text) returns boolean
language sql immutable
set search_path = ''
as $$
  select length(_is_remote_url.remote_url) <= 2048
     and (_is_remote_url.remote_url ~ '^(https?|ssh|git)://[^\s/]+(/\S*)?$'
          or _is_remote_url.remote_url ~ '^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:\S+$')
$$;

create table sfp.projects (
  id uuid primary key default gen_random_uuid(),
  identifier text not null constraint projects_identifier_is_unique unique,
  remote_url text not null,
  platform text not null,
  configuration jsonb not null default '{}' constraint configuration_is_object check (jsonb_typeof(configuration) = 'object'),
  version integer not null default 1,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint identifier_is_valid check (sfp._is_project_identifier(identifier)),
  constraint remote_url_is_valid check (sfp._is_remote_url(remote_url))
);
comment on table sfp.projects is 'Registered repositories; integrations are scoped to them by identifier.';
alter table sfp.projects enable row level security;

/**
 * The hosting platform a remote URL points at, for the project listing.
 */
create function sfp._platform_of(remote_url text) returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: planned once per session, not on every call (docs/performance.md).
  return case
    when _platform_of.remote_url ~* '(^|[/@.])github\.com[:/]' then 'github'
    when _platform_of.remote_url ~* '(^|[/@.])gitlab\.' then 'gitlab'
    when _platform_of.remote_url ~* '(dev\.azure\.com|visualstudio\.com)' then 'azuredevops'
    when _platform_of.remote_url ~* '(^|[/@.])bitbucket\.org[:/]' then 'bitbucket'
    else 'other'
  end;
end;
$$;

/**
 * Raises 22023 with the documented wording unless `identifier` is a valid project identifier.
 * Callers: every function taking an identifier, so bad input is refused before any lookup.
 */
create function sfp._check_identifier(identifier text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if _check_identifier.identifier is null or _check_identifier.identifier = '' then
    raise exception using errcode = '22023', message = 'identifier is required';
  end if;
  if not sfp._is_project_identifier(_check_identifier.identifier) then
    raise exception using errcode = '22023',
      message = 'Invalid project identifier: use ASCII letters, digits, ''.'', ''_'' and ''-'', with ''/'' between segments (e.g. org/repo), at most 255 characters';
  end if;
end;
$$;

/**
 * Raises 22023 with the documented wording unless `remote_url` is a repository URL.
 * Callers: create_project, update_project.
 */
create function sfp._check_remote_url(remote_url text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if _check_remote_url.remote_url is null or _check_remote_url.remote_url = '' then
    raise exception using errcode = '22023', message = 'remoteUrl is required';
  end if;
  if not sfp._is_remote_url(_check_remote_url.remote_url) then
    raise exception using errcode = '22023',
      message = 'Invalid remoteUrl: expected an https://, ssh://, git:// or user@host:path repository URL';
  end if;
end;
$$;

/**
 * The project with this identifier, locked for the rest of the transaction (a change and a
 * deletion of the same project queue up). Errors: SF404 "Project 'x' not found".
 */
create function sfp._project_for_update(identifier text) returns sfp.projects
language plpgsql volatile
set search_path = ''
as $$
declare
  v_project sfp.projects;
begin
  select * into v_project from sfp.projects p where p.identifier = _project_for_update.identifier for update;
  if v_project.id is null then
    raise exception using errcode = 'SF404', message = format('Project ''%s'' not found', _project_for_update.identifier);
  end if;
  return v_project;
end;
$$;

/**
 * The integrations that apply to a project (scoped to it, and the global ones), as metadata
 * only: never credentials. Ordered by provider, then creation.
 */
create function sfp._project_integrations(project_id uuid) returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: sfp.integrations is created by a later migration.
  return (
    select coalesce(jsonb_agg(jsonb_build_object(
        'id', i.id, 'provider', i.provider, 'auth_type', i.auth_type,
        'is_global', i.is_global, 'created_at', i.created_at
      ) order by i.provider, i.created_at, i.id), '[]'::jsonb)
    from sfp.integrations i
    where i.is_global
       or exists (select 1 from sfp.integration_projects ip
                  where ip.integration_id = i.id and ip.project_id = _project_integrations.project_id)
  );
end;
$$;

/**
 * A project as the API shows it.
 */
create function sfp._project_json(p sfp.projects) returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: planned once per session, not on every call (docs/performance.md).
  return jsonb_build_object(
    'id', (_project_json.p).id,
    'identifier', (_project_json.p).identifier,
    'remote_url', (_project_json.p).remote_url,
    'platform', (_project_json.p).platform,
    'configuration', (_project_json.p).configuration,
    'version', (_project_json.p).version,
    'created_at', (_project_json.p).created_at,
    'updated_at', (_project_json.p).updated_at,
    'integrations', sfp._project_integrations((_project_json.p).id)
  );
end;
$$;

/**
 * Registers a project. Callers: owners (through a trusted caller) and the service.
 * Errors: SF401; 42501 'Forbidden - Only owners can create projects'; 22023 for a bad identifier or
 * remote URL; 23505 'The project already exists.'. Writes one audit row. Cost: one insert.
 */
create function sfp_api.create_project(identifier text, remote_url text, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(create_project.context);
  v_project sfp.projects;
begin
  if not sfp._has_role(v_actor, 'owner') then
    raise exception using errcode = '42501', message = 'Forbidden - Only owners can create projects';
  end if;

  -- VALIDATION
  perform sfp._check_identifier(create_project.identifier);
  perform sfp._check_remote_url(create_project.remote_url);

  insert into sfp.projects (identifier, remote_url, platform, created_by)
  values (create_project.identifier, create_project.remote_url,
          sfp._platform_of(create_project.remote_url), v_actor.user_id)
  on conflict on constraint projects_identifier_is_unique do nothing
  returning * into v_project;

  if v_project.id is null then
    raise exception using errcode = '23505', message = 'The project already exists.';
  end if;

  perform sfp._audit(v_actor, 'project.create', 'succeeded', create_project.context,
    project => v_project.identifier);
  return sfp._project_json(v_project);
end;
$$;
revoke all on function sfp_api.create_project(text, text, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.create_project(text, text, jsonb) to service_role;

/**
 * Lists every project with the integrations that apply to it (metadata only), ordered by
 * identifier. Callers: owners, members, applications, the service. Errors: SF401, 42501.
 */
create function sfp_api.list_projects(context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(list_projects.context);
begin
  perform sfp._require_role(v_actor, 'owner', 'member', 'application');
  return coalesce((select jsonb_agg(sfp._project_json(p) order by p.identifier) from sfp.projects p), '[]'::jsonb);
end;
$$;
revoke all on function sfp_api.list_projects(jsonb) from public, anon, authenticated;
grant execute on function sfp_api.list_projects(jsonb) to service_role;

/**
 * One project by exact identifier, with the integrations that apply to it (metadata only).
 * Callers: owners, members, applications, the service.
 * Errors: SF401; 42501; 22023 for a malformed identifier; SF404 "Project 'x' not found".
 */
create function sfp_api.get_project(identifier text, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(get_project.context);
  v_project sfp.projects;
begin
  perform sfp._require_role(v_actor, 'owner', 'member', 'application');
  perform sfp._check_identifier(get_project.identifier);
  select * into v_project from sfp.projects p where p.identifier = get_project.identifier;
  if v_project.id is null then
    raise exception using errcode = 'SF404', message = format('Project ''%s'' not found', get_project.identifier);
  end if;
  return sfp._project_json(v_project);
end;
$$;
revoke all on function sfp_api.get_project(text, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.get_project(text, jsonb) to service_role;

/**
 * Check-and-set: raises SF409 when the caller expected another version of the project than
 * the current one. The message names the current version; so does the error's DETAIL, as JSON
 * (the HTTP answer's `currentVersion`).
 */
create function sfp._require_project_version(project sfp.projects, expected_version integer) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if _require_project_version.expected_version is not null
     and _require_project_version.expected_version <> (_require_project_version.project).version then
    raise exception using errcode = 'SF409',
      message = format('Version %s is not current: the project is at version %s',
                       _require_project_version.expected_version, (_require_project_version.project).version),
      detail = jsonb_build_object('current_version', (_require_project_version.project).version)::text;
  end if;
end;
$$;

/**
 * `target` with the key at `path` set to `value`, creating the objects on the way where they
 * are missing; a JSON null `value` removes the key instead (and creates nothing). `prefix` is
 * the property's name so far, for the message. Errors: 22023 when something on the way is not
 * an object (it has to be set as a whole).
 */
create function sfp._with_key(target jsonb, path text[], value jsonb, prefix text) returns jsonb
language plpgsql immutable
set search_path = ''
as $$
declare
  v_key text := _with_key.path[1];
  v_child jsonb := _with_key.target -> _with_key.path[1];
begin
  if cardinality(_with_key.path) = 1 then
    if jsonb_typeof(_with_key.value) = 'null' then
      return _with_key.target - v_key;
    end if;
    return _with_key.target || jsonb_build_object(v_key, _with_key.value);
  end if;
  if v_child is null then
    if jsonb_typeof(_with_key.value) = 'null' then
      return _with_key.target;
    end if;
    v_child := '{}'::jsonb;
  elsif jsonb_typeof(v_child) <> 'object' then
    raise exception using errcode = '22023',
      message = format('%s.%s is not an object: set it as a whole', _with_key.prefix, v_key);
  end if;
  return _with_key.target || jsonb_build_object(v_key,
    sfp._with_key(v_child, _with_key.path[2:], _with_key.value, _with_key.prefix || '.' || v_key));
end;
$$;

/**
 * Changes one property of a project, named by `property` (its identifier never changes: it
 * names the repository, and pipelines, tokens' scopes and trust policies name it):
 *   remoteUrl                        the repository URL (a JSON string), and with it the platform
 *   configuration                    the whole configuration (a JSON object)
 *   configuration.<key>[.<key>...]   one key of it (any JSON value; null removes the key),
 *                                    objects on the way created; keys of ASCII letters, digits,
 *                                    '_' and '-', at most 8 levels
 * The configuration stays under 65,536 bytes (as JSON text). Every change is a new version
 * (updated_at too); with `expected_version`, refused (SF409) unless it is current. Concurrent
 * changes queue on the project's row lock; none is lost.
 * Callers: owners, the service. Errors: SF401; 42501; 22023 for a bad identifier, property or
 * value; SF404; SF409 (the version). Audited, with the property and its new value. Cost: one
 * update.
 */
create function sfp_api.update_project(
  identifier text,
  property text,
  value jsonb,
  expected_version integer default null,
  context jsonb default '{}'
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(update_project.context);
  v_project sfp.projects;
  v_text text;
  v_remote_url text;
  v_platform text;
  v_configuration jsonb;
begin
  perform sfp._require_role(v_actor, 'owner');
  perform sfp._check_identifier(update_project.identifier);
  if update_project.property is null or update_project.property = '' then
    raise exception using errcode = '22023', message = 'property is required';
  end if;
  if update_project.value is null then
    raise exception using errcode = '22023', message = 'value is required';
  end if;
  v_project := sfp._project_for_update(update_project.identifier);
  perform sfp._require_project_version(v_project, update_project.expected_version);
  v_remote_url := v_project.remote_url;
  v_platform := v_project.platform;
  v_configuration := v_project.configuration;

  -- VALIDATION: the property, and its new value.
  if update_project.property = 'remoteUrl' then
    if jsonb_typeof(update_project.value) <> 'string' then
      raise exception using errcode = '22023', message = 'value must be a string for remoteUrl';
    end if;
    v_text := update_project.value #>> '{}';
    perform sfp._check_remote_url(v_text);
    v_remote_url := v_text;
    v_platform := sfp._platform_of(v_text);
  elsif update_project.property = 'configuration' then
    if jsonb_typeof(update_project.value) <> 'object' then
      raise exception using errcode = '22023', message = 'value must be a JSON object for configuration';
    end if;
    v_configuration := update_project.value;
  elsif update_project.property ~ '^configuration(\.[A-Za-z0-9_-]{1,64}){1,8}$' then
    v_configuration := sfp._with_key(v_project.configuration,
      string_to_array(substr(update_project.property, length('configuration.') + 1), '.'),
      update_project.value, 'configuration');
  else
    raise exception using errcode = '22023',
      message = 'property must be remoteUrl, configuration or configuration.<key>[.<key>...] (keys of ASCII letters, digits, ''_'' and ''-'', at most 8 levels)';
  end if;
  if length(v_configuration::text) > 65536 then
    raise exception using errcode = '22023', message = 'configuration must stay under 65,536 bytes (as JSON text)';
  end if;

  update sfp.projects p
  set remote_url = v_remote_url, platform = v_platform, configuration = v_configuration,
      version = p.version + 1, updated_at = now()
  where p.id = v_project.id
  returning * into v_project;

  perform sfp._audit(v_actor, 'project.update', 'succeeded', update_project.context,
    project => v_project.identifier,
    details => jsonb_build_object('property', update_project.property, 'value', update_project.value,
                                  'version', v_project.version));
  return sfp._project_json(v_project);
end;
$$;
revoke all on function sfp_api.update_project(text, text, jsonb, integer, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.update_project(text, text, jsonb, integer, jsonb) to service_role;

/**
 * Deletes a project. Refused (SF409) while integrations are scoped to it alone, unless
 * `force`: then their scope to it goes with the project, and they are left unscoped (not
 * global, so no read returns them) until an owner gives them a scope again or deletes them.
 * Callers: owners, the service. Errors: SF401, 42501, 22023, SF404, SF409. Audited.
 */
create function sfp_api.delete_project(identifier text, force boolean default false, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(delete_project.context);
  v_project sfp.projects;
  v_json jsonb;
  v_only_here uuid[];
begin
  perform sfp._require_role(v_actor, 'owner');
  perform sfp._check_identifier(delete_project.identifier);
  v_project := sfp._project_for_update(delete_project.identifier);

  -- Lock the integrations scoped here first: two deletions of projects sharing an
  -- integration then queue, and the second sees that the integration is now scoped to it alone.
  perform 1 from sfp.integrations i
  where exists (select 1 from sfp.integration_projects ip where ip.integration_id = i.id and ip.project_id = v_project.id)
  order by i.id for update;
  select coalesce(array_agg(ip.integration_id order by ip.integration_id), '{}') into v_only_here
  from sfp.integration_projects ip
  where ip.project_id = v_project.id
    and not exists (select 1 from sfp.integration_projects other
                    where other.integration_id = ip.integration_id and other.project_id <> v_project.id);
  if cardinality(v_only_here) > 0 and not coalesce(delete_project.force, false) then
    raise exception using errcode = 'SF409',
      message = format('Project ''%s'' has %s integration(s) scoped to it alone; delete them or re-scope them first, or pass force=true to remove that scope',
                       v_project.identifier, cardinality(v_only_here)),
      detail = jsonb_build_object('integration_ids', to_jsonb(v_only_here))::text;
  end if;

  v_json := sfp._project_json(v_project);
  delete from sfp.projects p where p.id = v_project.id;
  perform sfp._audit(v_actor, 'project.delete', 'succeeded', delete_project.context,
    integration_ids => v_only_here, project => v_project.identifier,
    details => v_json || jsonb_build_object('forced', coalesce(delete_project.force, false)));
  return v_json;
end;
$$;
revoke all on function sfp_api.delete_project(text, boolean, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.delete_project(text, boolean, jsonb) to service_role;

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
