-- Credentials that are issued, not stored: a GitHub App's installation token, a
-- client-credentials grant's access token, and an OAuth access token refreshed with its
-- refresh token. The store keeps the grant (private key, client secret, refresh token) and
-- the functions exchange it with the service when a read needs a fresh token; a read never
-- returns the grant itself (sfp._public_credentials).
--
--   1. sfp_api.get_credentials decrypts an integration of such a type. A cached token that
--      is still good for 5 minutes is returned with it. Otherwise the read takes the
--      integration's issuance lease and answers the trusted caller {"outcome": "issue"} with
--      the decrypted grant, or {"outcome": "issue"} naming it as waiting when another
--      process holds the lease. Nothing is audited yet: no credential has left for a client.
--   2. The caller (functions/integrations/issuance.ts) calls the service, then
--      sfp_api.complete_token_issue (the token cached encrypted, or for a refresh the new pair
--      stored as a new credential version) or sfp_api.fail_token_issue; both audited.
--   3. It reads again: the fresh token is returned and that read is audited as granted.
-- The lease is the single flight across processes: only its holder calls the service, so a
-- single-use refresh token is used once. A refused refresh marks the credential version as
-- needing re-authorization; reads answer so until an owner stores new credentials (a new
-- version, which the mark does not cover).
--
-- Order: after the integration lifecycle (sfp._next_version) and before the credential
-- reads, which call these helpers.

create table sfp.issued_tokens (
  integration_id uuid primary key references sfp.integrations (id) on delete cascade,
  -- The cached token: encrypted and bound like a credential row (sfp._seal with the auth
  -- type 'issued:<auth type>'), issued from credential version `credential_version`.
  credential_version integer,
  key_version integer,
  iv bytea,
  ciphertext bytea,
  mac bytea,
  expires_at timestamptz,
  issued_at timestamptz,
  -- Single flight: who is asking the service now, for which credential version, until when.
  lease_id uuid,
  lease_version integer,
  lease_until timestamptz,
  -- The service refused the grant of this credential version (a revoked refresh token).
  refused_version integer,
  refused_message text constraint refused_message_is_short check (length(refused_message) <= 300),
  constraint cached_token_is_whole check (
    (ciphertext is null) = (iv is null) and (ciphertext is null) = (mac is null)
    and (ciphertext is null) = (key_version is null) and (ciphertext is null) = (expires_at is null)
    and (ciphertext is null) = (credential_version is null))
);
comment on table sfp.issued_tokens is 'Tokens issued from stored grants (encrypted, never plaintext), their issuance leases, and refused grants.';
alter table sfp.issued_tokens enable row level security;

/** `value` as a timestamp, or null when it is not one (never raises). */
create function sfp._timestamp_or_null(value text) returns timestamptz
language plpgsql stable
set search_path = ''
as $$
begin
  return _timestamp_or_null.value::timestamptz;
exception when others then
  return null;
end;
$$;

/**
 * What a read must do before returning a stored credential of this auth type: 'cached' (a
 * GitHub App or client-credentials grant: return a token issued from it), 'refresh' (an
 * OAuth token that has expired or expires within 5 minutes, with a refresh token and the
 * client to refresh it), or null (return it as stored). An unreadable expires_at counts as
 * expired.
 */
create function sfp._issuance_kind(auth_type text, credentials jsonb) returns text
language plpgsql stable
set search_path = ''
as $$
begin
  if _issuance_kind.auth_type in ('app', 'oauth_client_credentials', 'service_principal') then
    return 'cached';
  end if;
  if _issuance_kind.auth_type = 'oauth' and _issuance_kind.credentials ? 'refresh_token'
     and _issuance_kind.credentials ? 'client_id' and _issuance_kind.credentials ? 'client_secret'
     and _issuance_kind.credentials ? 'expires_at'
     and coalesce(sfp._timestamp_or_null(_issuance_kind.credentials ->> 'expires_at') < now() + interval '5 minutes', true) then
    return 'refresh';
  end if;
  return null;
end;
$$;

