-- Plain-PostgreSQL bootstrap: what a Supabase database already has and our migrations rely on.
-- Applied by `npm start` and the tests before `supabase db push`; never deployed to hosted
-- Supabase, which has all of this (and more) already. Idempotent: safe to run on every start.

-- The API roles, as Supabase defines them. `authenticator` is the login role that PostgREST
-- (and our Edge Functions, locally) connect as; it switches to one of the three others.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
end
$$;

grant anon, authenticated, service_role to authenticator;

-- The Edge Functions start their sessions with log_parameter_max_length = 0 (and
-- _on_error = 0) and pgaudit.log_parameter = off, so no bind parameter or function argument
-- (a key, a secret) of theirs is ever logged. Superuser-only settings: PostgreSQL 15+ lets a
-- superuser hand out the right to set them (pgaudit's too, whether or not it is loaded).
grant set on parameter log_parameter_max_length, log_parameter_max_length_on_error, pgaudit.log_parameter
  to authenticator;

-- Supabase keeps extensions out of `public` (splinter lint 0014).
create schema if not exists extensions;
grant usage on schema extensions to anon, authenticated, service_role;

-- The part of Supabase Auth our schema touches: users, and the claim helpers PostgREST-style
-- callers use. The helpers read the transaction-local settings PostgREST sets per request.
create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

create table if not exists auth.users (
  id uuid primary key default gen_random_uuid(),
  email text unique,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table auth.users add column if not exists email_confirmed_at timestamptz;

create or replace function auth.jwt() returns jsonb
language sql stable set search_path = ''
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

create or replace function auth.uid() returns uuid
language sql stable set search_path = ''
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable set search_path = ''
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable set search_path = ''
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

grant execute on function auth.jwt(), auth.uid(), auth.role(), auth.email()
  to anon, authenticated, service_role;
