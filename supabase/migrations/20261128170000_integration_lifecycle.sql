-- The life of an integration after it is created: read, change (with check-and-set), roll
-- back, delete; and deleting a project. Every change of an integration is a new version,
-- whose credentials are stored encrypted as their own row; the last N versions are kept.

/**
 * The integration with this id, locked for the rest of the transaction (concurrent changes
 * queue up, so none is lost). Errors: SF404 "Integration 'id' not found".
 */
create function sfp._integration_for_update(id uuid) returns sfp.integrations
language plpgsql volatile
set search_path = ''
as $$
declare
  v_integration sfp.integrations;
begin
  select * into v_integration from sfp.integrations i where i.id = _integration_for_update.id for update;
  if v_integration.id is null then
    raise exception using errcode = 'SF404', message = format('Integration ''%s'' not found', _integration_for_update.id);
  end if;
  return v_integration;
end;
$$;

/**
 * Check-and-set: raises SF409 when the caller expected another version than the current one.
 * The message names the current version; so does the error's DETAIL, as JSON.
 */
create function sfp._check_version(integration sfp.integrations, expected_version integer) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if _check_version.expected_version is not null
     and _check_version.expected_version <> (_check_version.integration).current_version then
    raise exception using errcode = 'SF409',
      message = format('Version %s is not current: the integration is at version %s',
                       _check_version.expected_version, (_check_version.integration).current_version),
      detail = jsonb_build_object('current_version', (_check_version.integration).current_version)::text;
  end if;
end;
$$;

/**
 * One stored version, decrypted: its auth type and credentials. Errors: SF404 when that
 * version is no longer kept; SFK01, SFK02.
 */
create function sfp._credentials_of(integration_id uuid, version integer, keyring jsonb,
                                    out auth_type text, out credentials jsonb)
language plpgsql stable
set search_path = ''
as $$
declare
  v_row sfp.credential_versions;
begin
  select * into v_row from sfp.credential_versions cv
  where cv.integration_id = _credentials_of.integration_id and cv.version = _credentials_of.version;
  if v_row.integration_id is null then
    raise exception using errcode = 'SF404',
      message = format('Version %s of integration ''%s'' is not kept', _credentials_of.version, _credentials_of.integration_id);
  end if;
  auth_type := v_row.auth_type;
  credentials := sfp._open(v_row.integration_id, v_row.version, v_row.key_version, v_row.iv, v_row.ciphertext,
                           v_row.mac, _credentials_of.keyring);
end;
$$;

/**
 * Makes `credentials` (for `auth_type`) the next version of a locked integration, sets its
 * auth type to match, and forgets versions older than the last `versions_kept`. Returns the
 * integration as updated.
 */
create function sfp._next_version(integration sfp.integrations, auth_type text, credentials jsonb, keyring jsonb,
                                  versions_kept integer)
returns sfp.integrations
language plpgsql volatile
set search_path = ''
as $$
declare
  v_version integer := (_next_version.integration).current_version + 1;
  v_integration sfp.integrations;
begin
  if _next_version.versions_kept is null or _next_version.versions_kept not between 1 and 1000 then
    raise exception using errcode = '22023', message = 'versions_kept must be from 1 to 1000';
  end if;
  perform sfp._store_credentials((_next_version.integration).id, v_version, _next_version.auth_type,
                                 _next_version.credentials, _next_version.keyring);
  update sfp.integrations i set current_version = v_version, auth_type = _next_version.auth_type, updated_at = now()
  where i.id = (_next_version.integration).id
  returning * into v_integration;
  delete from sfp.credential_versions cv
  where cv.integration_id = v_integration.id and cv.version <= v_version - _next_version.versions_kept;
  return v_integration;
end;
$$;

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

/**
 * Changes an integration: its credentials (and with them, optionally, its auth type), its
 * config, its scope (is_global / projects, with the errors of create). Every change is a new
 * version: the current credentials, or the new ones, are stored again encrypted under the
 * current key as that version. With `expected_version`, refused (SF409) unless it is current.
 * Concurrent changes queue on the integration's row lock; none is lost.
 * Callers: owners, the service, behind the log-safety guard.
 * Errors: SF401, 42501, SF404, SF409, 22023, SFK01, SFK02, SFL02. Audited.
 */
