-- An integration write as the Edge Functions send it: guard and create_integration pipelined
-- in one transaction. Scoped to a project of its own, so the reads' project is untouched.
\startpipeline
begin;
select sfp_api.guard_log_safety();
select sfp_api.create_integration(provider => 'github', auth_type => 'pat',
                                  credentials => :credentials::jsonb, is_global => false,
                                  projects => array[:project::text], config => '{}'::jsonb,
                                  context => :context::jsonb, keyring => :keyring::jsonb);
commit;
\endpipeline
