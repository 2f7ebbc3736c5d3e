-- Who is calling, as the RPCs see it: the actor type, the role checks every sfp_api function
-- starts with, and sfp._actor, the caller or a 401.
--
-- Order: the actors domain is split in two. This part comes first because everything after
-- it uses the type: sfp._audit takes an sfp.actor, and every sfp_api function declares one.
-- The authentication of claims and of application tokens (sfp._authenticate and
-- sfp._authenticate_application) is the authentication migration, after the members and
-- application tokens migrations: its functions declare variables of those tables' row types,
-- which plpgsql resolves when a function is created. sfp._actor calls sfp._authenticate: a
-- call in a plpgsql body is resolved when it runs, never while migrating.

-- Who is calling.
--   kind: 'user' (a verified Supabase Auth user acting through a trusted caller),
--         'application' (an sfp_app_ token), 'oidc' (an sfp_oidc_ access token, exchanged for
--         a pipeline's OIDC token: the oidc migration), 'service' (service_role itself), or
--         'anonymous' (authentication failed: `refusal` says why).
--   role: 'owner', 'member', 'application' (application and oidc tokens), 'service', or null
--         for a signed-in user who is not a member of the team.
--   token_id, token_name: the application token; for 'oidc', the access token's session and
--         the name of the trust policy that granted it.
--   token_project_ids, token_providers: the caller's token scope, null when unscoped (and for
--         every caller that is not an application or oidc token): the projects' ids (empty: a
--         scope whose projects were all deleted); the provider names.
create type sfp.actor as (
  kind text,
  user_id uuid,
  email text,
  role text,
  token_id uuid,
  token_name text,
  refusal text,
  token_project_ids uuid[],
  token_providers text[]
);

/**
 * "Forbidden - Requires role: owner", "... owner or application", "... owner, member or application".
 */
create function sfp._forbidden_message(variadic roles text[]) returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  -- plpgsql, not sql: planned once per session, not on every call (docs/performance.md).
  return 'Forbidden - Requires role: ' || case
    when cardinality(_forbidden_message.roles) = 1 then _forbidden_message.roles[1]
    else array_to_string(_forbidden_message.roles[1:cardinality(_forbidden_message.roles) - 1], ', ')
         || ' or ' || _forbidden_message.roles[cardinality(_forbidden_message.roles)]
  end;
end;
$$;

/**
 * True when the actor holds one of the roles; the service holds every role.
 */
create function sfp._has_role(actor sfp.actor, variadic roles text[]) returns boolean
language plpgsql immutable
set search_path = ''
as $$
begin
  return coalesce((_has_role.actor).role = 'service' or (_has_role.actor).role = any (_has_role.roles), false);
end;
$$;

/**
 * Raises 42501 "Forbidden - Requires role: <roles>" unless the actor holds one of the roles.
 * Callers: sfp_api functions whose refusal needs no audit row (changes and listings).
 */
create function sfp._require_role(actor sfp.actor, variadic roles text[]) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if not sfp._has_role(_require_role.actor, variadic _require_role.roles) then
    raise exception using errcode = '42501', message = sfp._forbidden_message(variadic _require_role.roles);
  end if;
end;
$$;

/**
 * The caller, as sfp._authenticate resolves it; raises SF401 with the reason when the
 * authentication failed. Callers: every sfp_api function whose refusals need no audit row.
 */
create function sfp._actor(context jsonb) returns sfp.actor
language plpgsql volatile
set search_path = ''
as $$
declare
  v_actor sfp.actor := sfp._authenticate(_actor.context);
begin
  if v_actor.refusal is not null then
    raise exception using errcode = 'SF401', message = v_actor.refusal;
  end if;
  return v_actor;
end;
$$;

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