create function sfp_api.update_integration(
  id uuid,
  credentials jsonb default null,
  auth_type text default null,
  config jsonb default null,
  is_global boolean default null,
  projects text[] default null,
  expected_version integer default null,
  versions_kept integer default 10,
  context jsonb default '{}',
  keyring jsonb default null
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(update_integration.context);
  v_keyring jsonb := sfp._keyring(update_integration.keyring);
  v_integration sfp.integrations;
  v_project_ids uuid[];
  v_changed text[] := '{}';
  v_current record;
begin
  perform sfp._require_role(v_actor, 'owner');
  perform sfp._require_guard();
  v_integration := sfp._integration_for_update(update_integration.id);
  perform sfp._check_version(v_integration, update_integration.expected_version);

  -- VALIDATION
  if update_integration.credentials is null and update_integration.auth_type is null and update_integration.config is null
     and update_integration.is_global is null and update_integration.projects is null then
    raise exception using errcode = '22023', message = 'Nothing to change: give credentials, config, isGlobal or projects';
  end if;
  if update_integration.auth_type is not null and update_integration.credentials is null then
    raise exception using errcode = '22023', message = 'authType can only change together with credentials';
  end if;
  if update_integration.auth_type is not null and not coalesce(sfp._is_name(update_integration.auth_type), false) then
    raise exception using errcode = '22023', message = 'authType must be a lowercase name such as pat or basic_auth';
  end if;
  if update_integration.credentials is not null then
    perform sfp._check_credentials(update_integration.credentials);
  end if;
  perform sfp._check_config(update_integration.config);
  if update_integration.is_global is not null or update_integration.projects is not null then
    v_project_ids := sfp._scope_project_ids(update_integration.is_global, update_integration.projects);
  end if;

  -- The new version: new credentials (and auth type), or the current ones stored again.
  if update_integration.credentials is not null then
    v_changed := v_changed || 'credentials'::text;
    if coalesce(update_integration.auth_type, v_integration.auth_type) <> v_integration.auth_type then
      v_changed := v_changed || 'auth_type'::text;
    end if;
    v_integration := sfp._next_version(v_integration, coalesce(update_integration.auth_type, v_integration.auth_type),
      update_integration.credentials, v_keyring, update_integration.versions_kept);
  else
    select * into v_current from sfp._credentials_of(v_integration.id, v_integration.current_version, v_keyring);
    v_integration := sfp._next_version(v_integration, v_current.auth_type, v_current.credentials, v_keyring,
      update_integration.versions_kept);
  end if;
  if update_integration.config is not null then
    update sfp.integrations i set config = update_integration.config where i.id = v_integration.id
    returning * into v_integration;
    v_changed := v_changed || 'config'::text;
  end if;
  if v_project_ids is not null then
    delete from sfp.integration_projects ip where ip.integration_id = v_integration.id;
    insert into sfp.integration_projects (integration_id, project_id)
    select v_integration.id, x from unnest(v_project_ids) as x;
    update sfp.integrations i set is_global = cardinality(v_project_ids) = 0 where i.id = v_integration.id
    returning * into v_integration;
    v_changed := v_changed || 'scope'::text;
  end if;

  perform sfp._audit(v_actor, 'integration.update', 'succeeded', update_integration.context,
    integration_ids => array[v_integration.id], provider => v_integration.provider,
    details => sfp._integration_json(v_integration) || jsonb_build_object('changed', to_jsonb(v_changed)));
  return sfp._integration_json(v_integration);
end;
$$;
revoke all on function sfp_api.update_integration(uuid, jsonb, text, jsonb, boolean, text[], integer, integer, jsonb, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.update_integration(uuid, jsonb, text, jsonb, boolean, text[], integer, integer, jsonb, jsonb) to service_role;

/**
 * Makes the credentials (and their auth type) of a kept older version current again, as a
 * new version.
 * With `expected_version`, refused (SF409) unless it is current.
 * Callers: owners, the service, behind the log-safety guard.
 * Errors: SF401, 42501, SF404 (integration, or a version no longer kept), SF409, SFK01,
 * SFK02, SFL02. Audited.
 */
create function sfp_api.rollback_integration(
  id uuid,
  version integer,
  expected_version integer default null,
  versions_kept integer default 10,
  context jsonb default '{}',
  keyring jsonb default null
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(rollback_integration.context);
  v_keyring jsonb := sfp._keyring(rollback_integration.keyring);
  v_integration sfp.integrations;
  v_restored record;
begin
  perform sfp._require_role(v_actor, 'owner');
  perform sfp._require_guard();
  v_integration := sfp._integration_for_update(rollback_integration.id);
  perform sfp._check_version(v_integration, rollback_integration.expected_version);
  if rollback_integration.version is null then
    raise exception using errcode = '22023', message = 'version is required';
  end if;

  select * into v_restored from sfp._credentials_of(v_integration.id, rollback_integration.version, v_keyring);
  v_integration := sfp._next_version(v_integration, v_restored.auth_type, v_restored.credentials, v_keyring,
    rollback_integration.versions_kept);

  perform sfp._audit(v_actor, 'integration.rollback', 'succeeded', rollback_integration.context,
    integration_ids => array[v_integration.id], provider => v_integration.provider,
    details => sfp._integration_json(v_integration) || jsonb_build_object('restored_version', rollback_integration.version));
  return sfp._integration_json(v_integration);
end;
$$;
revoke all on function sfp_api.rollback_integration(uuid, integer, integer, integer, jsonb, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.rollback_integration(uuid, integer, integer, integer, jsonb, jsonb) to service_role;

/**
 * Deletes an integration with every stored version of its credentials: from the moment this
 * commits, no read returns it. Callers: owners, the service. Errors: SF401, 42501, SF404. Audited.
 */
create function sfp_api.delete_integration(id uuid, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(delete_integration.context);
  v_integration sfp.integrations;
  v_json jsonb;
begin
  perform sfp._require_role(v_actor, 'owner');
  v_integration := sfp._integration_for_update(delete_integration.id);
  v_json := sfp._integration_json(v_integration);
  delete from sfp.integrations i where i.id = v_integration.id;

  perform sfp._audit(v_actor, 'integration.delete', 'succeeded', delete_integration.context,
    integration_ids => array[v_integration.id], provider => v_integration.provider, details => v_json);
  return v_json;
end;
$$;
revoke all on function sfp_api.delete_integration(uuid, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.delete_integration(uuid, jsonb) to service_role;

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
  select * into v_project from sfp.projects p where p.identifier = delete_project.identifier for update;
  if v_project.id is null then
    raise exception using errcode = 'SF404', message = format('Project ''%s'' not found', delete_project.identifier);
  end if;

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

revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
