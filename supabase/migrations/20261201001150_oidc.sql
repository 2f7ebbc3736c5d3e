-- OIDC workload identity: a pipeline (GitHub Actions, GitLab CI, ...) exchanges the signed
-- OIDC token its job is given for a short-lived access token that reads exactly what a trust
-- policy grants, with no secret stored in CI (docs/oidc.md).
--
-- The Edge Function (functions/oidc) verifies the token itself: a trusted issuer
-- (SFP_OIDC_ISSUERS), its signature with the issuer's published keys (RS256 or ES256), `exp`
-- (required, at most 1 hour ahead), `iat` and `nbf` (60 s of skew), a `jti`. What it sends
-- here are the verified claims a policy can match on; this migration holds everything else:
--   sfp.oidc_policies (+ oidc_policy_projects)  the trust policies owners manage
--   sfp.oidc_used_tokens                        each (issuer, jti) exchanged, until it expires:
--                                               replay is refused across processes
--   sfp.oidc_sessions                           the access tokens (lookup id + SHA-256, never the
--                                               token), with only the recorded claims
-- and the rules: which policy matches (sfp._oidc_policy_failure, the first failing check), the
-- exchange, explain, and the actor an access token resolves to (kind 'oidc', role
-- 'application', the policy's projects and providers as its scope: it reads credentials like
-- a scoped application token).
--
-- Nothing of the OIDC token itself is stored: only the claims of sfp._oidc_recorded_claims
-- (in the sessions and the audit rows) and its jti (until it expires).
--
-- Order: after projects, integrations, application tokens (the scope helpers), the
-- authentication (sfp._authenticate calls sfp._authenticate_oidc) and credential reads; before
-- the audit migration, which hands schema sfp to sfp_audit_owner. It replaces three functions
-- of earlier migrations so that an 'oidc' actor is scoped like an application token:
-- sfp._token_scope_refusal and sfp._token_allows (application tokens migration) and
-- sfp_api.get_me (members migration); and adds a trigger on sfp.audit_log that records, on
-- every row an OIDC access token causes, its job's recorded claims.

create table sfp.oidc_policies (
  id uuid primary key default gen_random_uuid(),
  name text not null constraint oidc_policies_name_is_unique unique
    constraint name_is_valid check (length(name) between 1 and 100 and name !~ '[[:cntrl:]]'),
  issuer text not null constraint issuer_is_url check (issuer ~ '^https?://[^[:space:]]+$' and length(issuer) <= 255),
  audience text not null constraint audience_is_valid check (length(audience) between 1 and 255 and audience !~ '[[:cntrl:]]'),
  -- {claim: exact value or glob}; checked by sfp._check_oidc_claims.
  claims jsonb not null constraint claims_is_object check (jsonb_typeof(claims) = 'object'),
  subject text constraint subject_is_short check (length(subject) <= 500),
  -- Events beyond sfp._oidc_default_events that this policy admits.
  allow_events text[] not null default '{}',
  providers text[]
    constraint providers_are_not_empty check (providers is null or (cardinality(providers) > 0 and array_position(providers, null) is null)),
  created_by uuid references auth.users (id) on delete set null,
  created_by_service boolean not null,
  created_at timestamptz not null default now()
);
comment on table sfp.oidc_policies is 'OIDC trust policies: which pipelines may exchange their OIDC token, for which projects and providers.';
alter table sfp.oidc_policies enable row level security;

create table sfp.oidc_policy_projects (
  policy_id uuid not null references sfp.oidc_policies (id) on delete cascade,
  project_id uuid not null references sfp.projects (id) on delete cascade,
  primary key (policy_id, project_id)
);
comment on table sfp.oidc_policy_projects is 'The projects an OIDC trust policy grants reading the credentials of.';
alter table sfp.oidc_policy_projects enable row level security;
create index oidc_policy_projects_project_idx on sfp.oidc_policy_projects (project_id);

create table sfp.oidc_used_tokens (
  issuer text not null,
  jti text not null,
  -- The token's own exp: the row is kept until then (and the skew), then pruned.
  expires_at timestamptz not null,
  constraint oidc_used_tokens_pkey primary key (issuer, jti)
);
comment on table sfp.oidc_used_tokens is 'The (issuer, jti) of every OIDC token exchanged, until it expires: each is accepted once.';
alter table sfp.oidc_used_tokens enable row level security;
create index oidc_used_tokens_expires_at_idx on sfp.oidc_used_tokens (expires_at);

