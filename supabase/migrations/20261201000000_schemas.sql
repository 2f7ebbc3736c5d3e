-- The two schemas of the credential store, the extension it needs, and the role that owns
-- the audit log.
--   sfp      private: tables and internal helpers. No API role has USAGE on it, so no table
--            is reachable through PostgREST, GraphQL or a direct login as anon/authenticated.
--   sfp_api  the public RPC surface. Every function in it is SECURITY DEFINER and executable
--            by service_role only (splinter lints 0028/0029: a definer function executable by
--            anon or authenticated is a privilege escalation). Signed-in users reach it through
--            the Edge Functions, which verify their token and pass the verified claims in
--            `context` (one round trip per request, see docs/security.md, "Why the RPCs take claims, and the round trips of a request").
--   sfp_audit_owner  a NOLOGIN role; the audit migration (the last one) hands it schema sfp,
--            the audit tables and the function that prunes them (see there why).
--
-- Error codes raised by every function here (the HTTP mapper in functions/_shared/errors.ts
-- serves the same catalogue):
--   22023 bad input -> 400      42501 forbidden -> 403      23505 already exists -> 409
--   SF401 not authenticated -> 401                          SF404 not found -> 404
--   SF409 conflicts with the current state (e.g. removing the last owner) -> 409
--   SFK01 key ring missing or lacks a version -> 500        SFK02 ciphertext failed its integrity check -> 500
--   SFK03 the call needs key versions the caller holds but did not send (it calls again with them) -> 500
--   SFK04 a key differs from the key check value stored for its version -> 500
--   SFL01 the server would log statement parameters, credential work refused -> 503
--   SFL02 a key or secret arrived in a transaction without the log-safety guard -> 500

create extension if not exists pgcrypto with schema extensions;

create schema if not exists sfp;
comment on schema sfp is 'Integrations credential store: private tables and helpers. Not exposed to any API role.';
revoke all on schema sfp from public;

create schema if not exists sfp_api;
comment on schema sfp_api is 'Integrations credential store: RPC functions, executable by service_role only.';
revoke all on schema sfp_api from public;
grant usage on schema sfp_api to service_role;

-- The owner of the audit log (see the header). Made only where missing: roles are cluster-wide.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'sfp_audit_owner') then
    create role sfp_audit_owner nologin noinherit;
    -- Only its creator may comment on it (another database of the cluster may have made it).
    comment on role sfp_audit_owner is 'Owns the audit log of the integrations credential store and schema sfp; nobody logs in as it.';
  end if;
end
$$;

-- PostgreSQL lets PUBLIC execute every new function, and a schema's default privileges
-- cannot take that away (only the role-wide default can, which would change every other
-- function this role creates). So each function in sfp_api is followed by its own
-- `revoke all ... from public, anon, authenticated` and one explicit grant, each migration
-- that creates functions in sfp ends with a revoke of all of them from every API role, and
-- tests/database/advisor.test.ts fails if any function of these schemas is executable by
-- an API role it was not granted to.
