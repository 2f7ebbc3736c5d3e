-- Connection tests: the functions read one integration's grant, call its service once
-- (functions/integrations/connection-test.ts) and record the outcome in the audit log.
-- Order: after the integration lifecycle (sfp._credentials_of).

/**
 * One integration's grant (provider, auth type, decrypted current credentials, config), for
 * the functions to test it against its service; never returned to a client. Not audited
 * itself: the caller records the test's outcome with sfp_api.record_connection_test.
 * Callers: owners (through a trusted caller), behind the log-safety guard.
 * Errors: SF401, 42501, SF404, SFK01, SFK02, SFK03, SFK04, SFL02.
 */
create function sfp_api.integration_grant(id uuid, context jsonb default '{}', keyring jsonb default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(integration_grant.context);
  v_integration sfp.integrations;
  v_current record;
begin
  perform sfp._require_role(v_actor, 'owner');
  perform sfp._require_guard();
  select * into v_integration from sfp.integrations i where i.id = integration_grant.id;
  if v_integration.id is null then
    raise exception using errcode = 'SF404', message = format('Integration ''%s'' not found', integration_grant.id);
  end if;
  select * into v_current from sfp._credentials_of(v_integration.id, v_integration.current_version,
                                                  sfp._keyring(integration_grant.keyring));
  return jsonb_build_object('provider', v_integration.provider, 'auth_type', v_current.auth_type,
                            'credentials', v_current.credentials, 'config', v_integration.config);
end;
$$;
revoke all on function sfp_api.integration_grant(uuid, jsonb, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.integration_grant(uuid, jsonb, jsonb) to service_role;

/**
 * Audits a connection test of an integration: 'integration.test', succeeded or error, with
 * the service's status and the test's message (cut to 300 characters; never a secret).
 * Callers: owners, the service. Errors: SF401, 42501, SF404.
 */
create function sfp_api.record_connection_test(id uuid, ok boolean, status integer, message text, context jsonb default '{}')
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(record_connection_test.context);
  v_provider text;
begin
  perform sfp._require_role(v_actor, 'owner');
  select i.provider into v_provider from sfp.integrations i where i.id = record_connection_test.id;
  if v_provider is null then
    raise exception using errcode = 'SF404', message = format('Integration ''%s'' not found', record_connection_test.id);
  end if;
  perform sfp._audit(v_actor, 'integration.test', case when record_connection_test.ok then 'succeeded' else 'error' end,
    record_connection_test.context, integration_ids => array[record_connection_test.id], provider => v_provider,
    message => left(record_connection_test.message, 300),
    details => jsonb_build_object('ok', coalesce(record_connection_test.ok, false), 'status', record_connection_test.status));
end;
$$;
revoke all on function sfp_api.record_connection_test(uuid, boolean, integer, text, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.record_connection_test(uuid, boolean, integer, text, jsonb) to service_role;

/**
 * Raises unless the caller is an owner (or the service): for work the functions do before
 * any other call, such as validating new credentials against their service
 * (POST /integrations?validate=true), which a member must not be able to trigger.
 * Callers: the service, for the actor in `context`. Errors: SF401, 42501.
 */
create function sfp_api.require_owner(context jsonb default '{}')
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform sfp._require_role(sfp._actor(require_owner.context), 'owner');
end;
$$;
revoke all on function sfp_api.require_owner(jsonb) from public, anon, authenticated;
grant execute on function sfp_api.require_owner(jsonb) to service_role;

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
