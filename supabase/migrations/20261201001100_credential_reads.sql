-- The audited credential read: the one door through which a secret leaves the database.
-- Every request for credentials leaves an audit row, failures included: refused input
-- ('invalid'), a failure to decrypt ('error': a missing or wrong key, or a ciphertext that
-- fails its integrity check, which is exactly what tampering looks like), and requests the
-- Edge Functions refuse before the read runs (no valid token, bad input, the log guard:
-- sfp_api.audit_credentials_request). Scoped application tokens read only within their scope.

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
rows 4
set search_path = ''
set plan_cache_mode = 'force_generic_plan'
set enable_seqscan = off
as $$
begin
  -- plpgsql, not sql: a sql function with a SET clause is planned again on every call,
  -- a plpgsql one keeps its plan for the session (this is the hot path of every read).
  -- rows 4 (a read resolves a few): the caller's join then looks each credential version up
  -- by its key instead of hashing the whole table (measured: 9 us less per read).
  -- One plan for every call, whatever the statistics say (force_generic_plan), and that plan
  -- finds the project's rows through its index (no sequential scan: a read touches a handful
  -- of rows) and looks each of its integrations up by its key (the lateral subquery, kept
  -- apart by offset 0, cannot become a hash join). Left to choose, PostgreSQL judged the
  -- generic plan by the average project: with one project holding thousands of integrations
  -- it hashed or scanned whole tables, or planned anew on every read (docs/performance.md).
  return query
    with scoped as (
      select i.*
      from sfp.integration_projects ip
      cross join lateral (
        select * from sfp.integrations i1 where i1.id = ip.integration_id offset 0
      ) i
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
language plpgsql immutable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: planned once per session, not on every call (docs/performance.md).
  return 'No integration found' || coalesce(' for ' || nullif(concat_ws(', ',
    'provider=' || _no_integration_message.provider,
    'project=' || _no_integration_message.project), ''), '');
end;
$$;

/**
 * Returns the decrypted credentials the caller may read, and audits the read, whatever its
 * outcome. Nothing is raised once the caller is known (a raise would roll the audit row back):
 *   {"outcome": "granted",   "credentials": [{integration_id, provider, auth_type, credentials}]}
 *   {"outcome": "denied",    "reason": "unauthenticated" | "forbidden", "message": "..."}
 *   {"outcome": "not_found", "message": "Project 'x' not found" | "No integration found for ..."}
 *   {"outcome": "invalid",   "message": "provider must be ..."}
 *   {"outcome": "error",     "code": "SFK01" | "SFK02" | "SFK04", "message": "...", "integration_id": uuid | null}
 *   {"outcome": "reauthorize", "message": "Integration ... needs re-authorization: ...", "integration_id": uuid}
 *   {"outcome": "issue",     "issue": [{integration_id, provider, auth_type, kind, lease_id, credentials, config}],
 *                            "waiting": [uuid]}  (not audited: nothing left for a client; see the
 *                            issued tokens migration: the caller issues, records, and reads again)
 * The grant of an issued kind (a GitHub App's private key, a client secret, a refresh token)
 * reaches only the trusted caller, in "issue"; "granted" carries sfp._public_credentials.
 * A granted read's audit row is inserted after decryption in the same transaction: if that
 * insert fails, the call fails and no credential leaves the database. An application token
 * with a scope reads only integrations that apply to its projects and providers (a filter
 * outside its scope is denied, 403).
 * Callers: service_role, for the service itself, or (context.claims / context.application)
 * for a verified user or an application token; owners and applications may read.
 * Errors (raised, not audited here: the trusted caller audits them): 22023 a context that is
 * not an object; SFL02; SFK03 (the key ring lacks versions the caller holds: call again with
 * them). Cost: two index lookups, one MAC check and one decryption per integration
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
  -- The filters as given, cut to the audit columns' sizes.
  v_provider text := left(get_credentials.provider, 64);
  v_project text := left(get_credentials.project, 255);
  v_project_id uuid;
  v_message text;
  v_rows sfp.credential_versions[];
  v_providers text[];
  v_ids uuid[];
  v_credentials jsonb := '[]'::jsonb;
  v_state text;
  v_detail text;
  v_failed uuid;
  v_plain jsonb;
  v_kind text;
  v_issued sfp.issued_tokens;
  v_token jsonb;
  v_lease uuid;
  v_issue jsonb := '[]'::jsonb;
  v_waiting uuid[] := '{}'::uuid[];
  v_refused jsonb;
begin
  -- GUARD: a refusal is audited and returned (a raise would roll the audit row back).
  if v_actor.refusal is not null or not sfp._has_role(v_actor, 'owner', 'application') then
    v_message := coalesce(v_actor.refusal, sfp._forbidden_message('owner', 'application'));
    perform sfp._audit(v_actor, 'credentials.read', 'denied', get_credentials.context,
      provider => v_provider, project => v_project, message => v_message);
    return jsonb_build_object('outcome', 'denied', 'message', v_message,
      'reason', case when v_actor.refusal is not null then 'unauthenticated' else 'forbidden' end);
  end if;
  perform sfp._require_guard();

  -- VALIDATION: refused input is audited and returned. The checks' own messages are caught
  -- (a subtransaction, only on this path: valid input never enters the block).
  if (get_credentials.provider is not null and not coalesce(sfp._is_name(get_credentials.provider), false))
     or (get_credentials.project is not null and not coalesce(sfp._is_project_identifier(get_credentials.project), false)) then
    begin
      if get_credentials.provider is not null then
        perform sfp._check_provider(get_credentials.provider);
      end if;
      perform sfp._check_identifier(get_credentials.project);
    exception when sqlstate '22023' then
      get stacked diagnostics v_message = message_text;
    end;
    perform sfp._audit(v_actor, 'credentials.read', 'invalid', get_credentials.context,
      provider => v_provider, project => v_project, message => v_message);
    return jsonb_build_object('outcome', 'invalid', 'message', v_message);
  end if;

  if get_credentials.project is not null then
    select p.id into v_project_id from sfp.projects p where p.identifier = get_credentials.project;
  end if;
  -- A scoped token learns nothing of projects outside its scope, not even whether they exist.
  v_message := sfp._token_scope_refusal(v_actor, v_project_id, get_credentials.project, get_credentials.provider);
  if v_message is not null then
    perform sfp._audit(v_actor, 'credentials.read', 'denied', get_credentials.context,
      provider => v_provider, project => v_project, message => v_message);
    return jsonb_build_object('outcome', 'denied', 'reason', 'forbidden', 'message', v_message);
  end if;
  if get_credentials.project is not null and v_project_id is null then
    v_message := format('Project ''%s'' not found', get_credentials.project);
    perform sfp._audit(v_actor, 'credentials.read', 'not_found', get_credentials.context,
      provider => v_provider, project => v_project, message => v_message);
    return jsonb_build_object('outcome', 'not_found', 'message', v_message);
  end if;

  select array_agg(cv order by i.provider, i.created_at, i.id),
         array_agg(i.provider order by i.provider, i.created_at, i.id),
         array_agg(i.id order by i.provider, i.created_at, i.id)
  into v_rows, v_providers, v_ids
  from sfp._resolve_integrations(get_credentials.provider, v_project_id) i
  join sfp.credential_versions cv on cv.integration_id = i.id and cv.version = i.current_version
  where sfp._token_allows(v_actor, i.provider, i.id);

  if v_ids is null then
    v_message := sfp._no_integration_message(get_credentials.provider, get_credentials.project);
    perform sfp._audit(v_actor, 'credentials.read', 'not_found', get_credentials.context,
      provider => v_provider, project => v_project, message => v_message);
    return jsonb_build_object('outcome', 'not_found', 'message', v_message);
  end if;

  -- A missing or wrong key, or a row that fails its integrity check, is audited and returned.
  -- SFK03 (the caller holds a key version it did not send) is not caught: nothing was read,
  -- and the caller calls again with it. The block decrypts, and takes issuance leases
  -- (issued tokens migration), which an error there rightly undoes.
  begin
    if v_keyring is null then
      perform sfp._master_key(v_keyring, 0); -- raises SFK01 'Encryption key ring not provided ...'
    end if;
    -- Every version needed, asked for at once (SFK03); each key is checked by sfp._open.
    perform sfp._require_keys(v_keyring, (select array_agg(distinct r.key_version) from unnest(v_rows) r));
    for i in 1 .. cardinality(v_rows) loop
      v_plain := sfp._open(v_rows[i], v_keyring);
      v_kind := sfp._issuance_kind((v_rows[i]).auth_type, v_plain);
      v_token := null;
      if v_kind is not null then
        select * into v_issued from sfp.issued_tokens t where t.integration_id = (v_rows[i]).integration_id;
        if v_issued.refused_version = (v_rows[i]).version then
          v_refused := coalesce(v_refused, jsonb_build_object('integration_id', (v_rows[i]).integration_id,
            'provider', v_providers[i], 'auth_type', (v_rows[i]).auth_type, 'reason', v_issued.refused_message));
          continue;
        end if;
        if v_kind = 'cached' then
          v_token := sfp._cached_token(v_issued, (v_rows[i]).version, (v_rows[i]).auth_type, v_keyring);
        end if;
        if v_token is null then
          v_lease := sfp._take_issue_lease((v_rows[i]).integration_id, (v_rows[i]).version);
          if v_lease is null then
            v_waiting := v_waiting || (v_rows[i]).integration_id;
          else
            v_issue := v_issue || jsonb_build_object('integration_id', (v_rows[i]).integration_id,
              'provider', v_providers[i], 'auth_type', (v_rows[i]).auth_type, 'kind', v_kind, 'lease_id', v_lease,
              'credentials', v_plain,
              'config', (select i2.config from sfp.integrations i2 where i2.id = (v_rows[i]).integration_id));
          end if;
          continue;
        end if;
      end if;
      v_credentials := v_credentials || jsonb_build_object(
        'integration_id', (v_rows[i]).integration_id,
        'provider', v_providers[i],
        'auth_type', (v_rows[i]).auth_type,
        'credentials', sfp._public_credentials((v_rows[i]).auth_type, v_plain, v_token));
    end loop;
  exception when sqlstate 'SFK01' or sqlstate 'SFK02' or sqlstate 'SFK04' then
    get stacked diagnostics v_state = returned_sqlstate, v_message = message_text, v_detail = pg_exception_detail;
    if v_detail like '{%' then
      v_failed := (v_detail::jsonb ->> 'integration_id')::uuid;
    end if;
    perform sfp._audit(v_actor, 'credentials.read', 'error', get_credentials.context,
      integration_ids => case when v_failed is null then v_ids else array[v_failed] end, provider => v_provider, project => v_project,
      message => v_message, details => jsonb_build_object('code', v_state));
    return jsonb_build_object('outcome', 'error', 'code', v_state, 'message', v_message, 'integration_id', v_failed);
  end;

  -- A grant the service refused for good: the read fails, audited, until an owner updates it.
  if v_refused is not null then
    -- The leases this read took for its other integrations go back: nobody will issue under them.
    update sfp.issued_tokens t set lease_id = null, lease_version = null, lease_until = null
    where t.lease_id in (select (x ->> 'lease_id')::uuid from jsonb_array_elements(v_issue) x);
    v_message := format('Integration %s (%s %s) needs re-authorization: %s. An owner must update its credentials',
      v_refused ->> 'integration_id', v_refused ->> 'provider', v_refused ->> 'auth_type',
      coalesce(v_refused ->> 'reason', 'the service refused its grant'));
    perform sfp._audit(v_actor, 'credentials.read', 'error', get_credentials.context,
      integration_ids => array[(v_refused ->> 'integration_id')::uuid], provider => v_provider, project => v_project,
      message => v_message, details => jsonb_build_object('code', 'reauthorization_required'));
    return jsonb_build_object('outcome', 'reauthorize', 'message', v_message,
      'integration_id', v_refused ->> 'integration_id');
  end if;
  -- Tokens to issue first (or wait for): no credential leaves yet, so nothing is audited; the
  -- caller issues them (recording each issuance) and reads again.
  if jsonb_array_length(v_issue) > 0 or cardinality(v_waiting) > 0 then
    return jsonb_build_object('outcome', 'issue', 'issue', v_issue, 'waiting', to_jsonb(v_waiting));
  end if;

  perform sfp._audit(v_actor, 'credentials.read', 'granted', get_credentials.context,
    integration_ids => v_ids, provider => v_provider, project => v_project);
  return jsonb_build_object('outcome', 'granted', 'credentials', v_credentials);
end;
$$;
revoke all on function sfp_api.get_credentials(text, text, jsonb, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.get_credentials(text, text, jsonb, jsonb) to service_role;

/**
 * Audits a request for credentials that the trusted caller answered without a completed
 * read: a bearer token it could not verify, input it refused, the log guard's refusal, a
 * failure of the read itself, or a rate-limited client. `outcome`: 'denied', 'invalid' or
 * 'error'; `message`: the answer's message (cut to 200 characters); `details`: e.g.
 * {"count": n} for refusals aggregated per client address and minute.
 * The actor: the verified caller from context.claims / context.application, as for a read
 * (a refused token is recorded as anonymous, with its refusal in details); or, when the
 * caller may not send the token's hash (the log guard refused: parameters may be logged),
 * context.application_fingerprint with context.application_lookup_id (or oidc_fingerprint and
 * oidc_lookup_id for an OIDC access token): the token's lookup id finds its row, and the hex
 * SHA-256 of the token's SHA-256 proves it without being usable as one; else anonymous. Never
 * a secret.
 * Returns 'unknown_token' when the token it was to name is no application token or OIDC access
 * token (the caller counts the request as refused for its token), else 'recorded'.
 * Callers: service_role. Errors: 22023 for an unknown outcome or a context that is not an object.
 */
create function sfp_api.audit_credentials_request(
  outcome text,
  message text,
  provider text default null,
  project text default null,
  context jsonb default '{}',
  details jsonb default '{}'
) returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor;
  v_unknown boolean := false;
  v_token sfp.application_tokens;
  v_session record;
  v_details jsonb := case when jsonb_typeof(audit_credentials_request.details) = 'object'
                          then audit_credentials_request.details else '{}' end;
begin
  if audit_credentials_request.outcome is null or audit_credentials_request.outcome not in ('denied', 'invalid', 'error') then
    raise exception using errcode = '22023', message = 'outcome must be one of: denied, invalid, error';
  end if;
  if audit_credentials_request.context ? 'application_fingerprint' then
    -- Found by its lookup id (indexed), proved by the fingerprint.
    select * into v_token from sfp.application_tokens t
    where t.lookup_id = audit_credentials_request.context ->> 'application_lookup_id'
      and (audit_credentials_request.context ->> 'application_fingerprint') ~ '^[0-9a-f]{64}$'
      and extensions.digest(t.secret_hash, 'sha256') = decode(audit_credentials_request.context ->> 'application_fingerprint', 'hex');
    if v_token.id is null then
      v_unknown := true;
      v_actor := sfp._refused('Invalid application token');
    else
      v_actor := sfp._refused(null, v_token.id, v_token.name); -- an application actor without a refusal
      v_actor.role := 'application';
    end if;
  elsif audit_credentials_request.context ? 'oidc_fingerprint' then
    -- An OIDC access token (the OIDC migration's sessions), named the same way.
    select s.id, s.policy_name into v_session from sfp.oidc_sessions s
    where s.lookup_id = audit_credentials_request.context ->> 'oidc_lookup_id'
      and (audit_credentials_request.context ->> 'oidc_fingerprint') ~ '^[0-9a-f]{64}$'
      and extensions.digest(s.secret_hash, 'sha256') = decode(audit_credentials_request.context ->> 'oidc_fingerprint', 'hex');
    if v_session.id is null then
      v_unknown := true;
      v_actor := sfp._refused('Invalid OIDC access token');
    else
      v_actor := sfp._refused(null, v_session.id, v_session.policy_name);
      v_actor.kind := 'oidc';
      v_actor.role := 'application';
    end if;
  elsif audit_credentials_request.context ?| array['claims', 'application', 'oidc'] then
    v_actor := sfp._authenticate(audit_credentials_request.context);
  else
    v_actor := sfp._refused(left(audit_credentials_request.message, 200));
  end if;
  if v_actor.refusal is not null then
    v_details := v_details || jsonb_build_object('refusal', v_actor.refusal);
    v_actor.refusal := null;
  end if;
  perform sfp._audit(v_actor, 'credentials.read', audit_credentials_request.outcome,
    audit_credentials_request.context - 'claims' - 'application' - 'application_fingerprint' - 'application_lookup_id'
      - 'oidc' - 'oidc_fingerprint' - 'oidc_lookup_id',
    provider => left(audit_credentials_request.provider, 64),
    project => left(audit_credentials_request.project, 255),
    message => left(audit_credentials_request.message, 200),
    details => v_details);
  return case when v_unknown then 'unknown_token' else 'recorded' end;
end;
$$;
revoke all on function sfp_api.audit_credentials_request(text, text, text, text, jsonb, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.audit_credentials_request(text, text, text, text, jsonb, jsonb) to service_role;

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