create table sfp.oidc_sessions (
  id uuid primary key default gen_random_uuid(),
  lookup_id text not null constraint oidc_sessions_lookup_id_is_unique unique,
  secret_hash bytea not null constraint secret_hash_is_sha256 check (octet_length(secret_hash) = 32),
  -- Deleting the policy ends its sessions.
  policy_id uuid not null references sfp.oidc_policies (id) on delete cascade,
  policy_name text not null,
  -- Only sfp._oidc_recorded_claims of the job's token.
  claims jsonb not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
comment on table sfp.oidc_sessions is 'Access tokens exchanged for OIDC tokens: a lookup id and the SHA-256 of the token, never the token.';
alter table sfp.oidc_sessions enable row level security;
create index oidc_sessions_expires_at_idx on sfp.oidc_sessions (expires_at);
create index oidc_sessions_policy_idx on sfp.oidc_sessions (policy_id);

/**
 * The claims a policy may match on (`claims` keys): GitHub Actions' and GitLab CI's. Callers:
 * sfp._check_oidc_claims. The Edge Function sends these (when present) and nothing else.
 */
create function sfp._oidc_matchable_claims() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['repository', 'repository_id', 'repository_owner', 'repository_owner_id', 'repository_visibility',
               'ref', 'ref_type', 'ref_protected', 'environment', 'workflow', 'workflow_ref', 'job_workflow_ref',
               'event_name', 'actor', 'actor_id', 'head_ref', 'base_ref', 'runner_environment',
               'project_path', 'project_id', 'namespace_path', 'namespace_id', 'pipeline_source',
               'ci_config_ref_uri', 'user_login']
$$;

/**
 * The claims whose value may be a glob (`*`: any run of characters other than `/` and `@`);
 * the others, identities above all, match exactly. Callers: sfp._check_oidc_claims.
 */
create function sfp._oidc_glob_claims() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['ref', 'head_ref', 'base_ref', 'environment', 'workflow', 'workflow_ref', 'job_workflow_ref',
               'ci_config_ref_uri']
$$;

/**
 * The claims that pin the repository by its immutable id: a policy must give one (any
 * repository on GitHub can ask for a token with any audience, so the audience alone proves
 * nothing; a name can be renamed and re-registered by someone else, an id never; an
 * owner- or namespace-wide policy is not offered). GitHub's repository_id, GitLab's project_id.
 */
create function sfp._oidc_identity_claims() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['repository_id', 'project_id']
$$;

/**
 * The events a token may come from without the policy listing them in allowEvents (an
 * allow-list): GitHub's `event_name` and GitLab's `pipeline_source` values that only people
 * with write access to the repository can start. Every other event is refused by default:
 * pull_request_target, workflow_run, issue_comment, issues, discussion(_comment),
 * pull_request_review(_comment) and the like run with the base repository's rights on behalf
 * of anyone (or of code a fork controls), a fork's pull_request cannot be told from a
 * branch's by its claims, and GitLab's merge_request_event / external_pull_request_event may
 * run a fork's merge request in the parent project.
 */
create function sfp._oidc_default_events() returns text[]
language sql immutable
set search_path = ''
as $$
  select array[
    -- GitHub Actions (event_name)
    'push', 'workflow_dispatch', 'schedule', 'release', 'merge_group', 'deployment', 'repository_dispatch',
    -- GitLab CI (pipeline_source)
    'web', 'api', 'trigger', 'pipeline', 'parent_pipeline']
$$;

/**
 * What is stored of a job's claims (sessions, audit rows): who the job is and what ran, never
 * anything else of its token.
 */
create function sfp._oidc_recorded_claims(claims jsonb) returns jsonb
language sql immutable
set search_path = ''
as $$
  select coalesce(jsonb_object_agg(k, left(_oidc_recorded_claims.claims ->> k, 255)), '{}'::jsonb)
  from unnest(array['iss', 'sub', 'repository', 'repository_id', 'repository_owner_id', 'ref', 'workflow_ref',
                    'job_workflow_ref', 'run_id', 'run_attempt', 'event_name', 'environment', 'actor',
                    'project_path', 'project_id', 'pipeline_id', 'pipeline_source', 'user_login']) as k
  where jsonb_typeof(_oidc_recorded_claims.claims -> k) in ('string', 'number', 'boolean')
$$;

/**
 * Whether `value` matches `pattern` as a whole, where `*` stands for any run of characters
 * other than `/` and `@` (so a workflow_ref glob ending `workflows/` `*` `@refs/heads/main` cannot
 * match `.../ci.yml@refs/heads/x@refs/heads/main`: git allows `@` in a branch name) and everything
 * else is literal (the regular expression's metacharacters escaped). Null when either is null.
 */
create function sfp._oidc_glob_matches(value text, pattern text) returns boolean
language sql immutable
set search_path = ''
as $$
  select _oidc_glob_matches.value ~ ('^' || (
    select string_agg(regexp_replace(t.part, '([]\\.^$*+?(){}|[])', '\\\1', 'g'), '[^/@]*' order by t.n)
    from unnest(string_to_array(_oidc_glob_matches.pattern, '*')) with ordinality as t(part, n)) || '$')
$$;

/**
 * Whether an audience is one an issuer hands out by default or that other relying parties
 * share, which a policy must not accept: GitHub's default (the owner's URL,
 * https://github.com/<owner>), the issuer's own URL, GitLab's, AWS's and Azure's.
 */
create function sfp._is_shared_oidc_audience(audience text, issuer text) returns boolean
language sql immutable
set search_path = ''
as $$
  select _is_shared_oidc_audience.audience ~* '^https?://(www\.)?(github|gitlab)\.com(/|$)'
      or rtrim(_is_shared_oidc_audience.audience, '/') = rtrim(_is_shared_oidc_audience.issuer, '/')
      or _is_shared_oidc_audience.audience in ('sts.amazonaws.com', 'api://AzureADTokenExchange')
$$;

/**
 * Checks a policy's `claims`: an object of matchable claims (sfp._oidc_matchable_claims) to
 * non-empty strings of at most 255 characters, `*` only in the glob claims (and in
 * workflow_ref, job_workflow_ref and ci_config_ref_uri not in the repository part, before
 * the first `/.github/` or `//`: a glob there would admit another repository's workflow), the
 * repository pinned by its id (sfp._oidc_identity_claims). Errors (22023) with the field named.
 */
create function sfp._check_oidc_claims(claims jsonb) returns void
language plpgsql immutable
set search_path = ''
as $$
declare
  v_key text;
  v_value jsonb;
begin
  if _check_oidc_claims.claims is null or jsonb_typeof(_check_oidc_claims.claims) <> 'object' then
    raise exception using errcode = '22023', message = 'claims must be an object of claim names to values';
  end if;
  for v_key, v_value in select * from jsonb_each(_check_oidc_claims.claims) order by 1 loop
    if not v_key = any (sfp._oidc_matchable_claims()) then
      raise exception using errcode = '22023',
        message = format('claims.%s is not a claim a policy can match; use one of: %s', left(v_key, 64),
                         array_to_string(sfp._oidc_matchable_claims(), ', '));
    end if;
    if jsonb_typeof(v_value) <> 'string' or length(v_value #>> '{}') not between 1 and 255
       or (v_value #>> '{}') ~ '[[:cntrl:]]' then
      raise exception using errcode = '22023',
        message = format('claims.%s must be a string of 1 to 255 characters', v_key);
    end if;
    if (v_value #>> '{}') like '%*%' and not v_key = any (sfp._oidc_glob_claims()) then
      raise exception using errcode = '22023',
        message = format('claims.%s must be exact: * is allowed only in %s', v_key,
                         array_to_string(sfp._oidc_glob_claims(), ', '));
    end if;
    if (v_value #>> '{}') like '%*%' and (
         v_key in ('workflow_ref', 'job_workflow_ref')
           and split_part(v_value #>> '{}', '/.github/', 1) like '%*%'
         or v_key = 'ci_config_ref_uri' and split_part(v_value #>> '{}', '//', 1) like '%*%') then
      raise exception using errcode = '22023',
        message = format('claims.%s: * is not allowed in the repository part (before %s)', v_key,
                         case when v_key = 'ci_config_ref_uri' then '//' else '/.github/' end);
    end if;
  end loop;
  if not _check_oidc_claims.claims ?| sfp._oidc_identity_claims() then
    raise exception using errcode = '22023',
      message = 'claims must pin the repository by its id: give repository_id (GitHub) or project_id (GitLab), '
                || 'with repository or project_path too if you like (a name can be re-registered, an id never)';
  end if;
end;
$$;

/**
 * Checks a policy's `subject`: null, or a GitHub subject, name-based
 * (repo:acme/core:ref:refs/heads/main) or with immutable ids
 * (repo:acme@123/core@456:ref:refs/heads/main), or a GitLab one
 * (project_path:acme/core:ref_type:branch:ref:main); `*` only after the repository part.
 */
create function sfp._check_oidc_subject(subject text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if _check_oidc_subject.subject is null then
    return;
  end if;
  if _check_oidc_subject.subject !~ '^repo:[A-Za-z0-9_.-]+(@[0-9]+)?/[A-Za-z0-9_.-]+(@[0-9]+)?:[^[:cntrl:]]+$'
     and _check_oidc_subject.subject !~ '^project_path:[A-Za-z0-9_./-]+:[^[:cntrl:]]+$'
     or length(_check_oidc_subject.subject) > 500 then
    raise exception using errcode = '22023',
      message = 'subject must be a GitHub subject (repo:owner/repo:..., or repo:owner@id/repo@id:...) or a GitLab one (project_path:group/project:...), the repository without *';
  end if;
end;
$$;

/**
 * A policy as the API shows it: its projects by identifier (sorted; empty once every one was
 * deleted) and its providers (null: not limited).
 */
create function sfp._oidc_policy_json(p sfp.oidc_policies) returns jsonb
language plpgsql stable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: planned once per session, not on every call (docs/performance.md).
  return jsonb_build_object(
    'id', (_oidc_policy_json.p).id,
    'name', (_oidc_policy_json.p).name,
    'issuer', (_oidc_policy_json.p).issuer,
    'audience', (_oidc_policy_json.p).audience,
    'claims', (_oidc_policy_json.p).claims,
    'subject', (_oidc_policy_json.p).subject,
    'allowEvents', to_jsonb((_oidc_policy_json.p).allow_events),
    'projects', coalesce((
      select jsonb_agg(pr.identifier order by pr.identifier)
      from sfp.oidc_policy_projects pp join sfp.projects pr on pr.id = pp.project_id
      where pp.policy_id = (_oidc_policy_json.p).id), '[]'::jsonb),
    'providers', to_jsonb((_oidc_policy_json.p).providers),
    'created_by', (_oidc_policy_json.p).created_by,
    'created_at', (_oidc_policy_json.p).created_at
  );
end;
$$;

/**
 * Why a policy does not match a job's verified claims, or null when it matches: the first
 * failing check, in this order, as {check, message, reason}: `message` for an owner (explain:
 * what the token says, what the policy requires), `reason` for the pipeline (what failed, not
 * what the policy requires).
 *   issuer    iss is not the policy's issuer
 *   audience  aud does not hold the policy's audience (a shared default audience said so)
 *   claims    a claim of the policy is missing or differs (claims in name order)
 *   subject   sub does not match the policy's subject
 *   event     event_name (GitHub) or pipeline_source (GitLab) is not one of
 *             sfp._oidc_default_events nor in the policy's allowEvents
 *   owner     the owner who created the policy is no longer an owner (or was deleted; a
 *             policy the service created has no owner to lose), as for application tokens
 * `claims` as the Edge Function sends them: iss, aud (an array), sub, and the matchable claims.
 */
create function sfp._oidc_policy_failure(p sfp.oidc_policies, claims jsonb) returns jsonb
language plpgsql stable
set search_path = ''
as $$
declare
  v_claims jsonb := _oidc_policy_failure.claims;
  v_aud text[] := array(select jsonb_array_elements_text(case when jsonb_typeof(v_claims -> 'aud') = 'array'
                                                               then v_claims -> 'aud' else '[]' end));
  v_shown_aud text := array_to_string(v_aud, ', ');
  v_key text;
  v_expected text;
  v_value text;
  v_event text := coalesce(v_claims ->> 'event_name', v_claims ->> 'pipeline_source');
begin
  if (v_claims ->> 'iss') is distinct from (_oidc_policy_failure.p).issuer then
    return jsonb_build_object('check', 'issuer',
      'message', coalesce('issuer is ''' || (v_claims ->> 'iss') || '''', 'the token names no issuer')
                 || format(', the policy trusts ''%s''', (_oidc_policy_failure.p).issuer),
      'reason', format('no trust policy for issuer ''%s''', v_claims ->> 'iss'));
  end if;
  if not (_oidc_policy_failure.p).audience = any (v_aud) then
    if exists (select 1 from unnest(v_aud) a where sfp._is_shared_oidc_audience(a, v_claims ->> 'iss')) then
      return jsonb_build_object('check', 'audience',
        'message', format('audience ''%s'' is the issuer''s default audience; the policy requires ''%s''',
                          v_shown_aud, (_oidc_policy_failure.p).audience),
        'reason', format('audience ''%s'' is the issuer''s default audience: request the token for this server''s audience',
                         v_shown_aud));
    end if;
    return jsonb_build_object('check', 'audience',
      'message', format('audience is ''%s'', the policy requires ''%s''', v_shown_aud, (_oidc_policy_failure.p).audience),
      'reason', format('audience ''%s'' is not accepted', v_shown_aud));
  end if;
  for v_key, v_expected in select key, value from jsonb_each_text((_oidc_policy_failure.p).claims) order by key loop
    v_value := v_claims ->> v_key;
    if v_value is null then
      return jsonb_build_object('check', 'claims',
        'message', format('claim ''%s'' is missing, the policy requires ''%s''', v_key, v_expected),
        'reason', format('claim ''%s'' does not match', v_key));
    end if;
    if not (case when v_key = any (sfp._oidc_glob_claims()) then sfp._oidc_glob_matches(v_value, v_expected)
                 else v_value = v_expected end) then
      return jsonb_build_object('check', 'claims',
        'message', format('claim ''%s'' is ''%s'', the policy requires ''%s''', v_key, left(v_value, 255), v_expected),
        'reason', format('claim ''%s'' does not match', v_key));
    end if;
  end loop;
  if (_oidc_policy_failure.p).subject is not null
     and not coalesce(sfp._oidc_glob_matches(v_claims ->> 'sub', (_oidc_policy_failure.p).subject), false) then
    return jsonb_build_object('check', 'subject',
      'message', format('subject is ''%s'', the policy requires ''%s''', left(v_claims ->> 'sub', 255),
                        (_oidc_policy_failure.p).subject),
      'reason', 'subject does not match');
  end if;
  if v_event is not null and not v_event = any (sfp._oidc_default_events())
     and not v_event = any ((_oidc_policy_failure.p).allow_events) then
    return jsonb_build_object('check', 'event',
      'message', format('event ''%s'' is refused unless the policy lists it in allowEvents', left(v_event, 64)),
      'reason', format('event ''%s'' is refused unless a policy lists it in allowEvents', left(v_event, 64)));
  end if;
  if not sfp._creator_is_owner((_oidc_policy_failure.p).created_by_service, (_oidc_policy_failure.p).created_by) then
    return jsonb_build_object('check', 'owner',
      'message', 'the owner who created the policy is no longer an owner: it grants nothing (create it again)',
      'reason', 'the trust policy is no longer valid: the owner who created it is no longer an owner');
  end if;
  return null;
end;
$$;

/**
 * Every policy's verdict on a job's claims, in name order: [{policy, failure}] with failure
 * null when it matches. Callers: sfp_api.exchange_oidc_token, sfp_api.explain_oidc_token.
 */
create function sfp._oidc_verdicts(claims jsonb) returns table (policy sfp.oidc_policies, failure jsonb)
language sql stable
set search_path = ''
as $$
  select p, sfp._oidc_policy_failure(p, _oidc_verdicts.claims)
  from sfp.oidc_policies p
  order by p.name
$$;

/**
 * The order of the checks of sfp._oidc_policy_failure: a refusal names the failure of the
 * policy that came closest.
 */
create function sfp._oidc_check_rank(check_name text) returns integer
language sql immutable
set search_path = ''
as $$
  select array_position(array['issuer', 'audience', 'claims', 'subject', 'event', 'owner'], _oidc_check_rank.check_name)
$$;

/**
 * Resolves an OIDC access token from {lookup_id, token_hash (hex SHA-256 of the token)}, as
 * sfp._authenticate_application does an application token: refused (anonymous, in the
 * returned actor) when unknown or expired (a deleted policy took its sessions with it), and
 * when the owner who created its policy is no longer an owner (or no longer exists), as an
 * application token is. The actor: kind 'oidc', role 'application', token_id the session, token_name the policy's name,
 * scoped to the policy's projects (as they are now: a deleted project leaves the scope) and
 * providers. Callers: sfp._authenticate. Cost: two index lookups.
 */
create function sfp._authenticate_oidc(oidc jsonb) returns sfp.actor
language plpgsql volatile
set search_path = ''
as $$
declare
  v_lookup_id text := _authenticate_oidc.oidc ->> 'lookup_id';
  v_hash text := _authenticate_oidc.oidc ->> 'token_hash';
  v_session sfp.oidc_sessions;
  v_policy sfp.oidc_policies;
  v_project_ids uuid[];
begin
  if v_lookup_id is null or v_hash is null or v_hash !~ '^[0-9a-f]{64}$' then
    return sfp._refused('Invalid OIDC access token');
  end if;
  select * into v_session from sfp.oidc_sessions s where s.lookup_id = v_lookup_id;
  if v_session.id is null or not sfp._digests_equal(v_session.secret_hash, decode(v_hash, 'hex')) then
    return sfp._refused('Invalid OIDC access token');
  end if;
  if v_session.expires_at <= now() then
    -- Refused, named (actor type 'oidc', the session, the policy's name), as an expired
    -- application token is.
    return row('oidc', null, null, null, v_session.id, v_session.policy_name,
               'OIDC access token expired: exchange a new OIDC token', null, null)::sfp.actor;
  end if;
  select * into v_policy from sfp.oidc_policies p where p.id = v_session.policy_id;
  if not sfp._creator_is_owner(v_policy.created_by_service, v_policy.created_by) then
    return row('oidc', null, null, null, v_session.id, v_session.policy_name,
               'OIDC access token no longer valid: the owner who created its policy is no longer an owner',
               null, null)::sfp.actor;
  end if;
  select coalesce(array_agg(pp.project_id order by pp.project_id), '{}') into v_project_ids
  from sfp.oidc_policy_projects pp where pp.policy_id = v_session.policy_id;
  return row('oidc', null, null, 'application', v_session.id, v_session.policy_name, null,
             v_project_ids, v_policy.providers)::sfp.actor;
end;
$$;

/**
 * Records, on every audit row an OIDC access token causes (actor_type 'oidc'), the recorded
 * claims of the job it was exchanged for, in details.oidc: which job read a credential.
 * Runs before the row is hashed (trigger names sort: ..._oidc_claims before ..._rows_are_hashed).
 */
create function sfp._audit_oidc_claims() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.details := coalesce(new.details, '{}') || jsonb_build_object('oidc',
    (select s.claims from sfp.oidc_sessions s where s.id = new.actor_token_id));
  return new;
end;
$$;

create trigger audit_log_oidc_claims
  before insert on sfp.audit_log
  for each row when (new.actor_type = 'oidc')
  execute function sfp._audit_oidc_claims();

/**
 * Creates a trust policy. `issuer`: the Edge Function checks it is a trusted issuer
 * (SFP_OIDC_ISSUERS); `audience`: required, not a shared default (sfp._is_shared_oidc_audience);
 * `claims`: sfp._check_oidc_claims; `subject`: sfp._check_oidc_subject; `allow_events`: event
 * names admitted beyond sfp._oidc_default_events (lower case, at most 10); `projects`: required, registered identifiers;
 * `providers`: null for every provider. Callers: owners, the service.
 * Errors: SF401, 42501, 22023 (the field named), 23505 "OIDC policy 'x' already exists". Audited.
 */
create function sfp_api.create_oidc_policy(
  name text,
  issuer text,
  audience text,
  claims jsonb,
  projects text[],
  subject text default null,
  allow_events text[] default null,
  providers text[] default null,
  context jsonb default '{}'
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(create_oidc_policy.context);
  v_project_ids uuid[];
  v_providers text[];
  v_events text[] := coalesce(create_oidc_policy.allow_events, '{}');
  v_row sfp.oidc_policies;
begin
  perform sfp._require_role(v_actor, 'owner');
  if coalesce(btrim(create_oidc_policy.name), '') = '' then
    raise exception using errcode = '22023', message = 'name is required';
  end if;
  if length(create_oidc_policy.name) > 100 or create_oidc_policy.name ~ '[[:cntrl:]]' then
    raise exception using errcode = '22023', message = 'name must be at most 100 characters, without control characters';
  end if;
  if create_oidc_policy.issuer is null or create_oidc_policy.issuer !~ '^https?://[^[:space:]]+$'
     or length(create_oidc_policy.issuer) > 255 then
    raise exception using errcode = '22023', message = 'issuer must be the issuer''s URL';
  end if;
  if coalesce(create_oidc_policy.audience, '') = '' or length(create_oidc_policy.audience) > 255
     or create_oidc_policy.audience ~ '[[:cntrl:]]' then
    raise exception using errcode = '22023', message = 'audience is required: a value specific to this server, e.g. its URL';
  end if;
  if sfp._is_shared_oidc_audience(create_oidc_policy.audience, create_oidc_policy.issuer) then
    raise exception using errcode = '22023',
      message = format('audience ''%s'' is a default or shared audience: use one specific to this server, e.g. its URL',
                       create_oidc_policy.audience);
  end if;
  perform sfp._check_oidc_claims(create_oidc_policy.claims);
  perform sfp._check_oidc_subject(create_oidc_policy.subject);
  if array_position(v_events, null) is not null or cardinality(v_events) > 10
     or exists (select 1 from unnest(v_events) e where e !~ '^[a-z][a-z_]{0,63}$') then
    raise exception using errcode = '22023',
      message = 'allowEvents must list at most 10 event names (lower case, e.g. pull_request)';
  end if;
  if v_events && sfp._oidc_default_events() then
    raise exception using errcode = '22023',
      message = format('allowEvents lists only events refused by default; these are admitted anyway: %s',
                       array_to_string(sfp._oidc_default_events(), ', '));
  end if;
  if create_oidc_policy.projects is null or cardinality(create_oidc_policy.projects) = 0 then
    raise exception using errcode = '22023',
      message = 'projects is required: list the projects whose credentials the policy grants';
  end if;
  v_project_ids := sfp._token_scope_project_ids(create_oidc_policy.projects);
  v_providers := sfp._token_scope_providers(create_oidc_policy.providers);

  begin
    insert into sfp.oidc_policies (name, issuer, audience, claims, subject, allow_events, providers,
                                   created_by, created_by_service)
    values (create_oidc_policy.name, create_oidc_policy.issuer, create_oidc_policy.audience, create_oidc_policy.claims,
            create_oidc_policy.subject, (select coalesce(array_agg(distinct e order by e), '{}') from unnest(v_events) e),
            v_providers, v_actor.user_id, v_actor.kind = 'service')
    returning * into v_row;
  exception when unique_violation then
    raise exception using errcode = '23505', message = format('OIDC policy ''%s'' already exists', create_oidc_policy.name);
  end;
  insert into sfp.oidc_policy_projects (policy_id, project_id)
  select v_row.id, x from unnest(v_project_ids) as x;

  perform sfp._audit(v_actor, 'oidc_policy.create', 'succeeded', create_oidc_policy.context,
    details => sfp._oidc_policy_json(v_row));
  return sfp._oidc_policy_json(v_row);
end;
$$;
revoke all on function sfp_api.create_oidc_policy(text, text, text, jsonb, text[], text, text[], text[], jsonb) from public, anon, authenticated;
grant execute on function sfp_api.create_oidc_policy(text, text, text, jsonb, text[], text, text[], text[], jsonb) to service_role;

/**
 * Every trust policy, in name order. Callers: owners, the service. Errors: SF401, 42501.
 */
create function sfp_api.list_oidc_policies(context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(list_oidc_policies.context);
begin
  perform sfp._require_role(v_actor, 'owner');
  return coalesce((select jsonb_agg(sfp._oidc_policy_json(p) order by p.name) from sfp.oidc_policies p), '[]'::jsonb);
end;
$$;
revoke all on function sfp_api.list_oidc_policies(jsonb) from public, anon, authenticated;
grant execute on function sfp_api.list_oidc_policies(jsonb) to service_role;

/**
 * Deletes a trust policy and ends the access tokens it granted. Callers: owners, the service.
 * Errors: SF401, 42501, SF404 "OIDC policy 'id' not found". Audited.
 */
create function sfp_api.delete_oidc_policy(id uuid, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(delete_oidc_policy.context);
  v_row sfp.oidc_policies;
  v_json jsonb;
begin
  perform sfp._require_role(v_actor, 'owner');
  select * into v_row from sfp.oidc_policies p where p.id = delete_oidc_policy.id for update;
  if v_row.id is null then
    raise exception using errcode = 'SF404', message = format('OIDC policy ''%s'' not found', delete_oidc_policy.id);
  end if;
  v_json := sfp._oidc_policy_json(v_row);
  delete from sfp.oidc_policies p where p.id = v_row.id;
  perform sfp._audit(v_actor, 'oidc_policy.delete', 'succeeded', delete_oidc_policy.context, details => v_json);
  return v_json;
end;
$$;
revoke all on function sfp_api.delete_oidc_policy(uuid, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.delete_oidc_policy(uuid, jsonb) to service_role;

/**
 * Exchanges a job's OIDC token, already verified by the Edge Function (issuer trusted,
 * signature, exp at most 1 hour ahead, iat/nbf, a jti), for an access token. `claims`: iss,
 * aud (an array), sub, jti, exp (seconds since the epoch) and the matchable claims present.
 * The first policy in name order that matches grants it; its (issuer, jti) is recorded, and a
 * second exchange of the same token is refused. The access token (`sfp_oidc_` and 64
 * URL-safe characters) is made by the Edge Function and never reaches the database: it sends
 * `lookup_id` (the 16 characters after `sfp_oidc_`) and `token_hash` (the hex SHA-256 of the
 * token), which are stored with the recorded claims; so no statement here, logged with its
 * parameters or variables (pgaudit), carries a usable token. The access token lives at most
 * 15 minutes and never past the OIDC token's exp. Returns outcomes instead of raising (so a
 * refusal's audit row commits):
 *   {"outcome": "granted", "token_type": "bearer", "expires_in", "expires_at", "policy",
 *    "projects", "providers"}
 *   {"outcome": "denied", "message": "..."}   no policy matches (the check of the closest), or replayed
 * Callers: service_role (the route takes no authentication: the OIDC token is the proof).
 * Errors: 22023 for claims that are not an object or lack iss, jti or exp, or a malformed
 * lookup_id / token_hash. Audited ('oidc.exchange', succeeded or denied, with the recorded
 * claims). Prunes expired jti and sessions.
 */
create function sfp_api.exchange_oidc_token(claims jsonb, lookup_id text, token_hash text, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_claims jsonb := exchange_oidc_token.claims;
  v_recorded jsonb;
  v_exp timestamptz;
  v_policy sfp.oidc_policies;
  v_closest jsonb;
  v_message text;
  v_session sfp.oidc_sessions;
  v_project_ids uuid[];
  v_projects jsonb;
  v_actor sfp.actor;
begin
  if v_claims is null or jsonb_typeof(v_claims) <> 'object' or v_claims ->> 'iss' is null
     or v_claims ->> 'jti' is null or jsonb_typeof(v_claims -> 'exp') is distinct from 'number' then
    raise exception using errcode = '22023', message = 'claims must be an object with iss, jti and exp';
  end if;
  if exchange_oidc_token.lookup_id is null or exchange_oidc_token.lookup_id !~ '^[A-Za-z0-9_-]{16}$'
     or exchange_oidc_token.token_hash is null or exchange_oidc_token.token_hash !~ '^[0-9a-f]{64}$' then
    raise exception using errcode = '22023', message = 'lookup_id and token_hash (hex SHA-256) are required';
  end if;
  v_recorded := sfp._oidc_recorded_claims(v_claims);
  v_exp := to_timestamp((v_claims ->> 'exp')::double precision);

  -- Expired: the jti (kept past exp by the skew) and sessions a day after they ended.
  delete from sfp.oidc_used_tokens u where u.expires_at < now() - interval '2 minutes';
  delete from sfp.oidc_sessions s where s.expires_at < now() - interval '1 day';

  select (v.policy).* into v_policy
  from sfp._oidc_verdicts(v_claims) v
  where v.failure is null
  order by (v.policy).name
  limit 1;
  if v_policy.id is null then
    select v.failure into v_closest from sfp._oidc_verdicts(v_claims) v
    order by sfp._oidc_check_rank(v.failure ->> 'check') desc, (v.policy).name limit 1;
    v_message := 'No trust policy matches this token: '
      || coalesce(v_closest ->> 'reason', format('no trust policy for issuer ''%s''', left(v_claims ->> 'iss', 255)));
  else
    insert into sfp.oidc_used_tokens (issuer, jti, expires_at)
    values (v_claims ->> 'iss', left(v_claims ->> 'jti', 255), v_exp)
    on conflict on constraint oidc_used_tokens_pkey do nothing;
    if not found then
      v_message := 'Invalid OIDC token: already used (each token is exchanged once)';
    end if;
  end if;
  if v_message is not null then
    perform sfp._audit(sfp._refused(null), 'oidc.exchange', 'denied', exchange_oidc_token.context,
      message => left(v_message, 200),
      details => jsonb_build_object('claims', v_recorded, 'verified', true, 'policy', v_policy.name));
    return jsonb_build_object('outcome', 'denied', 'message', v_message);
  end if;

  begin
    insert into sfp.oidc_sessions (lookup_id, secret_hash, policy_id, policy_name, claims, expires_at)
    values (exchange_oidc_token.lookup_id, decode(exchange_oidc_token.token_hash, 'hex'), v_policy.id, v_policy.name,
            v_recorded, least(now() + interval '15 minutes', v_exp))
    returning * into v_session;
  exception when unique_violation then
    -- 96 random bits of lookup id colliding: not by chance.
    raise exception using errcode = '22023', message = 'lookup_id is already in use';
  end;

  select coalesce(array_agg(pp.project_id order by pp.project_id), '{}') into v_project_ids
  from sfp.oidc_policy_projects pp where pp.policy_id = v_policy.id;
  v_projects := coalesce((select jsonb_agg(p.identifier order by p.identifier)
                          from sfp.projects p where p.id = any (v_project_ids)), '[]'::jsonb);
  v_actor := row('oidc', null, null, 'application', v_session.id, v_policy.name, null, v_project_ids,
                 v_policy.providers)::sfp.actor;
  perform sfp._audit(v_actor, 'oidc.exchange', 'succeeded', exchange_oidc_token.context,
    details => jsonb_build_object('policy', v_policy.name, 'projects', v_projects,
                                  'providers', to_jsonb(v_policy.providers), 'expires_at', v_session.expires_at));
  return jsonb_build_object(
    'outcome', 'granted',
    'token_type', 'bearer',
    'expires_in', greatest(0, floor(extract(epoch from v_session.expires_at - now())))::integer,
    'expires_at', v_session.expires_at,
    'policy', v_policy.name,
    'projects', v_projects,
    'providers', to_jsonb(v_policy.providers));
end;
$$;
revoke all on function sfp_api.exchange_oidc_token(jsonb, text, text, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.exchange_oidc_token(jsonb, text, text, jsonb) to service_role;

/**
 * Audits an exchange the Edge Function refused before any policy was asked (the token is not
 * a JWT, its algorithm, issuer, signature, times or jti): 'oidc.exchange' denied with the
 * message (at most 200 characters) and the recorded claims of what the token says: under
 * details.claims when `verified`, else under details.unverified_claims (anyone can write
 * them), with details.verified. Callers: service_role.
 */
create function sfp_api.audit_oidc_refusal(message text, claims jsonb default null, verified boolean default false,
                                           context jsonb default '{}')
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform sfp._audit(sfp._refused(null), 'oidc.exchange', 'denied', audit_oidc_refusal.context,
    message => left(audit_oidc_refusal.message, 200),
    details => jsonb_build_object(
      case when coalesce(audit_oidc_refusal.verified, false) then 'claims' else 'unverified_claims' end,
      case when jsonb_typeof(audit_oidc_refusal.claims) = 'object'
           then sfp._oidc_recorded_claims(audit_oidc_refusal.claims) end,
      'verified', coalesce(audit_oidc_refusal.verified, false)));
end;
$$;
revoke all on function sfp_api.audit_oidc_refusal(text, jsonb, boolean, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.audit_oidc_refusal(text, jsonb, boolean, jsonb) to service_role;

/**
 * What an exchange of a job's token would do, without doing it: every policy in name order
 * with matched or the first failing check ({check, message}), whether the token's jti was
 * already exchanged, and the policy an exchange would use. `claims` as for the exchange (the
 * Edge Function sends what the token says even when it could not verify it). Nothing is
 * recorded. Callers: owners, the service. Errors: SF401, 42501.
 */
create function sfp_api.explain_oidc_token(claims jsonb, context jsonb default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._actor(explain_oidc_token.context);
  v_claims jsonb := case when jsonb_typeof(explain_oidc_token.claims) = 'object' then explain_oidc_token.claims else '{}' end;
begin
  perform sfp._require_role(v_actor, 'owner');
  return jsonb_build_object(
    'replayed', exists (select 1 from sfp.oidc_used_tokens u
                        where u.issuer = v_claims ->> 'iss' and u.jti = v_claims ->> 'jti'),
    'policy', (select (v.policy).name from sfp._oidc_verdicts(v_claims) v where v.failure is null
               order by (v.policy).name limit 1),
    'policies', coalesce((select jsonb_agg(jsonb_build_object(
        'id', (v.policy).id,
        'name', (v.policy).name,
        'matched', v.failure is null,
        'check', v.failure ->> 'check',
        'message', v.failure ->> 'message') order by (v.policy).name)
      from sfp._oidc_verdicts(v_claims) v), '[]'::jsonb));
end;
$$;
revoke all on function sfp_api.explain_oidc_token(jsonb, jsonb) from public, anon, authenticated;
grant execute on function sfp_api.explain_oidc_token(jsonb, jsonb) to service_role;

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
