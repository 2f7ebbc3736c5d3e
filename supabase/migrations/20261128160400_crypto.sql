-- Encryption of credentials at rest, and the guard that keeps keys and secrets out of the log.
--
-- Scheme: AES-256-CBC (pgcrypto encrypt_iv, random 16-byte IV per write) then HMAC-SHA256
-- over a header that binds the ciphertext to its row: integration id, credential version,
-- key version, IV and ciphertext (encrypt-then-MAC). A ciphertext copied onto another row,
-- or any flipped bit, fails the MAC before anything is decrypted. Both subkeys are derived
-- from the 256-bit master key of the key version with HMAC-SHA256 and a fixed label.
-- Measured against pgp_sym_encrypt at defaults (which stretches a password on every call):
-- see README "Performance".
--
-- Key ring: a JSON object {"current": <version>, "keys": {"<version>": "<base64 of 32 bytes>"}}
-- handed over by the trusted caller, as the `keyring` argument or transaction-locally in the
-- setting `sfp.keyring` (set_config('sfp.keyring', $1, true)). It is never stored, and no
-- error message ever contains it.

/**
 * The master key of `version` from a key ring. Errors: SFK01 when the ring is missing or
 * malformed or lacks that version (the message names the version, never a key).
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
    raise exception using errcode = 'SFK01',
      message = format('Encryption key version %s is not in the key ring', _master_key.version);
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
 * Encrypts credentials for one row (integration, version) under the current key.
 * Returns the columns to store. Errors: SFK01.
 */
create function sfp._seal(
  integration_id uuid, version integer, plaintext jsonb, keyring jsonb,
  out key_version integer, out iv bytea, out ciphertext bytea, out mac bytea
)
language plpgsql volatile
set search_path = ''
as $$
declare
  v_master bytea;
begin
  key_version := sfp._current_key_version(_seal.keyring);
  v_master := sfp._master_key(_seal.keyring, key_version);
  iv := extensions.gen_random_bytes(16);
  ciphertext := extensions.encrypt_iv(
    convert_to(_seal.plaintext::text, 'UTF8'),
    extensions.hmac(convert_to('sfp-enc', 'UTF8'), v_master, 'sha256'),
    iv, 'aes-cbc/pad:pkcs');
  mac := extensions.hmac(
    sfp._mac_input(_seal.integration_id, _seal.version, key_version, iv, ciphertext),
    extensions.hmac(convert_to('sfp-mac', 'UTF8'), v_master, 'sha256'), 'sha256');
end;
$$;

/**
 * Verifies and decrypts one stored credential row. Errors: SFK01 (key version missing),
 * SFK02 when the MAC does not match: the row was altered or copied from another row.
 */
create function sfp._open(
  integration_id uuid, version integer, key_version integer, iv bytea, ciphertext bytea, mac bytea, keyring jsonb
) returns jsonb
language plpgsql immutable
set search_path = ''
as $$
declare
  v_master bytea := sfp._master_key(_open.keyring, _open.key_version);
begin
  if extensions.hmac(
       sfp._mac_input(_open.integration_id, _open.version, _open.key_version, _open.iv, _open.ciphertext),
       extensions.hmac(convert_to('sfp-mac', 'UTF8'), v_master, 'sha256'), 'sha256') <> _open.mac then
    raise exception using errcode = 'SFK02',
      message = format('Stored credentials of integration %s failed their integrity check', _open.integration_id);
  end if;
  return convert_from(
    extensions.decrypt_iv(_open.ciphertext,
      extensions.hmac(convert_to('sfp-enc', 'UTF8'), v_master, 'sha256'),
      _open.iv, 'aes-cbc/pad:pkcs'),
    'UTF8')::jsonb;
end;
$$;

/**
 * The settings of this session under which PostgreSQL would write bind parameters (and so
 * a key or a secret sent as one) to its log. Empty when none.
 * log_parameter_max_length = 0 keeps parameters out of statement and duration logs; errors
 * carry them only when log_parameter_max_length_on_error <> 0; auto_explain and the
 * debug_print_* settings print plans, which hold the parameter values as constants.
 */
create function sfp._log_exposures() returns text[]
language plpgsql stable
set search_path = ''
as $$
declare
  v_problems text[] := '{}';
  v_params_logged boolean := current_setting('log_parameter_max_length') <> '0';
  v_auto_explain text := current_setting('auto_explain.log_min_duration', true);
