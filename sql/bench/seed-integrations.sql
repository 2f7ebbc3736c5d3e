-- Scale seed, step 2: integrations $1..$2, each scoped to one seeded project (integration n
-- to project ((n - 1) % $3) + 1, so $3 projects share them evenly), created by the owner $4,
-- with real credentials stored by the product's own sfp._store_credentials (sealed for their
-- own row, so each one would decrypt, and only on its row). The mix of shapes is plausible:
-- GitHub PATs, OAuth and Apps (a 1.6 kB PEM key), Jira basic auth, PATs and OAuth.
-- The key ring comes from the transaction-local setting sfp.keyring (a bind parameter).
-- Several statements, run in order in one transaction (bench/seed.ts splits them); only the
-- one filling the temporary table takes parameters.

create temporary table seed_integrations (
  g integer, id uuid, provider text, auth_type text, project text, created_at timestamptz,
  created_by uuid, credentials jsonb
) on commit drop;

insert into seed_integrations (g, id, provider, auth_type, project, created_at, created_by, credentials)
with spec as (
  select g,
         gen_random_uuid() as id,
         case when g % 2 = 0 then 'github' else 'jira' end as provider,
         case g % 6
           when 0 then 'pat' when 2 then 'oauth' when 4 then 'app'
           when 1 then 'basic_auth' when 3 then 'pat' else 'oauth'
         end as auth_type,
         'seed-org-' || ((((g - 1) % $3::integer) + 1) / 100) || '/repo-' || (((g - 1) % $3::integer) + 1) as project,
         now() - interval '300 days' + g * interval '100 milliseconds' as created_at
  from generate_series($1::integer, $2::integer) as g
)
select g, id, provider, auth_type, project, created_at, $4::uuid,
       case g % 6
         when 0 then jsonb_build_object('token', 'ghp_' || left(md5(id::text), 36))
         when 2 then jsonb_build_object('access_token', 'gho_' || md5(id::text), 'refresh_token', 'ghr_' || md5(g::text),
                                        'expires_at', '2027-01-01T00:00:00Z', 'client_id', 'Iv1.' || left(md5(g::text), 16))
         when 4 then jsonb_build_object('app_id', 100000 + g, 'installation_id', 2000000 + g,
                                        'private_key', '-----BEGIN RSA PRIVATE KEY-----' || chr(10)
                                          || encode(extensions.gen_random_bytes(595) || extensions.gen_random_bytes(595), 'base64')
                                          || chr(10) || '-----END RSA PRIVATE KEY-----' || chr(10))
         when 1 then jsonb_build_object('base_url', 'https://seed-' || (g % 97) || '.atlassian.net',
                                        'username', 'ci-' || g || '@seed.example', 'api_token', 'ATATT3x' || md5(id::text) || md5(g::text))
         when 3 then jsonb_build_object('base_url', 'https://jira.seed-' || (g % 89) || '.example', 'token', md5(id::text) || md5(g::text))
         else jsonb_build_object('access_token', 'eyJ' || md5(id::text) || md5(g::text), 'refresh_token', md5(g::text),
                                 'cloud_id', gen_random_uuid())
       end
from spec;

insert into sfp.integrations (id, provider, auth_type, is_global, config, current_version, created_by, created_at, updated_at)
select id, provider, auth_type, false, '{}', 1, created_by, created_at, created_at from seed_integrations;

do $$ begin perform sfp._store_credentials(s.id, 1, s.auth_type, s.credentials, current_setting('sfp.keyring')::jsonb) from pg_temp.seed_integrations as s; end $$;

insert into sfp.integration_projects (integration_id, project_id)
select s.id, p.id
from seed_integrations as s
join sfp.projects as p on p.identifier = s.project;
