-- Keys recognised before they are used, calls that carry only the keys they need, and a MAC
-- that binds the auth type and is compared in constant time.
--
-- Key check values: the first time a key version encrypts anything, the HMAC-SHA256 of the
-- fixed label 'sfp-key-check-v1' under that version's master key is stored in sfp.key_checks
-- (never the key: the HMAC does not reveal it). From then on a different key under that
-- version is refused (SFK04, naming the version) before anything is written or decrypted,
-- instead of silently encrypting new rows under a key that cannot read the old ones.
--
-- Partial key rings: a caller sends the current key and lists, as `available`, the version
-- numbers of its whole ring. A function that meets a row under an available version it was
-- not given raises SFK03 with the versions it needs in its DETAIL ({"key_versions": [...]})
-- before it decrypts or writes anything; the caller runs the call again with those keys. A
-- version that is not available at all is SFK01, as before.
--
-- MAC format 2 binds the auth type too (a credential cannot be moved under another auth type
-- unseen). Rows of format 1 stay readable; sfp_api.rewrap_credentials (npm run keys:rotate)
-- re-seals them in format 2.

create table sfp.key_checks (
  key_version integer primary key,
  check_value bytea not null constraint check_value_is_32_bytes check (octet_length(check_value) = 32),
  created_at timestamptz not null default now()
);
comment on table sfp.key_checks is 'Per key version, an HMAC of a fixed label under that key: recognises the key, never reveals it.';
alter table sfp.key_checks enable row level security;

alter table sfp.credential_versions
  add column mac_format smallint not null default 1 constraint mac_format_is_known check (mac_format in (1, 2));
comment on column sfp.credential_versions.mac_format is '1: MAC over id, version, key version, IV, ciphertext; 2: also the auth type.';

/**
 * Compares two byte strings in time that does not depend on where they differ: both are
 * HMAC-ed under a fresh random key and the results compared, so timing reveals nothing
 * about either input. plpgsql: a sql function with a SET clause is planned on every call.
 */
create or replace function sfp._digests_equal(a bytea, b bytea) returns boolean
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
 * The master key of `version` from a key ring. Errors: SFK01 when the ring is missing or
 * malformed or lacks that version (the message names the version, never a key); SFK03 when
 * the caller holds that version (it is in `available`) but did not send it.
 */
create or replace function sfp._master_key(keyring jsonb, version integer) returns bytea
language plpgsql immutable
set search_path = ''
as $$
declare
  v_encoded text;
begin
  if _master_key.keyring is null or jsonb_typeof(_master_key.keyring -> 'keys') is distinct from 'object' then
    raise exception using errcode = 'SFK01',
      message = 'Encryption key ring not provided: pass it as the keyring argument or in the transaction-local setting sfp.keyring';
  end if;
  v_encoded := _master_key.keyring -> 'keys' ->> _master_key.version::text;
  if v_encoded is null then
    perform sfp._require_keys(_master_key.keyring, array[_master_key.version]);
  end if;
  -- 32 bytes are 43 base64 characters and one '=': checked before decoding, so a bad key
  -- needs no exception block (a subtransaction on every read).
  if v_encoded !~ '^[A-Za-z0-9+/]{43}=$' then
    raise exception using errcode = 'SFK01',
      message = format('Encryption key version %s is not 32 bytes of base64', _master_key.version);
  end if;
  return decode(v_encoded, 'base64');
end;
$$;

/**
 * Raises unless the key ring holds every version in `versions`: SFK03 listing (in DETAIL)
 * those the caller holds but did not send, so that it can call again with them; SFK01
 * naming the first version it does not hold at all. Decrypts and writes nothing.
 */
create function sfp._require_keys(keyring jsonb, versions integer[]) returns void
language plpgsql immutable
set search_path = ''
as $$
declare
  v_missing integer[];
  v_available integer[];
begin
  select coalesce(array_agg(distinct v order by v), '{}') into v_missing
  from unnest(_require_keys.versions) as v
  where not coalesce(_require_keys.keyring -> 'keys' ? v::text, false);
  if cardinality(v_missing) = 0 then
    return;
  end if;
  select coalesce(array_agg(v order by v), '{}') into v_available
  from unnest(v_missing) as v
  where coalesce(_require_keys.keyring -> 'available' @> to_jsonb(v), false);
  if cardinality(v_available) > 0 then
    raise exception using errcode = 'SFK03',
      message = format('Key versions %s are needed for this call', array_to_string(v_available, ', ')),
      detail = jsonb_build_object('key_versions', to_jsonb(v_available))::text;
  end if;
  raise exception using errcode = 'SFK01',
    message = format('Encryption key version %s is not in the key ring', v_missing[1]);