begin
  if v_params_logged then
    if current_setting('log_statement') = 'all' then
      v_problems := v_problems || 'log_statement = all'::text;
    end if;
    if current_setting('log_min_duration_statement') <> '-1' then
      v_problems := v_problems || format('log_min_duration_statement = %s', current_setting('log_min_duration_statement'));
    end if;
    if current_setting('log_min_duration_sample') <> '-1'
       and current_setting('log_statement_sample_rate')::float8 > 0 then
      v_problems := v_problems || format('log_min_duration_sample = %s', current_setting('log_min_duration_sample'));
    end if;
    if current_setting('log_transaction_sample_rate')::float8 > 0 then
      v_problems := v_problems || format('log_transaction_sample_rate = %s', current_setting('log_transaction_sample_rate'));
    end if;
  end if;
  if current_setting('log_parameter_max_length_on_error') <> '0' then
    v_problems := v_problems || format('log_parameter_max_length_on_error = %s', current_setting('log_parameter_max_length_on_error'));
  end if;
  if v_auto_explain is not null and v_auto_explain <> '-1' then
    v_problems := v_problems || format('auto_explain.log_min_duration = %s', v_auto_explain);
  end if;
  if current_setting('debug_print_parse') = 'on' or current_setting('debug_print_rewritten') = 'on'
     or current_setting('debug_print_plan') = 'on' then
    v_problems := v_problems || 'debug_print_* = on'::text;
  end if;
  return v_problems;
end;
$$;

/**
 * Raises SFL01 when this session would log bind parameters. Callers: the guard below.
 */
create function sfp._assert_log_safe() returns void
language plpgsql stable
set search_path = ''
as $$
declare
  v_problems text[] := sfp._log_exposures();
begin
  if cardinality(v_problems) > 0 then
    raise exception using errcode = 'SFL01',
      message = format('Credential operations are disabled: the database server would write statement parameters to its log (%s). Turn that logging off, or set log_parameter_max_length = 0 and log_parameter_max_length_on_error = 0.',
                       array_to_string(v_problems, ', '));
  end if;
end;
$$;

/**
 * Raises SFL02 unless sfp_api.guard_log_safety() ran earlier in this transaction. Callers:
 * every function that receives a key ring or a secret. It cannot keep the statement out of
 * the log (that is the guard's job, before the statement is sent); it stops a statement that
 * arrives without its guard (a caller that skipped it, or a client library that moved it to
 * another connection) from decrypting or writing anything.
 */
create function sfp._require_guard() returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if current_setting('sfp.guarded', true) is distinct from 'on' then
    raise exception using errcode = 'SFL02',
      message = 'Credential operations must run after select sfp_api.guard_log_safety() in the same transaction';
  end if;
end;
$$;

/**
 * Whether this session would log bind parameters, which settings say so, and when the server
 * last read its configuration. Callers: service_role (the Edge Functions word their 503 with
 * it; operators can run it). Cost: a few setting reads.
 */
create function sfp_api.log_settings_check() returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_problems text[] := sfp._log_exposures();
begin
  return jsonb_build_object(
    'safe', cardinality(v_problems) = 0,
    'problems', to_jsonb(v_problems),
    'conf_loaded_at', pg_catalog.pg_conf_load_time()
  );
end;
$$;
revoke all on function sfp_api.log_settings_check() from public, anon, authenticated;
grant execute on function sfp_api.log_settings_check() to service_role;

/**
 * The check a trusted caller runs before sending a key ring or a secret. It is pipelined in
 * one network write with the statement that carries it, inside one explicit transaction:
 *   begin; select sfp_api.guard_log_safety(); select <the call>; commit
 * When this session would log bind parameters it raises SFL01, the transaction is aborted,
 * and PostgreSQL refuses the next statement at Bind, before reading its parameters: the
 * key or secret is never run, logged or kept. (A guard in the same statement would come too
 * late: log_statement = all logs a statement before anything in it runs.) Any other failure
 * of the guard stops the call the same way. It marks the transaction as guarded; the
 * functions that take a key or a secret refuse to work in a transaction without the mark
 * (SFL02). Callers: service_role. Cost: a few setting reads.
 */
create function sfp_api.guard_log_safety() returns void
language plpgsql volatile
security definer
set search_path = ''
as $$
begin
  perform sfp._assert_log_safe();
  -- The mark sfp._require_guard looks for, gone when the transaction ends.
  perform set_config('sfp.guarded', 'on', true);
end;
$$;
revoke all on function sfp_api.guard_log_safety() from public, anon, authenticated;
grant execute on function sfp_api.guard_log_safety() to service_role;
