-- The life of an integration: create, change (with check-and-set), roll back, delete, and
-- key rotation. Every change of an integration is a new version, whose credentials are
-- stored encrypted as their own row; the last N versions are kept.
--
-- Key rotation: re-encrypting stored credentials under the key ring's current key, in
-- batches, while reads and writes go on. Each batch is its own short transaction and takes
-- only rows no one else holds (skip locked), so it never blocks a read or a change, and
-- stopping it anywhere loses nothing: running it again carries on where it stopped.
--
-- Order: the second part of the integrations domain (the tables are in the integrations
-- migration), after crypto and log safety, which every write here calls.

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
create function sfp._require_version(integration sfp.integrations, expected_version integer) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if _require_version.expected_version is not null
     and _require_version.expected_version <> (_require_version.integration).current_version then
    raise exception using errcode = 'SF409',
      message = format('Version %s is not current: the integration is at version %s',
                       _require_version.expected_version, (_require_version.integration).current_version),
      detail = jsonb_build_object('current_version', (_require_version.integration).current_version)::text;
  end if;
end;
$$;

/**
 * Encrypts `credentials` (for `auth_type`) as version `version` of an integration, under the
 * current key, in MAC format 2.
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
                                        _store_credentials.auth_type, _store_credentials.credentials, _store_credentials.keyring);
  insert into sfp.credential_versions (integration_id, version, auth_type, key_version, iv, ciphertext, mac, mac_format)
  values (_store_credentials.integration_id, _store_credentials.version, _store_credentials.auth_type,
          v_sealed.key_version, v_sealed.iv, v_sealed.ciphertext, v_sealed.mac, 2);
end;
$$;

/**
 * One stored version, decrypted: its auth type and credentials. Errors: SF404 when that
 * version is no longer kept; SFK01, SFK02, SFK03, SFK04.
 */
create function sfp._credentials_of(integration_id uuid, version integer, keyring jsonb,
                                               out auth_type text, out credentials jsonb)
language plpgsql volatile
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
  credentials := sfp._open(v_row, _credentials_of.keyring);
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
  v_json jsonb;
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

  -- Built once: the audit row's details and the answer are the same object.
  v_json := sfp._integration_json(v_integration);
  perform sfp._audit(v_actor, 'integration.create', 'succeeded', create_integration.context,
    integration_ids => array[v_integration.id], provider => v_integration.provider, details => v_json);
  return v_json;