end;
$$;

/**
 * The check value of a master key: HMAC-SHA256 of the label 'sfp-key-check-v1' under it.
 */
create function sfp._key_check_value(master bytea) returns bytea
language plpgsql immutable
set search_path = ''
as $$
begin
  return extensions.hmac(convert_to('sfp-key-check-v1', 'UTF8'), _key_check_value.master, 'sha256');
end;
$$;

/**
 * Raises SFK04 "Encryption key version n of the key ring does not match the key this
 * database was encrypted with" when a stored check value differs from the key given.
 */
create function sfp._refuse_wrong_key(keyring jsonb, version integer, stored bytea) returns void
language plpgsql volatile
set search_path = ''
as $$
begin
  if not sfp._digests_equal(_refuse_wrong_key.stored,
                            sfp._key_check_value(sfp._master_key(_refuse_wrong_key.keyring, _refuse_wrong_key.version))) then
    raise exception using errcode = 'SFK04',
      message = format('Encryption key version %s of the key ring does not match the key this database was encrypted with: restore the original key for version %s',
                       _refuse_wrong_key.version, _refuse_wrong_key.version);
  end if;
end;
$$;

/**
 * Before decrypting: the key ring holds every version in `versions` (SFK03, SFK01) and each
 * is the key recorded for it (SFK04). A version never recorded is not recorded here: a read
 * must not vouch for a key (a wrong one then fails the MAC, SFK02).
 */
create function sfp._check_keys(keyring jsonb, versions integer[]) returns void
language plpgsql volatile
set search_path = ''
as $$
declare
  v_check sfp.key_checks;
begin
  perform sfp._require_keys(_check_keys.keyring, _check_keys.versions);
  for v_check in select * from sfp.key_checks k where k.key_version = any (_check_keys.versions) loop
    perform sfp._refuse_wrong_key(_check_keys.keyring, v_check.key_version, v_check.check_value);
  end loop;
end;
$$;

/**
 * Before encrypting under `version`: records its check value the first time, else refuses a
 * different key (SFK04). Two first writers with different keys cannot both win: the second
 * waits on the first's row, then compares against it.
 */
create function sfp._record_key_check(keyring jsonb, version integer) returns void
language plpgsql volatile
set search_path = ''
as $$
declare
  v_value bytea := sfp._key_check_value(sfp._master_key(_record_key_check.keyring, _record_key_check.version));
  v_stored bytea;
begin
  select k.check_value into v_stored from sfp.key_checks k where k.key_version = _record_key_check.version;
  if v_stored is null then
    insert into sfp.key_checks (key_version, check_value) values (_record_key_check.version, v_value)
    on conflict (key_version) do nothing;
    select k.check_value into v_stored from sfp.key_checks k where k.key_version = _record_key_check.version;
  end if;
  perform sfp._refuse_wrong_key(_record_key_check.keyring, _record_key_check.version, v_stored);
end;
$$;

/**
 * The bytes a format-2 MAC covers: a label, the row's identity, its auth type (length
 * first, so no two values run together) and the ciphertext.
 */
create function sfp._mac_input_v2(integration_id uuid, version integer, auth_type text, key_version integer,
                                  iv bytea, ciphertext bytea)
returns bytea
language plpgsql immutable
set search_path = ''
as $$
begin
  return convert_to('sfp-credential-v2', 'UTF8')
        || uuid_send(_mac_input_v2.integration_id)
        || int4send(_mac_input_v2.version)
        || int4send(octet_length(_mac_input_v2.auth_type))
        || convert_to(_mac_input_v2.auth_type, 'UTF8')
        || int4send(_mac_input_v2.key_version)
        || _mac_input_v2.iv
        || _mac_input_v2.ciphertext;
end;
$$;

/**
 * The MAC of a stored row (format 1 or 2) under a master key.
 */
create function sfp._row_mac(row_ sfp.credential_versions, master bytea) returns bytea
language plpgsql immutable
set search_path = ''
as $$
begin
  return extensions.hmac(
    case (_row_mac.row_).mac_format
      when 1 then sfp._mac_input((_row_mac.row_).integration_id, (_row_mac.row_).version, (_row_mac.row_).key_version,
                                 (_row_mac.row_).iv, (_row_mac.row_).ciphertext)
      else sfp._mac_input_v2((_row_mac.row_).integration_id, (_row_mac.row_).version, (_row_mac.row_).auth_type,
                             (_row_mac.row_).key_version, (_row_mac.row_).iv, (_row_mac.row_).ciphertext)
    end,
    extensions.hmac(convert_to('sfp-mac', 'UTF8'), _row_mac.master, 'sha256'), 'sha256');
