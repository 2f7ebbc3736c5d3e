-- Log safety: the guard that keeps keys and secrets out of the server's log, and the
-- detection of the settings under which a logger would write them there.
--
-- A trusted caller sends a key ring or a secret only in a transaction that ran
-- sfp_api.guard_log_safety() first, pipelined with it (see there): the guard refuses (SFL01)
-- while this session would log bind parameters or function arguments, and marks the
-- transaction; every function that takes a key ring or a secret refuses to work without the
-- mark (sfp._require_guard, SFL02).
--
-- PostgreSQL's own logging: log_parameter_max_length = 0 keeps parameters out of statement
-- and duration logs, and the Edge Functions start their sessions with it (and _on_error = 0).
-- pgaudit (shipped by Supabase, turned on for compliance) writes a statement's parameters,
-- and the arguments of every function call and of the statements run inside plpgsql
-- functions, when `pgaudit.log_parameter = on` and a class it logs covers the statement:
-- READ (a SELECT, which every RPC call is), WRITE, FUNCTION, or ALL; or, for object audit,
-- when `pgaudit.role` names a role whose privileges cover the objects touched. It ignores
-- log_parameter_max_length, so the sessions' first layer (that setting at 0) does not help:
-- the sessions of the Edge Functions also start with pgaudit.log_parameter = off where the
-- login role may set it, and the guard refuses credential work wherever it is still on.

/**
 * Whether a pgaudit.log value (a comma-separated class list, `-class` subtracting, e.g.
 * 'all, -misc') logs any class that covers our RPC calls and the statements inside them:
 * read, write or function. Unknown words count as nothing (pgaudit refuses them anyway).
 */
create function sfp._pgaudit_logs_calls(classes text) returns boolean
language plpgsql immutable
set search_path = ''
as $$
declare
  v_word text;
  v_logged text[] := '{}'::text[];
  v_all constant text[] := array['read', 'write', 'function', 'role', 'ddl', 'misc', 'misc_set'];
begin
  foreach v_word in array string_to_array(lower(coalesce(_pgaudit_logs_calls.classes, '')), ',') loop
    v_word := btrim(v_word);
    if v_word = 'all' then
      v_logged := v_all;
    elsif v_word = '-all' then
      v_logged := '{}'::text[];
    elsif left(v_word, 1) = '-' then
      v_logged := array_remove(v_logged, btrim(substr(v_word, 2)));
    elsif v_word = any (v_all) then
      v_logged := v_logged || v_word;
    end if;
  end loop;
  return v_logged && array['read', 'write', 'function'];
end;
$$;

/**
 * The settings of this session under which a logger would write bind parameters or
 * function arguments (and so a key or a secret sent as one) to the server's log. Empty when
 * none. PostgreSQL's own logging: log_parameter_max_length = 0 keeps parameters out of
 * statement and duration logs; errors carry them only when log_parameter_max_length_on_error
 * <> 0; auto_explain and the debug_print_* settings print plans, which hold parameter
 * values as constants. pgaudit: see the top of this file.
 */
create function sfp._log_exposures() returns text[]
language plpgsql stable
set search_path = ''
as $$
declare
  v_problems text[] := '{}'::text[];
  v_params_logged boolean := current_setting('log_parameter_max_length') <> '0';
  v_auto_explain text := current_setting('auto_explain.log_min_duration', true);
  v_pgaudit_parameters text := current_setting('pgaudit.log_parameter', true);
  v_pgaudit_log text := current_setting('pgaudit.log', true);
  v_pgaudit_role text := current_setting('pgaudit.role', true);
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
  -- pgaudit: its settings exist only where it is loaded (or set as placeholders).
  if lower(coalesce(v_pgaudit_parameters, 'off')) in ('on', 'true', 'yes', '1') then
    if sfp._pgaudit_logs_calls(v_pgaudit_log) then
      v_problems := v_problems || format('pgaudit.log_parameter = on with pgaudit.log = %s', v_pgaudit_log);
    end if;
    if coalesce(v_pgaudit_role, '') <> '' then
      v_problems := v_problems || format('pgaudit.log_parameter = on with pgaudit.role = %s', v_pgaudit_role);
    end if;
  end if;
  return v_problems;
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
 * When this session would log bind parameters it raises SFL01 (naming the settings at fault,
 * from sfp._log_exposures), the transaction is aborted, and PostgreSQL refuses the next
 * statement at Bind, before reading its parameters: the key or secret is never run, logged or
 * kept. (A guard in the same statement would come too late: log_statement = all logs a
 * statement before anything in it runs.) Any other failure of the guard stops the call the
 * same way. It marks the transaction as guarded; the functions that take a key or a secret
 * refuse to work in a transaction without the mark (SFL02). Callers: service_role. Cost: a few setting reads.
 */
create function sfp_api.guard_log_safety() returns void
language plpgsql volatile
security definer
set search_path = ''
as $$
declare
  v_problems text[] := sfp._log_exposures();
begin
  -- The message names the settings at fault: it reaches the service role and the server's own
  -- log; the Edge Functions answer their clients with a message that names none.
  if cardinality(v_problems) > 0 then
    raise exception using errcode = 'SFL01',
      message = format('Credential operations are disabled: the database server would write statement parameters to its log (%s). Turn that logging off, or set log_parameter_max_length = 0, log_parameter_max_length_on_error = 0 and pgaudit.log_parameter = off.',
                       array_to_string(v_problems, ', '));
  end if;
  -- The mark sfp._require_guard looks for, gone when the transaction ends.
  perform set_config('sfp.guarded', 'on', true);
end;
$$;
revoke all on function sfp_api.guard_log_safety() from public, anon, authenticated;
grant execute on function sfp_api.guard_log_safety() to service_role;

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
