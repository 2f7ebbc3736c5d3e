-- Scale seed, step 3: audit rows $1..$2 of $3, spread evenly over the past 180 days in id
-- order (as the log grows), shaped like the rows the RPCs write: mostly granted credential
-- reads by users and application tokens, some denials, misses and changes; request ids,
-- addresses and user agents of plausible length. Never a secret, like the real ones.
insert into sfp.audit_log (occurred_at, actor_type, actor_id, actor_email, actor_role, actor_token_id,
                           actor_token_name, action, outcome, integration_ids, provider, project,
                           ip, user_agent, request_id, message, details)
select now() - interval '180 days' + (g::float8 / $3::float8) * interval '180 days' - interval '1 hour',
       case when g % 3 = 0 then 'application' else 'user' end,
       case when g % 3 = 0 then null else md5((g % 50)::text)::uuid end,
       case when g % 3 = 0 then null else 'dev' || (g % 50) || '@seed.example' end,
       case when g % 3 = 0 then 'application' else 'owner' end,
       case when g % 3 = 0 then md5((g % 20)::text || 'token')::uuid end,
       case when g % 3 = 0 then 'ci-pipeline-' || (g % 20) end,
       case when g % 100 = 0 then 'integration.create' else 'credentials.read' end,
       case when g % 100 = 0 then 'succeeded' when g % 25 = 1 then 'denied' when g % 25 = 2 then 'not_found' else 'granted' end,
       case when g % 25 in (1, 2) then '{}'::uuid[] else array[md5(g::text)::uuid] end,
       case when g % 2 = 0 then 'github' else 'jira' end,
       'seed-org-' || ((g % 10000) / 100) || '/repo-' || (g % 10000),
       '10.' || (g % 250) || '.' || (g % 199) || '.' || (g % 97),
       'sfp-cli/' || (g % 9) || '.' || (g % 13) || '.0 node/20.19.' || (g % 5) || ' linux-x64',
       md5(g::text || 'request')::uuid::text,
       case when g % 25 = 1 then 'Forbidden - Requires role: owner or application'
            when g % 25 = 2 then 'No integration found for provider=github, project=seed-org-1/repo-1' end,
       case when g % 100 = 0 then '{"auth_type": "pat", "is_global": false, "projects": ["seed-org-1/repo-1"]}'::jsonb
            else '{}'::jsonb end
from generate_series($1::bigint, $2::bigint) as g;
