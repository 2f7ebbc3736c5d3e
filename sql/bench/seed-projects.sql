-- Scale seed, step 1: projects $1..$2 ("seed-org-<n / 100>/repo-<n>", 100 repositories per
-- organisation), created by the owner $3, spread over the past year.
insert into sfp.projects (identifier, remote_url, platform, created_by, created_at, updated_at)
select 'seed-org-' || (g / 100) || '/repo-' || g,
       'https://github.com/seed-org-' || (g / 100) || '/repo-' || g || '.git',
       'github', $3::uuid,
       now() - interval '365 days' + g * interval '1 second',
       now() - interval '365 days' + g * interval '1 second'
from generate_series($1::integer, $2::integer) as g;