/**
 * What a read returns of a stored credential: never the grant. A GitHub App's answer is
 * {token, expires_at, app_id, installation_id}; a client-credentials grant's, its
 * non-secret fields with {access_token, expires_at}; an OAuth credential's, all but its
 * refresh token and client secret. Other auth types are returned as stored.
 */
create function sfp._public_credentials(auth_type text, credentials jsonb, token jsonb) returns jsonb
language plpgsql immutable
set search_path = ''
as $$
begin
  case _public_credentials.auth_type
    when 'app' then
      return jsonb_build_object('token', _public_credentials.token -> 'token',
                                'expires_at', _public_credentials.token -> 'expires_at',
                                'app_id', _public_credentials.credentials -> 'app_id',
                                'installation_id', _public_credentials.credentials -> 'installation_id');
    when 'oauth_client_credentials', 'service_principal' then
      return (_public_credentials.credentials - 'client_secret')
        || jsonb_build_object('access_token', _public_credentials.token -> 'access_token',
                              'expires_at', _public_credentials.token -> 'expires_at');
    when 'oauth' then
      return _public_credentials.credentials - 'refresh_token' - 'client_secret';
    else
      return _public_credentials.credentials;
  end case;
end;
$$;

/**
 * Whether a cached token is still handed out: it is good for 5 more minutes, or for half its
 * lifetime when that is shorter (a token that lives 5 minutes or less is still used).
 */
create function sfp._token_is_fresh(state sfp.issued_tokens) returns boolean
language plpgsql stable
set search_path = ''
as $$
begin
  return (_token_is_fresh.state).ciphertext is not null
     and (_token_is_fresh.state).expires_at - now()
         >= least(interval '5 minutes', ((_token_is_fresh.state).expires_at - (_token_is_fresh.state).issued_at) / 2);
end;
$$;

/**
 * The token cached for an integration, when it was issued from `credential_version`, is
 * fresh (sfp._token_is_fresh), and is under a key version the caller sent; else null. Errors:
 * SFK02 when the cached row fails its integrity check, SFK04.
 */
create function sfp._cached_token(state sfp.issued_tokens, credential_version integer, auth_type text, keyring jsonb)
returns jsonb
language plpgsql volatile
set search_path = ''
as $$
begin
  if not coalesce(sfp._token_is_fresh(_cached_token.state), false)
     or (_cached_token.state).credential_version <> _cached_token.credential_version
     or not coalesce(_cached_token.keyring -> 'keys' ? (_cached_token.state).key_version::text, false) then
    return null;
  end if;
  return sfp._open(row((_cached_token.state).integration_id, (_cached_token.state).credential_version,
                       'issued:' || _cached_token.auth_type, (_cached_token.state).key_version, (_cached_token.state).iv,
                       (_cached_token.state).ciphertext, (_cached_token.state).mac, (_cached_token.state).issued_at,
                       2::smallint)::sfp.credential_versions,
                   _cached_token.keyring);
end;
$$;

/**
 * Takes the issuance lease of an integration for `credential_version` (60 s, twice the longest
 * outbound timeout the functions allow): its id, or null when there is nothing to issue after all,
 * seen under the row's lock with what has committed since the read began: another caller
 * holds the lease, has just cached a token for this version, or refused its grant, or the
 * credentials have changed. The caller then reads again.
 */
create function sfp._take_issue_lease(integration_id uuid, credential_version integer) returns uuid
language plpgsql volatile
set search_path = ''
as $$
declare
  v_state sfp.issued_tokens;
  v_lease uuid := gen_random_uuid();
begin
  begin
    insert into sfp.issued_tokens (integration_id) values (_take_issue_lease.integration_id)
    on conflict on constraint issued_tokens_pkey do nothing;
  exception when foreign_key_violation then
    return null; -- deleted since the read began: the next read no longer finds it
  end;
  select * into v_state from sfp.issued_tokens t where t.integration_id = _take_issue_lease.integration_id for update;
  if v_state.lease_until >= now()
     or v_state.refused_version = _take_issue_lease.credential_version
     or (v_state.credential_version = _take_issue_lease.credential_version and coalesce(sfp._token_is_fresh(v_state), false))
     or (select i.current_version from sfp.integrations i where i.id = _take_issue_lease.integration_id)
        is distinct from _take_issue_lease.credential_version then
    return null;
  end if;
  update sfp.issued_tokens t
  set lease_id = v_lease, lease_version = _take_issue_lease.credential_version, lease_until = now() + interval '60 seconds'
  where t.integration_id = _take_issue_lease.integration_id;
  return v_lease;
