-- Encryption of credentials at rest, the key ring, and key checks.
--
-- Scheme: AES-256-CBC (pgcrypto encrypt_iv, random 16-byte IV per write) then HMAC-SHA256
-- over a header that binds the ciphertext to its row: integration id, credential version,
-- auth type, key version, IV and ciphertext (encrypt-then-MAC). A ciphertext copied onto
-- another row or under another auth type, or any flipped bit, fails the MAC (compared in
-- constant time) before anything is decrypted. Both subkeys are derived from the 256-bit
-- master key of the key version with HMAC-SHA256 and a fixed label.
-- Measured against pgp_sym_encrypt at defaults (which stretches a password on every call):
-- see docs/performance.md.
--
-- MAC formats (sfp.credential_versions.mac_format): every row is written in format 2, which
-- binds the auth type; format 1 (without it) stays readable, and sfp_api.rewrap_credentials
-- (npm run keys:rotate) re-seals such rows in format 2.
--
-- Key ring: a JSON object {"current": <version>, "keys": {"<version>": "<base64 of 32 bytes>"},
-- "available": [<version>, ...]} handed over by the trusted caller, as the `keyring` argument
-- or transaction-locally in the setting `sfp.keyring` (set_config('sfp.keyring', $1, true)).
-- It is never stored, and no error message ever contains it.
--
-- Partial key rings: a caller sends the current key and lists, as `available`, the version
-- numbers of its whole ring. A function that meets a row under an available version it was
-- not given raises SFK03 with the versions it needs in its DETAIL ({"key_versions": [...]})
-- before it decrypts or writes anything; the caller runs the call again with those keys. A
-- version that is not available at all is SFK01.
--
-- Key check values: the first time a key version encrypts anything, the HMAC-SHA256 of the
-- fixed label 'sfp-key-check-v1' under that version's master key is stored in sfp.key_checks
-- (never the key: the HMAC does not reveal it). From then on a different key under that
-- version is refused (SFK04, naming the version) before anything is written or decrypted,
-- instead of silently encrypting new rows under a key that cannot read the old ones.
--
-- Order: after integrations (sfp._row_mac and sfp._open take a row of sfp.credential_versions).

create table sfp.key_checks (
  key_version integer primary key,
  check_value bytea not null constraint check_value_is_32_bytes check (octet_length(check_value) = 32),
  created_at timestamptz not null default now()
);
comment on table sfp.key_checks is 'Per key version, an HMAC of a fixed label under that key: recognises the key, never reveals it.';
alter table sfp.key_checks enable row level security;

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
  v_version integer;
  v_missing integer[];
  v_available integer[];
begin
  -- The common case, every version sent, without a query (a read's key check runs this).
  if _require_keys.versions is not null and jsonb_typeof(_require_keys.keyring -> 'keys') = 'object' then
    v_missing := '{}';
    foreach v_version in array _require_keys.versions loop
      if v_version is null or not _require_keys.keyring -> 'keys' ? v_version::text then
        v_missing := null;
        exit;
      end if;
    end loop;
    if v_missing is not null then
      return;
    end if;
  end if;
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
 * The master key of `version` from a key ring. Errors: SFK01 when the ring is missing or
 * malformed or lacks that version (the message names the version, never a key); SFK03 when
 * the caller holds that version (it is in `available`) but did not send it.
 */
create function sfp._master_key(keyring jsonb, version integer) returns bytea
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
 * The key ring in force for this call: the argument if given, else the transaction-local
 * setting sfp.keyring. Returns null when neither is set (checked where a key is needed).
 */
create function sfp._keyring(keyring jsonb) returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  return coalesce(_keyring.keyring, nullif(current_setting('sfp.keyring', true), '')::jsonb);
end;
$$;

/**
 * The current key version of a key ring. Errors: SFK01.
 */
create function sfp._current_key_version(keyring jsonb) returns integer
language plpgsql immutable
set search_path = ''
as $$
declare
  v_current text := _current_key_version.keyring ->> 'current';
begin
  if v_current is null or v_current !~ '^[0-9]{1,9}$' then
    raise exception using errcode = 'SFK01',
      message = 'Encryption key ring not provided or without a current version';
  end if;
  return v_current::integer;
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
create function sfp._require_matching_key(keyring jsonb, version integer, stored bytea) returns void
language plpgsql volatile
set search_path = ''
as $$
begin
  if not sfp._digests_equal(_require_matching_key.stored,
                            sfp._key_check_value(sfp._master_key(_require_matching_key.keyring, _require_matching_key.version))) then
    raise exception using errcode = 'SFK04',
      message = format('Encryption key version %s of the key ring does not match the key this database was encrypted with: restore the original key for version %s',
                       _require_matching_key.version, _require_matching_key.version);
  end if;
end;
$$;

/**
 * Before decrypting: the key ring holds every version in `versions` (SFK03, SFK01) and each
 * is the key recorded for it (SFK04). A version never recorded is not recorded here: a read
 * must not vouch for a key (a wrong one then fails the MAC, SFK02).
 */
create function sfp._require_matching_keys(keyring jsonb, versions integer[]) returns void
language plpgsql volatile
set search_path = ''
as $$
declare
  v_check sfp.key_checks;
begin
  perform sfp._require_keys(_require_matching_keys.keyring, _require_matching_keys.versions);
  for v_check in select * from sfp.key_checks k where k.key_version = any (_require_matching_keys.versions) loop
    perform sfp._require_matching_key(_require_matching_keys.keyring, v_check.key_version, v_check.check_value);
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
  -- Compared here with the value just computed; sfp._require_matching_key (which computes it
  -- again) only words the refusal.
  if not sfp._digests_equal(v_stored, v_value) then
    perform sfp._require_matching_key(_record_key_check.keyring, _record_key_check.version, v_stored);
  end if;
end;
$$;

/**
 * The bytes the MAC covers: a label, the row's identity and the ciphertext.
 */
create function sfp._mac_input(integration_id uuid, version integer, key_version integer, iv bytea, ciphertext bytea)
returns bytea
language plpgsql immutable
set search_path = ''
as $$
begin
  return convert_to('sfp-credential-v1', 'UTF8')
        || uuid_send(_mac_input.integration_id)
        || int4send(_mac_input.version)
        || int4send(_mac_input.key_version)
        || _mac_input.iv
        || _mac_input.ciphertext;
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
 * Verifies (in constant time) and decrypts one stored credential row. A key that is not the
 * one recorded for its version fails the MAC like an altered row does; only then is the key
 * compared with its version's check value (sfp._require_matching_keys), to tell the two apart:
 * a read that succeeds pays for no key check (measured: about 68 us of a 383 us read;
 * docs/performance.md). Errors: SFK01, SFK03 (key version not sent); SFK04 when the key
 * differs from the one recorded for its version; SFK02 when the MAC does not match
 * under the right key: the row was altered or copied from another row (DETAIL:
 * {"integration_id": ...}). Nothing is decrypted before the MAC matched.
 */
create function sfp._open(row_ sfp.credential_versions, keyring jsonb) returns jsonb
language plpgsql volatile
set search_path = ''
as $$
declare
  v_master bytea := sfp._master_key(_open.keyring, (_open.row_).key_version);
begin
  if not sfp._digests_equal(sfp._row_mac(_open.row_, v_master), (_open.row_).mac) then
    perform sfp._require_matching_keys(_open.keyring, array[(_open.row_).key_version]);
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

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