end;
$$;

drop function sfp._seal(uuid, integer, jsonb, jsonb);
drop function sfp._open(uuid, integer, integer, bytea, bytea, bytea, jsonb);

/**
 * Encrypts credentials for one row (integration, version, auth type) under the current key,
 * in MAC format 2, after recording or checking the key's check value. Returns the columns to
 * store. Errors: SFK01, SFK03, SFK04.
 */
create function sfp._seal(
  integration_id uuid, version integer, auth_type text, plaintext jsonb, keyring jsonb,
  out key_version integer, out iv bytea, out ciphertext bytea, out mac bytea
)
language plpgsql volatile
set search_path = ''
as $$
declare
  v_master bytea;
begin
  key_version := sfp._current_key_version(_seal.keyring);
  perform sfp._record_key_check(_seal.keyring, key_version);
  v_master := sfp._master_key(_seal.keyring, key_version);
  iv := extensions.gen_random_bytes(16);
  ciphertext := extensions.encrypt_iv(
    convert_to(_seal.plaintext::text, 'UTF8'),
    extensions.hmac(convert_to('sfp-enc', 'UTF8'), v_master, 'sha256'),
    iv, 'aes-cbc/pad:pkcs');
  mac := extensions.hmac(
    sfp._mac_input_v2(_seal.integration_id, _seal.version, _seal.auth_type, key_version, iv, ciphertext),
    extensions.hmac(convert_to('sfp-mac', 'UTF8'), v_master, 'sha256'), 'sha256');
end;
$$;

/**
 * Verifies (in constant time) and decrypts one stored credential row. The caller has checked
 * the row's key version (sfp._check_keys). Errors: SFK01, SFK03 (key version not sent);
 * SFK02 when the MAC does not match: the row was altered or copied from another row (DETAIL:
 * {"integration_id": ...}).
 */
create function sfp._open(row_ sfp.credential_versions, keyring jsonb) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  v_master bytea := sfp._master_key(_open.keyring, (_open.row_).key_version);
begin
  if not sfp._digests_equal(sfp._row_mac(_open.row_, v_master), (_open.row_).mac) then
    raise exception using errcode = 'SFK02',
      message = format('Stored credentials of integration %s failed their integrity check', (_open.row_).integration_id),
      detail = jsonb_build_object('integration_id', (_open.row_).integration_id)::text;
  end if;
  return convert_from(
    extensions.decrypt_iv((_open.row_).ciphertext,
      extensions.hmac(convert_to('sfp-enc', 'UTF8'), v_master, 'sha256'),
      (_open.row_).iv, 'aes-cbc/pad:pkcs'),
    'UTF8')::jsonb;
end;
$$;

/**
 * Encrypts `credentials` (for `auth_type`) as version `version` of an integration, under the
 * current key, in MAC format 2.
 */
create or replace function sfp._store_credentials(integration_id uuid, version integer, auth_type text, credentials jsonb, keyring jsonb)
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
create or replace function sfp._credentials_of(integration_id uuid, version integer, keyring jsonb,
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
  perform sfp._check_keys(_credentials_of.keyring, array[v_row.key_version]);
  auth_type := v_row.auth_type;
  credentials := sfp._open(v_row, _credentials_of.keyring);
end;
$$;

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
create or replace function sfp_api.rewrap_credentials(batch_size integer default 100, context jsonb default '{}', keyring jsonb default null)
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
  perform sfp._check_keys(v_keyring, (select array_agg(distinct b.key_version) from unnest(v_batch) b) || v_current);

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

/**
 * The stored key check values, by key version: what a trusted caller compares its own key
 * ring against (computing the same HMAC itself) before it starts, without sending a key.
 * Callers: the service. Errors: 42501.
 */
create function sfp_api.key_check_values(context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(key_check_values.context);
begin
  if v_actor.kind <> 'service' then
    raise exception using errcode = '42501', message = 'Forbidden - Requires role: service_role';
  end if;
  return coalesce((select jsonb_agg(jsonb_build_object('key_version', k.key_version,
                                                      'check_value', encode(k.check_value, 'hex')) order by k.key_version)
                   from sfp.key_checks k), '[]'::jsonb);
end;
$$;
revoke all on function sfp_api.key_check_values(jsonb) from public, anon, authenticated;
grant execute on function sfp_api.key_check_values(jsonb) to service_role;

revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