end;
$$;

/**
 * The credential version the issuance lease `lease_id` of an integration was taken for, with
 * the token row locked; null when the lease is no longer held (it ran out and another caller
 * took it).
 */
create function sfp._held_lease_version(integration_id uuid, lease_id uuid) returns integer
language plpgsql volatile
set search_path = ''
as $$
declare
  v_version integer;
begin
  select t.lease_version into v_version from sfp.issued_tokens t
  where t.integration_id = _held_lease_version.integration_id and t.lease_id = _held_lease_version.lease_id
  for update;
  return v_version;
end;
$$;

/**
 * Stores what the service issued under a lease taken by sfp_api.get_credentials, releases the
 * lease, and audits it: for a cached kind, `token` ({token, expires_at} or {access_token,
 * expires_at}) encrypted under the current key until `expires_at`; for a refresh, `token` is
 * the whole new credential (the new access and refresh tokens merged into the old), stored as
 * the next credential version; when the integration changed meanwhile but kept the same grant
 * (a config or scope change), the new pair goes into its current credentials. Returns
 * 'stored'; 'stale' when the grant itself changed since the lease was taken (nothing stored:
 * the next read issues from the new one); 'lease_lost' when the lease is no longer this
 * caller's, or the integration is gone. Callers: the service, for the actor in `context`,
 * behind the log-safety guard. Errors: 22023, SFK01, SFK02, SFK03, SFK04, SFL02.
 */
create function sfp_api.complete_token_issue(
  integration_id uuid,
  lease_id uuid,
  token jsonb,
  expires_at timestamptz default null,
  versions_kept integer default 10,
  context jsonb default '{}',
  keyring jsonb default null
) returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._authenticate(complete_token_issue.context);
  v_keyring jsonb := sfp._keyring(complete_token_issue.keyring);
  v_lease_version integer;
  v_integration sfp.integrations;
  v_sealed record;
  v_current record;
  v_leased record;
