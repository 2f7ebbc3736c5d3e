-- Key rotation: re-encrypting stored credentials under the key ring's current key, in
-- batches, while reads and writes go on. Each batch is its own short transaction and takes
-- only rows no one else holds (skip locked), so it never blocks a read or a change, and
-- stopping it anywhere loses nothing: running it again carries on where it stopped.

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
 * ring's current key, each bound to its own row as before. Returns
 * {"rewrapped": n, "remaining": m, "current_key_version": k}. Rows locked by concurrent work
 * are skipped and counted in `remaining`, for the next batch.
 * Callers: owners, the service, behind the log-safety guard. Errors: SF401, 42501, 22023,
 * SFK01 (a row's key version is not in the ring: the message names it), SFK02, SFL02.
 * Audited when it rewraps anything.
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

  for v_row in
    select * from sfp.credential_versions cv
    where cv.key_version <> v_current
    order by cv.integration_id, cv.version
    limit rewrap_credentials.batch_size
    for update skip locked
  loop
    select * into v_sealed from sfp._seal(v_row.integration_id, v_row.version,
      sfp._open(v_row.integration_id, v_row.version, v_row.key_version, v_row.iv, v_row.ciphertext, v_row.mac, v_keyring),
      v_keyring);
    update sfp.credential_versions cv
    set key_version = v_sealed.key_version, iv = v_sealed.iv, ciphertext = v_sealed.ciphertext, mac = v_sealed.mac
    where cv.integration_id = v_row.integration_id and cv.version = v_row.version;
    v_count := v_count + 1;
  end loop;

  select count(*) into v_remaining from sfp.credential_versions cv where cv.key_version <> v_current;
  if v_count > 0 then
    perform sfp._audit(v_actor, 'keys.rewrap', 'succeeded', rewrap_credentials.context,
      details => jsonb_build_object('rewrapped', v_count, 'remaining', v_remaining, 'current_key_version', v_current));
  end if;
  return jsonb_build_object('rewrapped', v_count, 'remaining', v_remaining, 'current_key_version', v_current);
end;
$$;
revoke all on function sfp_api.rewrap_credentials(integer, jsonb, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.rewrap_credentials(integer, jsonb, jsonb) to service_role;

create index credential_versions_key_version_idx on sfp.credential_versions (key_version);