end;
$$;
revoke all on function sfp_api.create_integration(text, text, jsonb, boolean, text[], jsonb, jsonb, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.create_integration(text, text, jsonb, boolean, text[], jsonb, jsonb, jsonb) to service_role;

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
  v_json jsonb;
  v_actor sfp.actor := sfp._actor(update_integration.context);
  v_keyring jsonb := sfp._keyring(update_integration.keyring);
  v_integration sfp.integrations;
  v_project_ids uuid[];
  v_changed text[] := '{}'::text[];
  v_current record;
begin
  perform sfp._require_role(v_actor, 'owner');
  perform sfp._require_guard();
  v_integration := sfp._integration_for_update(update_integration.id);
  perform sfp._require_version(v_integration, update_integration.expected_version);

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

  v_json := sfp._integration_json(v_integration);
  perform sfp._audit(v_actor, 'integration.update', 'succeeded', update_integration.context,
    integration_ids => array[v_integration.id], provider => v_integration.provider,
    details => v_json || jsonb_build_object('changed', to_jsonb(v_changed)));
  return v_json;
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
  v_json jsonb;
  v_actor sfp.actor := sfp._actor(rollback_integration.context);
  v_keyring jsonb := sfp._keyring(rollback_integration.keyring);
  v_integration sfp.integrations;
  v_restored record;
begin
  perform sfp._require_role(v_actor, 'owner');
  perform sfp._require_guard();
  v_integration := sfp._integration_for_update(rollback_integration.id);
  perform sfp._require_version(v_integration, rollback_integration.expected_version);
  if rollback_integration.version is null then
    raise exception using errcode = '22023', message = 'version is required';
  end if;

  select * into v_restored from sfp._credentials_of(v_integration.id, rollback_integration.version, v_keyring);
  v_integration := sfp._next_version(v_integration, v_restored.auth_type, v_restored.credentials, v_keyring,
    rollback_integration.versions_kept);

  v_json := sfp._integration_json(v_integration);
  perform sfp._audit(v_actor, 'integration.rollback', 'succeeded', rollback_integration.context,
    integration_ids => array[v_integration.id], provider => v_integration.provider,
    details => v_json || jsonb_build_object('restored_version', rollback_integration.version));
  return v_json;
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
 * How many stored credential versions each key version encrypts, and whether each is among
 * `available_versions` (the versions of the caller's key ring: a row under a version that is
 * not there cannot be read until its key is back). Takes versions, not keys: no secret here.
 * Callers: owners, the service. Errors: SF401, 42501.
 */
create function sfp_api.key_versions_in_use(available_versions integer[] default '{}', context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(key_versions_in_use.context);
begin
  perform sfp._require_role(v_actor, 'owner');
  return coalesce((
    select jsonb_agg(jsonb_build_object(
             'key_version', k.key_version, 'rows', k.rows,
             'available', k.key_version = any (coalesce(key_versions_in_use.available_versions, '{}')))
           order by k.key_version)
    from (select cv.key_version, count(*) as rows from sfp.credential_versions cv group by cv.key_version) k), '[]'::jsonb);
end;
$$;
revoke all on function sfp_api.key_versions_in_use(integer[], jsonb) from public, anon, authenticated;
grant execute on function sfp_api.key_versions_in_use(integer[], jsonb) to service_role;

/**
 * Re-encrypts up to `batch_size` stored credential versions that are not under the key
 * ring's current key or not in MAC format 2, each bound to its own row as before. Returns
 * {"rewrapped": n, "remaining": m, "current_key_version": k}. Rows locked by concurrent work
 * are skipped and counted in `remaining`, for the next batch. The batch's key versions are
 * checked before anything is rewritten: a ring without one of them (SFK03: call again with
 * it; SFK01: not held at all) or with a wrong key (SFK04) changes nothing.
 * Callers: owners, the service, behind the log-safety guard. Errors: SF401, 42501, 22023,
 * SFK01, SFK02, SFK03, SFK04, SFL02. Audited when it rewraps anything.
 */
create function sfp_api.rewrap_credentials(batch_size integer default 100, context jsonb default '{}', keyring jsonb default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(rewrap_credentials.context);
  v_keyring jsonb := sfp._keyring(rewrap_credentials.keyring);
  v_current integer;
  v_batch sfp.credential_versions[];
  v_row sfp.credential_versions;
  v_sealed record;
  v_count integer := 0;
  v_remaining bigint;
begin
  perform sfp._require_role(v_actor, 'owner');
  perform sfp._require_guard();
  if rewrap_credentials.batch_size is null or rewrap_credentials.batch_size not between 1 and 10000 then
    raise exception using errcode = '22023', message = 'batch_size must be from 1 to 10000';
  end if;
  v_current := sfp._current_key_version(v_keyring);

  select coalesce(array_agg(b::sfp.credential_versions order by b.integration_id, b.version), '{}'::sfp.credential_versions[])
  into v_batch
  from (
    select * from sfp.credential_versions cv
    where cv.key_version <> v_current or cv.mac_format < 2
    order by cv.integration_id, cv.version
    limit rewrap_credentials.batch_size
    for update skip locked
  ) b;
  perform sfp._require_matching_keys(v_keyring, (select array_agg(distinct b.key_version) from unnest(v_batch) b) || v_current);

  foreach v_row in array v_batch loop
    select * into v_sealed from sfp._seal(v_row.integration_id, v_row.version, v_row.auth_type,
      sfp._open(v_row, v_keyring), v_keyring);
    update sfp.credential_versions cv
    set key_version = v_sealed.key_version, iv = v_sealed.iv, ciphertext = v_sealed.ciphertext, mac = v_sealed.mac,
        mac_format = 2
    where cv.integration_id = v_row.integration_id and cv.version = v_row.version;
    v_count := v_count + 1;
  end loop;

  select count(*) into v_remaining from sfp.credential_versions cv where cv.key_version <> v_current or cv.mac_format < 2;
  if v_count > 0 then
    perform sfp._audit(v_actor, 'keys.rewrap', 'succeeded', rewrap_credentials.context,
      details => jsonb_build_object('rewrapped', v_count, 'remaining', v_remaining, 'current_key_version', v_current));
  end if;
  return jsonb_build_object('rewrapped', v_count, 'remaining', v_remaining, 'current_key_version', v_current);
end;
$$;
revoke all on function sfp_api.rewrap_credentials(integer, jsonb, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.rewrap_credentials(integer, jsonb, jsonb) to service_role;

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
