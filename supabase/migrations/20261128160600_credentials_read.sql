-- The audited credential read: the one door through which a secret leaves the database.

/**
 * The integrations whose credentials a read returns, in the documented order.
 *   With a project: per provider, the integrations scoped to that project; the global ones
 *   only for providers with none scoped to it (project-specific takes precedence).
 *   Without a project: the global integrations only.
 * Order: provider, then creation time, then id.
 */
create function sfp._resolve_integrations(provider text, project_id uuid)
returns setof sfp.integrations
language plpgsql stable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: a sql function with a SET clause is planned again on every call,
  -- a plpgsql one keeps its plan for the session (this is the hot path of every read).
  return query
    with scoped as (
      select i.*
      from sfp.integration_projects ip
      join sfp.integrations i on i.id = ip.integration_id
      where _resolve_integrations.project_id is not null
        and ip.project_id = _resolve_integrations.project_id
        and (_resolve_integrations.provider is null or i.provider = _resolve_integrations.provider)
    )
    select chosen.* from (
      select * from scoped
      union all
      select i.*
      from sfp.integrations i
      where i.is_global
        and (_resolve_integrations.provider is null or i.provider = _resolve_integrations.provider)
        and not exists (select 1 from scoped s where s.provider = i.provider)
    ) chosen
    order by chosen.provider, chosen.created_at, chosen.id;
end;
$$;

/**
 * "No integration found for provider=jira, project=acme/core": names every filter given,
 * provider first.
 */
create function sfp._no_integration_message(provider text, project text) returns text
language sql immutable
set search_path = ''
as $$
  select 'No integration found' || coalesce(' for ' || nullif(concat_ws(', ',
    'provider=' || _no_integration_message.provider,
    'project=' || _no_integration_message.project), ''), '')
$$;

/**
 * Returns the decrypted credentials the caller may read, and audits the read.
 * A refusal or a miss is RETURNED, not raised, so that its audit row commits:
 *   {"outcome": "granted",   "credentials": [{integration_id, provider, auth_type, credentials}]}
 *   {"outcome": "denied",    "reason": "unauthenticated", "message": "Application token revoked"}
 *   {"outcome": "denied",    "reason": "forbidden", "message": "Forbidden - Requires role: owner or application"}
 *   {"outcome": "not_found", "message": "Project 'x' not found" | "No integration found for ..."}
 * A granted read's audit row is inserted after decryption in the same transaction: if that
 * insert fails, the call fails and no credential leaves the database.
 * Callers: service_role, for the service itself, or (context.claims / context.application)
 * for a verified user or an application token; owners and applications may read.
 * Errors (raised): 22023 bad provider or project identifier, or a context that is not an
 * object; SFK01, SFK02, SFL01. Cost: two index lookups, one decryption per integration
 * returned, one audit insert.
 */
create function sfp_api.get_credentials(
  provider text default null,
  project text default null,
  context jsonb default '{}',
  keyring jsonb default null
) returns jsonb
language plpgsql volatile
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._authenticate(get_credentials.context);
  v_keyring jsonb := sfp._keyring(get_credentials.keyring);
  v_project_id uuid;
  v_message text;
  v_credentials jsonb;
  v_ids uuid[];
begin
  -- GUARD: a refusal is audited and returned (a raise would roll the audit row back).
  if v_actor.refusal is not null or not sfp._has_role(v_actor, 'owner', 'application') then
    v_message := coalesce(v_actor.refusal, sfp._forbidden_message('owner', 'application'));
    perform sfp._audit(v_actor, 'credentials.read', 'denied', get_credentials.context,
      provider => left(get_credentials.provider, 64), project => left(get_credentials.project, 255), message => v_message);
    return jsonb_build_object('outcome', 'denied', 'message', v_message,
      'reason', case when v_actor.refusal is not null then 'unauthenticated' else 'forbidden' end);
  end if;
  perform sfp._require_guard();
  if v_keyring is null then
    perform sfp._master_key(null, 0); -- raises SFK01 'Encryption key ring not provided ...'
  end if;

  -- VALIDATION
  if get_credentials.provider is not null then
    perform sfp._check_provider(get_credentials.provider);
  end if;
  if get_credentials.project is not null then
    perform sfp._check_identifier(get_credentials.project);
    select p.id into v_project_id from sfp.projects p where p.identifier = get_credentials.project;
    if v_project_id is null then
      v_message := format('Project ''%s'' not found', get_credentials.project);
      perform sfp._audit(v_actor, 'credentials.read', 'not_found', get_credentials.context,
        provider => get_credentials.provider, project => get_credentials.project, message => v_message);
      return jsonb_build_object('outcome', 'not_found', 'message', v_message);
    end if;
  end if;

  select
    jsonb_agg(jsonb_build_object(
      'integration_id', i.id,
      'provider', i.provider,
      'auth_type', i.auth_type,
      'credentials', sfp._open(i.id, cv.version, cv.key_version, cv.iv, cv.ciphertext, cv.mac, v_keyring)
    ) order by i.provider, i.created_at, i.id),
    array_agg(i.id order by i.provider, i.created_at, i.id)
  into v_credentials, v_ids
  from sfp._resolve_integrations(get_credentials.provider, v_project_id) i
  join sfp.credential_versions cv on cv.integration_id = i.id and cv.version = i.current_version;

  if v_ids is null then
    v_message := sfp._no_integration_message(get_credentials.provider, get_credentials.project);
    perform sfp._audit(v_actor, 'credentials.read', 'not_found', get_credentials.context,
      provider => get_credentials.provider, project => get_credentials.project, message => v_message);
    return jsonb_build_object('outcome', 'not_found', 'message', v_message);
  end if;

  perform sfp._audit(v_actor, 'credentials.read', 'granted', get_credentials.context,
    integration_ids => v_ids, provider => get_credentials.provider, project => get_credentials.project);
  return jsonb_build_object('outcome', 'granted', 'credentials', v_credentials);
end;
$$;
revoke all on function sfp_api.get_credentials(text, text, jsonb, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.get_credentials(text, text, jsonb, jsonb) to service_role;

/**
 * Audits a credential read refused before it reached get_credentials: a request whose bearer
 * token the trusted caller could not verify (none, malformed, expired, badly signed). The
 * actor is recorded as anonymous, with the reason. Callers: service_role.
 */
create function sfp_api.audit_refused_credentials_read(
  message text,
  provider text default null,
  project text default null,
  context jsonb default '{}'
) returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform sfp._audit(sfp._refused(left(audit_refused_credentials_read.message, 200)), 'credentials.read', 'denied',
    audit_refused_credentials_read.context - 'claims' - 'application',
    provider => left(audit_refused_credentials_read.provider, 64),
    project => left(audit_refused_credentials_read.project, 255),
    message => left(audit_refused_credentials_read.message, 200));
end;
$$;
revoke all on function sfp_api.audit_refused_credentials_read(text, text, text, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.audit_refused_credentials_read(text, text, text, jsonb) to service_role;

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