begin
  perform sfp._require_guard();
  if jsonb_typeof(complete_token_issue.token) is distinct from 'object' then
    raise exception using errcode = '22023', message = 'token must be a JSON object';
  end if;
  -- The integration first, then its token row: the order delete_integration locks them in.
  select * into v_integration from sfp.integrations i where i.id = complete_token_issue.integration_id for update;
  v_lease_version := sfp._held_lease_version(complete_token_issue.integration_id, complete_token_issue.lease_id);
  if v_integration.id is null or v_lease_version is null then
    return 'lease_lost';
  end if;
  update sfp.issued_tokens t set lease_id = null, lease_version = null, lease_until = null
  where t.integration_id = v_integration.id;
  if v_integration.current_version <> v_lease_version then
    -- A change since the lease was taken. A refresh token is single use: when the change left
    -- the grant as it was (a config or scope change stores the same credentials again), the
    -- new pair goes into the current credentials; dropped, the next refresh would be refused.
    if v_integration.auth_type <> 'oauth' then
      return 'stale';
    end if;
    begin
      select cv.credentials into v_current
      from sfp._credentials_of(v_integration.id, v_integration.current_version, v_keyring) cv;
      select lv.credentials into v_leased
      from sfp._credentials_of(v_integration.id, v_lease_version, v_keyring) lv;
    exception when sqlstate 'SF404' then
      return 'stale'; -- the leased version is no longer kept: nothing to compare with
    end;
    if v_current.credentials ->> 'refresh_token' is distinct from v_leased.credentials ->> 'refresh_token'
       or v_current.credentials ->> 'client_id' is distinct from v_leased.credentials ->> 'client_id' then
      return 'stale';
    end if;
    complete_token_issue.token := v_current.credentials
      || jsonb_strip_nulls(jsonb_build_object('access_token', complete_token_issue.token -> 'access_token',
                                              'refresh_token', complete_token_issue.token -> 'refresh_token',
                                              'expires_at', complete_token_issue.token -> 'expires_at'));
  end if;

  if v_integration.auth_type <> 'oauth' then -- a cached kind (sfp._issuance_kind)
    if complete_token_issue.expires_at is null then
      raise exception using errcode = '22023', message = 'expires_at is required for an issued token';
    end if;
    select * into v_sealed from sfp._seal(v_integration.id, v_integration.current_version, 'issued:' || v_integration.auth_type,
                                          complete_token_issue.token, v_keyring);
    update sfp.issued_tokens t
    set credential_version = v_integration.current_version, key_version = v_sealed.key_version, iv = v_sealed.iv,
        ciphertext = v_sealed.ciphertext, mac = v_sealed.mac, expires_at = complete_token_issue.expires_at, issued_at = now()
    where t.integration_id = v_integration.id;
    perform sfp._audit(v_actor, 'credentials.issue', 'succeeded', complete_token_issue.context,
      integration_ids => array[v_integration.id], provider => v_integration.provider,
      details => jsonb_build_object('auth_type', v_integration.auth_type, 'expires_at', complete_token_issue.expires_at));
  else
    perform sfp._check_credentials(complete_token_issue.token);
    v_integration := sfp._next_version(v_integration, v_integration.auth_type, complete_token_issue.token, v_keyring,
                                       complete_token_issue.versions_kept);
    perform sfp._audit(v_actor, 'integration.refresh', 'succeeded', complete_token_issue.context,
      integration_ids => array[v_integration.id], provider => v_integration.provider,
      details => jsonb_build_object('version', v_integration.current_version,
                                    'expires_at', complete_token_issue.token -> 'expires_at'));
  end if;
  return 'stored';
end;
$$;
revoke all on function sfp_api.complete_token_issue(uuid, uuid, jsonb, timestamptz, integer, jsonb, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.complete_token_issue(uuid, uuid, jsonb, timestamptz, integer, jsonb, jsonb) to service_role;

/**
 * Records that the service did not issue a token under a lease: releases the lease and audits
 * `message` (the service's own words, which the caller has stripped of anything it sent;
 * cut to 300 characters). With `refused`, the grant was refused for good (a revoked refresh
 * token): reads of this credential version answer that it needs re-authorization until an
 * owner stores new credentials. Returns 'recorded' or 'lease_lost'.
 * Callers: the service, for the actor in `context`. Errors: none of its own.
 */
create function sfp_api.fail_token_issue(
  integration_id uuid,
  lease_id uuid,
  message text,
  refused boolean default false,
  context jsonb default '{}'
) returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._authenticate(fail_token_issue.context);
  v_lease_version integer;
  v_integration sfp.integrations;
  v_message text := left(fail_token_issue.message, 300);
begin
  -- The integration first, then its token row: the order delete_integration locks them in.
  select * into v_integration from sfp.integrations i where i.id = fail_token_issue.integration_id for update;
  v_lease_version := sfp._held_lease_version(fail_token_issue.integration_id, fail_token_issue.lease_id);
  if v_integration.id is null or v_lease_version is null then
    return 'lease_lost';
  end if;
  update sfp.issued_tokens t
  set lease_id = null, lease_version = null, lease_until = null,
      refused_version = case when fail_token_issue.refused then v_lease_version else t.refused_version end,
      refused_message = case when fail_token_issue.refused then v_message else t.refused_message end
  where t.integration_id = fail_token_issue.integration_id;
  perform sfp._audit(v_actor, 'credentials.issue', 'error', fail_token_issue.context,
    integration_ids => array[fail_token_issue.integration_id], provider => v_integration.provider,
    message => v_message,
    details => jsonb_build_object('auth_type', v_integration.auth_type, 'refused', coalesce(fail_token_issue.refused, false)));
  return 'recorded';
end;
$$;
revoke all on function sfp_api.fail_token_issue(uuid, uuid, text, boolean, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.fail_token_issue(uuid, uuid, text, boolean, jsonb) to service_role;

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
